//! Types and rules shared by the Switchboard server and its clients.
//!
//! Nothing here does IO: the call state machine and the presence rules are pure functions
//! so that the server, the desktop client and their tests agree on one definition.

pub mod api;
pub mod busy_lamp;
pub mod call;
pub mod callbacks;
pub mod crm;
pub mod meetings;
pub mod presence;
pub mod signal;
pub mod webhooks;
pub mod ws;

pub use call::{CallAction, CallStatus, CallType, Refusal, Role, hold_transition, transition};
pub use presence::{PresenceState, PresenceStatus};
