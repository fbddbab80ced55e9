//! A login flood against the real binary: 600 wrong passwords at once (half on one real
//! account, half on names that do not exist) while `/api/health` is polled.
//!
//! What must hold: every try is answered (401 or 429 with `Retry-After` and a sentence,
//! never a 5xx or a dropped connection); the real account's tries past the free five are
//! refused before any password check; the server's peak memory stays bounded, because
//! password checks (argon2id, 19 MiB each) run at most one per core however many arrive;
//! health keeps answering meanwhile.
//!
//! It is also the load tool for the figures in docs/security.md: in release,
//! `SWITCHBOARD_FLOOD_LOGINS=600 cargo test --release -p switchboard-server --test integration login_flood:: -- --nocapture`.

use crate::common;

use crate::common::process::{BIN, Served};
use reqwest::StatusCode;
use serde_json::json;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use switchboard_server::ServerConfig;

/// A kibibyte figure from /proc/<pid>/status (`VmHWM`: the peak resident set).
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_hundred_wrong_passwords_at_once_are_throttled_and_bounded() {
    let logins: usize = std::env::var("SWITCHBOARD_FLOOD_LOGINS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(600);
    let dir = tempfile::tempdir().expect("tempdir");
    common::seed_users(&ServerConfig::new(dir.path().to_path_buf()), &["admin"]);
    let mut command = Command::new(BIN);
    command
        .env_remove("SWITCHBOARD_DATA_DIR")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path());
    let served = Served::spawn(command);
    let pid = served.child.id();
    let url = served.url.clone();
    // 300 password checks queue two at a time on a 2-core machine: give them time.
    switchboard_tls::install_default_provider();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(180))
        .build()
        .expect("http client");
    // Warm: the first request sets up what every later one shares.
    let warm = http.get(format!("{url}/api/health/")).send().await;
    assert!(warm.is_ok_and(|r| r.status().is_success()));
    let baseline_kib = status_kib(pid, "VmRSS:");

    // Health, polled every 20 ms on its own connection for as long as the flood lasts.
    let flooding = Arc::new(AtomicBool::new(true));
    let poller = {
        let (url, flooding) = (url.clone(), flooding.clone());
        let health = common::http_client();
        tokio::spawn(async move {
            let mut took = Vec::new();
            while flooding.load(Ordering::Relaxed) {
                let asked = Instant::now();
                let response = health.get(format!("{url}/api/health/")).send().await;
                assert!(
                    response.is_ok_and(|r| r.status() == StatusCode::OK),
                    "health failed during the flood"
                );
                took.push(asked.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            took
        })
    };

    let started = Instant::now();
    let tries = (0..logins).map(|n| {
        let (http, url) = (http.clone(), url.clone());
        // Half on the real admin account, half on names nobody has.
        let username = if n % 2 == 0 {
            "admin".to_owned()
        } else {
            format!("nobody-{n}")
        };
        tokio::spawn(async move {
            let response = http
                .post(format!("{url}/api/login/"))
                .json(&json!({"username": username, "password": "not-the-password"}))
                .send()
                .await
                .unwrap_or_else(|e| panic!("login {n} got no answer: {e}"));
            let status = response.status();
            let retry_after = response.headers().get("retry-after").cloned();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (username, status, retry_after, body)
        })
    });
    let tries: Vec<_> = tries.collect();
    let mut answers = Vec::new();
    for task in tries {
        answers.push(task.await.expect("a login task"));
    }
    let flood_took = started.elapsed();
    flooding.store(false, Ordering::Relaxed);
    let mut health = poller.await.expect("the health poller");
    health.sort();
    let peak_kib = status_kib(pid, "VmHWM:");

    let mut refused_on_admin = 0;
    for (username, status, retry_after, body) in &answers {
        match *status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(
                    username, "admin",
                    "only the real account's name was repeated"
                );
                let wait: u64 = retry_after
                    .as_ref()
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("429 without a Retry-After: {body}"));
                assert!(wait >= 1, "{wait}");
                assert!(
                    body["error"].as_str().is_some_and(|e| e.contains("wait")),
                    "{body}"
                );
                refused_on_admin += 1;
            }
            other => panic!("{username}: {other} {body}"),
        }
    }
    let on_admin = logins.div_ceil(2);
    // Tries count when they start: six reach a password check (five free, and the sixth
    // waits 0 s), then one more per doubling wait (1 s, 2 s, …) should the tries arrive
    // spread out over that long.
    let checked_on_admin = on_admin - refused_on_admin;
    assert!(
        (6..=9).contains(&checked_on_admin),
        "{checked_on_admin} of {on_admin} tries on admin were checked"
    );

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let grown_mib = peak_kib.saturating_sub(baseline_kib) / 1024;
    let (p50, p99, max) = (
        percentile(&health, 0.5),
        percentile(&health, 0.99),
        health.last().copied().unwrap_or_default(),
    );
    println!(
        "{logins} wrong passwords in {flood_took:.2?}: {refused_on_admin} refused with 429, \
         {} checked; server RSS {} MiB before, peak {} MiB (+{grown_mib} MiB, {cores} cores); \
         /api/health over {} polls: p50 {p50:.2?}, p99 {p99:.2?}, max {max:.2?}",
        logins - refused_on_admin,
        baseline_kib / 1024,
        peak_kib / 1024,
        health.len(),
    );
    // One argon2id check (19 MiB) per core at a time, plus connection buffers: an
    // unbounded server took 19 MiB per concurrent try (600 tries, over 11 GiB).
    let bound_mib = 64 + 24 * cores;
    assert!(
        grown_mib < bound_mib,
        "the flood grew the server by {grown_mib} MiB (bound {bound_mib} MiB)"
    );
    assert!(!health.is_empty(), "health was polled during the flood");
    drop(served);
}
