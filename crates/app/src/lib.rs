//! Switchboard's desktop controller: what the app does, with no UI toolkit in it.
//!
//! The Tauri shell (`src-tauri`) turns commands into calls on [`Controller`] and hands
//! the controller's news to the web UI through a [`Shell`]. Everything here runs and is
//! tested without a window: sign-in and the saved session ([`session`]), hosting the
//! team's backend ([`hosting`]), sound devices and the ringtone ([`devices`],
//! [`ringtone`]), and the directory kept from engine events ([`directory`]).

mod admin;
pub mod auto_away;
pub mod badge;
mod busy_lamp;
mod callbacks;
mod controller;
mod desktop;
pub mod devices;
pub mod directory;
mod error;
pub mod hosting;
pub mod links;
mod meeting_view;
mod meetings;
mod picture;
pub mod ringtone;
mod session;
pub mod settings;
mod state;
mod team;
pub mod text;
mod video;
mod view;

pub use controller::{Controller, Paths, Shell};
pub use desktop::{About, VideoRoom};
pub use error::AppError;
pub use hosting::{DEFAULT_LISTEN, FoundHost, HostInfo};
pub use meeting_view::{IN_A_MEETING, MeetingPeer, MeetingPeerState, MeetingView};
pub use picture::{VideoFeed, VideoPicture};
pub use session::{CertificateCheck, CertificateTrust, ServerCheck};
pub use settings::{IncomingCallDisplay, Settings, ShortcutAction, Shortcuts};
pub use state::{AppState, LinkCall, MyStatus, Phase, RingingCall};
/// For the app's `main`, before any thread: it may host its team's backend, whose
/// password checks need their large blocks given back (see the server's `malloc`).
pub use switchboard_server::malloc::return_large_blocks;
pub use team::{JoinRequest, TeamInvite};
pub use video::{CAMERA_ENV, VideoSend};
