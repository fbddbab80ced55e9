//! What the UI needs to draw itself from scratch (see docs/desktop.md).

use crate::hosting::HostInfo;
use crate::links::Invite;
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
    /// A call this app holds while the user consults someone (an attended transfer).
    pub held_call: Option<CallSession>,
    pub media: Option<MediaState>,
    pub muted: bool,
    pub missed_calls: u32,
    pub settings: Settings,
    /// An invite link opened (`switchboard://join?…`) and not used yet.
    pub invite: Option<Invite>,
    /// A call link opened and waiting for the user to say Call or Cancel.
    pub link_call: Option<LinkCall>,
    /// A call ringing here now (not yet in `active_call`, which holds only calls this
    /// app placed or answered), so a window opened while it rings (the callbox, a
    /// reloaded page) shows it.
    pub ringing: Option<RingingCall>,
    /// The meeting this app is in.
    pub meeting: Option<crate::meeting_view::MeetingView>,
    /// Whether a camera is set up (one is plugged in, or [`crate::video::CAMERA_ENV`]
    /// names a source): a video call starts by sending it, and the UI shows the camera
    /// on only then.
    pub camera_set_up: bool,
}

/// A call ringing here, as its invite said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RingingCall {
    pub call_id: i64,
    pub from_user_id: i64,
    pub caller_name: String,
    pub call_type: switchboard_protocol::CallType,
    pub regarding: Option<switchboard_protocol::crm::Regarding>,
}

/// Whom a `switchboard://call/…` link asks to call, shown before dialing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LinkCall {
    pub user_id: i64,
    pub username: String,
    /// The full name, or the username when there is none.
    pub display_name: String,
    /// The CRM record the link says the call is about.
    pub regarding: Option<switchboard_protocol::crm::Regarding>,
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
