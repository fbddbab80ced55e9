//! Switchboard's backend: the seeds' REST API and realtime sockets (SPEC §1–6, §8) over SQLite or
//! PostgreSQL.
//!
//! [`Server::bind`] serves it in-process (desktop host mode, tests on port 0);
//! the `switchboard-server` binary runs it headless.

pub mod accounts;
pub mod app;
pub mod auth;
pub mod callbacks_due;
pub mod connections;
pub mod domain;
pub mod error;
pub mod http;
pub mod jaas;
pub mod malloc;
pub mod metrics;
pub mod private_files;
pub mod realtime;
pub mod rtc;
pub mod rules;
pub mod server;
pub mod session;
pub mod store;
pub mod throttle;
mod tls_listener;
pub mod webhooks;

pub use accounts::{Accounts, NewAccount};
pub use server::{Server, ServerConfig, ServerTls, StartError, launch_with_tcp_listener};

/// The system time at microsecond precision, for what no timing rule depends on: when an
/// account was made, and credentials other programs check (TURN, JaaS). Rules read
/// [`rules::Clock`] instead.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    rules::Clock::System.now()
}
