//! The app's state across sign-in, hosting and calls: what the commands act on. It holds
//! no Tauri types, so the shell's glue (commands, events, tray) stays separate.

use crate::host::{Host, HostInfo};
use crate::settings::{Hosting, Saved, Settings};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_client::phone::{CallAudio, OpenAudio, Phone};
use switchboard_client::token_store::TokenStore;
use switchboard_client::{
    Api, ClientError, ConnectionState, Engine, EngineConfig, Event, MediaState,
};
use switchboard_media::devices::{DeviceHandle, open_microphone, open_speakers};
use switchboard_protocol::PresenceStatus;
use switchboard_protocol::api::{CallSession, DirectoryEntry, NewAccount, Page, UserInfo};
use tokio::sync::{broadcast, watch};

/// The keyring profile the desktop app signs in under.
const PROFILE: &str = "desktop";
/// Where hosting listens unless told otherwise: every interface, so teammates can reach it.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8000";

/// Where the app keeps its files.
#[derive(Clone, Debug)]
pub struct Paths {
    pub settings_file: PathBuf,
    pub data_dir: PathBuf,
}

/// What the UI needs to draw itself from scratch (see docs/desktop.md).
#[derive(Clone, Debug, Serialize)]
pub struct AppState {
    pub phase: Phase,
    pub server_url: Option<String>,
    pub hosting: Option<HostInfo>,
    pub me: Option<UserInfo>,
    pub my_status: Option<MyStatus>,
    pub connection: Option<ConnectionState>,
    pub users: Vec<DirectoryEntry>,
    pub active_call: Option<CallSession>,
    pub media: Option<MediaState>,
    pub muted: bool,
    pub missed_calls: u32,
    pub settings: Settings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    FirstRun,
    SignIn,
    SignedIn,
}

#[derive(Clone, Debug, Serialize)]
pub struct MyStatus {
    pub status: PresenceStatus,
    pub message: String,
}

/// One signed-in user.
struct Session {
    phone: Arc<Phone>,
    server_url: String,
    forward: tokio::task::JoinHandle<()>,
}

/// What the event stream last said, for redrawing the UI.
#[derive(Default)]
struct Live {
    connection: Option<ConnectionState>,
    media: Option<(i64, MediaState)>,
}

/// Receives every engine event after the core has seen it (the Tauri glue).
pub trait Shell: Send + Sync + 'static {
    fn on_event(&self, event: &Event, core: &Arc<Core>);
    /// The core changed the phase or the user list by itself (start-up sign-in done, a
    /// teammate added): the UI redraws from `state`.
    fn on_state(&self, state: &AppState);
}

pub struct Core {
    paths: Paths,
    saved: Mutex<Saved>,
    tokens: TokenStore,
    session: tokio::sync::Mutex<Option<Session>>,
    host: tokio::sync::Mutex<Option<Host>>,
    live: Mutex<Live>,
    /// The sound devices of the call in progress, for switching mid-call.
    devices: Arc<Mutex<Option<[DeviceHandle; 2]>>>,
    /// True once `resume` has finished, so the first `app_state` does not show the
    /// sign-in screen for a moment before the saved sign-in completes.
    resumed: watch::Sender<bool>,
    shell: Arc<dyn Shell>,
}

fn text(e: ClientError) -> String {
    e.to_string()
}

/// `10.0.0.5:8000` → `http://10.0.0.5:8000`; trailing slashes dropped.
fn normalise_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Err("Enter the server's address, such as http://10.0.0.5:8000.".into());
    }
    let url = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    Api::new(&url).map_err(text)?;
    Ok(url)
}

impl Core {
    pub fn new(paths: Paths, tokens: TokenStore, shell: Arc<dyn Shell>) -> Arc<Core> {
        let saved = Saved::load(&paths.settings_file);
        Arc::new(Core {
            paths,
            saved: Mutex::new(saved),
            tokens,
            session: tokio::sync::Mutex::new(None),
            host: tokio::sync::Mutex::new(None),
            live: Mutex::new(Live::default()),
            devices: Arc::new(Mutex::new(None)),
            resumed: watch::Sender::new(false),
            shell,
        })
    }

    fn saved(&self) -> Saved {
        self.saved.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn update_saved(&self, change: impl FnOnce(&mut Saved)) -> Result<(), String> {
        let snapshot = {
            let mut saved = self
                .saved
                .lock()
                .map_err(|_| "The settings are unavailable.".to_owned())?;
            change(&mut saved);
            saved.clone()
        };
        snapshot.save(&self.paths.settings_file)
    }

    pub fn settings(&self) -> Settings {
        self.saved().settings
    }

    /// At start: hosts again if this app hosted before (or `embedded` asks), and signs
    /// in again with the keyring's token. Failures leave the app on the sign-in screen.
    pub async fn resume(self: &Arc<Self>, embedded: Option<SocketAddr>) {
        self.resume_saved(embedded).await;
        self.resumed.send_replace(true);
        let state = self.app_state().await;
        self.shell.on_state(&state);
    }

    /// Waits (at most `limit`) for `resume` to finish: a start-up sign-in normally takes
    /// a few milliseconds, and an unreachable server must not keep the window blank.
    pub async fn wait_resumed(&self, limit: Duration) {
        let mut resumed = self.resumed.subscribe();
        let _ = tokio::time::timeout(limit, resumed.wait_for(|done| *done)).await;
    }

    async fn resume_saved(self: &Arc<Self>, embedded: Option<SocketAddr>) {
        let saved = self.saved();
        let listen = embedded.or_else(|| {
            saved
                .hosting
                .as_ref()
                .and_then(|h| h.listen.parse::<SocketAddr>().ok())
        });
        if let Some(listen) = listen
            && let Err(e) = self.start_host(listen).await
        {
            self.problem(e);
            return;
        }
        let (Some(url), Some(username)) = (saved.server_url.clone(), saved.username.clone()) else {
            return;
        };
        let url = match self.host.lock().await.as_ref() {
            Some(host) if saved.hosting.is_some() => host.local_url(),
            _ => url,
        };
        let tokens = self.tokens.clone();
        let (server, profile) = (url.clone(), format!("{PROFILE}-{username}"));
        let token = tokio::task::spawn_blocking(move || tokens.load(&server, &profile)).await;
        let token = match token {
            Ok(Ok(Some(token))) => token,
            Ok(Ok(None)) => return,
            Ok(Err(e)) => return self.problem(e.to_string()),
            Err(e) => return self.problem(e.to_string()),
        };
        let api = match Api::new(&url) {
            Ok(api) => api.with_token(token),
            Err(e) => return self.problem(e.to_string()),
        };
        match self.start_session(api, url).await {
            Ok(()) => {}
            // An expired token: the sign-in screen says why.
            Err(e) => self.problem(e),
        }
    }

    fn problem(self: &Arc<Self>, message: String) {
        tracing::warn!(%message, "problem");
        // Before any session there is no engine stream: the shell shows it directly.
        self.shell.on_event(&Event::Problem { message }, self);
    }

    async fn start_host(&self, listen: SocketAddr) -> Result<(), String> {
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
    ) -> Result<AppState, String> {
        let listen_text = listen
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let requested: SocketAddr = listen_text.trim().parse().map_err(|_| {
            format!("{listen_text} is not an address to listen on; use one such as 0.0.0.0:8000.")
        })?;
        // Already hosting (`--embedded`): keep the address the server is bound to, so the
        // next start hosts there again.
        let running = self.host.lock().await.as_ref().map(Host::listen_addr);
        let listen = running.unwrap_or(requested);
        if username.trim().is_empty() {
            return Err("Choose a username for the admin account.".into());
        }
        self.start_host(listen).await?;
        let url = {
            let host = self.host.lock().await;
            let host = host
                .as_ref()
                .ok_or("The embedded backend is not running.")?;
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

    /// Signs in, keeps the token in the OS keyring and starts listening for calls.
    pub async fn sign_in(
        self: &Arc<Self>,
        server_url: String,
        username: String,
        password: String,
    ) -> Result<AppState, String> {
        let url = normalise_url(&server_url)?;
        let username = username.trim().to_owned();
        if username.is_empty() || password.is_empty() {
            return Err("Enter your username and password.".into());
        }
        self.sign_out_quietly().await;
        let mut api = Api::new(&url).map_err(text)?;
        let login = api.login(&username, &password).await.map_err(text)?;
        let tokens = self.tokens.clone();
        let (server, profile, token) = (url.clone(), format!("{PROFILE}-{username}"), login.token);
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

    async fn start_session(self: &Arc<Self>, api: Api, url: String) -> Result<(), String> {
        let engine = Arc::new(
            Engine::start(api, EngineConfig::default())
                .await
                .map_err(text)?,
        );
        tracing::info!(server = %url, user = %engine.me().username, "signed in");
        let events = engine.events();
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

    /// Opens the devices the settings name when a call connects.
    fn open_audio(self: &Arc<Self>) -> OpenAudio {
        let core = Arc::downgrade(self);
        Arc::new(move || {
            let core = core.upgrade().ok_or("the app is closing")?;
            let settings = core.settings();
            let (mic_handle, mic) =
                open_microphone(settings.input_device.as_deref()).map_err(|e| e.to_string())?;
            let (speaker_handle, speakers) =
                open_speakers(settings.output_device.as_deref()).map_err(|e| e.to_string())?;
            if let Ok(mut devices) = core.devices.lock() {
                *devices = Some([mic_handle, speaker_handle]);
            }
            Ok(CallAudio {
                source: Box::new(mic),
                sink: Box::new(speakers),
                keep: Box::new(ReleaseOnDrop(core.devices.clone())),
            })
        })
    }

    async fn sign_out_quietly(&self) {
        let session = self.session.lock().await.take();
        if let Some(session) = session {
            session.phone.shut_down().await;
            session.forward.abort();
        }
        if let Ok(mut live) = self.live.lock() {
            *live = Live::default();
        }
    }

    /// Signs out: hangs up, ends the server session and forgets the token.
    pub async fn sign_out(self: &Arc<Self>) -> Result<AppState, String> {
        let phone = self.phone().await.ok();
        if let Some(phone) = &phone {
            let api = phone.engine().api().clone();
            if let Err(e) = api.logout().await {
                tracing::info!(error = %e, "logout request failed; forgetting the token anyway");
            }
            let saved = self.saved();
            if let (Some(url), Some(username)) = (saved.server_url, saved.username) {
                let tokens = self.tokens.clone();
                let profile = format!("{PROFILE}-{username}");
                let _ = tokio::task::spawn_blocking(move || tokens.forget(&url, &profile)).await;
            }
        }
        self.sign_out_quietly().await;
        self.update_saved(|s| s.username = None)?;
        Ok(self.app_state().await)
    }

    async fn phone(&self) -> Result<Arc<Phone>, String> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|s| s.phone.clone())
            .ok_or_else(|| "Not signed in: sign in first.".to_owned())
    }

    pub async fn app_state(&self) -> AppState {
        let saved = self.saved();
        let hosting = match (self.host.lock().await.as_ref(), &saved.hosting) {
            (Some(host), Some(h)) => Some(host.info(&h.admin_username)),
            (Some(host), None) => Some(host.info("")),
            _ => None,
        };
        let (connection, media) = self
            .live
            .lock()
            .map(|l| (l.connection.clone(), l.media.clone()))
            .unwrap_or_default();
        let session = self.session.lock().await;
        let Some(session) = session.as_ref() else {
            // No server chosen yet (with --embedded too: the host form creates the admin).
            let phase = if saved.server_url.is_none() {
                Phase::FirstRun
            } else {
                Phase::SignIn
            };
            return AppState {
                phase,
                server_url: saved.server_url,
                hosting,
                me: None,
                my_status: None,
                connection: None,
                users: Vec::new(),
                active_call: None,
                media: None,
                muted: false,
                missed_calls: 0,
                settings: saved.settings,
            };
        };
        let phone = &session.phone;
        let me = phone.engine().me().clone();
        let everyone = phone.engine().api().users().await.unwrap_or_default();
        let my_status = everyone.iter().find(|u| u.id == me.id).map(|u| MyStatus {
            status: u.presence.status,
            message: u.presence.status_message.clone(),
        });
        let users = everyone.into_iter().filter(|u| u.id != me.id).collect();
        let active_call = phone.current_call().await;
        let media = media
            .filter(|(id, _)| active_call.as_ref().is_some_and(|c| c.id == *id))
            .map(|(_, m)| m);
        AppState {
            phase: Phase::SignedIn,
            server_url: Some(session.server_url.clone()),
            hosting,
            me: Some(me),
            my_status,
            connection,
            users,
            active_call,
            media,
            muted: phone.muted().await,
            missed_calls: phone.missed_calls(),
            settings: saved.settings,
        }
    }

    pub async fn set_status(&self, status: PresenceStatus, message: String) -> Result<(), String> {
        let phone = self.phone().await?;
        phone
            .engine()
            .set_status(status, Some(message.trim()))
            .await
            .map_err(text)
    }

    pub async fn call_user(&self, user_id: i64) -> Result<CallSession, String> {
        self.phone().await?.call(user_id).await.map_err(text)
    }

    /// Calls a colleague by username (click-to-call links).
    pub async fn call_username(&self, username: &str) -> Result<CallSession, String> {
        let phone = self.phone().await?;
        let users = phone.engine().api().users().await.map_err(text)?;
        let user = users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
            .ok_or_else(|| format!("There is no colleague named {username} on this server."))?;
        phone.call(user.id).await.map_err(text)
    }

    pub async fn answer_call(&self, call_id: i64) -> Result<CallSession, String> {
        self.phone().await?.answer(call_id).await.map_err(text)
    }

    pub async fn reject_call(&self, call_id: i64) -> Result<CallSession, String> {
        self.phone().await?.reject(call_id).await.map_err(text)
    }

    pub async fn hang_up(&self) -> Result<(), String> {
        self.phone().await?.hang_up().await.map_err(text)
    }

    pub async fn set_muted(&self, muted: bool) -> Result<(), String> {
        self.phone().await?.set_muted(muted).await;
        Ok(())
    }

    pub async fn call_history(&self, page: u32) -> Result<Page<CallSession>, String> {
        let phone = self.phone().await?;
        let history = phone
            .engine()
            .api()
            .history(page.max(1), 20)
            .await
            .map_err(text)?;
        phone.reset_missed();
        Ok(history)
    }

    /// Saves the settings; a device change applies to a call in progress at once.
    pub fn save_settings(&self, settings: Settings) -> Result<Settings, String> {
        let before = self.settings();
        self.update_saved(|s| s.settings = settings.clone())?;
        if let Ok(devices) = self.devices.lock()
            && let Some([mic, speakers]) = devices.as_ref()
        {
            if before.input_device != settings.input_device {
                mic.switch_to(settings.input_device.clone());
            }
            if before.output_device != settings.output_device {
                speakers.switch_to(settings.output_device.clone());
            }
        }
        Ok(settings)
    }

    /// Whether an incoming call should ring here (not when "available for calls" is off
    /// or my status is do-not-disturb).
    pub async fn should_ring(&self) -> bool {
        if !self.settings().available_for_calls {
            return false;
        }
        let Ok(phone) = self.phone().await else {
            return false;
        };
        let me = phone.engine().me().id;
        match phone.engine().api().users().await {
            Ok(users) => !users
                .iter()
                .any(|u| u.id == me && u.presence.status == PresenceStatus::Dnd),
            Err(_) => true,
        }
    }

    /// Creates a teammate's account (admins only; the server checks).
    pub async fn add_teammate(
        &self,
        full_name: String,
        username: String,
        email: String,
        password: String,
    ) -> Result<UserInfo, String> {
        let phone = self.phone().await?;
        if !phone.engine().me().is_admin {
            return Err("Only an administrator can add teammates.".into());
        }
        let account = NewAccount {
            username: username.trim().to_owned(),
            password,
            email: email.trim().to_owned(),
            full_name: full_name.trim().to_owned(),
            is_admin: false,
        };
        if account.username.is_empty() {
            return Err("Choose a username for your teammate.".into());
        }
        let user = phone
            .engine()
            .api()
            .create_user(&account)
            .await
            .map_err(text)?;
        let state = self.app_state().await;
        self.shell.on_state(&state);
        Ok(user)
    }

    pub async fn my_name(&self) -> Option<String> {
        let phone = self.phone().await.ok()?;
        Some(phone.engine().me().display_name().to_owned())
    }

    /// Ends calls and stops hosting, before the process exits.
    pub async fn shut_down(&self) {
        self.sign_out_quietly().await;
        if let Some(host) = self.host.lock().await.take() {
            host.stop().await;
        }
    }

    fn remember(&self, event: &Event) {
        let Ok(mut live) = self.live.lock() else {
            return;
        };
        match event {
            Event::Connection(state) => live.connection = Some(state.clone()),
            Event::Media { call_id, media } => live.media = Some((*call_id, media.clone())),
            _ => {}
        }
    }
}

/// Releases the call's sound devices when the call's media ends.
struct ReleaseOnDrop(Arc<Mutex<Option<[DeviceHandle; 2]>>>);

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        if let Ok(mut devices) = self.0.lock() {
            devices.take();
        }
    }
}

/// Hands every engine event to the shell, after noting what the UI redraws from.
async fn forward(core: Arc<Core>, mut events: broadcast::Receiver<Event>) {
    loop {
        match events.recv().await {
            Ok(event) => {
                core.remember(&event);
                core.shell.on_event(&event, &core);
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(skipped = n, "the UI fell behind the engine's events");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
