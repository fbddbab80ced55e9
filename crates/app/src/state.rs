//! What the UI needs to draw itself from scratch (see docs/desktop.md).

use crate::controller::Controller;
use crate::hosting::HostInfo;
use crate::settings::Settings;
use serde::Serialize;
use switchboard_client::{ConnectionState, MediaState};
use switchboard_protocol::PresenceStatus;
use switchboard_protocol::api::{CallSession, DirectoryEntry, UserInfo};

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
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
#[derive(ts_rs::TS)]
pub enum Phase {
    FirstRun,
    SignIn,
    SignedIn,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct MyStatus {
    pub status: PresenceStatus,
    pub message: String,
}

impl Controller {
    /// The whole state, from memory: the directory is the one the engine's events built.
    pub async fn app_state(&self) -> AppState {
        let saved = self.saved();
        let hosting = self.host.lock().await.as_ref().map(|host| {
            host.info(
                saved
                    .hosting
                    .as_ref()
                    .map_or("", |h| h.admin_username.as_str()),
            )
        });
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
        let active_call = phone.current_call().await;
        let (connection, media, my_status, users) = {
            let live = self.live();
            let my_status = live.directory.by_id(me.id).map(|u| MyStatus {
                status: u.presence.status,
                message: u.presence.status_message.clone(),
            });
            let users: Vec<DirectoryEntry> = live
                .directory
                .everyone()
                .iter()
                .filter(|u| u.id != me.id)
                .cloned()
                .collect();
            let media = live
                .media
                .clone()
                .filter(|(id, _)| active_call.as_ref().is_some_and(|c| c.id == *id))
                .map(|(_, m)| m);
            (live.connection.clone(), media, my_status, users)
        };
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
}
