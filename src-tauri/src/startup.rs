//! Where start-up's milliseconds go: a few marks, logged together with the window's
//! first load (docs/benchmarks.md reads them), so a slow start can be placed without a
//! profiler. What comes before `main` (loading the binary and its libraries) is the
//! difference between the launcher's clock and `since_start_ms`.

use std::sync::OnceLock;
use std::time::Instant;

/// The marks, in the order a start passes them.
#[derive(Clone, Copy, Debug)]
pub enum Mark {
    /// The setup hook begins: Tauri has built the app and the main window's webview.
    SetupBegins,
    /// The setup hook is done (controller, tray, the engine resuming in the background);
    /// the main loop runs next.
    SetupEnds,
    /// The main page's load began (WebKit's web process is up and asked for the page).
    PageStarted,
}

const MARKS: usize = 3;

static MAIN_ENTERED: OnceLock<Instant> = OnceLock::new();
static AT: [OnceLock<Instant>; MARKS] = [const { OnceLock::new() }; MARKS];

/// Called first thing in `main`; returns the instant start-up is counted from.
pub fn main_entered() -> Instant {
    *MAIN_ENTERED.get_or_init(Instant::now)
}

/// Notes `mark` the first time it is reached.
pub fn reached(mark: Mark) {
    let _ = AT[mark as usize].set(Instant::now());
}

/// Milliseconds from `main` to `mark`, if it was reached.
fn ms(mark: Mark) -> Option<u64> {
    let main = MAIN_ENTERED.get()?;
    let at = AT[mark as usize].get()?;
    Some(at.saturating_duration_since(*main).as_millis() as u64)
}

/// Logs the marks beside the first load's own figure.
pub fn log_first_load(since_start_ms: u64) {
    tracing::info!(
        since_start_ms,
        setup_begins_ms = ms(Mark::SetupBegins),
        setup_ends_ms = ms(Mark::SetupEnds),
        page_started_ms = ms(Mark::PageStarted),
        "window loaded"
    );
}
