//! `switchboard-server`: run the backend headless, or manage accounts.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use switchboard_server::domain::meetings;
use switchboard_server::jaas::JitsiSettings;
use switchboard_server::realtime::PresencePush;
use switchboard_server::server::open_store;
use switchboard_server::{Accounts, NewAccount, Server, ServerConfig, ServerTls};
use switchboard_tls::ServerIdentity;

#[derive(Parser)]
#[command(
    name = "switchboard-server",
    version,
    about = "Switchboard's calling backend (the seeds' REST API on SQLite)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve(Box<ServeArgs>),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage meetings.
    #[command(subcommand)]
    Meeting(MeetingCommand),
    /// Print the fingerprint of the certificate `serve --tls-self-signed` serves (made
    /// now if it does not exist yet), for teammates to pin.
    Fingerprint {
        #[command(flatten)]
        data_dir: DataDirArg,
    },
    /// The secret that signs sign-in tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Replace the token-signing secret: every token issued so far is refused, so
    /// everyone signs in again. Restart every running server afterwards (each keeps the
    /// secret it started with).
    Rotate {
        #[command(flatten)]
        data_dir: DataDirArg,
    },
}

#[derive(Args)]
struct DataDirArg {
    /// Directory for the SQLite database [default: the OS data directory].
    #[arg(long, env = "SWITCHBOARD_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The database: a `postgres://user:password@host/db` URL for PostgreSQL (several
    /// instances can share it; `?sslmode=verify-full&sslrootcert=ca.pem` as with libpq),
    /// or a SQLite file path [default: switchboard.sqlite3 in the data directory].
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
}

impl DataDirArg {
    fn resolve(&self) -> Result<PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        directories::ProjectDirs::from("", "", "switchboard")
            .map(|dirs| dirs.data_dir().to_path_buf())
            .context("cannot find an OS data directory for this user; pass --data-dir")
    }

    fn config(&self) -> Result<ServerConfig> {
        let mut config = ServerConfig::new(self.resolve()?);
        config.database = self.database.clone().filter(|d| !d.trim().is_empty());
        Ok(config)
    }
}

/// The instances' bus.
#[derive(Args)]
struct BusArgs {
    /// Redis (`redis://host:6379`) for running several instances: notifications,
    /// presence and signaling reach sockets held by any instance, and account commands
    /// reach every instance. Needs a shared PostgreSQL --database.
    #[arg(long, env = "SWITCHBOARD_REDIS_URL", hide_env_values = true)]
    redis: Option<String>,
    /// The Redis channel; instances on one channel form one cluster.
    #[arg(
        long,
        env = "SWITCHBOARD_BUS_CHANNEL",
        default_value = "switchboard:bus"
    )]
    bus_channel: String,
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8000")]
    listen: SocketAddr,
    #[command(flatten)]
    data_dir: DataDirArg,
    #[command(flatten)]
    bus: BusArgs,
    /// Seconds an unanswered call rings before it is missed.
    #[arg(long, env = "SWITCHBOARD_RING_TIMEOUT", default_value_t = 45, value_parser = clap::value_parser!(u64).range(1..=3600))]
    ring_timeout: u64,
    /// Seconds a heartbeat keeps a user online without an open notification socket.
    #[arg(long, env = "SWITCHBOARD_PRESENCE_TIMEOUT", default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..=86400))]
    presence_timeout: u64,
    /// Seconds a killed instance's sockets keep counting before the other instances
    /// release them (renewed every third of it).
    #[arg(long, env = "SWITCHBOARD_INSTANCE_LEASE", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    instance_lease: u64,
    /// Seconds a connection has to send a request's head, from its accept or its previous
    /// answer: connections that send nothing, or dribble (slowloris), and idle
    /// kept-alive ones are closed. Keep it above 45 s, the apps' idle connections, and
    /// above a proxy's upstream keep-alive: otherwise a request can go out on a
    /// connection at the instant it is closed.
    #[arg(long, env = "SWITCHBOARD_REQUEST_HEAD_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_head_timeout: u64,
    /// Seconds a request's body has to arrive in full, from the end of its head: a
    /// client that announces a body and sends it slowly, or never, gets 408 and its
    /// connection is closed. Bodies are at most 1 MiB; 60 s carries that at 140 kbit/s.
    #[arg(long, env = "SWITCHBOARD_REQUEST_BODY_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_body_timeout: u64,
    /// Seconds a webhook endpoint has to answer one delivery.
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    webhook_timeout: u64,
    /// Seconds before a failed webhook delivery's first retry; each later one waits
    /// twice as long, up to an hour.
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_RETRY_BASE", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    webhook_retry_base: u64,
    /// Hours a webhook delivery is retried before it is marked failed.
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_RETRY_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=720))]
    webhook_retry_hours: u64,
    /// Which notification sockets get presence updates: `everyone`, or `subscribers`
    /// (sockets opened with ?presence=1, as Switchboard's clients do). With thousands
    /// of sockets, `subscribers` spares clients that never show presence a frame per
    /// change per socket.
    #[arg(long, env = "SWITCHBOARD_PRESENCE_PUSH", value_enum, default_value_t = PresencePushArg::Everyone)]
    presence_push: PresencePushArg,
    /// Serve Prometheus metrics at `GET /metrics` on this address (e.g. 127.0.0.1:9100),
    /// apart from the API; off unless given (docs/operations.md).
    #[arg(long, env = "SWITCHBOARD_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Sockets (notification and signaling) one account may hold on this instance; one
    /// more is refused with 429.
    #[arg(long, env = "SWITCHBOARD_SOCKETS_PER_USER", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    sockets_per_user: u64,
    /// Sockets one network address may hold on this instance, over all accounts (0: no
    /// cap). Loopback addresses are never capped. Behind a proxy on another machine
    /// every client has the proxy's address: set 0 there.
    #[arg(long, env = "SWITCHBOARD_SOCKETS_PER_ADDRESS", default_value_t = 256)]
    sockets_per_address: u64,
    /// Calls one account may start at once; then one more every 6 s (0: no limit, for
    /// load tests only).
    #[arg(long, env = "SWITCHBOARD_CALL_BURST", default_value_t = 10)]
    call_burst: u32,
    /// STUN server URLs handed to clients (repeatable), e.g. stun:stun.example.org:3478.
    #[arg(
        long = "stun-url",
        env = "SWITCHBOARD_STUN_URLS",
        value_delimiter = ','
    )]
    stun_urls: Vec<String>,
    /// TURN server URLs (repeatable); needs --turn-secret.
    #[arg(
        long = "turn-url",
        env = "SWITCHBOARD_TURN_URLS",
        value_delimiter = ','
    )]
    turn_urls: Vec<String>,
    /// The TURN server's shared secret (coturn `static-auth-secret`), for time-limited credentials.
    #[arg(long, env = "SWITCHBOARD_TURN_SECRET", hide_env_values = true)]
    turn_secret: Option<String>,
    /// Hours a sign-in token stays valid.
    #[arg(long, env = "SWITCHBOARD_TOKEN_TTL_HOURS", default_value_t = 168, value_parser = clap::value_parser!(u64).range(1..=8760))]
    token_ttl_hours: u64,
    #[command(flatten)]
    tls: TlsArgs,
    /// A web page's origin (`https://crm.example.com`) that may open sockets, e.g. a
    /// CRM's web app (repeatable). Pages from this server's own address always may;
    /// the app and the CLI send no origin.
    #[arg(
        long = "allowed-origin",
        env = "SWITCHBOARD_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// A host name this server answers to when it listens on loopback behind a proxy
    /// that passes its public name in Host (repeatable). Addresses and `localhost`
    /// always work; other names are refused there, against DNS rebinding.
    #[arg(
        long = "allowed-host",
        env = "SWITCHBOARD_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    allowed_hosts: Vec<String>,
}

/// How the server is reached: HTTPS (a certificate from an authority, or its own that
/// clients pin) or, on loopback or behind a proxy that terminates TLS, plain HTTP.
#[derive(Args)]
struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM); with --tls-key.
    #[arg(long, env = "SWITCHBOARD_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "SWITCHBOARD_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate of this server's own, made on first start in the
    /// data directory and kept: teammates' apps pin its fingerprint (logged at start,
    /// and printed by `switchboard-server fingerprint`). For a team without a
    /// certificate authority.
    #[arg(long, env = "SWITCHBOARD_TLS_SELF_SIGNED", conflicts_with = "tls_cert")]
    tls_self_signed: bool,
    /// Allow plain HTTP on an address other than loopback: only behind a proxy that
    /// terminates TLS, since passwords and tokens would otherwise cross the network
    /// unencrypted.
    #[arg(long, env = "SWITCHBOARD_INSECURE_HTTP")]
    insecure_http: bool,
}

impl TlsArgs {
    /// The certificate to serve, or none when plain HTTP is safe or asked for.
    fn choice(&self, listen: SocketAddr) -> Result<ServerTls> {
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            let identity = ServerIdentity::from_pem_files(cert, key)?;
            return Ok(ServerTls::Given(std::sync::Arc::new(identity)));
        }
        if self.tls_self_signed {
            return Ok(ServerTls::Own);
        }
        if !listen.ip().is_loopback() {
            if !self.insecure_http {
                bail!(
                    "refusing to serve plain HTTP on {listen}: passwords and sign-in tokens \
                     would cross the network unencrypted. Give --tls-cert and --tls-key \
                     (PEM), or --tls-self-signed for a certificate of this server's own that \
                     teammates' apps pin, or --insecure-http if a proxy in front of this \
                     server terminates TLS."
                );
            }
            tracing::warn!(
                %listen,
                "serving plain HTTP on a network address (--insecure-http): only safe behind a proxy that terminates TLS"
            );
        }
        Ok(ServerTls::Off)
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PresencePushArg {
    Everyone,
    Subscribers,
}

/// Where an account's password comes from: a prompt, or standard input for scripts.
/// Never the arguments, which every user of the machine can read (`ps`).
#[derive(Args)]
struct PasswordArg {
    /// Read the password from the first line of standard input (for scripts). Without
    /// it, the password is asked for at a prompt, twice, without echo.
    #[arg(long)]
    password_stdin: bool,
    /// Refused with an explanation: kept so that old scripts get one.
    #[arg(long, hide = true)]
    password: Option<String>,
}

impl PasswordArg {
    fn read(&self, username: &str) -> Result<String> {
        use std::io::{BufRead, IsTerminal};
        if self.password.is_some() {
            bail!(
                "a password on the command line is visible to every user of this machine (ps, shell history); pipe it with --password-stdin, or leave it out and type it at the prompt"
            );
        }
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']).to_owned();
            if password.is_empty() {
                bail!("--password-stdin read no password; pipe a line holding it");
            }
            return Ok(password);
        }
        if !std::io::stdin().is_terminal() {
            bail!(
                "no password given: run this in a terminal to type it at the prompt, or pipe it with --password-stdin"
            );
        }
        let password = rpassword::prompt_password(format!("Password for {username}: "))
            .context("cannot read the password at the prompt")?;
        let again = rpassword::prompt_password("The same password again: ")
            .context("cannot read the password at the prompt")?;
        if password != again {
            bail!("the two passwords differ; run the command again");
        }
        Ok(password)
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create one account.
    Add {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        password: PasswordArg,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        full_name: String,
        /// Let this account create others through the API.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        data_dir: DataDirArg,
    },
    /// Set an account's password (it signs in with the new one from now on) and sign it
    /// out everywhere. On PostgreSQL, with the instances' --redis, they close its open
    /// sockets at once; without it those close at their token's expiry (a server on
    /// SQLite notices by itself).
    SetPassword {
        /// The username or email.
        #[arg(long)]
        username: String,
        #[command(flatten)]
        password: PasswordArg,
        #[command(flatten)]
        data_dir: DataDirArg,
        #[command(flatten)]
        bus: BusArgs,
    },
    /// Create PREFIX1..PREFIXN test accounts sharing one password (existing names are kept).
    CreateTestUsers {
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        count: u32,
        #[arg(long, default_value = "testuser")]
        prefix: String,
        #[arg(long)]
        password: String,
        #[command(flatten)]
        data_dir: DataDirArg,
    },
}

#[derive(Subcommand)]
enum MeetingCommand {
    /// Create COUNT meetings for load tests: meeting k is hosted by test user
    /// PREFIX((k-1)*ROOM_SIZE+1) with the next ROOM_SIZE-1 test users as participants, so
    /// on a fresh database meeting k holds the k-th group of test users.
    CreateTestMeetings {
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        count: u32,
        #[arg(long, default_value = "testuser")]
        prefix: String,
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..=64))]
        room_size: u32,
        #[command(flatten)]
        data_dir: DataDirArg,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("switchboard-server: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(*args),
        Command::User(command) => user(command),
        Command::Meeting(command) => meeting(command),
        Command::Keys(KeysCommand::Rotate { data_dir }) => {
            let store = open_store(&data_dir.config()?)?;
            store.write_blocking(switchboard_server::auth::rotate_secret)?;
            println!(
                "The token secret is new: every sign-in made before is refused, and everyone signs in again. Restart every running Switchboard server on this database now; until then they accept the old tokens."
            );
            Ok(())
        }
        Command::Fingerprint { data_dir } => {
            let dir = data_dir.resolve()?;
            switchboard_server::private_files::data_dir(&dir)
                .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
            let identity = ServerIdentity::self_signed_in(&dir, &[])?;
            println!("{}", identity.fingerprint());
            Ok(())
        }
    }
}

fn serve(args: ServeArgs) -> Result<()> {
    let mut config = args.data_dir.config()?;
    if args.bus.redis.is_some() && config.postgres_url().is_none() {
        bail!(
            "--redis needs a shared PostgreSQL --database: instances sharing a bus must share their data"
        );
    }
    config.redis_url = args.bus.redis;
    config.bus_channel = args.bus.bus_channel;
    config.ring_timeout = Duration::from_secs(args.ring_timeout);
    config.presence_timeout = Duration::from_secs(args.presence_timeout);
    config.instance_lease = Duration::from_secs(args.instance_lease);
    config.request_head_timeout = Duration::from_secs(args.request_head_timeout);
    config.request_body_timeout = Duration::from_secs(args.request_body_timeout);
    config.webhooks.timeout = Duration::from_secs(args.webhook_timeout);
    config.webhooks.retry_base = Duration::from_secs(args.webhook_retry_base);
    config.webhooks.give_up_after = Duration::from_secs(args.webhook_retry_hours * 3600);
    config.sockets_per_user = usize::try_from(args.sockets_per_user).unwrap_or(usize::MAX);
    config.sockets_per_address = usize::try_from(args.sockets_per_address).unwrap_or(usize::MAX);
    config.call_burst = args.call_burst;
    config.presence_push = match args.presence_push {
        PresencePushArg::Everyone => PresencePush::Everyone,
        PresencePushArg::Subscribers => PresencePush::Subscribers,
    };
    config.token_ttl = Duration::from_secs(args.token_ttl_hours * 3600);
    config.jitsi = JitsiSettings::from_env();
    if !args.turn_urls.is_empty() && args.turn_secret.is_none() {
        bail!("--turn-url needs --turn-secret (the TURN server's static-auth-secret)");
    }
    config.rtc.stun_urls = args.stun_urls;
    config.rtc.turn_urls = args.turn_urls;
    config.rtc.turn_secret = args.turn_secret;
    config.tls = args.tls.choice(args.listen)?;
    config.allowed_origins = args.allowed_origins;
    config.allowed_hosts = args.allowed_hosts;
    switchboard_server::malloc::limit_arenas();
    switchboard_server::malloc::return_large_blocks();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let metrics_listen = args.metrics_listen;
    let limits = switchboard_server::connections::Limits {
        head: config.request_head_timeout,
        body: config.request_body_timeout,
    };
    runtime.block_on(async move {
        if let Some(addr) = metrics_listen {
            serve_metrics(addr, limits).await?;
        }
        let mut server = Server::bind(args.listen, config).await?;
        tokio::select! {
            result = server.wait() => result.context("the server stopped")?,
            _ = shutdown_signal() => {
                tracing::info!("shutting down");
                server.shutdown().await.context("the server failed while stopping")?;
            }
        }
        Ok(())
    })
}

/// Installs the metrics recorder and serves `GET /metrics` on `addr` (plain HTTP: bind
/// it where only the monitoring system reaches).
async fn serve_metrics(
    addr: SocketAddr,
    limits: switchboard_server::connections::Limits,
) -> Result<()> {
    let handle = switchboard_server::metrics::install()
        .map_err(|e| anyhow::anyhow!("cannot start the metrics recorder: {e}"))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot serve metrics on {addr}: is the port free?"))?;
    let addr = listener.local_addr().unwrap_or(addr);
    tracing::info!(%addr, "metrics at GET /metrics");
    tokio::spawn(switchboard_server::metrics::serve(listener, handle, limits));
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

fn user(command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            username,
            password,
            email,
            full_name,
            admin,
            data_dir,
        } => {
            let password = password.read(&username)?;
            let accounts = Accounts::new(open_store(&data_dir.config()?)?);
            let user = accounts.create_blocking(NewAccount {
                username,
                email,
                full_name,
                password,
                is_admin: admin,
            })?;
            println!(
                "Created {}user {} (id {}).",
                if user.is_admin { "admin " } else { "" },
                user.username,
                user.id
            );
        }
        UserCommand::SetPassword {
            username,
            password,
            data_dir,
            bus,
        } => {
            let password = password.read(&username)?;
            let config = data_dir.config()?;
            let on_postgres = config.postgres_url().is_some();
            if bus.redis.is_some() && !on_postgres {
                bail!(
                    "--redis is for instances sharing a PostgreSQL --database; a server on \
                     SQLite notices a new password by itself"
                );
            }
            let store = open_store(&config)?;
            // Before the change: a wrong Redis is said with nothing changed.
            let mut line = match &bus.redis {
                Some(url) => BusLine::open(&store, url, &bus.bus_channel)?,
                None => None,
            };
            let signed_out =
                Accounts::new(store.clone()).set_password_blocking(&username, &password)?;
            println!("Set the password of {username}; every sign-in of theirs has ended.");
            match &mut line {
                Some(line) => {
                    let heard = line.tell_signed_out(signed_out)?;
                    println!(
                        "Told the running instances ({heard}), which close their open sockets."
                    );
                }
                None if on_postgres && bus.redis.is_none() => eprintln!(
                    "Their open sockets close at their token's expiry: give --redis (the \
                     instances' serve --redis) to close them now."
                ),
                None => {}
            }
        }
        UserCommand::CreateTestUsers {
            count,
            prefix,
            password,
            data_dir,
        } => {
            let accounts = Accounts::new(open_store(&data_dir.config()?)?);
            let created = accounts.create_test_users_blocking(&prefix, count, &password)?;
            println!(
                "Created {created} test users ({prefix}1..{prefix}{count}; {} already existed).",
                count - created
            );
        }
    }
    Ok(())
}

/// The command line's line onto the instances' bus, to tell them of an account change.
struct BusLine {
    runtime: tokio::runtime::Runtime,
    publisher: switchboard_server::realtime::redis_bus::Publisher,
    channel: String,
}

impl BusLine {
    /// Connects to the instances' Redis with the key they derive from the token secret;
    /// `None` when no server has started on this database yet (none can be listening).
    fn open(
        store: &switchboard_server::store::Store,
        url: &str,
        channel: &str,
    ) -> Result<Option<BusLine>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let key = runtime
            .block_on(store.read(|tx| switchboard_server::auth::Tokens::bus_key_in(tx)))
            .context("cannot read the token secret")?;
        let Some(key) = key else {
            return Ok(None);
        };
        let publisher = runtime
            .block_on(switchboard_server::realtime::redis_bus::Publisher::connect(
                url, channel, key,
            ))
            .context("nothing was changed")?;
        Ok(Some(BusLine {
            runtime,
            publisher,
            channel: channel.to_owned(),
        }))
    }

    /// Publishes an account's sign-out, as an instance would, so each instance closes
    /// the sockets opened with the account's old tokens; how many instances heard it.
    fn tell_signed_out(
        &mut self,
        signed_out: switchboard_server::accounts::SignedOut,
    ) -> Result<i64> {
        let event = switchboard_server::realtime::BusEvent::CutOff {
            user_id: signed_out.user_id,
            before_epoch: Some(signed_out.token_epoch),
        };
        let heard = self
            .runtime
            .block_on(self.publisher.publish(&event))
            .context(NOT_TOLD)?;
        if heard == 0 {
            bail!(
                "{NOT_TOLD}: no instance listens on the Redis channel {}; give the \
                 instances' --bus-channel (SWITCHBOARD_BUS_CHANNEL)",
                self.channel
            );
        }
        Ok(heard)
    }
}

/// What an account change that reached no instance leaves.
const NOT_TOLD: &str = "the password is set, but the running instances were not told: the \
                        account's open sockets close at their token's expiry, or restart the \
                        instances";

fn meeting(command: MeetingCommand) -> Result<()> {
    match command {
        MeetingCommand::CreateTestMeetings {
            count,
            prefix,
            room_size,
            data_dir,
        } => {
            let store = open_store(&data_dir.config()?)?;
            let (first, last) = store.write_blocking(|tx| {
                meetings::create_test_meetings(
                    tx,
                    &prefix,
                    count,
                    room_size,
                    switchboard_server::now(),
                )
            })?;
            println!(
                "Created {count} test meetings (ids {first}..{last}), {room_size} {prefix} users each."
            );
        }
    }
    Ok(())
}
