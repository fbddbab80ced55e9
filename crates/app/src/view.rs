//! The whole state the UI redraws from, built from memory: the directory is the one the
//! engine's events built, the call and media what the phone and the events last said.

use crate::controller::Controller;
use crate::state::{AppState, MyStatus, Phase};
use switchboard_protocol::api::DirectoryEntry;

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
                held_call: None,
                media: None,
                muted: false,
                missed_calls: 0,
                settings: saved.settings,
                invite: self.live().invite.clone(),
                link_call: None,
                ringing: None,
                meeting: None,
                camera_set_up: crate::video::camera_set_up(),
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
        let (invite, link_call, ringing) = {
            let live = self.live();
            (
                live.invite.clone(),
                live.link_call.clone(),
                live.ringing.clone(),
            )
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
            held_call: phone.held_call().await,
            media,
            muted: phone.muted().await,
            missed_calls: phone.missed_calls(),
            settings: saved.settings,
            invite,
            link_call,
            ringing,
            meeting: self.current_meeting().await,
            camera_set_up: crate::video::camera_set_up(),
        }
    }
}
