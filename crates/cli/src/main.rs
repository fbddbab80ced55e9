//! `switchboard-cli`: Switchboard from a terminal or a script. Tokens live in the OS
//! keyring (one per server and profile); `SWITCHBOARD_TOKEN` overrides it for scripts.

mod conversation;
mod sound;
mod talk;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;
use switchboard_client::api::HistoryFilter;
use switchboard_client::token_store::TokenStore;
use switchboard_client::{Api, CertificateProblem, ClientError, Fingerprint, Trust};
use switchboard_protocol::PresenceStatus;
use switchboard_protocol::api::{CallSession, RedeemInvite};
use switchboard_protocol::crm::{CallOutcomes, NewCallLog, Regarding};

#[derive(Parser)]
#[command(
    name = "switchboard-cli",
    version,
    about = "Switchboard from the command line"
)]
struct Cli {
    /// The Switchboard (or seed-compatible CRM) server.
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_SERVER",
        default_value = "http://127.0.0.1:8000"
    )]
    server: String,
    /// The server's certificate fingerprint (sha256:…, as the host's screen or invite
    /// link shows it): trust exactly that certificate. Without it, the server's
    /// certificate must be signed by an authority this computer trusts.
    #[arg(long, global = true, env = "SWITCHBOARD_SERVER_FINGERPRINT")]
    server_fingerprint: Option<Fingerprint>,
    /// Which saved sign-in to use: several accounts on one server each get a profile.
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_PROFILE",
        default_value = "default"
    )]
    profile: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in and keep the token in the OS keyring.
    Login {
        #[arg(long)]
        username: String,
        #[arg(long, env = "SWITCHBOARD_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Make your own account with a one-time invite code from an administrator, and
    /// sign in to it.
    Join {
        /// The code from the invite (the `code=` part of its link).
        #[arg(long)]
        code: String,
        #[arg(long)]
        username: String,
        #[arg(long, env = "SWITCHBOARD_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "")]
        full_name: String,
        #[arg(long, default_value = "")]
        email: String,
    },
    /// Make a one-time invite code for a teammate (administrators only).
    Invite {
        /// How long the code works, in hours (1 to 720).
        #[arg(long, default_value_t = 72)]
        hours: u32,
    },
    /// Sign out: the server revokes the token and the keyring forgets it.
    Logout {
        /// Sign out every device of this account, this one too.
        #[arg(long)]
        everywhere: bool,
    },
    /// Who this profile is signed in as.
    Whoami,
    /// Everyone, with presence.
    Users,
    /// Set your presence.
    Status {
        status: StatusArg,
        #[arg(long)]
        message: Option<String>,
    },
    /// Your calls, newest first, with what they were about and their logs.
    History {
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Only calls about this CRM record, TYPE:ID (`deal:4711`).
        #[arg(long, value_name = "TYPE:ID")]
        about: Option<String>,
        /// Only calls logged with this outcome.
        #[arg(long)]
        outcome: Option<String>,
        /// Only calls whose notes contain this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// Log an ended call: an outcome from the team's list (`outcomes`), a note, or both.
    /// Yours can be changed for 24 hours.
    Log {
        call_id: i64,
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// The outcomes a call can be logged with; `--set` replaces them (administrators).
    Outcomes {
        /// An outcome, in order; repeat for each.
        #[arg(long = "set", value_name = "OUTCOME")]
        set: Vec<String>,
    },
    /// Call someone and talk (audio from --tone or --play).
    Call {
        username: String,
        /// The CRM record the call is about, TYPE:ID (`deal:4711`): the callee sees it
        /// with your name, and the call is listed under it.
        #[arg(long, value_name = "TYPE:ID")]
        about: Option<String>,
        /// What the record is called ("ACME renewal") [default: its TYPE and ID].
        #[arg(long, requires = "about")]
        label: Option<String>,
        /// The record's page in the CRM (http or https).
        #[arg(long, requires = "about")]
        url: Option<String>,
        /// Mute after this many seconds of talk.
        #[arg(long)]
        mute_after: Option<f64>,
        #[command(flatten)]
        audio: sound::AudioArgs,
    },
    /// Wait for calls and answer or reject them.
    Listen {
        #[arg(long, conflicts_with = "auto_reject")]
        auto_answer: bool,
        #[arg(long)]
        auto_reject: bool,
        /// With --auto-reject: the message the caller sees ("In a meeting").
        #[arg(long, requires = "auto_reject")]
        reject_message: Option<String>,
        /// How many calls (and meetings, with --join-meetings) to take before exiting.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Also join the meetings you are in as they start, as when a colleague adds you
        /// to their call.
        #[arg(long)]
        join_meetings: bool,
        #[command(flatten)]
        audio: sound::AudioArgs,
    },
    /// List sound devices (for --input-device / --output-device) and cameras (for
    /// --video camera:NAME).
    Devices,
    /// Find team hosts on the local network (mDNS): name, address and fingerprint.
    Discover {
        /// How long to listen for answers.
        #[arg(long, default_value_t = 3)]
        seconds: u64,
        /// One JSON object per host instead of lines for people.
        #[arg(long)]
        json: bool,
    },
    /// Join a meeting's audio (a mesh of up to six) and talk until --duration or Ctrl-C.
    JoinMeeting {
        meeting_id: i64,
        #[command(flatten)]
        audio: sound::AudioArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum StatusArg {
    Online,
    Away,
    Busy,
    Offline,
    Dnd,
}

impl From<StatusArg> for PresenceStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Online => PresenceStatus::Online,
            StatusArg::Away => PresenceStatus::Away,
            StatusArg::Busy => PresenceStatus::Busy,
            StatusArg::Offline => PresenceStatus::Offline,
            StatusArg::Dnd => PresenceStatus::Dnd,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings from our own crates (a sound device that failed, a lost connection) go to
    // stderr; RUST_LOG overrides, e.g. RUST_LOG=switchboard_media=debug.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("switchboard_client=warn,switchboard_media=warn")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // One async worker: a call needs a few percent of a core, and a second worker only
    // adds cross-thread wake-ups (measured: ~15 % more CPU per call, docs/benchmarks.md).
    // Sound devices and Opus run on their own threads or in microseconds.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("switchboard-cli: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard-cli: {e:#}");
            // The sentence speaks of invite links; from a terminal the pin is a flag.
            if let Some(ClientError::Certificate {
                problem: CertificateProblem::Unknown,
                ..
            }) = e.downcast_ref::<ClientError>()
            {
                eprintln!(
                    "switchboard-cli: to trust the host's own certificate, pass --server-fingerprint sha256:… as the host's screen shows it (on a headless server: switchboard-server fingerprint)."
                );
            }
            ExitCode::FAILURE
        }
    }
}

impl Cli {
    /// The API of the server named, trusted as the flags say.
    fn api(&self) -> Result<Api, ClientError> {
        let trust = self.server_fingerprint.map_or(Trust::System, Trust::Pinned);
        Api::with_trust(&self.server, trust)
    }
}

/// The signed-in API for this server and profile.
async fn session(cli: &Cli) -> Result<Api> {
    let api = cli.api()?;
    if let Ok(token) = std::env::var("SWITCHBOARD_TOKEN")
        && !token.is_empty()
    {
        return Ok(api.with_token(token));
    }
    let (server, profile) = (cli.server.clone(), cli.profile.clone());
    let token = tokio::task::spawn_blocking(move || TokenStore::default().load(&server, &profile))
        .await??;
    let token = token.ok_or_else(|| {
        anyhow!(
            "not signed in to {} as profile {:?}; run `switchboard-cli login --username NAME`",
            cli.server,
            cli.profile
        )
    })?;
    Ok(api.with_token(token))
}

async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Login { username, password } => {
            let mut api = cli.api()?;
            let login = api.login(username, password).await?;
            let (server, profile, token) =
                (cli.server.clone(), cli.profile.clone(), login.token.clone());
            tokio::task::spawn_blocking(move || {
                TokenStore::default().save(&server, &profile, &token)
            })
            .await?
            .context("signed in, but the token could not be saved")?;
            println!(
                "Signed in to {} as {} ({}).",
                cli.server,
                login.user.username,
                login.user.display_name()
            );
        }
        Command::Join {
            code,
            username,
            password,
            full_name,
            email,
        } => {
            let mut api = cli.api()?;
            let joined = api
                .redeem_invite(&RedeemInvite {
                    code: code.clone(),
                    username: username.clone(),
                    password: password.clone(),
                    email: email.clone(),
                    full_name: full_name.clone(),
                })
                .await?;
            let (server, profile, token) = (
                cli.server.clone(),
                cli.profile.clone(),
                joined.token.clone(),
            );
            tokio::task::spawn_blocking(move || {
                TokenStore::default().save(&server, &profile, &token)
            })
            .await?
            .context(
                "the account was made, but the token could not be saved; sign in with `login`",
            )?;
            println!(
                "Made the account {} on {} and signed in.",
                joined.user.username, cli.server
            );
        }
        Command::Invite { hours } => {
            let made = session(&cli).await?.create_invite(Some(*hours)).await?;
            println!("Invite code: {}", made.code);
            if let Some(fp) = cli.server_fingerprint {
                println!(
                    "Invite link: switchboard://join?server={}&fp={fp}&code={}",
                    cli.server, made.code
                );
            }
            println!(
                "It works once, until {}; the teammate runs `switchboard-cli join --code …` or opens the link in the app.",
                made.invite.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
        Command::Logout { everywhere: true } => {
            let api = session(&cli).await?;
            api.logout_everywhere().await?;
            let (server, profile) = (cli.server.clone(), cli.profile.clone());
            tokio::task::spawn_blocking(move || TokenStore::default().forget(&server, &profile))
                .await??;
            println!("Signed out on every device.");
        }
        Command::Logout { everywhere: false } => {
            let api = session(&cli).await?;
            match api.logout().await {
                Ok(()) | Err(ClientError::SignedOut(_)) => {}
                Err(e) => return Err(e.into()),
            }
            let (server, profile) = (cli.server.clone(), cli.profile.clone());
            tokio::task::spawn_blocking(move || TokenStore::default().forget(&server, &profile))
                .await??;
            println!("Signed out of {}.", cli.server);
        }
        Command::Call {
            username,
            about,
            label,
            url,
            mute_after,
            audio,
        } => {
            let regarding = about
                .as_deref()
                .map(|about| regarding(about, label.as_deref(), url.as_deref()))
                .transpose()?;
            talk::call(
                session(&cli).await?,
                username,
                regarding,
                audio,
                *mute_after,
            )
            .await?
        }
        Command::Listen {
            auto_answer,
            auto_reject,
            reject_message,
            count,
            join_meetings,
            audio,
        } => {
            let answer = match (auto_answer, reject_message) {
                (true, _) => talk::Answer::Accept,
                (false, Some(message)) => talk::Answer::DeclineSaying(message.clone()),
                (false, None) if *auto_reject => talk::Answer::Decline,
                (false, None) => bail!("choose --auto-answer or --auto-reject"),
            };
            talk::listen(session(&cli).await?, answer, *count, *join_meetings, audio).await?
        }
        Command::JoinMeeting { meeting_id, audio } => {
            talk::join_meeting(session(&cli).await?, *meeting_id, audio).await?
        }
        &Command::Discover { seconds, json } => {
            let wait = std::time::Duration::from_secs(seconds.clamp(1, 60));
            let hosts =
                tokio::task::spawn_blocking(move || switchboard_discovery::find_hosts(wait))
                    .await??;
            if hosts.is_empty() && !json {
                println!(
                    "No team host answered on this network in {}s. Ask for its address instead.",
                    wait.as_secs()
                );
            }
            for host in hosts {
                let url = host.url().unwrap_or_default();
                if json {
                    let line = serde_json::json!({
                        "name": host.name,
                        "url": url,
                        "addresses": host.addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "port": host.port,
                        "fingerprint": host.fingerprint,
                    });
                    println!("{line}");
                } else {
                    let pin = host
                        .fingerprint
                        .map(|fp| format!("  --server-fingerprint {fp}"))
                        .unwrap_or_default();
                    println!("{}  {url}{pin}", host.name);
                }
            }
        }
        Command::Devices => {
            let list =
                tokio::task::spawn_blocking(switchboard_media::devices::list_devices).await?;
            let mark = |name: &String, default: &Option<String>| {
                if Some(name) == default.as_ref() {
                    " (default)"
                } else {
                    ""
                }
            };
            println!("Input devices:");
            for name in &list.inputs {
                println!("  {name}{}", mark(name, &list.default_input));
            }
            println!("Output devices:");
            for name in &list.outputs {
                println!("  {name}{}", mark(name, &list.default_output));
            }
            let cameras = tokio::task::spawn_blocking(switchboard_capture::cameras).await?;
            println!("Cameras:");
            if cameras.is_empty() {
                println!("  (none found)");
            }
            for camera in &cameras {
                println!("  {}  {}", camera.name, camera.path.display());
            }
        }
        Command::Whoami => {
            let me = session(&cli).await?.me().await?;
            println!(
                "{} ({}) <{}> id {}",
                me.username,
                me.display_name(),
                me.email,
                me.id
            );
        }
        Command::Users => {
            let users = session(&cli).await?.users().await?;
            for u in users {
                let p = &u.presence;
                let calls = if p.is_available {
                    ""
                } else {
                    " (not taking calls)"
                };
                let message = if p.status_message.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", p.status_message)
                };
                println!(
                    "{:<20} {:<8} {}{calls}{message}",
                    u.username,
                    p.status.as_str(),
                    u.full_name
                );
            }
        }
        Command::Status { status, message } => {
            let api = session(&cli).await?;
            let p = api
                .set_status(Some((*status).into()), None, message.as_deref())
                .await?;
            println!(
                "You are {}{}.",
                p.presence.status,
                if p.presence.status_message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", p.presence.status_message)
                }
            );
        }
        Command::History {
            limit,
            about,
            outcome,
            search,
        } => {
            let api = session(&cli).await?;
            let me = api.me().await?;
            let filter = HistoryFilter {
                regarding: about
                    .as_deref()
                    .map(|about| regarding(about, None, None).map(|r| (r.kind, r.id)))
                    .transpose()?,
                outcome: outcome.clone(),
                note_text: search.clone(),
            };
            let filtered = filter.regarding.is_some() || outcome.is_some() || search.is_some();
            let page = api
                .history_where(1, (*limit).clamp(1, 100), &filter)
                .await?;
            if page.results.is_empty() {
                println!(
                    "{}",
                    if filtered {
                        "No such calls."
                    } else {
                        "No calls yet."
                    }
                );
            }
            for call in &page.results {
                println!("{}", history_line(call, me.id));
            }
        }
        Command::Log {
            call_id,
            outcome,
            note,
        } => {
            let api = session(&cli).await?;
            let me = api.me().await?;
            let log = NewCallLog {
                outcome: outcome.clone(),
                note: note.clone(),
            };
            let call = api.log_call(*call_id, &log).await?;
            println!("Logged.\n{}", history_line(&call, me.id));
        }
        Command::Outcomes { set } => {
            let api = session(&cli).await?;
            let list = if set.is_empty() {
                api.call_outcomes().await?
            } else {
                api.set_call_outcomes(&CallOutcomes {
                    outcomes: set.clone(),
                })
                .await?
            };
            for outcome in &list.outcomes {
                println!("{outcome}");
            }
        }
    }
    Ok(())
}

/// `deal:4711` (with a label and a page, when given) as the record a call is about.
fn regarding(about: &str, label: Option<&str>, url: Option<&str>) -> Result<Regarding> {
    let Some((kind, id)) = about
        .split_once(':')
        .filter(|(k, i)| !k.is_empty() && !i.is_empty())
    else {
        bail!("--about takes TYPE:ID, like deal:4711");
    };
    let record = Regarding {
        kind: kind.to_owned(),
        id: id.to_owned(),
        label: label.map_or_else(|| format!("{kind} {id}"), str::to_owned),
        url: url.map(str::to_owned),
    };
    if let Some(problem) = record.problem() {
        bail!("{problem}");
    }
    Ok(record)
}

/// `#12  2025-11-22 19:54  → bob  completed  00:14`, then what it was about, the
/// callee's message and each participant's log on lines of their own.
fn history_line(call: &CallSession, me: i64) -> String {
    let (arrow, peer) = if call.initiator == me {
        ("→", &call.recipient_details)
    } else {
        ("←", &call.initiator_details)
    };
    let mut line = format!(
        "#{:<5} {}  {arrow} {:<16} {:<9} {}",
        call.id,
        call.created_at.format("%Y-%m-%d %H:%M"),
        peer.username,
        call.status.as_str(),
        call.duration_formatted
    );
    if let Some(r) = &call.regarding {
        line.push_str(&format!("\n       {}", talk::about(r)));
        if let Some(url) = &r.url {
            line.push_str(&format!(" <{url}>"));
        }
    }
    if let Some(message) = &call.decline_message {
        line.push_str(&format!("\n       declined: \"{message}\""));
    }
    for log in &call.logs {
        let who = if log.author == call.initiator {
            &call.initiator_details.username
        } else {
            &call.recipient_details.username
        };
        let outcome = log
            .outcome
            .as_deref()
            .map(|o| format!("[{o}] "))
            .unwrap_or_default();
        let note = log.note.as_deref().unwrap_or_default().replace('\n', " / ");
        line.push_str(&format!("\n       {who}: {outcome}{note}"));
    }
    line
}
