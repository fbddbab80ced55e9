//! Starting and stopping the server: in-process for the desktop app and tests, or from
//! the `switchboard-server` binary.

use crate::accounts::Accounts;
use crate::app::AppState;
use crate::auth::AuthError;
use crate::auth::Tokens;
use crate::domain::DomainError;
use crate::http::router;
use crate::jaas::{Jitsi, JitsiSettings};
use crate::realtime::Realtime;
use crate::realtime::redis_bus::BusError;
use crate::rules::Rules;
use crate::store::{PostgresDatabase, SqliteDatabase, StorageError, Store};
use crate::tls_listener::TlsListener;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use switchboard_tls::{Fingerprint, ServerIdentity};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Holds `switchboard.sqlite3` unless `database` names another store.
    pub data_dir: PathBuf,
    /// A `postgres://` URL, or a SQLite file path; `None` = SQLite in `data_dir`.
    pub database: Option<String>,
    /// Redis, for a bus shared by several instances (with a shared PostgreSQL).
    pub redis_url: Option<String>,
    /// The Redis pub/sub channel; instances on one channel form one cluster.
    pub bus_channel: String,
    pub ring_timeout: Duration,
    pub presence_timeout: Duration,
    pub token_ttl: Duration,
    /// How often sockets are pinged; a socket that misses one answer is dropped.
    pub socket_ping_interval: Duration,
    /// How long a connection has to send a request's head, from when the server starts
    /// waiting for it: from the accept, and on a kept-alive connection from the previous
    /// answer. It closes connections that send nothing, or a byte now and then
    /// (slowloris), and idle kept-alive ones (60 s, nginx's `client_header_timeout`).
    pub request_head_timeout: Duration,
    /// How long a request's body may take to arrive in full, from the end of its head (60
    /// s): a client that announces a body and sends it a byte at a time, or never, gets
    /// a 408 and its connection closed, rather than holding it (and a stop) for ever.
    pub request_body_timeout: Duration,
    /// How long an instance's sockets count after it stops renewing its lease (killed):
    /// the others then release them.
    pub instance_lease: Duration,
    /// Which notification sockets get `presence_update` (every socket by default).
    pub presence_push: crate::realtime::PresencePush,
    /// Where the timing rules read the time of day (the system clock; tests that pause
    /// tokio's time use [`Clock::following_tokio`](crate::rules::Clock::following_tokio)).
    pub clock: crate::rules::Clock,
    /// Sockets one user may hold on one instance (16: every device and tab a person
    /// uses, with room for reconnects while dead ones time out).
    pub sockets_per_user: usize,
    /// Sockets one network address may hold on one instance, over all accounts (256: an
    /// office behind one NAT; 0: no cap). Loopback addresses are never capped.
    pub sockets_per_address: usize,
    /// Calls one account may start at once before waiting 6 s per call (10; 0: no limit,
    /// for load tests).
    pub call_burst: u32,
    /// STUN/TURN servers handed to clients.
    pub rtc: crate::rtc::RtcSettings,
    pub jitsi: JitsiSettings,
    /// Plain HTTP, or HTTPS and WSS with which certificate.
    pub tls: ServerTls,
    /// Web pages from other origins (`https://crm.example.com`) that may open sockets;
    /// a page from the server's own address always may, native clients send no origin.
    pub allowed_origins: Vec<String>,
    /// Host names a server bound to loopback answers to besides addresses and
    /// `localhost`: the public name a proxy in front of it passes on.
    pub allowed_hosts: Vec<String>,
    /// How webhook deliveries are sent and retried.
    pub webhooks: crate::webhooks::WebhookRules,
}

/// Which certificate the server serves, if any.
#[derive(Clone, Debug, Default)]
pub enum ServerTls {
    /// Plain HTTP: on loopback, or behind a proxy that terminates TLS.
    #[default]
    Off,
    /// The server's own, made on first start in the data directory and kept, so the
    /// fingerprint teammates pinned stays valid.
    Own,
    /// One given (an authority's, from PEM files).
    Given(Arc<ServerIdentity>),
}

impl ServerConfig {
    /// Defaults from SPEC: 45 s ring, 90 s presence timeout; tokens last 7 days.
    pub fn new(data_dir: PathBuf) -> Self {
        ServerConfig {
            data_dir,
            database: None,
            redis_url: None,
            bus_channel: "switchboard:bus".into(),
            ring_timeout: Duration::from_secs(45),
            presence_timeout: Duration::from_secs(90),
            token_ttl: Duration::from_secs(7 * 24 * 3600),
            socket_ping_interval: Duration::from_secs(25),
            request_head_timeout: Duration::from_secs(60),
            request_body_timeout: Duration::from_secs(60),
            instance_lease: Duration::from_secs(15),
            presence_push: crate::realtime::PresencePush::Everyone,
            clock: crate::rules::Clock::System,
            sockets_per_user: 16,
            sockets_per_address: 256,
            call_burst: crate::throttle::CALL_BURST,
            rtc: crate::rtc::RtcSettings {
                turn_ttl: Duration::from_secs(24 * 3600),
                ..Default::default()
            },
            jitsi: JitsiSettings::default(),
            tls: ServerTls::Off,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            webhooks: crate::webhooks::WebhookRules::default(),
        }
    }

    /// The SQLite file, when the store is SQLite.
    pub fn database_path(&self) -> PathBuf {
        match &self.database {
            Some(path) if !is_postgres_url(path) => PathBuf::from(path),
            _ => self.data_dir.join("switchboard.sqlite3"),
        }
    }

    /// The PostgreSQL URL, when the store is PostgreSQL.
    pub fn postgres_url(&self) -> Option<&str> {
        self.database.as_deref().filter(|d| is_postgres_url(d))
    }
}

fn is_postgres_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {path}, or make it private: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot make {path} readable by this user only: {source}")]
    PrivateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Database(#[from] StorageError),
    #[error("{0}")]
    Auth(#[from] AuthError),
    #[error("{0}")]
    Bus(#[from] BusError),
    /// Settling the calls the last run left (marking ringing ones missed).
    #[error("cannot settle the calls left by the last run: {0}")]
    Recovery(#[from] DomainError),
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("{0} is out of range")]
    Config(&'static str),
    #[error(
        "the database {path} is already served by another Switchboard server; stop that one first, or give this one its own --data-dir"
    )]
    DatabaseInUse { path: PathBuf },
    #[error("cannot lock {path} for serving: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Tls(#[from] switchboard_tls::TlsError),
}

/// PostgreSQL connections per instance: about the blocking threads that run transactions
/// at once; writes serialise anyway, reads spread over these.
const POSTGRES_CONNECTIONS: u32 = 16;

/// Creates the data directory owner-only, or tightens it (see `private_files`).
fn create_data_dir(config: &ServerConfig) -> Result<(), StartError> {
    crate::private_files::data_dir(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.clone(),
        source,
    })
}

/// Opens the store the config names, creating the data directory if needed.
pub fn open_store(config: &ServerConfig) -> Result<Store, StartError> {
    create_data_dir(config)?;
    if let Some(url) = config.postgres_url() {
        let db = PostgresDatabase::connect(url, POSTGRES_CONNECTIONS)?;
        return Ok(Store::new(Arc::new(db)));
    }
    let path = config.database_path();
    let private = |source| StartError::PrivateFile {
        path: path.clone(),
        source,
    };
    // Before opening, so the -wal and -shm SQLite makes take the database's tight mode;
    // after, for anything it made anyway.
    crate::private_files::precreate(&path).map_err(private)?;
    crate::private_files::database_files(&path).map_err(private)?;
    let db = SqliteDatabase::open(&path)?;
    crate::private_files::database_files(&path).map_err(private)?;
    Ok(Store::new(Arc::new(db)))
}

fn chrono_duration(d: Duration, what: &'static str) -> Result<chrono::Duration, StartError> {
    chrono::Duration::from_std(d).map_err(|_| StartError::Config(what))
}

/// Only one server may serve from a SQLite database: each one registers as the only
/// instance and ends every other socket lease, so a second would take the first one's
/// users offline. The OS releases the lock when the process ends, even if it crashed.
fn lock_for_serving(database: &Path) -> Result<std::fs::File, StartError> {
    let mut name = database.as_os_str().to_owned();
    name.push(".serving-lock");
    let path = PathBuf::from(name);
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, crate::private_files::FILE_MODE);
    let file = options.open(&path).map_err(|source| StartError::Lock {
        path: path.clone(),
        source,
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StartError::DatabaseInUse {
            path: database.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(StartError::Lock { path, source }),
    }
}

/// Builds the shared state: store, token keys, Jitsi settings, timing rules.
pub fn app_state(config: &ServerConfig) -> Result<AppState, StartError> {
    // Only SQLite's own process can be serving from it: nobody else holds sockets.
    let exclusive = config.postgres_url().is_none();
    let serving_lock = if exclusive {
        create_data_dir(config)?;
        Some(Arc::new(lock_for_serving(&config.database_path())?))
    } else {
        None
    };
    let store = open_store(config)?;
    let ttl = chrono_duration(config.token_ttl, "the token lifetime")?;
    let tokens = store
        .write_blocking(|tx| Tokens::load(tx, ttl))?
        .with_clock(config.clock);
    if config.instance_lease < Duration::from_secs(1) {
        return Err(StartError::Config("the instance lease (at least 1 s)"));
    }
    if config.sockets_per_user == 0 {
        return Err(StartError::Config("the sockets per user (at least 1)"));
    }
    // At most an hour, as `serve` takes it: hyper adds it to the clock, and a "never"
    // such as Duration::MAX would overflow there in every connection.
    let request_timeouts = Duration::from_secs(1)..=Duration::from_secs(3600);
    if !request_timeouts.contains(&config.request_head_timeout) {
        return Err(StartError::Config(
            "the request head timeout (1 s to an hour)",
        ));
    }
    if !request_timeouts.contains(&config.request_body_timeout) {
        return Err(StartError::Config(
            "the request body timeout (1 s to an hour)",
        ));
    }
    let rules = Arc::new(Rules {
        presence_timeout: chrono_duration(config.presence_timeout, "the presence timeout")?,
        ring_timeout: config.ring_timeout,
        socket_ping_interval: config.socket_ping_interval,
        request_head_timeout: config.request_head_timeout,
        request_body_timeout: config.request_body_timeout,
        rtc: config.rtc.clone(),
        instance_lease: config.instance_lease,
        presence_push: config.presence_push,
        clock: config.clock,
        sockets_per_user: config.sockets_per_user,
        sockets_per_address: config.sockets_per_address,
        webhooks: config.webhooks.clone(),
    });
    let realtime = Arc::new(Realtime::new(store.clone(), rules.clone()));
    crate::realtime::reconcile_after_start(&realtime, exclusive)?;
    // An administrator's `switchboard-server user …` on this SQLite file while we serve:
    // the accounts it cut off lose their sockets as if it had gone through the API.
    let weak = Arc::downgrade(&realtime);
    store.on_outside_changes(Box::new(move |changed| {
        let Some(realtime) = weak.upgrade() else {
            return;
        };
        for (user_id, state, epoch) in changed {
            realtime.publish(crate::realtime::BusEvent::CutOff {
                user_id,
                before_epoch: (state == crate::store::AccountState::Active).then_some(epoch),
            });
        }
    }));
    Ok(AppState {
        realtime,
        accounts: Accounts::new(store.clone()),
        store,
        tokens: Arc::new(tokens),
        jitsi: Arc::new(Jitsi::new(config.jitsi.clone())),
        rules,
        serving_lock,
        scheme: "http",
        login_throttle: Arc::default(),
        call_throttle: Arc::new(crate::throttle::CallThrottle::new(config.call_burst)),
        allowed_origins: Arc::new(
            config
                .allowed_origins
                .iter()
                .map(|o| crate::http::origin::normalised(o))
                .collect(),
        ),
        allowed_hosts: Arc::new(
            config
                .allowed_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
        ),
        check_host: false,
        callback_wake: Arc::default(),
        password_checks: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, usize::from),
        )),
    })
}

/// Serves the API over plain HTTP on `listener` until `shutdown` resolves, then
/// lets open requests finish (for up to `connections::STOP_GRACE`). The presence feed
/// runs for as long as the server does.
pub async fn launch_with_tcp_listener(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    launch(Listening::Plain(listener), state, shutdown).await
}

/// Where the server takes its connections.
enum Listening {
    Plain(TcpListener),
    Tls(TlsListener),
}

async fn launch(
    listener: Listening,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let realtime = state.realtime.clone();
    // Held until the sockets' leases are released below.
    let _serving_lock = state.serving_lock.clone();
    let feed = tokio::spawn(crate::realtime::feed::run(realtime.clone()));
    let leases = tokio::spawn(crate::realtime::lease::run(realtime.clone()));
    let socket_writer = realtime.take_socket_changes().map(|changes| {
        tokio::spawn(crate::realtime::lease::write_socket_changes(
            realtime.clone(),
            changes,
        ))
    });
    realtime.resume_ring_timers().await;
    let callbacks_due = tokio::spawn(crate::callbacks_due::run(
        realtime.clone(),
        state.callback_wake.clone(),
    ));
    let webhooks = tokio::spawn(crate::webhooks::run(
        state.store.clone(),
        state.rules.webhooks.clone(),
        state.rules.clock,
    ));
    let local = match &listener {
        Listening::Plain(tcp) => tcp.local_addr(),
        Listening::Tls(tls) => axum::serve::Listener::local_addr(tls),
    }?;
    let state = AppState {
        check_host: local.ip().is_loopback(),
        scheme: match &listener {
            Listening::Plain(_) => "http",
            Listening::Tls(_) => "https",
        },
        ..state
    };
    let app = NormalizePathLayer::trim_trailing_slash().layer(router(state));
    // Upgraded sockets are not tracked by the graceful shutdown: close them ourselves.
    let closer = realtime.clone();
    let shutdown = async move {
        shutdown.await;
        closer.close_all();
    };
    let limits = crate::connections::Limits {
        head: realtime.rules.request_head_timeout,
        body: realtime.rules.request_body_timeout,
    };
    match listener {
        Listening::Plain(tcp) => crate::connections::serve(tcp, app, limits, shutdown).await,
        Listening::Tls(tls) => crate::connections::serve(tls, app, limits, shutdown).await,
    }
    realtime.close_all();
    feed.abort();
    leases.abort();
    webhooks.abort();
    callbacks_due.abort();
    if let Some(writer) = socket_writer {
        writer.abort();
    }
    crate::realtime::lease::release(&realtime).await;
    Ok(())
}

/// A server running on a background task.
pub struct Server {
    addr: SocketAddr,
    /// The certificate's fingerprint, when serving HTTPS.
    fingerprint: Option<Fingerprint>,
    accounts: Accounts,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Opens the database and serves on `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, config: ServerConfig) -> Result<Server, StartError> {
        // The port first: a second server started by mistake on a busy port must stop
        // before it opens the database, where registering would end the running one's
        // socket leases.
        let listener = TcpListener::bind(addr).await.map_err(|e| StartError::Bind {
            addr,
            reason: match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "the address is already in use (is another Switchboard running? choose another port with --listen)".into()
                }
                std::io::ErrorKind::PermissionDenied => "permission denied (ports below 1024 need privileges)".into(),
                _ => e.to_string(),
            },
        })?;
        let addr = listener.local_addr().map_err(|e| StartError::Bind {
            addr,
            reason: e.to_string(),
        })?;
        let redis = config
            .redis_url
            .clone()
            .map(|url| (url, config.bus_channel.clone()));
        let listen_ip = addr.ip().to_string();
        let (state, identity) = tokio::task::spawn_blocking(move || {
            // The data directory exists once the store is open: the own certificate
            // goes there.
            let state = app_state(&config)?;
            let identity = match &config.tls {
                ServerTls::Off => None,
                ServerTls::Own => Some(Arc::new(ServerIdentity::self_signed_in(
                    &config.data_dir,
                    &[listen_ip],
                )?)),
                ServerTls::Given(identity) => Some(identity.clone()),
            };
            Ok::<_, StartError>((state, identity))
        })
        .await
        .map_err(|e| StartError::Database(StorageError::backend(e)))??;
        let tls = identity
            .map(|identity| Ok::<_, StartError>((identity.acceptor()?, identity.fingerprint())))
            .transpose()?;
        if let Some((url, channel)) = redis {
            let key = state.tokens.bus_key();
            let bus =
                crate::realtime::redis_bus::RedisBus::start(&url, &channel, key, &state.realtime)
                    .await?;
            state.realtime.set_bus(bus);
        }
        let accounts = state.accounts.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let fingerprint = tls.as_ref().map(|(_, fingerprint)| *fingerprint);
        let listening = match tls {
            Some((acceptor, _)) => {
                Listening::Tls(TlsListener::new(listener, acceptor).map_err(|e| {
                    StartError::Bind {
                        addr,
                        reason: e.to_string(),
                    }
                })?)
            }
            None => Listening::Plain(listener),
        };
        let task = tokio::spawn(launch(listening, state, async move {
            let _ = stopped.await;
        }));
        // `listening addr=…` first: scripts and tests read the address from it.
        match fingerprint {
            Some(fingerprint) => {
                tracing::info!(%addr, scheme = "https", %fingerprint, "Switchboard server listening");
            }
            None => tracing::info!(%addr, scheme = "http", "Switchboard server listening"),
        }
        Ok(Server {
            addr,
            fingerprint,
            accounts,
            stop: Some(stop),
            task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Account administration on the database this server serves.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// `https://<addr>` (or `http://` without TLS), for clients.
    pub fn url(&self) -> String {
        let scheme = if self.fingerprint.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The SHA-256 of the certificate it serves, which clients pin; `None` without TLS.
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        self.fingerprint
    }

    /// Stops accepting connections and waits for open requests to finish, for up to
    /// `connections::STOP_GRACE`; connections still busy then are closed.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }

    /// Waits until the server stops (after [`Server::shutdown`] or an IO error).
    pub async fn wait(&mut self) -> std::io::Result<()> {
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}
