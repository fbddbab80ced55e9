//! The server's timing and delivery rules: what handlers and socket tasks both apply,
//! set once from `ServerConfig`.

use std::time::Duration;

/// Timing rules the handlers and socket tasks apply.
#[derive(Clone, Debug)]
pub struct Rules {
    /// How long a heartbeat keeps a user online without an open socket.
    pub presence_timeout: chrono::Duration,
    /// How long a call may ring unanswered before it is missed.
    pub ring_timeout: std::time::Duration,
    /// How often sockets are pinged; one missed answer drops the socket.
    pub socket_ping_interval: std::time::Duration,
    /// How long a connection has to send a request's head (see `ServerConfig`). The
    /// connection loop applies it, not the handlers: it is here because `launch` takes
    /// its settings from the app's state.
    pub request_head_timeout: std::time::Duration,
    /// How long a request's body has to arrive in full (see `ServerConfig`), applied by
    /// the connection loop like the head's.
    pub request_body_timeout: std::time::Duration,
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
    pub webhooks: WebhookRules,
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

/// How deliveries are sent and retried.
#[derive(Clone, Debug)]
pub struct WebhookRules {
    /// How long an endpoint has to answer one POST.
    pub timeout: Duration,
    /// The wait before the first retry; each later one doubles it, up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long after its event a delivery is retried before it is marked failed.
    pub give_up_after: Duration,
    /// How often the outbox is looked at for due deliveries.
    pub poll: Duration,
}

impl Default for WebhookRules {
    /// 10 s per POST; retries after 10 s, 20 s, 40 s … up to an hour apart, for a day;
    /// the outbox is looked at every second.
    fn default() -> Self {
        WebhookRules {
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
            poll: Duration::from_secs(1),
        }
    }
}

impl WebhookRules {
    /// How long a claimed delivery stays this instance's: the POST's time, twice over,
    /// so a claim runs out only when its instance is gone.
    pub fn claim(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }

    /// The wait after `failed` failed attempts (1 or more): `retry_base` doubled per
    /// earlier failure, capped at `retry_max`, of which the upper half is random
    /// (`random` in 0..1) so that a receiver's outage does not end in a stampede.
    pub fn retry_delay(&self, failed: i64, random: f64) -> Duration {
        let doublings = u32::try_from(failed.saturating_sub(1).max(0))
            .unwrap_or(u32::MAX)
            .min(30);
        let full = self
            .retry_base
            .saturating_mul(1u32 << doublings)
            .min(self.retry_max);
        full / 2 + full.mul_f64(random.clamp(0.0, 1.0) / 2.0)
    }
}
