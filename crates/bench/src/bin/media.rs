//! `switchboard-media-bench`: how fast a call's audio starts and what it costs.
//!
//! Runs the real server in-process on 127.0.0.1 and two client engines' media (Rust
//! WebRTC peers, Opus) in this process:
//! - accept → first decoded audio: from the callee's `answer` request to the first frame
//!   carrying the other side's tone, each direction, over `--calls` calls;
//! - CPU per 1:1 call: process CPU over `--cpu-seconds` of one call, divided by its two
//!   sides (the server is idle while media flows peer to peer).

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_bench::{TICKS_PER_SECOND, percentiles, round, sample};
use switchboard_client::Api;
use switchboard_client::call::{MediaCall, MediaOptions};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_media::tone::has_tone;
use switchboard_protocol::{CallAction, CallType};
use switchboard_server::{Server, ServerConfig};

#[derive(Parser, Debug)]
#[command(
    name = "switchboard-media-bench",
    about = "Accept → first audio, and CPU per call"
)]
struct Args {
    /// Calls to time.
    #[arg(long, default_value_t = 50)]
    calls: usize,
    /// Seconds of one call over which CPU is measured.
    #[arg(long, default_value_t = 10)]
    cpu_seconds: u64,
}

const PASSWORD: &str = "bench-password";
const CALLER_TONE: f64 = 440.0;
const CALLEE_TONE: f64 = 1000.0;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let config = ServerConfig::new(dir.path().to_path_buf());
    switchboard_server::server::seed_accounts(&config, &["caller", "callee"], PASSWORD)?;
    let server = Server::bind("127.0.0.1:0".parse()?, config).await?;
    let url = server.url();
    let mut caller = Api::new(&url)?;
    let caller_id = caller.login("caller", PASSWORD).await?.user.id;
    let mut callee = Api::new(&url)?;
    let callee_id = callee.login("callee", PASSWORD).await?.user.id;

    let mut to_callee = Vec::new();
    let mut to_caller = Vec::new();
    for n in 0..args.calls {
        let ((heard_by_caller, heard_by_callee), _) =
            one_call(&caller, caller_id, &callee, callee_id, Duration::ZERO)
                .await
                .with_context(|| format!("call {n}"))?;
        to_caller.push(heard_by_caller);
        to_callee.push(heard_by_callee);
    }
    to_caller.sort_unstable();
    to_callee.sort_unstable();

    let (_, cpu_pct) = one_call(
        &caller,
        caller_id,
        &callee,
        callee_id,
        Duration::from_secs(args.cpu_seconds),
    )
    .await?;
    let report = json!({
        "mode": "media",
        "calls": args.calls,
        "accept_to_first_audio_ms": {
            "caller_hears_callee": percentiles(&to_caller),
            "callee_hears_caller": percentiles(&to_callee),
        },
        "cpu_pct_of_a_core": {
            "whole_call_both_sides": round(cpu_pct, 2),
            "per_side": round(cpu_pct / 2.0, 2),
            "seconds": args.cpu_seconds,
        },
    });
    println!("{report}");
    server.shutdown().await?;
    Ok(())
}

/// One call. Returns the microseconds from accept to the first frame of the far tone
/// (caller side, callee side), and — when `hold` is set — the process CPU (% of a core)
/// while it lasted.
async fn one_call(
    caller: &Api,
    caller_id: i64,
    callee: &Api,
    callee_id: i64,
    hold: Duration,
) -> Result<((u64, u64), f64)> {
    let call = caller.initiate_call(callee_id, CallType::Audio).await?;
    let accepted = Instant::now();
    let answered = callee.update_call(call.id, CallAction::Answer).await?;
    let (heard_by_caller, heard_by_callee) = (FrameLog::default(), FrameLog::default());
    let options = MediaOptions::for_server(caller.base());
    let (a, b) = tokio::join!(
        MediaCall::start(
            caller,
            caller_id,
            &answered,
            Box::new(ToneSource::new(CALLER_TONE)),
            Box::new(heard_by_caller.clone()),
            options.clone()
        ),
        MediaCall::start(
            callee,
            callee_id,
            &answered,
            Box::new(ToneSource::new(CALLEE_TONE)),
            Box::new(heard_by_callee.clone()),
            options
        ),
    );
    let (a, b) = (a?, b?);
    let first = |log: &FrameLog, tone: f64| {
        log.frames()
            .into_iter()
            .find(|(_, f)| has_tone(f, tone))
            .map(|(at, _)| at.duration_since(accepted).as_micros() as u64)
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    let times = loop {
        if let (Some(x), Some(y)) = (
            first(&heard_by_caller, CALLEE_TONE),
            first(&heard_by_callee, CALLER_TONE),
        ) {
            break (x, y);
        }
        if Instant::now() > deadline {
            bail!("no audio within 15 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let mut cpu = 0.0;
    if !hold.is_zero() {
        let pid = std::process::id();
        let (_, before) = sample(pid).unwrap_or_default();
        let started = Instant::now();
        tokio::time::sleep(hold).await;
        let (_, after) = sample(pid).unwrap_or_default();
        cpu = (after - before) as f64 / TICKS_PER_SECOND / started.elapsed().as_secs_f64() * 100.0;
    }
    a.hang_up().await;
    b.hang_up().await;
    caller.update_call(call.id, CallAction::End).await?;
    Ok((times, cpu))
}
