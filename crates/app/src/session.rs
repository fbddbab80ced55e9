//! Signing in and out, the saved sign-in, and what a signed-in user does: calls, status,
//! history, teammates.

use crate::controller::{Controller, Session, forward};
use crate::error::AppError;
use crate::hosting::{DEFAULT_LISTEN, Host};
use crate::links::{Invite, invite_in};
use crate::settings::Hosting;
use crate::state::{AppState, LinkCall};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_client::phone::Phone;
use switchboard_client::{
    Api, CertificateProblem, ClientError, Engine, EngineConfig, Event, Fingerprint, Trust,
};
use switchboard_protocol::api::{CallSession, NewAccount, Page, UserInfo};
use switchboard_protocol::crm::{CallOutcomes, NewCallLog, Regarding};
use switchboard_protocol::{CallType, PresenceStatus};

/// The keyring profile the desktop app signs in under.
const PROFILE: &str = "desktop";

fn profile(username: &str) -> String {
    format!("{PROFILE}-{username}")
}

/// `10.0.0.5:8000` → `https://10.0.0.5:8000` (a team's server serves HTTPS; a CRM on
/// plain http is typed with its `http://`); trailing slashes dropped.
fn normalise_url(url: &str) -> Result<String, AppError> {
    let url = url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Err(AppError::invalid(
            "Enter the server's address, such as https://10.0.0.5:8000.",
        ));
    }
    let url = if url.contains("://") {
        url.to_owned()
    } else {
        format!("https://{url}")
    };
    Api::new(&url)?;
    Ok(url)
}

/// `sha256:…` as typed or pasted, or a sentence saying what is wrong with it.
fn parse_fingerprint(text: &str) -> Result<Fingerprint, AppError> {
    Fingerprint::parse(text).map_err(|e| AppError::invalid(format!("{e}.")))
}

/// What this app makes of a server's certificate before signing in to it.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct ServerCheck {
    /// The address as it will be used (`https://` added when none was typed).
    pub server_url: String,
    /// `None`: plain http, nothing to check (only on a network the user trusts).
    pub certificate: Option<CertificateCheck>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct CertificateCheck {
    /// `sha256:…`
    pub fingerprint: String,
    /// In groups of four, to compare with the host's screen.
    pub fingerprint_grouped: String,
    pub trust: CertificateTrust,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CertificateTrust {
    /// The certificate this app pinned for this server.
    Pinned,
    /// Signed by an authority this computer trusts.
    Authority,
    /// Neither: the user compares the fingerprint with the host's, then trusts it (or
    /// uses the host's invite link).
    Unknown,
    /// Another certificate than the one pinned: refused unless the user brings the new
    /// fingerprint from the host (an invite link).
    Changed { pinned: String },
}

/// `10.0.0.5:8000` or `[::1]:8000` (an https URL without its scheme), as a host and a
/// port (443 when none is given).
fn split_host_port(address: &str) -> Result<(&str, u16), AppError> {
    let address = address.split('/').next().unwrap_or(address);
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port),
        _ => (address, "443"),
    };
    let port = port.parse().map_err(|_| {
        AppError::invalid(format!(
            "{address} is not a server address; use one such as https://10.0.0.5:8000."
        ))
    })?;
    Ok((host, port))
}

impl Controller {
    pub(crate) async fn resume_saved(
        self: &Arc<Self>,
        embedded: Option<SocketAddr>,
    ) -> Result<(), AppError> {
        let saved = self.saved();
        let listen = embedded.or_else(|| {
            saved
                .hosting
                .as_ref()
                .and_then(|h| h.listen.parse::<SocketAddr>().ok())
        });
        if let Some(listen) = listen {
            self.start_host(listen).await?;
        }
        let (Some(url), Some(username)) = (saved.server_url.clone(), saved.username.clone()) else {
            return Ok(());
        };
        let (url, trust) = match self.host.lock().await.as_ref() {
            Some(host) if saved.hosting.is_some() => {
                (host.local_url(), Trust::Pinned(host.fingerprint()?))
            }
            _ => (
                url,
                saved
                    .server_fingerprint
                    .map_or(Trust::System, Trust::Pinned),
            ),
        };
        let tokens = self.tokens.clone();
        let (server, profile) = (url.clone(), profile(&username));
        let token = tokio::task::spawn_blocking(move || tokens.load(&server, &profile))
            .await
            .map_err(|e| AppError::Settings(format!("Reading the saved sign-in failed: {e}")))??;
        let Some(token) = token else {
            return Ok(());
        };
        // An expired token fails here: the sign-in screen says why.
        self.start_session(Api::with_trust(&url, trust)?.with_token(token), url)
            .await
    }

    /// Takes an invite link (opened, or pasted into the sign-in form): the form fills
    /// itself with the server and the certificate to pin.
    pub async fn open_invite(&self, link: String) -> Result<Invite, AppError> {
        let invite = invite_in(&link).ok_or_else(|| {
            AppError::invalid(
                "That is not a Switchboard invite link: it starts with switchboard://join? and names the server and its fingerprint. Ask the host to send it again.",
            )
        })?;
        self.live().invite = Some(invite.clone());
        let state = self.app_state().await;
        self.shell.on_state(&state);
        Ok(invite)
    }

    /// The server's certificate as this app sees it, for the sign-in form to show
    /// before a first connection (trust on first use, with the fingerprint to compare).
    pub async fn check_server(&self, server_url: String) -> Result<ServerCheck, AppError> {
        let url = normalise_url(&server_url)?;
        let Some(address) = url.strip_prefix("https://") else {
            return Ok(ServerCheck {
                server_url: url,
                certificate: None,
            });
        };
        let (host, port) = split_host_port(address)?;
        let shown = switchboard_client::probe(host, port)
            .await
            .map_err(|e| AppError::invalid(format!("{e}.")))?;
        let saved = self.saved();
        let pinned = saved
            .server_fingerprint
            .filter(|_| saved.server_url.as_deref() == Some(url.as_str()));
        let trust = match pinned {
            Some(pinned) if pinned == shown => CertificateTrust::Pinned,
            Some(pinned) => CertificateTrust::Changed {
                pinned: pinned.to_string(),
            },
            None => match Api::new(&url)?.health().await {
                Ok(()) => CertificateTrust::Authority,
                Err(ClientError::Certificate {
                    problem: CertificateProblem::Unknown,
                    ..
                }) => CertificateTrust::Unknown,
                Err(e) => return Err(e.into()),
            },
        };
        Ok(ServerCheck {
            server_url: url,
            certificate: Some(CertificateCheck {
                fingerprint: shown.to_string(),
                fingerprint_grouped: shown.grouped(),
                trust,
            }),
        })
    }

    /// Signs in, keeps the token in the OS keyring and starts listening for calls.
    /// `fingerprint`: the certificate to pin (from an invite link, or the one the user
    /// compared and trusted); without it, the one pinned for this server before, or an
    /// authority's.
    pub async fn sign_in(
        self: &Arc<Self>,
        server_url: String,
        username: String,
        password: String,
        fingerprint: Option<String>,
    ) -> Result<AppState, AppError> {
        let (url, pin) = self.pin_for(&server_url, fingerprint.as_deref())?;
        let username = username.trim().to_owned();
        if username.is_empty() || password.is_empty() {
            return Err(AppError::invalid("Enter your username and password."));
        }
        self.sign_out_quietly().await;
        let mut api = Api::with_trust(&url, pin.map_or(Trust::System, Trust::Pinned))?;
        let login = api.login(&username, &password).await?;
        self.adopt_sign_in(api, url, pin, username, login.token)
            .await
    }

    /// The saved server (and its pinned certificate) to use for `server_url`: the pin
    /// `given` (from an invite or compared by the user), else the one kept for it.
    pub(crate) fn pin_for(
        &self,
        server_url: &str,
        given: Option<&str>,
    ) -> Result<(String, Option<Fingerprint>), AppError> {
        let url = normalise_url(server_url)?;
        let given = given
            .filter(|f| !f.trim().is_empty())
            .map(parse_fingerprint)
            .transpose()?;
        let saved = self.saved();
        let pin = given.or_else(|| {
            saved
                .server_fingerprint
                .filter(|_| saved.server_url.as_deref() == Some(url.as_str()))
        });
        Ok((url, pin))
    }

    /// Keeps a fresh sign-in (`api` carries `token`): the token in the OS keyring, the
    /// server and its pin in the settings, and a session listening for calls.
    pub(crate) async fn adopt_sign_in(
        self: &Arc<Self>,
        api: Api,
        url: String,
        pin: Option<Fingerprint>,
        username: String,
        token: String,
    ) -> Result<AppState, AppError> {
        let tokens = self.tokens.clone();
        let (server, profile) = (url.clone(), profile(&username));
        let stored =
            tokio::task::spawn_blocking(move || tokens.save(&server, &profile, &token)).await;
        let keyring_problem = match stored {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        self.update_saved(|s| {
            s.server_url = Some(url.clone());
            s.server_fingerprint = pin;
            s.username = Some(username.clone());
        })?;
        self.start_session(api, url).await?;
        if let Some(problem) = keyring_problem {
            self.problem(format!(
                "Signed in, but the sign-in could not be saved in the system keyring ({problem}); you will be asked again next time."
            ));
        }
        Ok(self.app_state().await)
    }

    async fn start_session(self: &Arc<Self>, api: Api, url: String) -> Result<(), AppError> {
        let engine = Arc::new(Engine::start(api, EngineConfig::default()).await?);
        tracing::info!(server = %url, user = %engine.me().username, "signed in");
        // Subscribed before the directory is fetched: presence pushed meanwhile waits in
        // the receiver and is applied on top of the fetched list, not lost.
        let events = engine.events();
        let users = match engine.api().users().await {
            Ok(users) => users,
            Err(e) => {
                // The engine's own directory event fills it once it connects.
                tracing::warn!(error = %e, "cannot fetch the directory at sign-in");
                Vec::new()
            }
        };
        self.live().directory.replace(users);
        let phone = Arc::new(Phone::with_video(
            engine,
            self.open_audio(),
            Some(self.open_video()),
        ));
        let forward = tokio::spawn(forward(self.clone(), events));
        let old = self.session.lock().await.replace(Session {
            phone,
            server_url: url,
            forward,
        });
        if let Some(old) = old {
            old.phone.shut_down().await;
            old.forward.abort();
        }
        Ok(())
    }

    pub(crate) async fn sign_out_quietly(&self) {
        self.leave_meeting_because(None).await;
        let session = self.session.lock().await.take();
        if let Some(session) = session {
            session.phone.shut_down().await;
            session.forward.abort();
        }
        *self.live() = Default::default();
    }

    /// Signs out: hangs up, ends the server session and forgets the token.
    pub async fn sign_out(self: &Arc<Self>) -> Result<AppState, AppError> {
        self.sign_out_from(false).await
    }

    /// Signs out here and on every other device of this account.
    pub async fn sign_out_everywhere(self: &Arc<Self>) -> Result<AppState, AppError> {
        self.sign_out_from(true).await
    }

    async fn sign_out_from(self: &Arc<Self>, everywhere: bool) -> Result<AppState, AppError> {
        if let Ok(phone) = self.phone().await {
            let api = phone.engine().api().clone();
            if everywhere {
                // The user asked for the other devices: a failure is theirs to know.
                api.logout_everywhere().await?;
            } else if let Err(e) = api.logout().await {
                tracing::info!(error = %e, "logout request failed; forgetting the token anyway");
            }
            let saved = self.saved();
            if let (Some(url), Some(username)) = (saved.server_url, saved.username) {
                let tokens = self.tokens.clone();
                let profile = profile(&username);
                let _ = tokio::task::spawn_blocking(move || tokens.forget(&url, &profile)).await;
            }
        }
        self.sign_out_quietly().await;
        self.update_saved(|s| s.username = None)?;
        Ok(self.app_state().await)
    }

    pub async fn set_status(
        &self,
        status: PresenceStatus,
        message: String,
    ) -> Result<(), AppError> {
        let phone = self.phone().await?;
        let message = message.trim().to_owned();
        phone.engine().set_status(status, Some(&message)).await?;
        // My own entry changes now, not when the push (or a poll) brings it back: a ring
        // in between must already see do-not-disturb.
        let me = phone.engine().me().id;
        let mut live = self.live();
        let available = live
            .directory
            .by_id(me)
            .is_none_or(|u| u.presence.available_for_calls);
        live.directory.apply(&Event::Presence {
            user_id: me,
            status,
            available_for_calls: available,
            status_message: Some(message),
        });
        Ok(())
    }

    /// Calls `user_id`: a voice call, or a video call when `video`.
    pub async fn call_user(&self, user_id: i64, video: bool) -> Result<CallSession, AppError> {
        let call_type = if video {
            CallType::Video
        } else {
            CallType::Audio
        };
        self.not_in_meeting().await?;
        Ok(self
            .phone()
            .await?
            .call_with(user_id, call_type, None)
            .await?)
    }

    /// A `switchboard://call/<username>` link was opened: asks the user first (the
    /// link may come from any web page or message), unless they chose to call at once.
    /// Returns the call when it was placed now.
    pub async fn open_call_link(&self, username: &str) -> Result<Option<CallSession>, AppError> {
        self.open_call_link_about(username, None).await
    }

    /// As [`Controller::open_call_link`], for a link that names the CRM record the call
    /// is about (the question shows it; the call carries it).
    pub async fn open_call_link_about(
        &self,
        username: &str,
        regarding: Option<Regarding>,
    ) -> Result<Option<CallSession>, AppError> {
        let phone = self.phone().await?;
        let callee = self
            .live()
            .directory
            .by_username(username)
            .map(|u| LinkCall {
                user_id: u.id,
                username: u.username.clone(),
                display_name: if u.full_name.trim().is_empty() {
                    u.username.clone()
                } else {
                    u.full_name.clone()
                },
                regarding: regarding.clone(),
            })
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "There is no colleague named {username} on this server."
                ))
            })?;
        if self.settings().call_links_without_asking {
            self.not_in_meeting().await?;
            return Ok(Some(phone.call_about(callee.user_id, regarding).await?));
        }
        self.live().link_call = Some(callee);
        let state = self.app_state().await;
        self.shell.on_state(&state);
        Ok(None)
    }

    /// The user's answer to a call link: `call` places it; `always` stops asking for
    /// call links from now on. Returns the call when one was placed.
    pub async fn confirm_link_call(
        &self,
        call: bool,
        always: bool,
    ) -> Result<Option<CallSession>, AppError> {
        let Some(callee) = self.live().link_call.take() else {
            return Err(AppError::invalid(
                "No call link is waiting: open the link again.",
            ));
        };
        if always && call {
            let mut settings = self.settings();
            settings.call_links_without_asking = true;
            self.save_settings(settings)?;
        }
        if !call {
            return Ok(None);
        }
        self.not_in_meeting().await?;
        Ok(Some(
            self.phone()
                .await?
                .call_about(callee.user_id, callee.regarding)
                .await?,
        ))
    }

    pub async fn answer_call(&self, call_id: i64) -> Result<CallSession, AppError> {
        self.not_in_meeting().await?;
        Ok(self.phone().await?.answer(call_id).await?)
    }

    pub async fn reject_call(&self, call_id: i64) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.reject(call_id).await?)
    }

    /// Declines a ringing call with a message the caller sees at once.
    pub async fn decline_call(
        &self,
        call_id: i64,
        message: String,
    ) -> Result<CallSession, AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .decline(call_id, &message)
            .await?)
    }

    /// Writes (or, within 24 hours, changes) my log of an ended call.
    pub async fn log_call(&self, call_id: i64, log: NewCallLog) -> Result<CallSession, AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .log_call(call_id, &log)
            .await?)
    }

    /// The outcomes a call can be logged with, in the team's order.
    pub async fn call_outcomes(&self) -> Result<CallOutcomes, AppError> {
        Ok(self.phone().await?.engine().api().call_outcomes().await?)
    }

    pub async fn hang_up(&self) -> Result<(), AppError> {
        Ok(self.phone().await?.hang_up().await?)
    }

    /// Puts the other party of the current call through to `user_id` (a blind transfer);
    /// returns the call that now rings there.
    pub async fn transfer_call(&self, user_id: i64) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.transfer(user_id).await?)
    }

    /// An attended transfer, first step: holds the current call and calls `user_id` about
    /// it; returns the consultation.
    pub async fn consult_call(&self, user_id: i64) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.consult(user_id).await?)
    }

    /// Joins the held call's other party with the colleague consulted; returns their call.
    pub async fn complete_transfer(&self) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.complete_transfer().await?)
    }

    /// Ends the consultation and takes the held call back.
    pub async fn back_to_held(&self) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.back_to_held().await?)
    }

    /// Puts the current call on hold, or takes it back (only the one who held it can).
    pub async fn hold_call(&self, on: bool) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.set_held(on).await?)
    }

    pub async fn set_muted(&self, muted: bool) -> Result<(), AppError> {
        self.phone().await?.set_muted(muted).await;
        Ok(())
    }

    pub async fn call_history(&self, page: u32) -> Result<Page<CallSession>, AppError> {
        let phone = self.phone().await?;
        let history = phone.engine().api().history(page.max(1), 20).await?;
        phone.reset_missed();
        Ok(history)
    }

    /// Whether an incoming call should ring here: not when "available for calls" is off
    /// or my status is do-not-disturb. Reads the directory in memory: a ring never waits
    /// on the network.
    pub async fn should_ring(&self) -> bool {
        if !self.settings().available_for_calls {
            return false;
        }
        let Ok(phone) = self.phone().await else {
            return false;
        };
        let me = phone.engine().me().id;
        self.live()
            .directory
            .by_id(me)
            .is_none_or(|u| u.presence.status != PresenceStatus::Dnd)
    }

    /// Creates a teammate's account (admins only; the server checks too).
    pub async fn add_teammate(
        &self,
        full_name: String,
        username: String,
        email: String,
        password: String,
    ) -> Result<UserInfo, AppError> {
        let phone = self.phone().await?;
        if !phone.engine().me().is_admin {
            return Err(AppError::invalid(
                "Only an administrator can add teammates.",
            ));
        }
        let account = NewAccount {
            username: username.trim().to_owned(),
            password,
            email: email.trim().to_owned(),
            full_name: full_name.trim().to_owned(),
            is_admin: false,
        };
        if account.username.is_empty() {
            return Err(AppError::invalid("Choose a username for your teammate."));
        }
        let api = phone.engine().api();
        let user = api.create_user(&account).await?;
        // The new colleague has no presence yet, so no event would list them.
        self.refresh_directory(api).await?;
        Ok(user)
    }

    /// Team hosts answering on the local network (about two seconds), for Connect.
    pub async fn find_hosts(&self) -> Result<Vec<crate::hosting::FoundHost>, AppError> {
        let wait = std::time::Duration::from_secs(2);
        tokio::task::spawn_blocking(move || crate::hosting::find_hosts(wait))
            .await
            .map_err(|e| AppError::Hosting(e.to_string()))?
    }

    pub async fn my_name(&self) -> Option<String> {
        let phone = self.phone().await.ok()?;
        Some(phone.engine().me().display_name().to_owned())
    }
}

/// Hosting the team's backend here, and signing in to it.
impl Controller {
    pub(crate) async fn start_host(&self, listen: SocketAddr) -> Result<(), AppError> {
        let mut host = self.host.lock().await;
        if host.is_none() {
            *host = Some(Host::start(listen, &self.paths.data_dir).await?);
        }
        Ok(())
    }

    /// Hosts the team's backend here, creates the admin account and signs in to it.
    pub async fn host_team(
        self: &Arc<Self>,
        username: String,
        password: String,
        full_name: String,
        listen: Option<String>,
    ) -> Result<AppState, AppError> {
        let listen_text = listen
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let requested: SocketAddr = listen_text.trim().parse().map_err(|_| {
            AppError::invalid(format!(
                "{listen_text} is not an address to listen on; use one such as 0.0.0.0:8000."
            ))
        })?;
        // Already hosting (`--embedded`): keep the address the server is bound to, so the
        // next start hosts there again.
        let running = self.host.lock().await.as_ref().map(Host::listen_addr);
        let listen = running.unwrap_or(requested);
        if username.trim().is_empty() {
            return Err(AppError::invalid(
                "Choose a username for the admin account.",
            ));
        }
        self.start_host(listen).await?;
        let (url, fingerprint) = {
            let host = self.host.lock().await;
            let host = host
                .as_ref()
                .ok_or_else(|| AppError::Hosting("The embedded backend is not running.".into()))?;
            host.ensure_admin(&username, &password, &full_name).await?;
            (host.local_url(), host.fingerprint()?)
        };
        if let Some(host) = self.host.lock().await.as_mut() {
            let who = Some(full_name.trim())
                .filter(|n| !n.is_empty())
                .unwrap_or(username.trim());
            host.announce(&format!("{who}'s Switchboard"));
        }
        self.update_saved(|s| {
            s.hosting = Some(Hosting {
                listen: listen.to_string(),
                admin_username: username.trim().to_owned(),
            })
        })?;
        self.sign_in(url, username, password, Some(fingerprint.to_string()))
            .await
    }
}
