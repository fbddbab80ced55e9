//! `switchboard-media-bench`: how fast a call's audio starts and what it costs.
//!
//! Runs the real server in-process on 127.0.0.1 and two client engines' media (Rust
//! WebRTC peers, Opus) in this process:
//! - accept → first decoded audio: from the callee's `answer` request to the first frame
//!   carrying the other side's tone, each direction, over `--calls` calls;
//! - CPU per 1:1 call: process CPU over `--cpu-seconds` of one call, divided by its two
//!   sides (the server is idle while media flows peer to peer), with the tones sent raw
//!   and again through the voice processing stage (echo cancellation against what each
//!   side receives, noise suppression, auto gain), as a microphone's audio goes;
//! - meetings (`--mesh 3,4,6`): everyone joins at once; time until every member is
//!   connected with every other, until every member hears every other's tone, and CPU
//!   per participant (each sends to and decodes from all the others).

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_bench::{TICKS_PER_SECOND, percentiles, round, sample};
use switchboard_client::Api;
use switchboard_client::call::{MediaCall, MediaOptions};
use switchboard_client::meeting::MeetingMedia;
use switchboard_media::audio::{AudioSink, AudioSource, FrameLog, Tee, ToneSource};
use switchboard_media::devices::{ProcessedSource, VoicePath};
use switchboard_media::processing::VoiceSettings;
use switchboard_media::tone::{energy_share, has_tone, rms};
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
    /// Meeting sizes to measure as a mesh (at most 6).
    #[arg(long, value_delimiter = ',', default_value = "3,4,6")]
    mesh: Vec<usize>,
    /// Async worker threads (the CLI runs one: see its `main`).
    #[arg(long, default_value_t = 1)]
    workers: usize,
}

const PASSWORD: &str = "bench-password";
const CALLER_TONE: f64 = 440.0;
const CALLEE_TONE: f64 = 1000.0;
/// One tone per meeting member, apart enough for a 20 ms Goertzel to tell them apart.
const MESH_TONES: [f64; 6] = [400.0, 650.0, 1000.0, 1300.0, 1700.0, 2100.0];

fn main() -> Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers.max(1))
        .enable_all()
        .build()?
        .block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    if let Some(too_big) = args.mesh.iter().find(|n| !(2..=6).contains(*n)) {
        bail!("a mesh has 2 to 6 members, not {too_big}");
    }
    let dir = tempfile::tempdir()?;
    let config = ServerConfig::new(dir.path().to_path_buf());
    let names = ["caller", "callee", "m1", "m2", "m3", "m4", "m5", "m6"];
    let server = Server::bind("127.0.0.1:0".parse()?, config).await?;
    server.accounts().seed(&names, PASSWORD).await?;
    let url = server.url();
    let mut caller = Api::new(&url)?;
    let caller_id = caller.login("caller", PASSWORD).await?.user.id;
    let mut callee = Api::new(&url)?;
    let callee_id = callee.login("callee", PASSWORD).await?.user.id;

    let mut to_callee = Vec::new();
    let mut to_caller = Vec::new();
    for n in 0..args.calls {
        let ((heard_by_caller, heard_by_callee), _) = one_call(
            &caller,
            caller_id,
            &callee,
            callee_id,
            Duration::ZERO,
            false,
        )
        .await
        .with_context(|| format!("call {n}"))?;
        to_caller.push(heard_by_caller);
        to_callee.push(heard_by_callee);
    }
    to_caller.sort_unstable();
    to_callee.sort_unstable();

    let hold = Duration::from_secs(args.cpu_seconds);
    let (_, cpu_pct) = one_call(&caller, caller_id, &callee, callee_id, hold, false).await?;
    let (_, processed_cpu_pct) =
        one_call(&caller, caller_id, &callee, callee_id, hold, true).await?;
    let mut members = Vec::new();
    for name in &names[2..] {
        let mut api = Api::new(&url)?;
        let id = api.login(name, PASSWORD).await?.user.id;
        members.push((api, id));
    }
    let mut meshes = Vec::new();
    for size in &args.mesh {
        meshes.push(
            mesh(&members[..*size], Duration::from_secs(args.cpu_seconds))
                .await
                .with_context(|| format!("mesh of {size}"))?,
        );
    }
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
            "with_voice_processing": {
                "whole_call_both_sides": round(processed_cpu_pct, 2),
                "per_side": round(processed_cpu_pct / 2.0, 2),
            },
            "seconds": args.cpu_seconds,
        },
        "mesh": meshes,
    });
    println!("{report}");
    server.shutdown().await?;
    Ok(())
}

/// One side's audio ends: `tone` sent, what is heard logged; when `processed`, the tone
/// goes through the voice processing stage with what is heard as its echo reference.
fn ends(
    tone: f64,
    heard: &FrameLog,
    processed: bool,
) -> (Box<dyn AudioSource>, Box<dyn AudioSink>) {
    let tone = Box::new(ToneSource::new(tone));
    if !processed {
        return (tone, Box::new(heard.clone()));
    }
    let path = VoicePath::new(VoiceSettings::default());
    let sink = Tee(Box::new(heard.clone()), Box::new(path.reference.sink()));
    (Box::new(ProcessedSource::new(tone, path)), Box::new(sink))
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
    processed: bool,
) -> Result<((u64, u64), f64)> {
    let call = caller.initiate_call(callee_id, CallType::Audio).await?;
    let accepted = Instant::now();
    let answered = callee.update_call(call.id, CallAction::Answer).await?;
    let (heard_by_caller, heard_by_callee) = (FrameLog::default(), FrameLog::default());
    let options = MediaOptions::for_server(caller.base());
    let (caller_sends, caller_hears) = ends(CALLER_TONE, &heard_by_caller, processed);
    let (callee_sends, callee_hears) = ends(CALLEE_TONE, &heard_by_callee, processed);
    let (a, b) = tokio::join!(
        MediaCall::start(
            caller,
            caller_id,
            &answered,
            caller_sends,
            caller_hears,
            options.clone()
        ),
        MediaCall::start(
            callee,
            callee_id,
            &answered,
            callee_sends,
            callee_hears,
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

/// One meeting of `members.len()` people joining at once; see the module docs.
async fn mesh(members: &[(Api, i64)], hold: Duration) -> Result<serde_json::Value> {
    let size = members.len();
    let (host, _) = &members[0];
    let others: Vec<i64> = members[1..].iter().map(|(_, id)| *id).collect();
    let meeting = host
        .create_meeting(&format!("bench mesh of {size}"), &others)
        .await?;
    let logs: Vec<FrameLog> = (0..size).map(|_| FrameLog::default()).collect();
    let started = Instant::now();
    let joins = members.iter().enumerate().map(|(n, (api, id))| {
        MeetingMedia::join(
            api,
            *id,
            meeting.id,
            Box::new(ToneSource::new(MESH_TONES[n])),
            Box::new(logs[n].clone()),
            MediaOptions::for_server(api.base()),
        )
    });
    let joined: Vec<MeetingMedia> = futures::future::try_join_all(joins).await?;
    for media in &joined {
        media
            .connected_with(size - 1, Duration::from_secs(30))
            .await?;
    }
    let full_mesh = started.elapsed();
    // When each member first hears each other member's tone in its mix.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut first_heard = Vec::new();
    'wait: loop {
        first_heard.clear();
        for (n, log) in logs.iter().enumerate() {
            let frames = log.frames();
            for (m, hz) in MESH_TONES[..size].iter().enumerate() {
                if m == n {
                    continue;
                }
                let at = frames
                    .iter()
                    .find(|(_, f)| rms(f) > 0.01 && energy_share(f, *hz) > 0.15)
                    .map(|(at, _)| at.duration_since(started).as_micros() as u64);
                match at {
                    Some(at) => first_heard.push(at),
                    None if Instant::now() > deadline => {
                        bail!("member {n} never heard member {m}")
                    }
                    None => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue 'wait;
                    }
                }
            }
        }
        break;
    }
    first_heard.sort_unstable();
    let pid = std::process::id();
    let (_, before) = sample(pid).unwrap_or_default();
    let cpu_started = Instant::now();
    tokio::time::sleep(hold).await;
    let (_, after) = sample(pid).unwrap_or_default();
    let cpu =
        (after - before) as f64 / TICKS_PER_SECOND / cpu_started.elapsed().as_secs_f64() * 100.0;
    for media in joined {
        media.leave().await;
    }
    Ok(json!({
        "participants": size,
        "peer_connections": size * (size - 1) / 2,
        "join_to_full_mesh_ms": full_mesh.as_millis() as u64,
        "join_to_hearing_each_other_ms": percentiles(&first_heard),
        "cpu_pct_of_a_core": {
            "whole_meeting": round(cpu, 2),
            "per_participant": round(cpu / size as f64, 2),
            "seconds": hold.as_secs(),
        },
    }))
}
