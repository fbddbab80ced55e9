//! REST payloads (SPEC §1–3, §5–7), as the server sends them and clients read them.

use crate::call::{CallStatus, CallType, format_duration};
use crate::crm::{CallLog, Regarding};
use crate::presence::PresenceStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

// Meetings and their video call sessions (seed 002) are in `meetings`, and named here too.
pub use crate::meetings::{
    Caller, EndVideoCall, Meeting, MeetingStatus, NewMeeting, StartVideoCall, VideoCallSession,
    VideoCallStatus,
};

/// Every 4xx/5xx body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong and what to do, as a sentence to show a person.
    pub error: String,
    /// A stable word for refusals a client acts on (`self`, `caller_busy`, `offline`,
    /// `busy`, `unavailable`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
}

/// `{"message": "..."}`: `POST /api/auth/logout`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageBody {
    pub message: String,
}

/// A user as the seeds' login and `me` return it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserInfo {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub full_name: String,
    #[serde(default)]
    pub is_admin: bool,
    /// False while an administrator has disabled the account (Django's name for it).
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

impl UserInfo {
    /// The name to show people: the full name, or the username when none is set.
    pub fn display_name(&self) -> &str {
        if self.full_name.trim().is_empty() {
            &self.username
        } else {
            &self.full_name
        }
    }
}

/// `POST /api/login/` and `POST /api/auth/login`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    /// The same credential as `token`, for clients of seed 002's JWT API.
    pub access: String,
    pub user: UserInfo,
}

/// Presence as every presence-bearing response shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PresenceView {
    pub status: PresenceStatus,
    pub available_for_calls: bool,
    pub status_message: String,
    pub last_seen: Option<DateTime<Utc>>,
    pub current_call: Option<i64>,
    pub is_online: bool,
    pub is_available: bool,
}

/// One row of `GET /api/users/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DirectoryEntry {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub full_name: String,
    /// False while an administrator has disabled the account: it cannot sign in.
    #[serde(default = "yes")]
    pub is_active: bool,
    pub presence: PresenceView,
}

/// `GET /api/user-presence/...` rows and `update_my_status/` / `heartbeat/` answers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPresence {
    pub user: i64,
    pub username: String,
    pub full_name: String,
    pub email: String,
    #[serde(flatten)]
    pub presence: PresenceView,
}

/// `POST /api/users/` (admins only): a new account.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub is_admin: bool,
}

/// The short user shape nested in calls and meetings.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub full_name: String,
}

impl UserSummary {
    /// The name to show people: the full name, or the username when none is set.
    pub fn display_name(&self) -> &str {
        if self.full_name.trim().is_empty() {
            &self.username
        } else {
            &self.full_name
        }
    }
}

/// A call session (SPEC §3) as every call endpoint returns it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallSession {
    pub id: i64,
    pub session_id: Uuid,
    pub room_name: String,
    pub call_type: CallType,
    pub status: CallStatus,
    pub initiator: i64,
    pub recipient: i64,
    pub participants: Vec<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<i64>,
    pub duration_formatted: String,
    pub is_active: bool,
    pub participant_count: usize,
    pub created_at: DateTime<Utc>,
    /// Names for history and incoming-call screens, so clients need no second lookup.
    pub initiator_details: UserSummary,
    pub recipient_details: UserSummary,
    /// The CRM record the call is about, when the caller gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub regarding: Option<Regarding>,
    /// What the callee said when declining ("In a meeting; I'll call you back").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub decline_message: Option<String>,
    /// The participants' notes and outcomes after the call, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<CallLog>>", optional))]
    pub logs: Vec<CallLog>,
    /// The call this one was transferred from (`transfer/`): its other party calls here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub transferred_from: Option<i64>,
    /// Who has put the active call on hold (`update_status/` with `hold`), and since when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub on_hold_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub on_hold_since: Option<DateTime<Utc>>,
    /// Seconds the call spent on hold in holds that are over.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "ts", ts(as = "Option<i64>", optional))]
    pub hold_seconds: i64,
    /// The meeting this call grew into (`add_participant/`): both its parties move there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub escalated_to_meeting: Option<i64>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl CallSession {
    /// Builds the derived fields (`participants`, durations, `is_active`) from the stored ones.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: i64,
        session_id: Uuid,
        room_name: String,
        call_type: CallType,
        status: CallStatus,
        initiator: UserSummary,
        recipient: UserSummary,
        started_at: Option<DateTime<Utc>>,
        ended_at: Option<DateTime<Utc>>,
        created_at: DateTime<Utc>,
    ) -> Self {
        let duration_seconds = match (started_at, ended_at) {
            (Some(start), Some(end)) => Some((end - start).num_seconds().max(0)),
            _ => None,
        };
        let participants = vec![initiator.id, recipient.id];
        CallSession {
            id,
            session_id,
            room_name,
            call_type,
            status,
            initiator: initiator.id,
            recipient: recipient.id,
            participant_count: participants.len(),
            participants,
            started_at,
            ended_at,
            duration_formatted: format_duration(duration_seconds.unwrap_or(0)),
            duration_seconds,
            is_active: status.is_live(),
            created_at,
            initiator_details: initiator,
            recipient_details: recipient,
            regarding: None,
            decline_message: None,
            logs: Vec::new(),
            transferred_from: None,
            on_hold_by: None,
            on_hold_since: None,
            hold_seconds: 0,
            escalated_to_meeting: None,
        }
    }

    /// The other participant, seen from `user_id`.
    pub fn peer_of(&self, user_id: i64) -> &UserSummary {
        if self.initiator == user_id {
            &self.recipient_details
        } else {
            &self.initiator_details
        }
    }
}

/// `POST /api/calls/invite` (seed 004): the call's id beside the session.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteResponse {
    pub message: String,
    pub call_id: i64,
    pub call_session: CallSession,
}

/// `{"message": "...", "call_session": {...}}` from `initiate_call/` and `update_status/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallEnvelope {
    pub message: String,
    pub call_session: CallSession,
}

/// `GET my_active_call/`: `{"call_session": null}` when there is none.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaybeCall {
    pub call_session: Option<CallSession>,
}

/// A page of a list, in Django REST framework's shape.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Page<T> {
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// `GET /api/jitsi-calls/{id}/join_info/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinInfo {
    pub room_name: String,
    pub domain: String,
    pub jitsi_url: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub jwt: Option<String>,
}

/// `GET /api/health/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub message: String,
    pub timestamp: DateTime<Utc>,
}

/// One ICE server, in `RTCConfiguration` shape.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub credential: Option<String>,
}

/// `GET /api/rtc/config`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RtcConfig {
    pub ice_servers: Vec<IceServer>,
}

// Request bodies. The server reads them field by field (ids may also come as digit
// strings, `null` counts as absent, unknown fields are ignored); these types are the
// canonical shapes, for clients and the OpenAPI document.

/// `POST /api/login/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub password: String,
}

/// `POST /api/auth/login` (seed 002): `email` or `username`, and the password.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailLoginRequest {
    /// Used when given; matches a username or an email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub username: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub password: String,
}

/// `POST /api/auth/password`: the signed-in user's new password. Every other session of
/// theirs is signed out; the answer carries a fresh token for this one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 1024))]
    pub new_password: String,
}

/// `POST /api/invites` (admins only): how long the code may be used.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteCodeRequest {
    /// Hours until the code expires: 1 to 720, 72 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_hours: Option<u32>,
}

/// `POST /api/invites/redeem` (no token): a teammate makes their own account with a
/// one-time invite code and is signed in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedeemInvite {
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 150))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 1024))]
    pub password: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub full_name: String,
}

/// Where an invite code stands.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum InviteCodeState {
    /// Not used yet and not expired.
    Open,
    Used,
    Expired,
    Revoked,
}

/// An invite as `GET /api/invites` lists it. The code itself is shown once, when the
/// invite is made (the server keeps only its hash).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InviteCode {
    pub id: i64,
    pub state: InviteCodeState,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The account made with it.
    pub used_by: Option<i64>,
}

/// `POST /api/invites`'s answer: the invite and its code, which is not shown again.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssuedInviteCode {
    pub code: String,
    pub invite: InviteCode,
}

/// `POST /api/user-presence/update_my_status/`: absent fields stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PresenceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_for_calls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 255))]
    pub status_message: Option<String>,
}

/// `POST /api/jitsi-calls/initiate_call/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InitiateCall {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub recipient_id: i64,
    /// `audio` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<CallType>,
    /// The CRM record the call is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regarding: Option<Regarding>,
}

/// `POST /api/calls/invite` (seed 004): as `InitiateCall`, with seed 004's field name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub receiver_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<CallType>,
    /// The CRM record the call is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regarding: Option<Regarding>,
}

/// `POST /api/jitsi-calls/{id}/transfer/`: hand an active call to a colleague, with one
/// of the two fields.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferRequest {
    /// A blind transfer: who the other party is put through to (their call rings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub to_user_id: Option<i64>,
    /// An attended transfer: the caller's call with the colleague they consulted (this
    /// call on hold meanwhile); the two are joined in a new call, already under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub to_call_id: Option<i64>,
}

/// `POST /api/jitsi-calls/{id}/add_participant/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddParticipantRequest {
    /// Who joins the two on the call.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub user_id: i64,
}

/// The answer to `add_participant/`: the meeting the call grew into (hosted by whoever
/// added someone, with the three of them), its call in progress, and the 1:1 call, ended,
/// pointing at the meeting (`escalated_to_meeting`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddParticipantResponse {
    pub message: String,
    pub meeting: Meeting,
    pub meeting_call: VideoCallSession,
    pub call_session: CallSession,
}

/// The answer to `transfer/`: the call that now rings (the other party calling
/// `to_user_id`, `transferred_from` the old one) and the old call, ended.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferResponse {
    pub message: String,
    pub call_session: CallSession,
    pub transferred_call: CallSession,
}

/// `POST /api/jitsi-calls/{id}/update_status/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallActionRequest {
    /// What a participant may do to a call; the server's own actions (delivery,
    /// timeout, failure) are not accepted here. `hold` and `resume` (an active call):
    /// either participant holds, only the holder resumes; the call stays `active`, and
    /// `on_hold_by` says who holds it.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(answer|reject|cancel|end|hold|resume)$")
    )]
    pub action: String,
    /// With `reject`: a message for the caller, shown at once and kept on the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, name: &str) -> UserSummary {
        UserSummary {
            id,
            username: name.into(),
            email: format!("{name}@example.com"),
            full_name: String::new(),
        }
    }

    #[test]
    fn call_session_derives_seed_fields() {
        let created = DateTime::parse_from_rfc3339("2025-11-22T19:54:04.775481Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let started = created + chrono::Duration::seconds(255);
        let ended = started + chrono::Duration::milliseconds(14_873);
        let call = CallSession::new(
            1,
            Uuid::nil(),
            "crm-20251122195404-05c28c55".into(),
            CallType::Video,
            CallStatus::Completed,
            user(27, "sahel"),
            user(45, "Hasel"),
            Some(started),
            Some(ended),
            created,
        );
        let json = serde_json::to_value(&call).unwrap_or_default();
        assert_eq!(json["participants"], serde_json::json!([27, 45]));
        assert_eq!(json["duration_seconds"], 14);
        assert_eq!(json["duration_formatted"], "00:14");
        assert_eq!(json["is_active"], false);
        assert_eq!(json["participant_count"], 2);
        assert_eq!(json["created_at"], "2025-11-22T19:54:04.775481Z");
        assert_eq!(json["status"], "completed");
        assert_eq!(call.peer_of(27).username, "Hasel");
        assert_eq!(call.peer_of(45).username, "sahel");
    }

    #[test]
    fn a_pending_call_has_no_duration_yet() {
        let call = CallSession::new(
            2,
            Uuid::nil(),
            "r".into(),
            CallType::Audio,
            CallStatus::Pending,
            user(1, "a"),
            user(2, "b"),
            None,
            None,
            Utc::now(),
        );
        assert_eq!(call.duration_seconds, None);
        assert_eq!(call.duration_formatted, "00:00");
        assert!(call.is_active);
    }
}
