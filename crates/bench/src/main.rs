//! `switchboard-bench invite`: holds N notification sockets on a real `switchboard-server`,
//! fires invites at a fixed rate and reports POST → `call_invite` latency, with the
//! server's RSS and CPU. Latency is measured in this one process with one clock.
//!
//! Users and tokens are made with the server's own library on its database (the admin
//! path), so setting up 10,000 users takes a second instead of 10,000 password checks.

use anyhow::{Context, Result, bail};
use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_bench::{TICKS_PER_SECOND, percentiles, round, sample};
use switchboard_server::auth::{Tokens, hash_password};
use switchboard_server::domain::users;
use switchboard_server::server::open_store;
use switchboard_server::{ServerConfig, now};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser, Debug)]
#[command(
    name = "switchboard-bench",
    about = "Invite latency with N sockets held open"
)]
struct Args {
    /// Notification sockets to hold (one user each).
    #[arg(long, default_value_t = 1000)]
    sockets: usize,
    /// Invites to send.
    #[arg(long, default_value_t = 500)]
    invites: usize,
    /// Invites per second.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// How long each caller lets the call ring before hanging up. Calls held past the
    /// feed's settling time (250 ms) make the caller busy for everyone: a presence_update
    /// to every socket at the start and the end of each call.
    #[arg(long, default_value_t = 0)]
    hold_ms: u64,
    /// Seconds between WebSocket pings on each idle socket (phases spread).
    #[arg(long, default_value_t = 20)]
    heartbeat_s: u64,
    /// Spread client sockets over 127.0.0.1..127.0.0.N so ports never run out.
    #[arg(long, default_value_t = 8)]
    src_ips: u8,
    /// Sockets connecting at once.
    #[arg(long, default_value_t = 256)]
    connect_concurrency: usize,
    /// The server binary [default: next to this one].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Pin the server to this CPU (taskset); the bench should run on another.
    #[arg(long)]
    server_cpu: Option<usize>,
    /// The server's log filter (RUST_LOG).
    #[arg(long, default_value = "warn")]
    server_log: String,
    /// Port for the server.
    #[arg(long, default_value_t = 18700)]
    port: u16,
}

struct Shared {
    /// receiver user id → send times of invites not yet seen.
    pending: Mutex<HashMap<i64, VecDeque<Instant>>>,
    latencies_us: Mutex<Vec<u64>>,
    received: AtomicUsize,
    unexpected: AtomicU64,
    closed: AtomicU64,
    presence_frames: AtomicU64,
    connected: AtomicUsize,
    notify: tokio::sync::Notify,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.sockets < 2 {
        bail!("--sockets must be at least 2: invites go from one socket's user to another's");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

struct User {
    id: i64,
    token: String,
}

fn prepare(data_dir: &std::path::Path, count: usize) -> Result<Vec<User>> {
    let config = ServerConfig::new(data_dir.to_path_buf());
    let store = open_store(&config)?;
    let hash = hash_password("bench-password")?;
    let ttl = chrono::Duration::hours(24);
    let (tokens, ids) = store.write_blocking(|tx| {
        users::create_test_users(tx, "load", count as u32, &hash, now())?;
        let tokens = Tokens::load(tx, ttl)?;
        let mut ids = Vec::with_capacity(count);
        for n in 1..=count {
            let user = tx
                .user_by_login(&format!("load{n}"))?
                .ok_or_else(|| switchboard_server::store::StoreError::backend("user vanished"))?;
            // As after a REST sign-in: online before the socket opens.
            switchboard_server::domain::presence::heartbeat(tx, user.info.id, now())?;
            ids.push(user.info.id);
        }
        Ok((tokens, ids))
    })?;
    ids.into_iter()
        .map(|id| {
            Ok(User {
                id,
                token: tokens.issue(id, now())?,
            })
        })
        .collect()
}

/// Starts the server; with `--server-cpu`, through taskset, which execs it (same pid).
fn start_server(args: &Args, data_dir: &std::path::Path) -> Result<Child> {
    let bin = match &args.server_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("no directory for this executable")?
            .join("switchboard-server"),
    };
    let mut command = match args.server_cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &cpu.to_string()]).arg(&bin);
            c
        }
        None => Command::new(&bin),
    };
    command
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", args.port),
            "--ring-timeout",
            "3600",
            "--data-dir",
        ])
        .arg(data_dir)
        .env("RUST_LOG", &args.server_log)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    command
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))
}

async fn run(args: Args) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    let users = prepare(dir.path(), args.sockets)?;
    eprintln!("prepared {} users in {:.1?}", users.len(), t.elapsed());
    let mut server = start_server(&args, dir.path())?;
    let pid = server.id();
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let ready = Instant::now();
    loop {
        if http.get(format!("{base}/api/health/")).send().await.is_ok() {
            break;
        }
        if ready.elapsed() > Duration::from_secs(30) {
            let _ = server.kill();
            bail!("the server did not come up");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let result = measure(&args, &users, &base, &http, pid).await;
    let _ = server.kill();
    let _ = server.wait();
    let report = result?;
    println!("{report}");
    Ok(())
}

async fn measure(
    args: &Args,
    users: &[User],
    base: &str,
    http: &reqwest::Client,
    pid: u32,
) -> Result<Value> {
    let shared = Arc::new(Shared {
        pending: Mutex::new(HashMap::new()),
        latencies_us: Mutex::new(Vec::new()),
        received: AtomicUsize::new(0),
        unexpected: AtomicU64::new(0),
        closed: AtomicU64::new(0),
        presence_frames: AtomicU64::new(0),
        connected: AtomicUsize::new(0),
        notify: tokio::sync::Notify::new(),
    });
    let (_, ticks_before_connect) = sample(pid).unwrap_or_default();
    let ws_base = base.replacen("http://", "ws://", 1);
    let limiter = Arc::new(tokio::sync::Semaphore::new(args.connect_concurrency));
    let connect_started = Instant::now();
    let connect_errors = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::with_capacity(users.len());
    for (index, user) in users.iter().enumerate() {
        let permit = limiter.clone().acquire_owned().await?;
        let src = IpAddr::V4(Ipv4Addr::new(
            127,
            0,
            0,
            1 + (index % usize::from(args.src_ips.max(1))) as u8,
        ));
        let url = format!("{ws_base}/api/ws/{}?token={}", user.id, user.token);
        let (shared, errors, user_id) = (shared.clone(), connect_errors.clone(), user.id);
        let heartbeat = Duration::from_secs(args.heartbeat_s.max(1));
        let phase = heartbeat.mul_f64(index as f64 / users.len().max(1) as f64);
        let port = args.port;
        handles.push(tokio::spawn(async move {
            let ws = match open(src, port, &url).await {
                Ok(ws) => ws,
                Err(_) => {
                    errors.fetch_add(1, Relaxed);
                    drop(permit);
                    return;
                }
            };
            shared.connected.fetch_add(1, Relaxed);
            drop(permit);
            hold(ws, user_id, shared, heartbeat, phase).await;
        }));
    }
    while shared.connected.load(Relaxed) + (connect_errors.load(Relaxed) as usize) < users.len() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_secs = connect_started.elapsed().as_secs_f64();
    let (_, ticks_after_connect) = sample(pid).unwrap_or_default();
    // Let the presence storm of N users coming online settle before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (rss_idle, ticks_before) = sample(pid).unwrap_or_default();
    let presence_before = shared.presence_frames.load(Relaxed);
    let invite_started = Instant::now();

    let interval = Duration::from_secs_f64(1.0 / args.rate.max(0.1));
    let post_errors = Arc::new(AtomicU64::new(0));
    let post_latencies = Arc::new(Mutex::new(Vec::new()));
    let mut posts = Vec::new();
    let mut next = tokio::time::Instant::now();
    for k in 0..args.invites {
        tokio::time::sleep_until(next).await;
        next += interval;
        let caller = &users[(2 * k) % users.len()];
        let receiver = &users[(2 * k + 1) % users.len()];
        let (http, url, token, receiver_id) = (
            http.clone(),
            format!("{base}/api/calls/invite"),
            caller.token.clone(),
            receiver.id,
        );
        let (shared, errors, lat) = (shared.clone(), post_errors.clone(), post_latencies.clone());
        let hold = Duration::from_millis(args.hold_ms);
        posts.push(tokio::spawn(async move {
            let t0 = Instant::now();
            if let Ok(mut pending) = shared.pending.lock() {
                pending.entry(receiver_id).or_default().push_back(t0);
            }
            let response = http
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({"receiver_id": receiver_id}))
                .send()
                .await;
            let call_id = match response {
                Ok(r) if r.status().is_success() => r
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v["call_id"].as_i64()),
                _ => None,
            };
            if let Ok(mut l) = lat.lock() {
                l.push(t0.elapsed().as_micros() as u64);
            }
            let Some(call_id) = call_id else {
                errors.fetch_add(1, Relaxed);
                return;
            };
            tokio::time::sleep(hold).await;
            // Free both users for the next round: the caller hangs up.
            let _ = http
                .post(format!(
                    "{}/api/jitsi-calls/{call_id}/update_status/",
                    url_base(&url)
                ))
                .bearer_auth(&token)
                .json(&json!({"action": "cancel"}))
                .send()
                .await;
        }));
    }
    for p in posts {
        let _ = p.await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.received.load(Relaxed) < args.invites - post_errors.load(Relaxed) as usize
        && Instant::now() < deadline
    {
        let _ = tokio::time::timeout(Duration::from_millis(100), shared.notify.notified()).await;
    }
    let invite_secs = invite_started.elapsed().as_secs_f64();
    let (rss_after, ticks_after) = sample(pid).unwrap_or_default();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    for h in &handles {
        h.abort();
    }

    let mut lat = shared
        .latencies_us
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    lat.sort_unstable();
    let mut post = post_latencies.lock().map(|l| l.clone()).unwrap_or_default();
    post.sort_unstable();
    let lost = args
        .invites
        .saturating_sub(lat.len() + post_errors.load(Relaxed) as usize);
    let cpu_connect = (ticks_after_connect - ticks_before_connect) as f64
        / TICKS_PER_SECOND
        / connect_secs.max(1e-9)
        * 100.0;
    Ok(json!({
        "mode": "invite",
        "sockets": args.sockets,
        "connected": shared.connected.load(Relaxed),
        "connect_errors": connect_errors.load(Relaxed),
        "connect_s": round(connect_secs, 2),
        "connects_per_s": round(users.len() as f64 / connect_secs.max(1e-9), 0),
        "invites": args.invites,
        "rate_per_s": args.rate,
        "received": lat.len(),
        "lost": lost,
        "post_errors": post_errors.load(Relaxed),
        "unexpected_invites": shared.unexpected.load(Relaxed),
        "closed_by_server": shared.closed.load(Relaxed),
        "hold_ms": args.hold_ms,
        "presence_frames_during_invites": shared.presence_frames.load(Relaxed) - presence_before,
        "invite_ms": percentiles(&lat),
        "post_ms": percentiles(&post),
        "server": {
            "rss_idle_mb": round(rss_idle as f64 / 1048576.0, 1),
            "rss_after_mb": round(rss_after as f64 / 1048576.0, 1),
            "kb_per_socket": round(rss_idle as f64 / 1024.0 / args.sockets.max(1) as f64, 1),
            "cpu_pct_during_invites": round((ticks_after - ticks_before) as f64 / TICKS_PER_SECOND / invite_secs.max(1e-9) * 100.0, 1),
            "cpu_pct_during_connects": round(cpu_connect, 1),
            "fds": fds,
        },
    }))
}

fn url_base(url: &str) -> &str {
    url.split("/api/").next().unwrap_or(url)
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn open(src: IpAddr, port: u16, url: &str) -> Result<Ws> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(src, 0))?;
    let stream = socket
        .connect(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
        .await?;
    let (ws, _) = tokio_tungstenite::client_async(url, stream).await?;
    Ok(ws)
}

async fn hold(mut ws: Ws, user_id: i64, shared: Arc<Shared>, heartbeat: Duration, phase: Duration) {
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + phase + Duration::from_millis(1),
        heartbeat,
    );
    loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if text.contains("\"presence_update\"") {
                        shared.presence_frames.fetch_add(1, Relaxed);
                        continue;
                    }
                    if !text.contains("\"call_invite\"") {
                        continue;
                    }
                    let sent = shared.pending.lock().ok().and_then(|mut p| p.get_mut(&user_id).and_then(VecDeque::pop_front));
                    match sent {
                        Some(t0) => {
                            if let Ok(mut l) = shared.latencies_us.lock() {
                                l.push(t0.elapsed().as_micros() as u64);
                            }
                            shared.received.fetch_add(1, Relaxed);
                            shared.notify.notify_one();
                        }
                        None => {
                            shared.unexpected.fetch_add(1, Relaxed);
                        }
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    shared.closed.fetch_add(1, Relaxed);
                    return;
                }
            },
            _ = ping.tick() => {
                if ws.send(Message::Ping(Vec::new().into())).await.is_err() {
                    shared.closed.fetch_add(1, Relaxed);
                    return;
                }
            }
        }
    }
}
