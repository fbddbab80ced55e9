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
    /// Where the rules read the time of day.
    pub clock: Clock,
    /// Sockets (notification and signaling) one user may hold on one instance.
    pub sockets_per_user: usize,
    /// Sockets one non-loopback address may hold on one instance; 0: no cap.
    pub sockets_per_address: usize,
    /// How webhook deliveries are sent and retried.
    pub webhooks: crate::webhooks::WebhookRules,
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

/// Where the server reads the time of day for its rules: presence, ring and lease
/// timestamps.
///
/// Timers already run on tokio's clock; `FollowingTokio` makes timestamps follow it too,
/// so a test that pauses tokio's time (`start_paused`) moves a call's `created_at`, a
/// heartbeat's `last_seen` and the ring timer together instead of waiting on the wall.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    /// The system clock: what a server in production uses, so a suspended laptop or a
    /// corrected clock still stamps the real time.
    #[default]
    System,
    /// `wall` at `at`, then whatever tokio's clock says has passed since.
    FollowingTokio {
        wall: chrono::DateTime<chrono::Utc>,
        at: tokio::time::Instant,
    },
}

impl Clock {
    /// A clock that starts at the system time now and then follows tokio's clock.
    pub fn following_tokio() -> Clock {
        Clock::FollowingTokio {
            wall: chrono::Utc::now(),
            at: tokio::time::Instant::now(),
        }
    }

    /// The current time at microsecond precision: what the database stores, so a value
    /// read back after a round trip through storage is equal to the one written.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use chrono::SubsecRound;
        let now = match self {
            Clock::System => chrono::Utc::now(),
            Clock::FollowingTokio { wall, at } => {
                let passed =
                    chrono::Duration::from_std(at.elapsed()).unwrap_or(chrono::Duration::MAX);
                wall.checked_add_signed(passed).unwrap_or(*wall)
            }
        };
        now.trunc_subsecs(6)
    }
}
