//! Starts the real server on 127.0.0.1:0 with a temporary data directory and drives it
//! over HTTP with reqwest.
#![allow(dead_code)]

pub mod process;
pub mod prometheus;
pub mod ws;

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use switchboard_server::rules::Clock;
use switchboard_server::{Accounts, Server, ServerConfig};

pub const PASSWORD: &str = "password123";

pub struct TestServer {
    pub server: Option<Server>,
    pub url: String,
    /// In cluster mode (PostgreSQL and Redis given), a second instance on the same
    /// database and bus: every other sign-in lands on it, so the whole suite runs with
    /// the two sides of a call on different instances.
    pub peer: Option<Server>,
    logins: std::sync::atomic::AtomicUsize,
    pub config: ServerConfig,
    _dir: tempfile::TempDir,
}

/// The PostgreSQL server the suite runs against instead of SQLite, when set (see
/// tests/with-postgres.sh): every test gets a database of its own there.
pub const POSTGRES_ENV: &str = "SWITCHBOARD_TEST_DATABASE_URL";

/// Runs blocking store work on a thread of its own: PostgreSQL's synchronous client
/// cannot run inside the test's async runtime (the server uses blocking threads too).
pub fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(work).join().expect("store work panicked"))
}

/// The Redis server the suite runs its instances' bus on (see tests/with-redis.sh).
pub const REDIS_ENV: &str = "SWITCHBOARD_TEST_REDIS_URL";

/// Whether the suite runs as two instances on a Redis bus (the cluster pass), where
/// tests run on real time: see [`TestServer::start_in_simulated_time`].
pub fn shares_a_bus() -> bool {
    std::env::var(REDIS_ENV).is_ok() && std::env::var(POSTGRES_ENV).is_ok()
}

/// A fresh, empty database on the suite's PostgreSQL server, or `None` for SQLite.
pub fn fresh_database() -> Option<String> {
    let admin_url = std::env::var(POSTGRES_ENV).ok()?;
    let name = format!("sb_test_{}", uuid::Uuid::new_v4().simple());
    off_runtime(|| {
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
            .expect("connect to the test PostgreSQL server");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
    });
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// Creates accounts before the server starts (the CLI's path), sharing one password;
/// the first is an admin.
pub fn seed_users(config: &ServerConfig, names: &[&str]) {
    off_runtime(|| {
        let store = switchboard_server::server::open_store(config).expect("open the store");
        Accounts::new(store)
            .seed_blocking(names, PASSWORD)
            .expect("seed users")
    })
}

impl TestServer {
    /// A server with these users (the first is an admin).
    pub async fn start(names: &[&str]) -> TestServer {
        Self::start_with(names, |_| {}).await
    }

    /// For tests run with `#[tokio::test(start_paused = true)]`: server timers and
    /// timestamps then move in simulated time, which jumps to the next timer whenever
    /// every task waits. With two instances on a Redis bus, the runtime also waits on
    /// Redis, and a jump then would fire timers early: there the test runs on real time.
    pub async fn start_in_simulated_time(
        names: &[&str],
        tune: impl FnOnce(&mut ServerConfig),
    ) -> TestServer {
        if shares_a_bus() {
            tokio::time::resume();
        }
        Self::start_with(names, tune).await
    }

    pub async fn start_with(names: &[&str], tune: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = ServerConfig::new(dir.path().to_path_buf());
        // Timestamps follow tokio's clock, so tests that pause it see one timeline.
        config.clock = Clock::following_tokio();
        config.database = fresh_database();
        if config.database.is_some() {
            config.redis_url = std::env::var(REDIS_ENV).ok();
            // A channel per test: tests run in parallel on one Redis.
            config.bus_channel = format!("test:{}", uuid::Uuid::new_v4().simple());
        }
        tune(&mut config);
        seed_users(&config, names);
        let mut server = TestServer {
            url: String::new(),
            server: None,
            peer: None,
            logins: Default::default(),
            config,
            _dir: dir,
        };
        server.start_instances().await;
        server
    }

    async fn start_instances(&mut self) {
        let bind = || Server::bind("127.0.0.1:0".parse().expect("addr"), self.config.clone());
        let server = bind().await.expect("server starts");
        self.url = server.url();
        self.server = Some(server);
        if self.config.redis_url.is_some() {
            self.peer = Some(bind().await.expect("the second instance starts"));
        }
    }

    pub fn anonymous(&self) -> Client {
        Client::anonymous_at(&self.url)
    }

    /// Signs `username` in through `POST /api/login/` (in cluster mode, on each instance
    /// in turn).
    pub async fn login(&self, username: &str) -> Client {
        let n = self
            .logins
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match (&self.peer, n % 2) {
            (Some(peer), 1) => login_at(&peer.url(), username).await,
            _ => login_at(&self.url, username).await,
        }
    }

    /// Stops the server gracefully and starts a new one on the same data directory.
    pub async fn restart(&mut self) {
        for server in [self.server.take(), self.peer.take()].into_iter().flatten() {
            server.shutdown().await.expect("shutdown");
        }
        self.start_instances().await;
    }
}

/// Signs `username` in at the server (or proxy) at `base` through `POST /api/login/`.
pub async fn login_at(base: &str, username: &str) -> Client {
    let mut client = Client::anonymous_at(base);
    let (status, body) = client
        .post(
            "/api/login/",
            json!({"username": username, "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "login {username} at {base}: {body}");
    client.token = body["token"].as_str().map(str::to_owned);
    client.id = body["user"]["id"].as_i64().expect("user id");
    client.username = username.into();
    client
}

/// Runs `io` with tokio's paused clock held still (no effect when time is not paused).
///
/// A paused runtime that parks while a request is on the loopback wire handles the
/// socket event and jumps the clock to the next timer in the same park, so a request
/// would seem to take until, say, a presence hold ran out. A blocking task in flight
/// keeps the clock from jumping (tokio documents this for `spawn_blocking`): one is
/// held for the length of the request, so requests take no simulated time and only the
/// test's own waits let timers fire.
pub async fn while_time_stands_still<T>(io: impl std::future::Future<Output = T>) -> T {
    let (release, held) = std::sync::mpsc::channel::<()>();
    let hold = tokio::task::spawn_blocking(move || {
        let _ = held.recv();
    });
    let out = io.await;
    drop(release);
    let _ = hold.await;
    out
}

pub fn http_client() -> reqwest::Client {
    switchboard_tls::install_default_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        // As the apps' client: under the server's 60 s for an idle connection, or a test
        // that waits exactly a simulated minute sends on the one closed at that instant.
        .pool_idle_timeout(Duration::from_secs(45))
        .build()
        .expect("http client")
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
    pub id: i64,
    pub username: String,
}

impl Client {
    /// Not signed in, talking to `base`.
    pub fn anonymous_at(base: &str) -> Client {
        Client {
            http: http_client(),
            base: base.to_owned(),
            token: None,
            id: 0,
            username: String::new(),
        }
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Token {t}")),
            None => req,
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let (status, text) = while_time_stands_still(async {
            let resp = self
                .auth(req)
                .send()
                .await
                .expect("request reaches the server");
            let status = resp.status();
            (status, resp.text().await.expect("body"))
        })
        .await;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text}"))
        };
        if status.is_client_error() || status.is_server_error() {
            assert!(
                body["error"].is_string(),
                "every error body is {{\"error\": ...}}, got {status} {body}"
            );
        }
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body))
            .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.http.put(format!("{}{path}", self.base)).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.delete(format!("{}{path}", self.base)))
            .await
    }

    /// `initiate_call/` to `recipient`, asserting it succeeds; returns the call session.
    pub async fn call(&self, recipient: &Client) -> Value {
        let (status, body) = self
            .post(
                "/api/jitsi-calls/initiate_call/",
                json!({"recipient_id": recipient.id, "call_type": "audio"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{} calls {}: {body}",
            self.username,
            recipient.username
        );
        body["call_session"].clone()
    }

    /// `update_status/` with `action`.
    pub async fn act(&self, call_id: i64, action: &str) -> (StatusCode, Value) {
        self.post(
            &format!("/api/jitsi-calls/{call_id}/update_status/"),
            json!({ "action": action }),
        )
        .await
    }

    /// This user's own entry in the directory.
    pub async fn presence_of(&self, user_id: i64) -> Value {
        let (status, body) = self.get(&format!("/api/users/{user_id}/")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["presence"].clone()
    }
}
