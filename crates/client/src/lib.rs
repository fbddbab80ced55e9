//! Switchboard's client engine, with no UI: what the desktop shell and `switchboard-cli`
//! both run. One command surface in ([`Engine`]), one typed event stream out ([`Event`]).
//!
//! - [`api::Api`]: every SPEC route the app needs, with errors that say what went wrong.
//! - [`engine`]: the notification listener (reconnects with full-jitter backoff and
//!   resynchronises after each reconnect), the presence heartbeat, and the polling
//!   fallback for CRM backends that have the seeds' REST API but no WebSocket.
//! - [`call`] and [`meeting`]: a 1:1 call's media and a small meeting's audio mesh.
//! - [`phone`]: a UI's calls end to end (media starts on answer, stops on any end).
//! - [`token_store`]: sign-in tokens in the OS keyring, never in a file.

pub mod api;
pub mod backoff;
pub mod call;
mod calls_seen;
pub mod engine;
pub mod error;
pub mod events;
pub mod meeting;
pub mod meter;
pub mod negotiator;
pub mod phone;
mod room;
pub mod token_store;

pub use api::Api;
pub use engine::{Engine, EngineConfig};
pub use error::ClientError;
pub use events::{ConnectionState, EndReason, Event, MediaState, RealtimeMode};
pub use switchboard_tls::{CertificateProblem, Fingerprint, Trust, probe};
