//! The lifecycle mode (`--lifecycle-s`): whole calls back to back, timed end to end,
//! with the servers' CPU over the run.

use crate::cpu::{busy_pct, core_ticks, sample_all, server_cpus};
use crate::{Args, Shared, User};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};
use switchboard_bench::{TICKS_PER_SECOND, percentiles, round};

/// Whole calls back to back on `lifecycle_pairs` pairs for `lifecycle_s`: the caller
/// invites, the callee answers when `call_invite` reaches its socket, the caller ends.
pub(crate) async fn lifecycles(
    args: &Args,
    users: &[User],
    base: &str,
    http: &reqwest::Client,
    shared: &Arc<Shared>,
    pids: &[u32],
) -> Value {
    let cpus = server_cpus(args);
    let (_, ticks_before) = sample_all(pids);
    let cores_before = core_ticks(&cpus);
    let started = Instant::now();
    let stop_at = started + Duration::from_secs_f64(args.lifecycle_s);
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for pair in 0..args.lifecycle_pairs {
        let caller = (users[2 * pair].id, users[2 * pair].token.clone());
        let callee = (users[2 * pair + 1].id, users[2 * pair + 1].token.clone());
        let (http, base, shared, errors) = (
            http.clone(),
            base.to_owned(),
            shared.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut took_us = Vec::new();
            while Instant::now() < stop_at {
                let t0 = Instant::now();
                match one_call(&http, &base, &shared, &caller, &callee).await {
                    Ok(()) => took_us.push(t0.elapsed().as_micros() as u64),
                    Err(e) => {
                        if errors.fetch_add(1, Relaxed) < 3 {
                            eprintln!("lifecycle: {e:#}");
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
            took_us
        }));
    }
    let mut took = Vec::new();
    for t in tasks {
        took.extend(t.await.unwrap_or_default());
    }
    let secs = started.elapsed().as_secs_f64();
    let (_, ticks_after) = sample_all(pids);
    took.sort_unstable();
    json!({
        "pairs": args.lifecycle_pairs,
        "seconds": round(secs, 2),
        "completed": took.len(),
        "errors": errors.load(Relaxed),
        "per_s": round(took.len() as f64 / secs.max(1e-9), 1),
        "lifecycle_ms": percentiles(&took),
        "switchboard_cpu_pct": round((ticks_after - ticks_before) as f64 / TICKS_PER_SECOND / secs.max(1e-9) * 100.0, 1),
        "server_cores_busy_pct": busy_pct(cores_before, core_ticks(&cpus)),
    })
}

/// One call: invite, answer once the invite is pushed, end.
async fn one_call(
    http: &reqwest::Client,
    base: &str,
    shared: &Shared,
    (caller_id, caller_token): &(i64, String),
    (callee_id, callee_token): &(i64, String),
) -> Result<()> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    if let Ok(mut waiting) = shared.waiting.lock() {
        waiting.insert(*callee_id, tx);
    }
    let response = http
        .post(format!("{base}/api/calls/invite"))
        .bearer_auth(caller_token)
        .json(&json!({"receiver_id": callee_id}))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("invite from {caller_id}: {status} {body}");
    }
    let call_id = body["call_id"].as_i64().context("no call_id")?;
    let pushed = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .context("the invite was not pushed within 5 s")?
        .context("the callee's socket closed")?;
    if pushed != call_id {
        bail!("call {call_id} rang as {pushed}");
    }
    for (token, action) in [(callee_token, "answer"), (caller_token, "end")] {
        let response = http
            .post(format!("{base}/api/jitsi-calls/{call_id}/update_status/"))
            .bearer_auth(token)
            .json(&json!({"action": action}))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("{action} call {call_id}: {}", response.status());
        }
    }
    Ok(())
}
