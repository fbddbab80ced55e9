//! What the CLI's audio tests share: a real server with accounts, tokens, and real
//! `switchboard-cli` processes.

#![allow(dead_code)] // each test file uses its own subset

use std::process::{Command, Output, Stdio};
use switchboard_client::Api;
use switchboard_server::{Server, ServerConfig};

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard-cli");
#[path = "../../../../tests/support/serve.rs"]
mod serve;
pub use serve::{PASSWORD, serve};

pub async fn backend_with_config(names: &[&str]) -> (Server, tempfile::TempDir, ServerConfig) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = ServerConfig::new(dir.path().join("data"));
    let server = serve(config.clone(), names).await;
    (server, dir, config)
}

pub async fn backend(names: &[&str]) -> (Server, tempfile::TempDir) {
    let (server, dir, _) = backend_with_config(names).await;
    (server, dir)
}

pub async fn signed_in(url: &str, name: &str) -> Api {
    let mut api = Api::new(url).expect("url");
    api.login(name, PASSWORD).await.expect("login");
    api
}

pub async fn token(url: &str, name: &str) -> String {
    let api = signed_in(url, name).await;
    api.token().map(str::to_owned).expect("token")
}

/// A `switchboard-cli` process signed in with `token`, output captured.
pub fn cli(url: &str, token: &str, args: &[&str]) -> std::process::Child {
    cli_with_env(url, token, args, &[])
}

/// [`cli`] with more environment (a `DISPLAY` to share).
pub fn cli_with_env(
    url: &str,
    token: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Child {
    Command::new(BIN)
        .args(["--server", url])
        .envs(env.iter().copied())
        .args(args)
        .env("SWITCHBOARD_TOKEN", token)
        .env(
            "RUST_LOG",
            std::env::var("SWITCHBOARD_CLI_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn switchboard-cli")
}

pub async fn finish(child: std::process::Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join")
}

/// The 20 ms frames of a recording, after the first `skip_s` seconds.
pub fn recorded_frames(path: &std::path::Path, skip_s: f64) -> Vec<Vec<i16>> {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let skip = (skip_s * 48_000.0) as usize;
    samples
        .get(skip..)
        .unwrap_or(&[])
        .chunks_exact(switchboard_media::tone::FRAME_SAMPLES)
        .map(<[i16]>::to_vec)
        .collect()
}

/// Writes a 48 kHz mono 16-bit WAV file.
pub fn write_wav(path: &std::path::Path, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("wav");
    for s in samples {
        writer.write_sample(*s).expect("sample");
    }
    writer.finalize().expect("finalize");
}

/// A `--stats-json` file.
pub fn stats_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("json")
}
