//! What the desktop around the app asks of it: the idle time (auto-away), video rooms
//! opened in the browser, and the about box.

use crate::auto_away::{Inputs, Step};
use crate::controller::Controller;
use crate::error::AppError;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::PoisonError;
use std::time::Duration;
use switchboard_protocol::PresenceStatus;

/// A call's video room, to open in the browser.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct VideoRoom {
    /// The address to open: `https://…/ROOM`, with `?jwt=` for 8x8 JaaS.
    pub url: String,
    pub domain: String,
    pub room_name: String,
    /// Whether the room is joined with a JaaS token (8x8) or is an open room.
    pub with_token: bool,
}

/// The about box.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct About {
    pub version: String,
    /// Where the app writes its logs (for support).
    pub log_dir: String,
    pub settings_file: String,
    /// The embedded backend's data (database, certificate), when this app hosts.
    pub data_dir: String,
}

impl Controller {
    /// One auto-away step with the idle time the desktop reports (`None`: it cannot tell,
    /// so nothing changes).
    pub async fn auto_away_tick(&self, idle: Option<Duration>) -> Result<(), AppError> {
        let Some(idle) = idle else {
            return Ok(());
        };
        let Ok(phone) = self.phone().await else {
            return Ok(());
        };
        let in_call = phone.current_call().await.is_some();
        let me = phone.engine().me().id;
        let after = Duration::from_secs(self.settings().auto_away_after_seconds.into());
        let step = {
            let live = self.live();
            let status = live
                .directory
                .by_id(me)
                .map(|u| (u.presence.status, u.presence.status_message.as_str()));
            let mut auto_away = self
                .auto_away
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (machine, last_step) = &mut *auto_away;
            let now = std::time::Instant::now();
            let since_last_step = last_step.map_or(Duration::ZERO, |t| now - t);
            *last_step = Some(now);
            machine.step(Inputs {
                idle,
                since_last_step,
                after,
                status,
                in_call,
            })
        };
        match step {
            Step::Nothing => Ok(()),
            Step::GoAway { message } => {
                tracing::info!(idle_s = idle.as_secs(), "no input for a while: away");
                self.set_status(PresenceStatus::Away, message).await
            }
            Step::ComeBack { message } => {
                tracing::info!("input again: online");
                self.set_status(PresenceStatus::Online, message).await
            }
        }
    }

    /// Mutes or unmutes the call in progress; returns whether it is muted now.
    pub async fn toggle_mute(&self) -> Result<bool, AppError> {
        let phone = self.phone().await?;
        let muted = !phone.muted().await;
        phone.set_muted(muted).await;
        Ok(muted)
    }

    /// Answers the call ringing here, if one is; nothing ringing is not an error.
    pub async fn answer_ringing(&self) -> Result<(), AppError> {
        let phone = self.phone().await?;
        let ringing = self.live().ringing.as_ref().map(|r| r.call_id);
        if let Some(call_id) = ringing {
            phone.answer(call_id).await?;
        }
        Ok(())
    }

    /// Whether this app is in the call `call_id` (answered or placed here).
    pub async fn in_call(&self, call_id: i64) -> bool {
        match self.phone().await {
            Ok(phone) => phone.current_call().await.is_some_and(|c| c.id == call_id),
            Err(_) => false,
        }
    }

    /// The call's video room from the server (`join_info`), checked to be a web address
    /// the browser may open.
    pub async fn video_room(&self, call_id: i64) -> Result<VideoRoom, AppError> {
        let info = self
            .phone()
            .await?
            .engine()
            .api()
            .join_info(call_id)
            .await?;
        let mut url = url::Url::parse(&info.jitsi_url)
            .ok()
            .filter(|u| u.scheme() == "https" || u.scheme() == "http")
            .ok_or_else(|| AppError::VideoRoom(info.jitsi_url.clone()))?;
        // A backend that gives the token apart from the address (the seeds' does).
        if let Some(jwt) = &info.jwt
            && !url.query_pairs().any(|(k, _)| k == "jwt")
        {
            url.query_pairs_mut().append_pair("jwt", jwt);
        }
        Ok(VideoRoom {
            url: url.to_string(),
            domain: info.domain,
            room_name: info.room_name,
            with_token: info.jwt.is_some(),
        })
    }

    /// Version and where the app keeps its files.
    pub fn about(&self, log_dir: PathBuf) -> About {
        About {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            log_dir: log_dir.display().to_string(),
            settings_file: self.paths.settings_file.display().to_string(),
            data_dir: self.paths.data_dir.display().to_string(),
        }
    }
}
