//! Prometheus metrics, off unless `serve --metrics-listen ADDR` asks: then one
//! process-wide recorder, served as text at `GET /metrics` on that address (never on the
//! API's). Every name starts with `switchboard_`; docs/operations.md says what each one
//! means. Without a recorder the calls below cost an atomic load each.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;
use switchboard_protocol::CallStatus;

pub const CONNECTIONS: &str = "switchboard_connections";
pub const MESSAGES_RELAYED: &str = "switchboard_messages_relayed_total";
pub const INVITES: &str = "switchboard_invites_total";
pub const INVITE_HANDLING: &str = "switchboard_invite_handling_seconds";
pub const CALL_OUTCOMES: &str = "switchboard_call_outcomes_total";
pub const TRANSACTIONS: &str = "switchboard_db_transaction_seconds";
pub const WEBHOOK_DELIVERIES: &str = "switchboard_webhook_deliveries_total";
pub const BUS_LAG: &str = "switchboard_bus_lag_seconds";
pub const BUS_DROPPED: &str = "switchboard_bus_dropped_total";

/// Histogram buckets for the invite's handling time: 50 µs to 1 s, finest around the
/// 0.3 ms target of a 10,000-socket server, where a percentile is read between bounds.
const INVITE_BUCKETS: [f64; 20] = [
    0.00005, 0.0001, 0.00015, 0.0002, 0.00025, 0.0003, 0.0004, 0.0005, 0.0006, 0.0008, 0.001,
    0.0015, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0,
];
/// Database transactions: 100 µs to 5 s.
const TRANSACTION_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0, 5.0,
];

/// The bus between instances: 100 µs to 10 s (a Redis outage holds messages back).
const BUS_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Serves `GET /metrics` from `handle` on `listener`, for as long as the process runs,
/// through the API's connection loop for its time limits: a scraper that connects and
/// sends nothing must not hold a connection for ever here either. A scraper keeps its
/// connection between scrapes, a minute apart by default (Prometheus), so an idle one is
/// kept at least 3 minutes: a close at the instant of a scrape would fail it.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    limits: crate::connections::Limits,
) {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move {
                (
                    [("content-type", "text/plain; version=0.0.4")],
                    handle.render(),
                )
            }
        }),
    );
    let limits = crate::connections::Limits {
        head: limits.head.max(Duration::from_secs(180)),
        ..limits
    };
    crate::connections::serve(listener, app, limits, std::future::pending()).await;
}

/// Installs the process's recorder (once; later calls return the same handle).
pub fn install() -> Result<PrometheusHandle, String> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(INVITE_HANDLING.into()), &INVITE_BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(TRANSACTIONS.into()), &TRANSACTION_BUCKETS)
        })
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full(BUS_LAG.into()), &BUS_BUCKETS))
        .map_err(|e| e.to_string())?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|e| e.to_string())?;
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// The text Prometheus scrapes, if metrics are on.
pub fn render() -> Option<String> {
    HANDLE.get().map(PrometheusHandle::render)
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_gauge!(
        CONNECTIONS,
        "WebSockets open on this instance, by kind (notifications, signaling)"
    );
    describe_counter!(
        MESSAGES_RELAYED,
        "Signaling messages relayed between peers (offers, answers, candidates, notices)"
    );
    describe_counter!(INVITES, "Calls started (each sends one call_invite)");
    describe_histogram!(
        INVITE_HANDLING,
        Unit::Seconds,
        "From an initiate_call request's arrival to its call_invite handed to the callee's sockets (on one instance: queued on them; with a bus: published)"
    );
    describe_counter!(
        CALL_OUTCOMES,
        "Calls that reached a final status, by status"
    );
    describe_histogram!(
        TRANSACTIONS,
        Unit::Seconds,
        "Database transactions, by mode (read, write), including the wait for a connection"
    );
    describe_histogram!(
        BUS_LAG,
        Unit::Seconds,
        "From an event queued for the bus to its message read back from Redis, by sender (this_instance: one clock; other_instance: two clocks, as far apart as they are)"
    );
    describe_counter!(
        BUS_DROPPED,
        "Bus messages dropped, by reason (unauthenticated: not signed with the cluster's key; undecodable)"
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook delivery attempts, by result (delivered, retry, gave_up)"
    );
}

/// Counts one open WebSocket of `kind` while it lives. It keeps the gauge it raised, so
/// closing lowers it without looking the name and label up again.
pub struct Connection(metrics::Gauge);

impl Connection {
    pub fn open(kind: &'static str) -> Connection {
        let open = gauge!(CONNECTIONS, "kind" => kind);
        open.increment(1.0);
        Connection(open)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

pub fn message_relayed() {
    counter!(MESSAGES_RELAYED).increment(1);
}

pub fn invite_handled(took: Duration) {
    counter!(INVITES).increment(1);
    histogram!(INVITE_HANDLING).record(took.as_secs_f64());
}

pub fn call_ended(status: CallStatus) {
    let status = match status {
        CallStatus::Completed => "completed",
        CallStatus::Rejected => "rejected",
        CallStatus::Cancelled => "cancelled",
        CallStatus::Missed => "missed",
        CallStatus::Failed => "failed",
        CallStatus::Pending | CallStatus::Ringing | CallStatus::Active => return,
    };
    counter!(CALL_OUTCOMES, "status" => status).increment(1);
}

pub fn transaction(mode: &'static str, took: Duration) {
    histogram!(TRANSACTIONS, "mode" => mode).record(took.as_secs_f64());
}

pub fn webhook_attempt(result: &'static str) {
    counter!(WEBHOOK_DELIVERIES, "result" => result).increment(1);
}

/// A bus message read back `lag` after its oldest event was queued; `own` when this
/// instance sent it.
pub fn bus_message_received(own: bool, lag: Duration) {
    let from = if own {
        "this_instance"
    } else {
        "other_instance"
    };
    histogram!(BUS_LAG, "from" => from).record(lag.as_secs_f64());
}

pub fn bus_message_dropped(reason: &'static str) {
    counter!(BUS_DROPPED, "reason" => reason).increment(1);
}
