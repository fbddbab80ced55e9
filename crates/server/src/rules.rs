//! The server's timing and delivery rules: what handlers and socket tasks both apply,
//! set once from `ServerConfig`.

/// Timing rules the handlers and socket tasks apply.
#[derive(Clone, Debug)]
pub struct Rules {
    /// How long a heartbeat keeps a user online without an open socket.
    pub presence_timeout: chrono::Duration,
    /// How long a call may ring unanswered before it is missed.
    pub ring_timeout: std::time::Duration,
    /// How often sockets are pinged; one missed answer drops the socket.
    pub socket_ping_interval: std::time::Duration,
    /// ICE servers for `GET /api/rtc/config`.
    pub rtc: crate::rtc::RtcSettings,
    /// How long this instance's socket leases last unrenewed (see `realtime::lease`).
    pub instance_lease: std::time::Duration,
    /// Which notification sockets get `presence_update`.
    pub presence_push: PresencePush,
}

/// Which notification sockets are sent `presence_update`.
///
/// Every change goes to every socket that takes it, so the cost is changes × sockets: at
/// ten thousand sockets one call start is ten thousand frames. Clients that show presence
/// (Switchboard's own) ask for it with `?presence=1`; `Subscribers` spares the others
/// (seed clients, headless integrations) the flood.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PresencePush {
    /// Every notification socket (SPEC §4).
    #[default]
    Everyone,
    /// Only sockets opened with `?presence=1`.
    Subscribers,
}
