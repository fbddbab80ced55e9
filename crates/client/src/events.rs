//! The typed events the engine emits, for the desktop shell and the CLI alike.

use crate::meter::CallQuality;
use serde::Serialize;
use switchboard_media::devices::DeviceSwitch;
use switchboard_protocol::api::{CallSession, DirectoryEntry};
use switchboard_protocol::{CallType, PresenceStatus};

/// How incoming calls and presence reach this client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RealtimeMode {
    /// Pushed over the notification WebSocket.
    WebSocket,
    /// The server has no WebSocket (a seeds-style CRM backend): `my_active_call/` is polled.
    Polling,
}

/// The engine's link to the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ConnectionState {
    Connecting,
    Online {
        mode: RealtimeMode,
    },
    /// Lost; the next attempt is in `retry_in_ms`.
    Reconnecting {
        attempt: u32,
        retry_in_ms: u64,
        reason: String,
    },
    /// Stopped for good (signed out, token refused).
    Offline {
        reason: String,
    },
}

/// Everything the engine tells its UI.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Event {
    Connection(ConnectionState),
    /// Someone is calling this user.
    IncomingCall {
        call_id: i64,
        from_user_id: i64,
        caller_name: String,
        call_type: CallType,
        room_name: String,
        /// The CRM record the call is about, to show with the caller's name.
        regarding: Option<switchboard_protocol::crm::Regarding>,
    },
    /// A call of this user changed (ringing, answered, ended ...).
    CallUpdated {
        call: Box<CallSession>,
    },
    /// One user's presence changed.
    Presence {
        user_id: i64,
        status: PresenceStatus,
        available_for_calls: bool,
        /// `None` when the server does not send messages: keep the one already shown.
        status_message: Option<String>,
    },
    /// The whole directory, after connecting or reconnecting.
    Directory {
        users: Vec<DirectoryEntry>,
    },
    /// Microphone and speaker levels (RMS, 0–1) during a call, ten times a second.
    AudioLevel {
        call_id: i64,
        input: f32,
        output: f32,
    },
    /// The call's quality over the last second.
    Quality {
        call_id: i64,
        quality: CallQuality,
    },
    /// The media of this user's call: connecting, connected, or ended (and why).
    Media {
        call_id: i64,
        media: MediaState,
    },
    /// This side's microphone was muted or unmuted.
    Muted {
        call_id: i64,
        muted: bool,
    },
    /// Calls missed since the user last looked at the history.
    MissedCalls {
        count: u32,
    },
    /// Something failed that the user should hear about.
    Problem {
        message: String,
    },
    /// One of this user's call-backs is due now.
    CallbackDue {
        callback: Box<switchboard_protocol::callbacks::Callback>,
    },
    /// A colleague left this user a note.
    NoteReceived {
        note: Box<switchboard_protocol::busy_lamp::Note>,
    },
    /// Someone this user camped on can take calls now.
    ColleagueAvailable {
        camp_on: Box<switchboard_protocol::busy_lamp::CampOn>,
    },
    /// A meeting this user is in has started: their app offers to join.
    MeetingStarted {
        meeting: Box<switchboard_protocol::api::Meeting>,
        call: Box<switchboard_protocol::api::VideoCallSession>,
        /// When this user was just added to the 1:1 call it grew from: the app says "Ann
        /// Lee is adding you to a call with Bob Stone".
        added_to_call: Option<switchboard_protocol::ws::AddedToCall>,
    },
    /// A meeting's call ended: an app still in its room leaves.
    MeetingEnded {
        meeting_id: i64,
        call: Box<switchboard_protocol::api::VideoCallSession>,
    },
    /// A meeting this user is in was scheduled (by them too, on another device): the
    /// list of meetings is out of date.
    MeetingScheduled {
        meeting: Box<switchboard_protocol::api::Meeting>,
    },
    /// A meeting this user was in was deleted by its host.
    MeetingDeleted {
        meeting_id: i64,
    },
    /// A sound device of the call moved on its own: unplugged (the system default took
    /// over) or the chosen one plugged in again.
    SoundDevice {
        switch: DeviceSwitch,
    },
}

/// Where a call's media is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MediaState {
    Connecting,
    Connected {
        setup_ms: u64,
    },
    Ended {
        reason: EndReason,
        /// What went wrong, for failures and lost links.
        message: Option<String>,
    },
}

/// Who or what ended a call's media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EndReason {
    /// This user hung up.
    Local,
    /// The other side hung up.
    Remote,
    /// The link to the other side went away.
    Lost,
    /// It never connected, or the sound devices failed.
    Failed,
}
