//! What the app shows of the meeting it is in ([`MeetingView`]) and what it keeps while in
//! one ([`InMeeting`]): plain data, apart from the controller's meeting logic in
//! `meetings.rs`.

use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use switchboard_client::meeting::MeetingMedia;
use switchboard_client::meter::CallQuality;
use switchboard_protocol::PresenceStatus;
use tokio::sync::watch;

/// My status message while in a meeting (with "busy", set when I was simply online).
pub const IN_A_MEETING_STATUS: &str = "In a meeting";

/// What a caller sees when a call reaches someone in a meeting.
pub const IN_A_MEETING: &str = "In a meeting; try again later or leave a note.";

/// The meeting this app is in, as the UI draws it.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct MeetingView {
    pub meeting_id: i64,
    pub title: String,
    pub host_id: i64,
    /// The meeting's call, which "End for everyone" ends.
    pub call_id: Option<i64>,
    pub muted: bool,
    /// My camera is on: everyone in the meeting sees my pictures.
    pub camera_on: bool,
    /// My microphone's level (0–1), after mute.
    pub my_level: f32,
    /// Everyone else invited, in the meeting's order, whether here or not.
    pub participants: Vec<MeetingPeer>,
    /// Set once this app is out of the meeting for a reason other than leaving (it
    /// ended, was deleted, the audio failed), in words.
    pub ended: Option<String>,
}

/// One other member of the meeting.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct MeetingPeer {
    pub user_id: i64,
    pub name: String,
    pub state: MeetingPeerState,
    /// Their voice's level (0–1) in the last frame.
    pub level: f32,
    /// Over the last second, once connected.
    pub quality: Option<CallQuality>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MeetingPeerState {
    /// Not in the meeting's room.
    Away,
    Connecting,
    Connected,
}

/// The meeting this app is in.
pub(crate) struct InMeeting {
    pub(crate) meeting_id: i64,
    pub(crate) media: Arc<MeetingMedia>,
    pub(crate) view: watch::Sender<MeetingView>,
    pub(crate) follow: tokio::task::JoinHandle<()>,
    /// Set by "End for everyone" before it asks the server: the `meeting_ended` that comes
    /// back is then ours, not news to show.
    pub(crate) ending: AtomicBool,
    /// My status before the meeting made me busy, given back when I leave (unless I
    /// changed it meanwhile).
    pub(crate) status_before: Option<(PresenceStatus, String)>,
    /// The devices, released when the meeting is left.
    pub(crate) _keep: Box<dyn std::any::Any + Send>,
}
