//! What every HTTP handler can reach. The socket routes take only the parts they need
//! (through `FromRef`), so `realtime` does not depend on this module or on `http`.

use crate::accounts::Accounts;
use crate::auth::Tokens;
use crate::jaas::Jitsi;
use crate::realtime::Realtime;
use crate::rules::Rules;
use crate::store::Store;
use axum::extract::FromRef;
use std::sync::Arc;

/// The state behind every route.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub accounts: Accounts,
    pub tokens: Arc<Tokens>,
    pub jitsi: Arc<Jitsi>,
    pub rules: Arc<Rules>,
    pub realtime: Arc<Realtime>,
    /// SQLite: the lock that keeps a second server off this database while this one runs.
    pub serving_lock: Option<Arc<std::fs::File>>,
    /// Wrong passwords per login name (see `throttle`).
    pub login_throttle: Arc<crate::throttle::LoginThrottle>,
    /// Calls started per account (see `throttle`).
    pub call_throttle: Arc<crate::throttle::CallThrottle>,
    /// Password checks running at once, at most one per core (see `throttle`).
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// Web pages from other origins that may open sockets (see `http::origin`),
    /// normalised.
    pub allowed_origins: Arc<Vec<String>>,
    /// Host names a loopback server answers to besides addresses and `localhost`
    /// (see `http::origin::check_host`), normalised.
    pub allowed_hosts: Arc<Vec<String>>,
    /// Whether Host is checked: set when the server starts listening on a loopback
    /// address.
    pub check_host: bool,
    /// `https` when this server terminates TLS, for the absolute links it writes (page
    /// links); a proxy in front says its own with `X-Forwarded-Proto`.
    pub scheme: &'static str,
    /// Pokes the call-back notifier when a due time changes (see `callbacks_due`).
    pub callback_wake: Arc<tokio::sync::Notify>,
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.store.clone()
    }
}

impl FromRef<AppState> for Arc<Tokens> {
    fn from_ref(state: &AppState) -> Arc<Tokens> {
        state.tokens.clone()
    }
}

impl FromRef<AppState> for Arc<Realtime> {
    fn from_ref(state: &AppState) -> Arc<Realtime> {
        state.realtime.clone()
    }
}
