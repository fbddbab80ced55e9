//! Messages the server pushes on a user's notification socket (`/api/ws/{user_id}`, SPEC §4).

use crate::api::{CallSession, Meeting, UserSummary, VideoCallSession};
use crate::busy_lamp::{CampOn, Note};
use crate::call::CallType;
use crate::callbacks::Callback;
use crate::crm::Regarding;
use crate::presence::PresenceStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Server → client on the notification socket; the JSON carries a `type` tag.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Notification {
    /// A call was created for this user (seed 004's shape, plus call details).
    CallInvite {
        from_user_id: i64,
        caller_name: String,
        call_id: i64,
        call_type: CallType,
        room_name: String,
        timestamp: DateTime<Utc>,
        /// The CRM record the call is about, to show with the caller's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        regarding: Option<Regarding>,
    },
    /// A call this user takes part in changed state.
    CallStatus { call_session: Box<CallSession> },
    /// Someone's presence changed.
    PresenceUpdate {
        user_id: i64,
        status: PresenceStatus,
        available_for_calls: bool,
        /// Switchboard sends it on every update; servers that predate it (the seeds') do
        /// not, and then the message already known stands.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status_message: Option<String>,
    },
    /// One of this user's call-backs is due now.
    CallbackDue { callback: Box<Callback> },
    /// Someone left this user a note (they could not take a call).
    NoteReceived { note: Box<Note> },
    /// Someone this user camped on can take calls now (sent once; the camp-on is gone).
    ColleagueAvailable { camp_on: Box<CampOn> },
    /// A meeting this user hosts or takes part in has started (someone started its
    /// call): their app offers to join. Not sent to the one who started it.
    MeetingStarted {
        meeting: Box<Meeting>,
        call: Box<VideoCallSession>,
        /// When this user was added to a 1:1 call that grew into the meeting
        /// (`add_participant/`): which call, and who else is on it, so their app says
        /// "Bob Stone is adding you to a call with Ann Lee" as an incoming call would.
        /// Absent for a meeting started as one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        added_to_call: Option<AddedToCall>,
    },
    /// A meeting this user hosts or takes part in was scheduled: their list of meetings
    /// shows it without a reload. Sent to every member, its host included (their other
    /// devices).
    MeetingScheduled { meeting: Box<Meeting> },
    /// A meeting this user hosted or took part in was deleted by its host: it leaves their
    /// list. Sent to every member, the host included.
    MeetingDeleted { meeting_id: i64 },
    /// A meeting's call ended (`POST /api/health/call/end`): whoever is still in its room
    /// leaves it. Sent to every member, the one who ended it included (their other
    /// devices).
    MeetingEnded {
        meeting_id: i64,
        call: Box<VideoCallSession>,
    },
}

/// A 1:1 call someone added this user to (it became a meeting of the three).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AddedToCall {
    pub call_id: i64,
    /// The call's other party (the one who added is the meeting call's `caller`).
    pub with: UserSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_carry_the_seed_type_tags() {
        let n = Notification::PresenceUpdate {
            user_id: 4,
            status: PresenceStatus::Away,
            available_for_calls: true,
            status_message: Some("Back at 3".into()),
        };
        let json = serde_json::to_value(&n).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"type": "presence_update", "user_id": 4, "status": "away", "available_for_calls": true, "status_message": "Back at 3"})
        );
        // The seeds' servers send no message: it reads as unknown, not as cleared.
        let seed: Result<Notification, _> = serde_json::from_value(serde_json::json!(
            {"type": "presence_update", "user_id": 4, "status": "busy", "available_for_calls": false}
        ));
        assert!(matches!(
            seed,
            Ok(Notification::PresenceUpdate {
                status_message: None,
                ..
            })
        ));
        let invite = Notification::CallInvite {
            from_user_id: 1,
            caller_name: "Patrick".into(),
            call_id: 9,
            call_type: CallType::Audio,
            room_name: "crm-20250101000000-00000000".into(),
            timestamp: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            regarding: None,
        };
        let json = serde_json::to_value(&invite).unwrap_or_default();
        assert_eq!(json["type"], "call_invite");
        assert_eq!(json["caller_name"], "Patrick");
        let back: Notification = serde_json::from_value(json).unwrap_or(n);
        assert_eq!(back, invite);
    }
}
