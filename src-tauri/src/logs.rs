//! Logs to stderr and to a file a day in the log folder, which the about box opens for
//! support ("Open log folder"); a week of files is kept.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

static DIR: OnceLock<PathBuf> = OnceLock::new();

/// The log folder (set by [`init`]).
pub fn dir() -> PathBuf {
    DIR.get().cloned().unwrap_or_default()
}

/// Starts logging; the returned guard flushes the file when the app exits. A folder
/// that cannot be made leaves logging on stderr only, with a warning.
pub fn init(dir: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tao=warn,wry=warn".into());
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let _ = DIR.set(dir.to_path_buf());
    // Logs name colleagues and servers: the user's alone, like the settings.
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
    let _ = folder.create(dir);
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("switchboard")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir);
    match file {
        Ok(file) => {
            let (writer, guard) = tracing_appender::non_blocking(file);
            let file = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            tracing_subscriber::registry()
                .with(stderr)
                .with(file)
                .init();
            Some(guard)
        }
        Err(e) => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!(dir = %dir.display(), error = %e, "cannot write logs to a file; stderr only");
            None
        }
    }
}
