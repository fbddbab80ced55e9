//! Two real `switchboard-server` processes on one PostgreSQL database and one Redis bus:
//! `kill -9` of one mid-call, and the call lifecycle through Debian's nginx in front of
//! both. They run in the cluster pass of tests/server-on-postgres.sh, which provides
//! PostgreSQL and Redis; without them (the SQLite pass) there is no cluster to test and
//! they return at once, saying so.

use crate::common;

use crate::common::process::{BIN, Served};
use crate::common::prometheus::{sample, scrape};
use crate::common::ws::{
    Ws, close_code, connect, expect, expect_status, next_json, notifications,
    one_told_of_the_other, send,
};
use crate::common::{Client, REDIS_ENV, fresh_database, login_at, seed_users};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use switchboard_server::ServerConfig;

const SECOND: Duration = Duration::from_secs(1);
/// Short timings, so lapses happen within the test: a killed instance's sockets stop
/// counting after `LEASE`, its users show offline `PRESENCE` later.
const LEASE: &str = "2";
const PRESENCE: &str = "3";
const RING: &str = "3";

/// A database and bus of this test's own, or `None` outside the cluster pass.
struct Cluster {
    database: String,
    redis: String,
    channel: String,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn new(users: &[&str]) -> Cluster {
        let redis = std::env::var(REDIS_ENV).unwrap_or_else(|_| {
            panic!("no {REDIS_ENV}: run the cluster tests through tests/server-on-postgres.sh")
        });
        let database = fresh_database().expect("the cluster pass has PostgreSQL too");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = ServerConfig::new(dir.path().to_path_buf());
        config.database = Some(database.clone());
        seed_users(&config, users);
        Cluster {
            database,
            redis,
            channel: format!("test:{}", uuid::Uuid::new_v4().simple()),
            dir,
        }
    }

    /// One more instance of the cluster.
    fn instance(&self) -> Served {
        self.instance_with(&[])
    }

    /// One more instance, with `extra` arguments to `serve`.
    fn instance_with(&self, extra: &[&str]) -> Served {
        let mut command = Command::new(BIN);
        command
            .env_remove("SWITCHBOARD_DATA_DIR")
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .args(["serve", "--listen", "127.0.0.1:0", "--database"])
            .arg(&self.database)
            .args(["--redis", &self.redis, "--bus-channel", &self.channel])
            .args(["--instance-lease", LEASE, "--presence-timeout", PRESENCE])
            .args(["--ring-timeout", RING, "--data-dir"])
            .arg(self.dir.path())
            .args(extra);
        Served::spawn(command)
    }
}

async fn is_online(observer: &Client, user_id: i64) -> bool {
    observer.presence_of(user_id).await["is_online"] == true
}

/// Polls until `user_id` is (or is not) online as `observer` sees it; how long it took.
async fn wait_online(observer: &Client, user_id: i64, online: bool, within: Duration) -> Duration {
    let start = Instant::now();
    while start.elapsed() < within {
        if is_online(observer, user_id).await == online {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("user {user_id} is not online={online} after {within:?}");
}

async fn status_of(client: &Client, call_id: i64) -> Value {
    let (status, call) = client.get(&format!("/api/jitsi-calls/{call_id}/")).await;
    assert_eq!(status, StatusCode::OK, "{call}");
    call
}

/// How many `call_status` frames for `call_id` with `status` arrive within `wait`.
async fn count_status(ws: &mut Ws, call_id: i64, status: &str, wait: Duration) -> usize {
    let deadline = Instant::now() + wait;
    let mut seen = 0;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match next_json(ws, left).await {
            Some(v)
                if v["type"] == "call_status"
                    && v["call_session"]["id"] == call_id
                    && v["call_session"]["status"] == status =>
            {
                seen += 1
            }
            Some(_) => {}
            None => break,
        }
    }
    seen
}

/// Instance two dies with `kill -9` while it holds: one side of an active call, one of a
/// user's two devices, the only device of another, and the ring timer of a call. The
/// survivor carries on: the call continues after its socket moves over, the two-device
/// user never goes offline, the one-device user does once the lease lapses, the ringing
/// call is missed exactly once, and every record written through either is there.
#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: run by tests/server-on-postgres.sh"]
async fn kill_9_of_one_instance_leaves_the_other_carrying_the_survivors() {
    let cluster = Cluster::new(&["alice", "bob", "carol", "dave", "erin"]);
    let one = cluster.instance();
    let mut two = cluster.instance();

    let alice = login_at(&one.url, "alice").await;
    let bob_one = login_at(&one.url, "bob").await;
    let bob_two = login_at(&two.url, "bob").await;
    let carol = login_at(&two.url, "carol").await;
    let dave = login_at(&one.url, "dave").await;
    let erin = login_at(&two.url, "erin").await;
    let admin_two = login_at(&two.url, "alice").await;

    let mut alice_ws = notifications(&alice).await;
    let _bob_ws_one = notifications(&bob_one).await;
    let mut bob_ws_two = notifications(&bob_two).await;
    let _carol_ws = notifications(&carol).await;
    let mut dave_ws = notifications(&dave).await;
    for user in [bob_one.id, carol.id, dave.id] {
        wait_online(&alice, user, true, 5 * SECOND).await;
    }

    // Alice (one) calls Bob: the invite reaches his device on two, he answers there.
    let call = alice.call(&bob_one).await;
    let call_id = call["id"].as_i64().expect("call id");
    expect(&mut bob_ws_two, "call_invite", 5 * SECOND).await;
    let (status, _) = bob_two.act(call_id, "answer").await;
    assert_eq!(status, StatusCode::OK);
    expect_status(&mut alice_ws, call_id, "active", 5 * SECOND).await;
    let room = format!("/ws/call/{call_id}/");
    let mut alice_room = connect(&alice, &room).await;
    let mut bob_room_two = connect(&bob_two, &room).await;
    one_told_of_the_other(&mut alice_room, alice.id, &mut bob_room_two, bob_two.id).await;
    send(
        &mut alice_room,
        json!({"type": "offer", "offer": {"type": "offer", "sdp": "v=0"}, "target_id": bob_one.id}),
    )
    .await;
    expect(&mut bob_room_two, "webrtc_offer", 5 * SECOND).await;

    // Erin (two) calls Dave (one): two owns the ring timer.
    let ringing = erin.call(&dave).await;
    let ringing_id = ringing["id"].as_i64().expect("call id");
    expect(&mut dave_ws, "call_invite", 5 * SECOND).await;
    // Grace's account is created through two just before it dies.
    let (status, _) = admin_two
        .post(
            "/api/users/",
            json!({"username": "grace", "password": common::PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    two.kill_9();
    let killed = Instant::now();

    // Bob's call moves over: he rejoins the room on one and signaling carries on.
    let mut bob_room_one = connect(&bob_one, &room).await;
    expect(&mut alice_room, "user_joined", 5 * SECOND).await;
    send(
        &mut alice_room,
        json!({"type": "ice-candidate", "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"}, "target_id": bob_one.id}),
    )
    .await;
    expect(&mut bob_room_one, "ice_candidate", 5 * SECOND).await;

    // Carol held a socket only on two: offline once two's lease lapses and her presence
    // timeout passes. Bob kept a device on one: online throughout, his call still on.
    let carol_gone = wait_online(&alice, carol.id, false, 20 * SECOND).await;
    assert!(
        is_online(&alice, bob_one.id).await,
        "a user with a device on the surviving instance stays online"
    );
    assert_eq!(status_of(&alice, call_id).await["status"], "active");
    let lapse = Duration::from_secs(LEASE.parse().unwrap_or(2) + PRESENCE.parse().unwrap_or(3));
    assert!(
        killed.elapsed() >= lapse - Duration::from_millis(500),
        "carol went offline {carol_gone:?} into the wait, before her lease could lapse"
    );

    // The call whose timer died with two is missed once, by one's sweep.
    let missed = count_status(&mut dave_ws, ringing_id, "missed", 15 * SECOND).await;
    assert_eq!(missed, 1, "the ring timeout fires exactly once");
    assert_eq!(status_of(&dave, ringing_id).await["status"], "missed");

    // Nothing written through two is lost.
    let (status, ended) = alice.act(call_id, "end").await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    assert_eq!(ended["call_session"]["status"], "completed");
    let grace = login_at(&one.url, "grace").await;
    assert!(grace.id > 0);
    let (_, history) = bob_one.get("/api/jitsi-calls/").await;
    assert!(
        history
            .to_string()
            .contains(&call["session_id"].to_string()),
        "the answered call is in bob's history: {history}"
    );
    assert!(
        !one.log().contains("panicked"),
        "the survivor did not panic: {}",
        one.log()
    );
}

/// nginx (round robin, no stickiness) in front of two instances: sign-in, presence,
/// invite, ringing, answer, signaling, end and a missed call, all through the proxy, with
/// requests and sockets spread over both instances.
#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: run by tests/server-on-postgres.sh"]
async fn the_call_lifecycle_runs_through_nginx_in_front_of_two_instances() {
    let cluster = Cluster::new(&["alice", "bob", "carol"]);
    let one = cluster.instance();
    let two = cluster.instance();
    let proxy = Nginx::start(cluster.dir.path(), &[&one.url, &two.url]);
    let base = proxy.url.as_str();

    let alice = login_at(base, "alice").await;
    let bob = login_at(base, "bob").await;
    let carol = login_at(base, "carol").await;
    let mut alice_ws = notifications(&alice).await;
    let mut bob_ws = notifications(&bob).await;
    let mut carol_ws = notifications(&carol).await;
    wait_online(&alice, bob.id, true, 5 * SECOND).await;
    wait_online(&bob, carol.id, true, 5 * SECOND).await;

    let call = alice.call(&bob).await;
    let call_id = call["id"].as_i64().expect("call id");
    let invite = expect(&mut bob_ws, "call_invite", 5 * SECOND).await;
    assert_eq!(invite["call_id"], call_id);
    expect_status(&mut alice_ws, call_id, "ringing", 5 * SECOND).await;
    let (status, _) = bob.act(call_id, "answer").await;
    assert_eq!(status, StatusCode::OK);
    expect_status(&mut alice_ws, call_id, "active", 5 * SECOND).await;

    let room = format!("/ws/call/{call_id}/");
    let mut alice_room = connect(&alice, &room).await;
    let mut bob_room = connect(&bob, &room).await;
    one_told_of_the_other(&mut alice_room, alice.id, &mut bob_room, bob.id).await;
    send(
        &mut alice_room,
        json!({"type": "offer", "offer": {"type": "offer", "sdp": "v=0"}, "target_id": bob.id}),
    )
    .await;
    expect(&mut bob_room, "webrtc_offer", 5 * SECOND).await;
    send(
        &mut bob_room,
        json!({"type": "answer", "answer": {"type": "answer", "sdp": "v=0"}, "target_id": alice.id}),
    )
    .await;
    expect(&mut alice_room, "webrtc_answer", 5 * SECOND).await;

    let (status, ended) = bob.act(call_id, "end").await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    expect_status(&mut alice_ws, call_id, "completed", 5 * SECOND).await;

    let unanswered = alice.call(&carol).await;
    let unanswered_id = unanswered["id"].as_i64().expect("call id");
    expect(&mut carol_ws, "call_invite", 5 * SECOND).await;
    assert_eq!(
        count_status(&mut carol_ws, unanswered_id, "missed", 10 * SECOND).await,
        1,
        "missed once, whichever instance took the call"
    );

    // Round robin spread the six sockets over both instances.
    for (name, instance) in [("one", &one), ("two", &two)] {
        assert!(
            instance.log().contains("notification socket open"),
            "instance {name} held no socket: the proxy did not spread them"
        );
    }
}

/// Debian's nginx, as an unprivileged child on a free loopback port.
struct Nginx {
    child: std::process::Child,
    url: String,
}

impl Nginx {
    fn start(dir: &Path, upstreams: &[&str]) -> Nginx {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("nginx is installed (scripts/packages.sh installs it)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let servers: String = upstreams
            .iter()
            .map(|u| format!("server {};\n", u.trim_start_matches("http://")))
            .collect();
        let prefix = dir.join("nginx");
        std::fs::create_dir_all(prefix.join("logs")).expect("nginx dir");
        let conf = format!(
            r#"daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream switchboard {{
        {servers}
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://switchboard;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 1h;
        }}
    }}
}}
"#,
            prefix = prefix.display()
        );
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let child = Command::new(binary)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf_path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start nginx");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < 10 * SECOND,
                "nginx did not listen on {port}: {}",
                std::fs::read_to_string(prefix.join("logs/error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Nginx {
    /// SIGTERM: the master stops its workers (after SIGKILL they would live on).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Someone who can reach Redis but does not hold the cluster's secret publishes a call
/// invite for bob on the bus: it is dropped and logged, and bob's socket never sees it,
/// while a real invite from another instance still arrives.
#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: run by tests/server-on-postgres.sh"]
async fn a_forged_bus_message_is_not_delivered() {
    let cluster = Cluster::new(&["alice", "bob"]);
    let one = cluster.instance_with(&["--metrics-listen", "127.0.0.1:0"]);
    let two = cluster.instance();
    let alice = login_at(&two.url, "alice").await;
    let bob = login_at(&one.url, "bob").await;
    let mut bob_ws = notifications(&bob).await;
    wait_online(&alice, bob.id, true, 5 * SECOND).await;

    let frame = json!({
        "type": "call_invite", "call_id": 424242, "from_user_id": alice.id,
        "caller_name": "Alice (forged)", "call_type": "audio", "room_name": "forged"
    });
    let forged = json!({
        "origin": 1,
        "events": [{"kind": "to_user", "user_id": bob.id, "frame": frame.to_string(), "invite_call": null}]
    })
    .to_string();
    let client = redis::Client::open(cluster.redis.as_str()).expect("redis url");
    let mut redis = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    // As JSON alone, and behind a made-up signature.
    for message in [
        forged.clone().into_bytes(),
        [vec![0u8; 32], forged.into_bytes()].concat(),
    ] {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(&cluster.channel)
            .arg(message)
            .query_async(&mut redis)
            .await
            .expect("publish");
    }
    // A real call from the other instance arrives; the forged one never did.
    let call = alice.call(&bob).await;
    let call_id = call["id"].as_i64().expect("call id");
    let invite = expect(&mut bob_ws, "call_invite", 5 * SECOND).await;
    assert_eq!(invite["call_id"].as_i64(), Some(call_id), "{invite}");
    let deadline = Instant::now() + SECOND;
    while Instant::now() < deadline && !one.log().contains("dropped an unauthenticated bus message")
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        one.log().contains("dropped an unauthenticated bus message"),
        "{}",
        one.log()
    );
    // Counted as dropped; the real invite's message timed as bus lag.
    let metrics = scrape(&one.metrics_url()).await;
    assert_eq!(
        sample(
            &metrics,
            "switchboard_bus_dropped_total{reason=\"unauthenticated\"}"
        ),
        2.0,
        "{metrics}"
    );
    let from_other = "switchboard_bus_lag_seconds_count{from=\"other_instance\"}";
    let received = sample(&metrics, from_other);
    assert!(received >= 1.0, "{metrics}");
    let lag = sample(
        &metrics,
        "switchboard_bus_lag_seconds_sum{from=\"other_instance\"}",
    ) / received;
    assert!(
        (0.0..1.0).contains(&lag),
        "mean bus lag {lag} s:\n{metrics}"
    );
}

/// An administrator resets a password from the command line with the cluster's Redis:
/// the account's sockets on both instances close (1008) at once, not at their tokens'
/// expiry, and the other user's stay open.
#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: run by tests/server-on-postgres.sh"]
async fn a_password_set_with_the_command_line_closes_the_accounts_sockets_everywhere() {
    use std::io::Write;
    let cluster = Cluster::new(&["alice", "bob"]);
    let one = cluster.instance();
    let two = cluster.instance();
    let alice_here = login_at(&one.url, "alice").await;
    let alice_there = login_at(&two.url, "alice").await;
    let bob = login_at(&two.url, "bob").await;
    let mut sockets = [
        notifications(&alice_here).await,
        notifications(&alice_there).await,
    ];
    let mut bob_ws = notifications(&bob).await;

    let set_password = |channel: &str| {
        let mut child = Command::new(BIN)
            .env_remove("SWITCHBOARD_DATA_DIR")
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .args([
                "user",
                "set-password",
                "--username",
                "alice",
                "--password-stdin",
            ])
            .args(["--database", &cluster.database])
            .args(["--redis", &cluster.redis, "--bus-channel", channel])
            .arg("--data-dir")
            .arg(cluster.dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run switchboard-server user set-password");
        if let Some(mut stdin) = child.stdin.take() {
            writeln!(stdin, "a-brand-new-password").expect("write the password");
        }
        child.wait_with_output().expect("set-password ends")
    };
    // A channel no instance listens on: said, not reported as done.
    let out = set_password("nobody-listens-here");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("no instance listens on the Redis channel nobody-listens-here"),
        "{said}"
    );
    let out = set_password(&cluster.channel);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Told the running instances (2)"), "{said}");

    for socket in &mut sockets {
        assert_eq!(
            close_code(socket, 5 * SECOND).await,
            Some(1008),
            "alice's socket closes as signed out"
        );
    }
    assert_eq!(
        close_code(&mut bob_ws, SECOND).await,
        None,
        "bob's socket stays open"
    );
}
