//! Signing in and out, the saved sign-in, and what a signed-in user does: calls, status,
//! history, teammates.

use crate::controller::{Controller, Session, forward};
use crate::error::AppError;
use crate::hosting::{DEFAULT_LISTEN, Host};
use crate::settings::Hosting;
use crate::state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_client::phone::Phone;
use switchboard_client::{Api, Engine, EngineConfig, Event};
use switchboard_protocol::PresenceStatus;
use switchboard_protocol::api::{CallSession, NewAccount, Page, UserInfo};

/// The keyring profile the desktop app signs in under.
const PROFILE: &str = "desktop";

fn profile(username: &str) -> String {
    format!("{PROFILE}-{username}")
}

/// `10.0.0.5:8000` → `http://10.0.0.5:8000`; trailing slashes dropped.
fn normalise_url(url: &str) -> Result<String, AppError> {
    let url = url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Err(AppError::invalid(
            "Enter the server's address, such as http://10.0.0.5:8000.",
        ));
    }
    let url = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    Api::new(&url)?;
    Ok(url)
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
        let url = match self.host.lock().await.as_ref() {
            Some(host) if saved.hosting.is_some() => host.local_url(),
            _ => url,
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
        self.start_session(Api::new(&url)?.with_token(token), url)
            .await
    }

    /// Signs in, keeps the token in the OS keyring and starts listening for calls.
    pub async fn sign_in(
        self: &Arc<Self>,
        server_url: String,
        username: String,
        password: String,
    ) -> Result<AppState, AppError> {
        let url = normalise_url(&server_url)?;
        let username = username.trim().to_owned();
        if username.is_empty() || password.is_empty() {
            return Err(AppError::invalid("Enter your username and password."));
        }
        self.sign_out_quietly().await;
        let mut api = Api::new(&url)?;
        let login = api.login(&username, &password).await?;
        let tokens = self.tokens.clone();
        let (server, profile, token) = (url.clone(), profile(&username), login.token);
        let stored =
            tokio::task::spawn_blocking(move || tokens.save(&server, &profile, &token)).await;
        let keyring_problem = match stored {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        self.update_saved(|s| {
            s.server_url = Some(url.clone());
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
        let phone = Arc::new(Phone::new(engine, self.open_audio()));
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
        let session = self.session.lock().await.take();
        if let Some(session) = session {
            session.phone.shut_down().await;
            session.forward.abort();
        }
        *self.live() = Default::default();
    }

    /// Signs out: hangs up, ends the server session and forgets the token.
    pub async fn sign_out(self: &Arc<Self>) -> Result<AppState, AppError> {
        if let Ok(phone) = self.phone().await {
            let api = phone.engine().api().clone();
            if let Err(e) = api.logout().await {
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

    pub async fn call_user(&self, user_id: i64) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.call(user_id).await?)
    }

    /// Calls a colleague by username (click-to-call links).
    pub async fn call_username(&self, username: &str) -> Result<CallSession, AppError> {
        let phone = self.phone().await?;
        let user_id = self
            .live()
            .directory
            .by_username(username)
            .map(|u| u.id)
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "There is no colleague named {username} on this server."
                ))
            })?;
        Ok(phone.call(user_id).await?)
    }

    pub async fn answer_call(&self, call_id: i64) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.answer(call_id).await?)
    }

    pub async fn reject_call(&self, call_id: i64) -> Result<CallSession, AppError> {
        Ok(self.phone().await?.reject(call_id).await?)
    }

    pub async fn hang_up(&self) -> Result<(), AppError> {
        Ok(self.phone().await?.hang_up().await?)
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
        let users = api.users().await?;
        self.live().directory.replace(users);
        let state = self.app_state().await;
        self.shell.on_state(&state);
        Ok(user)
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
        let url = {
            let host = self.host.lock().await;
            let host = host
                .as_ref()
                .ok_or_else(|| AppError::Hosting("The embedded backend is not running.".into()))?;
            host.ensure_admin(&username, &password, &full_name).await?;
            host.local_url()
        };
        self.update_saved(|s| {
            s.hosting = Some(Hosting {
                listen: listen.to_string(),
                admin_username: username.trim().to_owned(),
            })
        })?;
        self.sign_in(url, username, password).await
    }
}
