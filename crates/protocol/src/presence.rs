//! Presence rules (SPEC §2): who counts as online and available, and how calls change it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's chosen status. `Dnd` (do not disturb) is Switchboard's addition to the seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PresenceStatus {
    Online,
    Away,
    Busy,
    #[default]
    Offline,
    Dnd,
}

impl PresenceStatus {
    pub const ALL: [PresenceStatus; 5] = [
        PresenceStatus::Online,
        PresenceStatus::Away,
        PresenceStatus::Busy,
        PresenceStatus::Offline,
        PresenceStatus::Dnd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PresenceStatus::Online => "online",
            PresenceStatus::Away => "away",
            PresenceStatus::Busy => "busy",
            PresenceStatus::Offline => "offline",
            PresenceStatus::Dnd => "dnd",
        }
    }
}

impl fmt::Display for PresenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PresenceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PresenceStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| {
                format!("status must be one of \"online\", \"away\", \"busy\", \"offline\", \"dnd\", not {s:?}")
            })
    }
}

/// What the server stores about one user's presence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceState {
    pub status: PresenceStatus,
    pub available_for_calls: bool,
    pub status_message: String,
    pub last_seen: Option<DateTime<Utc>>,
    pub current_call: Option<i64>,
    /// The status to restore when the current call ends.
    pub status_before_call: Option<PresenceStatus>,
    /// Open notification sockets of this user (any device, any server instance).
    pub open_sockets: u32,
}

impl Default for PresenceState {
    fn default() -> Self {
        PresenceState {
            status: PresenceStatus::Offline,
            available_for_calls: true,
            status_message: String::new(),
            last_seen: None,
            current_call: None,
            status_before_call: None,
            open_sockets: 0,
        }
    }
}

/// Why a user cannot be called right now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unreachable {
    #[error("{0} is offline")]
    Offline(String),
    #[error("{0} is not taking calls right now")]
    NotTakingCalls(String),
    #[error("{0} is busy")]
    Busy(String),
}

impl PresenceState {
    /// Online while a notification socket is open, or within `timeout` of the last
    /// heartbeat — unless the user chose to appear offline.
    pub fn is_online(&self, now: DateTime<Utc>, timeout: Duration) -> bool {
        if self.status == PresenceStatus::Offline {
            return false;
        }
        self.open_sockets > 0 || self.last_seen.is_some_and(|seen| now - seen <= timeout)
    }

    /// The status others see: the chosen one while online, `offline` otherwise.
    pub fn visible_status(&self, now: DateTime<Utc>, timeout: Duration) -> PresenceStatus {
        if self.is_online(now, timeout) {
            self.status
        } else {
            PresenceStatus::Offline
        }
    }

    /// Whether a call to this user would ring; `Err` says why not, naming them.
    pub fn reachability(
        &self,
        name: &str,
        now: DateTime<Utc>,
        timeout: Duration,
    ) -> Result<(), Unreachable> {
        if !self.is_online(now, timeout) {
            return Err(Unreachable::Offline(name.to_owned()));
        }
        if self.current_call.is_some() || self.status == PresenceStatus::Busy {
            return Err(Unreachable::Busy(name.to_owned()));
        }
        if !self.available_for_calls || self.status == PresenceStatus::Dnd {
            return Err(Unreachable::NotTakingCalls(name.to_owned()));
        }
        Ok(())
    }

    pub fn is_available(&self, now: DateTime<Utc>, timeout: Duration) -> bool {
        self.reachability("", now, timeout).is_ok()
    }

    /// A heartbeat (or any sign of life): refreshes `last_seen`; offline becomes online.
    pub fn heartbeat(&mut self, now: DateTime<Utc>) {
        self.last_seen = Some(now);
        if self.status == PresenceStatus::Offline {
            self.status = PresenceStatus::Online;
        }
    }

    /// Joining a call (initiating or answering): `busy`, remembering what to go back to.
    pub fn enter_call(&mut self, call_id: i64) {
        if self.current_call.is_none() {
            self.status_before_call = Some(self.status);
        }
        self.status = PresenceStatus::Busy;
        self.current_call = Some(call_id);
    }

    /// Any end of call `call_id`: restores the status from before it and clears
    /// `current_call`. A different current call is left alone.
    pub fn leave_call(&mut self, call_id: i64) {
        if self.current_call != Some(call_id) {
            return;
        }
        self.current_call = None;
        self.status = self
            .status_before_call
            .take()
            .unwrap_or(PresenceStatus::Online);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap_or_default()
    }
    const TIMEOUT: Duration = Duration::seconds(90);

    fn online_at(secs: i64) -> PresenceState {
        let mut p = PresenceState::default();
        p.heartbeat(at(secs));
        p
    }

    #[test]
    fn heartbeat_brings_offline_users_online_until_the_timeout() {
        let p = online_at(0);
        assert_eq!(p.status, PresenceStatus::Online);
        assert!(p.is_online(at(90), TIMEOUT));
        assert!(!p.is_online(at(91), TIMEOUT));
        assert_eq!(p.visible_status(at(91), TIMEOUT), PresenceStatus::Offline);
    }

    #[test]
    fn an_open_socket_keeps_a_user_online_without_heartbeats() {
        let mut p = online_at(0);
        p.open_sockets = 1;
        assert!(p.is_online(at(10_000), TIMEOUT));
        p.status = PresenceStatus::Offline;
        assert!(
            !p.is_online(at(1), TIMEOUT),
            "appear-offline wins over sockets"
        );
    }

    #[test]
    fn heartbeat_keeps_a_chosen_status() {
        let mut p = online_at(0);
        p.status = PresenceStatus::Away;
        p.heartbeat(at(5));
        assert_eq!(p.status, PresenceStatus::Away);
    }

    #[test]
    fn reachability_names_the_reason() {
        let now = at(1);
        assert_eq!(
            PresenceState::default().reachability("bob", now, TIMEOUT),
            Err(Unreachable::Offline("bob".into()))
        );
        let mut p = online_at(0);
        assert_eq!(p.reachability("bob", now, TIMEOUT), Ok(()));
        p.status = PresenceStatus::Away;
        assert_eq!(
            p.reachability("bob", now, TIMEOUT),
            Ok(()),
            "away still rings"
        );
        p.status = PresenceStatus::Dnd;
        assert_eq!(
            p.reachability("bob", now, TIMEOUT),
            Err(Unreachable::NotTakingCalls("bob".into()))
        );
        p.status = PresenceStatus::Online;
        p.available_for_calls = false;
        assert_eq!(
            p.reachability("bob", now, TIMEOUT)
                .map_err(|e| e.to_string()),
            Err("bob is not taking calls right now".into())
        );
        p.available_for_calls = true;
        p.status = PresenceStatus::Busy;
        assert_eq!(
            p.reachability("bob", now, TIMEOUT),
            Err(Unreachable::Busy("bob".into()))
        );
        p.status = PresenceStatus::Online;
        p.enter_call(7);
        assert_eq!(
            p.reachability("bob", now, TIMEOUT),
            Err(Unreachable::Busy("bob".into()))
        );
    }

    #[test]
    fn a_call_sets_busy_and_its_end_restores_the_previous_status() {
        for before in PresenceStatus::ALL {
            let mut p = online_at(0);
            p.status = before;
            p.enter_call(3);
            assert_eq!((p.status, p.current_call), (PresenceStatus::Busy, Some(3)));
            p.leave_call(4);
            assert_eq!(
                p.current_call,
                Some(3),
                "another call's end changes nothing"
            );
            p.leave_call(3);
            assert_eq!((p.status, p.current_call), (before, None));
            assert_eq!(p.status_before_call, None);
        }
    }

    #[test]
    fn entering_the_same_call_twice_keeps_the_original_status() {
        let mut p = online_at(0);
        p.status = PresenceStatus::Away;
        p.enter_call(3);
        p.enter_call(3);
        p.leave_call(3);
        assert_eq!(p.status, PresenceStatus::Away);
    }

    #[test]
    fn statuses_parse_and_reject_unknown_words() {
        for s in PresenceStatus::ALL {
            assert_eq!(s.as_str().parse::<PresenceStatus>(), Ok(s));
        }
        let err = "sleeping".parse::<PresenceStatus>().unwrap_err();
        assert!(err.contains("\"dnd\""), "{err}");
    }
}
