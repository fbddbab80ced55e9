//! `switchboard-bench`: holds N notification sockets on real `switchboard-server`
//! instances, fires invites at a fixed rate and reports POST → `call_invite` latency, then
//! (with `--lifecycle-pairs`) runs whole calls (invite → answer → end) back to back and
//! reports lifecycles per second; with the servers' RSS and CPU. Latency is measured in
//! this one process with one clock.
//!
//! The servers run on SQLite, or on PostgreSQL (`--database`) and Redis (`--redis`) as
//! one instance or several (`--instances`) behind Debian's nginx, which this tool starts.
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
use std::process::Child;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_bench::{TICKS_PER_SECOND, percentiles, round};
use switchboard_protocol::PresenceState;
use switchboard_server::Accounts;
use switchboard_server::auth::Tokens;
use switchboard_server::domain::DomainError;
use switchboard_server::server::open_store;
use switchboard_server::{ServerConfig, now};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;

mod cpu;
mod lifecycle;
mod processes;

use cpu::{busy_pct, core_ticks, sample_all, server_cpus};
use processes::{report_proxy_failures, start_nginx, start_server, stop};

#[derive(Parser, Debug)]
#[command(
    name = "switchboard-bench",
    about = "Invite latency with N sockets held open"
)]
struct Args {
    /// Notification sockets to hold (one user each).
    #[arg(long, default_value_t = 1000)]
    sockets: usize,
    /// Accounts in the directory, at least --sockets [default: --sockets]. Those beyond
    /// the sockets' users were last seen a day ago and are offline; they let two runs
    /// with different socket counts start the same server (start-up reads every account
    /// and every presence row), so what differs is the sockets.
    #[arg(long)]
    users: Option<usize>,
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
    /// Pin the servers (and nginx) to these CPUs, e.g. `0` or `0,1` (taskset); the bench
    /// should run on another.
    #[arg(long)]
    server_cpu: Option<String>,
    /// The server's log filter (RUST_LOG).
    #[arg(long, default_value = "warn")]
    server_log: String,
    /// Port for the server (instance i listens on port + i; nginx on port + 100).
    #[arg(long, default_value_t = 18700)]
    port: u16,
    /// A PostgreSQL URL for the servers' database [default: SQLite in a temp directory].
    /// It should name an empty database: users load1..loadN are created in it.
    #[arg(long)]
    database: Option<String>,
    /// Redis for the instances' bus (needs --database).
    #[arg(long)]
    redis: Option<String>,
    /// Server instances; more than one needs --database and --redis, and puts nginx
    /// (round robin, no stickiness) in front of them.
    #[arg(long, default_value_t = 1)]
    instances: u16,
    /// After the invites: this many caller/callee pairs run whole calls back to back
    /// (invite, the callee answers when the invite arrives, the caller ends).
    #[arg(long, default_value_t = 0)]
    lifecycle_pairs: usize,
    /// Seconds the lifecycle phase runs.
    #[arg(long, default_value_t = 10.0)]
    lifecycle_s: f64,
    /// Seconds a server has to exit after SIGTERM before it is killed (a server under
    /// valgrind, as `--server-bin` may start it, needs longer to write its profile).
    #[arg(long, default_value_t = 5.0)]
    stop_grace_s: f64,
    /// Seconds to wait for the servers to answer /api/health/ (longer under valgrind).
    #[arg(long, default_value_t = 30.0)]
    start_timeout_s: f64,
}

impl Args {
    /// Accounts to create: `--users`, never fewer than the sockets' users.
    fn accounts(&self) -> usize {
        self.users.unwrap_or(self.sockets).max(self.sockets)
    }
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
    /// Callees in the lifecycle phase: told when their invite arrives.
    waiting: Mutex<HashMap<i64, tokio::sync::oneshot::Sender<i64>>>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.sockets < 2 {
        bail!("--sockets must be at least 2: invites go from one socket's user to another's");
    }
    if args.redis.is_some() && args.database.is_none() {
        bail!("--redis needs --database: instances sharing a bus share a PostgreSQL database");
    }
    if args.instances > 1 && args.redis.is_none() {
        bail!("--instances above 1 needs --database and --redis");
    }
    if args.instances == 0 {
        bail!("--instances must be at least 1");
    }
    if args.lifecycle_pairs * 2 > args.sockets {
        bail!("--lifecycle-pairs needs two sockets per pair");
    }
    let dir = tempfile::tempdir()?;
    let mut config = ServerConfig::new(dir.path().to_path_buf());
    config.database = args.database.clone();
    let t = Instant::now();
    // Before the async runtime: PostgreSQL's synchronous client cannot run inside one.
    let accounts = args.accounts();
    let users = prepare(&config, accounts, args.sockets)?;
    eprintln!(
        "prepared {accounts} users ({} signed in) in {:.1?}",
        users.len(),
        t.elapsed()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(run(args, users, dir.path()))
}

struct User {
    id: i64,
    token: String,
}

/// Creates `accounts` users and signs in the first `active` (the ones given sockets).
fn prepare(config: &ServerConfig, accounts: usize, active: usize) -> Result<Vec<User>> {
    let store = open_store(config)?;
    let count = u32::try_from(accounts).context("--users: too many accounts")?;
    Accounts::new(store.clone()).create_test_users_blocking("load", count, "bench-password")?;
    let ttl = chrono::Duration::hours(24);
    let (tokens, ids) = store.write_blocking(|tx| {
        let tokens = Tokens::load(tx, ttl)?;
        let mut ids = Vec::with_capacity(active);
        let yesterday = PresenceState {
            last_seen: Some(now() - chrono::Duration::days(1)),
            ..PresenceState::default()
        };
        for n in 1..=accounts {
            let user = tx
                .user_by_login(&format!("load{n}"))?
                .ok_or_else(|| DomainError::NotFound(format!("load{n} vanished")))?;
            if n <= active {
                // As after a REST sign-in: online before the socket opens.
                switchboard_server::domain::presence::heartbeat(tx, user.info.id, now())?;
                ids.push(user.info.id);
            } else {
                tx.save_presence(user.info.id, &yesterday)?;
            }
        }
        Ok::<_, DomainError>((tokens, ids))
    })?;
    ids.into_iter()
        .map(|id| {
            Ok(User {
                id,
                token: tokens.issue(id, 0, now())?,
            })
        })
        .collect()
}

async fn run(args: Args, users: Vec<User>, dir: &std::path::Path) -> Result<()> {
    let mut children = Vec::new();
    for index in 0..args.instances {
        children.push(start_server(&args, dir, index)?);
    }
    let pids: Vec<u32> = children.iter().map(Child::id).collect();
    let entry_port = if args.instances > 1 {
        children.push(start_nginx(&args, dir)?);
        args.port + 100
    } else {
        args.port
    };
    let base = format!("http://127.0.0.1:{entry_port}");
    switchboard_tls::install_default_provider();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        // Under the server's 60 s for an idle connection: the health check's sits idle
        // through the connect and settle phases before the invites reuse it.
        .pool_idle_timeout(Duration::from_secs(45))
        .build()?;
    let grace = Duration::from_secs_f64(args.stop_grace_s.max(0.1));
    let ready = Instant::now();
    let mut up = 0;
    while up < args.instances {
        let port = args.port + up;
        if http
            .get(format!("http://127.0.0.1:{port}/api/health/"))
            .send()
            .await
            .is_ok()
            && http.get(format!("{base}/api/health/")).send().await.is_ok()
        {
            up += 1;
            continue;
        }
        if ready.elapsed() > Duration::from_secs_f64(args.start_timeout_s.max(1.0)) {
            children.iter_mut().for_each(|c| stop(c, grace));
            bail!("the servers did not come up");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let result = measure(&args, &users, &base, entry_port, &http, &pids).await;
    children.iter_mut().for_each(|c| stop(c, grace));
    if args.instances > 1 {
        report_proxy_failures(&dir.join("nginx/logs/error.log"));
    }
    let report = result?;
    println!("{report}");
    Ok(())
}

async fn measure(
    args: &Args,
    users: &[User],
    base: &str,
    entry_port: u16,
    http: &reqwest::Client,
    pids: &[u32],
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
        waiting: Mutex::new(HashMap::new()),
    });
    let cpus = server_cpus(args);
    let (_, ticks_before_connect) = sample_all(pids);
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
        let port = entry_port;
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
    let (_, ticks_after_connect) = sample_all(pids);
    // Let the presence storm of N users coming online settle before measuring: until no
    // presence_update has arrived for a second (at least 3 s, at most 120 s).
    let settle_started = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut seen = shared.presence_frames.load(Relaxed);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now_seen = shared.presence_frames.load(Relaxed);
        if now_seen == seen || settle_started.elapsed() > Duration::from_secs(120) {
            break;
        }
        seen = now_seen;
    }
    let settle_secs = settle_started.elapsed().as_secs_f64();
    let presence_frames_settling = shared.presence_frames.load(Relaxed);
    let (rss_idle, ticks_before) = sample_all(pids);
    let cores_before = core_ticks(&cpus);
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
    let (rss_after, ticks_after) = sample_all(pids);
    let cores_after = core_ticks(&cpus);
    let presence_during_invites = shared.presence_frames.load(Relaxed) - presence_before;
    let fds: usize = pids
        .iter()
        .map(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .map(|d| d.count())
                .unwrap_or(0)
        })
        .sum();
    let lifecycle = if args.lifecycle_pairs > 0 {
        lifecycle::lifecycles(args, users, base, http, &shared, pids).await
    } else {
        Value::Null
    };
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
    let cpu_us_per_connect = (ticks_after_connect - ticks_before_connect) as f64 / TICKS_PER_SECOND
        * 1e6
        / (shared.connected.load(Relaxed).max(1) as f64);
    let histograms = server_histograms(http, args).await;
    Ok(json!({
        "mode": "invite",
        "sockets": args.sockets,
        "accounts": args.accounts(),
        "connected": shared.connected.load(Relaxed),
        "connect_errors": connect_errors.load(Relaxed),
        "connect_s": round(connect_secs, 2),
        "connects_per_s": round(users.len() as f64 / connect_secs.max(1e-9), 0),
        "settle_s": round(settle_secs, 1),
        "presence_frames_while_connecting_and_settling": presence_frames_settling,
        "invites": args.invites,
        "rate_per_s": args.rate,
        "received": lat.len(),
        "lost": lost,
        "post_errors": post_errors.load(Relaxed),
        "unexpected_invites": shared.unexpected.load(Relaxed),
        "closed_by_server": shared.closed.load(Relaxed),
        "hold_ms": args.hold_ms,
        "presence_frames_during_invites": presence_during_invites,
        "invite_ms": percentiles(&lat),
        "invite_handling_p99_ms": histograms["invite_handling_ms"]["p99"],
        "server_histograms": histograms,
        "server_cpu_us_per_connect": round(cpu_us_per_connect, 0),
        "post_ms": percentiles(&post),
        "lifecycle": lifecycle,
        "instances": args.instances,
        "engine": engine(args),
        "server": {
            "server_cores_busy_pct_during_invites": busy_pct(cores_before, cores_after),
            "rss_idle_mb": round(rss_idle as f64 / 1048576.0, 1),
            "rss_after_mb": round(rss_after as f64 / 1048576.0, 1),
            "kb_per_socket": round(rss_idle as f64 / 1024.0 / args.sockets.max(1) as f64, 1),
            "cpu_pct_during_invites": round((ticks_after - ticks_before) as f64 / TICKS_PER_SECOND / invite_secs.max(1e-9) * 100.0, 1),
            "cpu_pct_during_connects": round(cpu_connect, 1),
            "fds": fds,
        },
    }))
}

/// The servers' own histograms, from every instance's `/metrics` (summed): the invite's
/// handling time (request in, invite handed to the callee's sockets) and the write
/// transactions inside it. Bucket-interpolated, so as coarse as the buckets around each
/// figure; `null` where none answered.
async fn server_histograms(http: &reqwest::Client, args: &Args) -> Value {
    let (mut invites, mut writes) = (Vec::new(), Vec::new());
    for index in 0..args.instances {
        let url = format!(
            "http://127.0.0.1:{}/metrics",
            processes::metrics_port(args, index)
        );
        match http.get(&url).send().await {
            Ok(res) => match res.text().await {
                Ok(text) => {
                    use switchboard_server::metrics::{INVITE_HANDLING, TRANSACTIONS};
                    switchboard_bench::histogram_buckets(&text, INVITE_HANDLING, "", &mut invites);
                    let write = "mode=\"write\",";
                    switchboard_bench::histogram_buckets(&text, TRANSACTIONS, write, &mut writes);
                }
                Err(e) => eprintln!("cannot read {url}: {e}"),
            },
            Err(e) => eprintln!("cannot scrape {url}: {e}"),
        }
    }
    let ms =
        |q: f64, buckets: &[(f64, f64)]| match switchboard_bench::histogram_quantile(q, buckets) {
            Some(seconds) => json!(round(seconds * 1000.0, 3)),
            None => Value::Null,
        };
    json!({
        "invite_handling_ms": {"p50": ms(0.5, &invites), "p99": ms(0.99, &invites)},
        "write_transaction_ms": {"p50": ms(0.5, &writes), "p99": ms(0.99, &writes)},
    })
}

fn engine(args: &Args) -> &'static str {
    match (&args.database, &args.redis, args.instances) {
        (None, _, _) => "sqlite",
        (Some(_), None, _) => "postgres",
        (Some(_), Some(_), 1) => "postgres+redis",
        (Some(_), Some(_), _) => "postgres+redis behind nginx",
    }
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
                    let waiter = shared.waiting.lock().ok().and_then(|mut w| w.remove(&user_id));
                    if let Some(waiter) = waiter {
                        let call_id = serde_json::from_str::<Value>(&text).ok().and_then(|v| v["call_id"].as_i64());
                        let _ = waiter.send(call_id.unwrap_or(0));
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
