//! The webhook worker: sends the outbox's due deliveries, signed, and records each
//! attempt. Deliveries are written with the changes they report (`domain::webhooks`),
//! so a server killed at any point loses none: what it had not sent is due when it (or
//! another instance) looks again, and what it was sending is due again once its claim
//! runs out. A receiver may therefore see an event twice; it drops repeats by the
//! event's id (docs/crm.md).

use crate::rules::Clock;
pub use crate::rules::WebhookRules;
use crate::store::{Attempt, DueDelivery, StorageError, Store};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use switchboard_protocol::webhooks::{EVENT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER};

/// The [`SIGNATURE_HEADER`] value for `body` sent at `timestamp` (Unix seconds):
/// `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", hex_mac(secret, timestamp, body))
}

fn hex_mac(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `header` signs `body` with `secret`, sent within `tolerance` of `now` (Unix
/// seconds): what a receiver checks, in constant time.
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    if (now - timestamp).abs() > tolerance {
        return false;
    }
    let expected = hex_mac(secret, timestamp, body);
    signatures.iter().any(|given| {
        given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

/// Deliveries one pass takes at most; more wait for the next pass, at once.
const BATCH: i64 = 16;

/// Sends due deliveries until the task is aborted.
pub async fn run(store: Store, rules: WebhookRules, clock: Clock) {
    // Made at the first delivery: a team that registers no webhook (the desktop app's
    // embedded server, mostly) never loads the system's root certificates for it.
    let http = tokio::sync::OnceCell::new();
    loop {
        let sent = match pass(&store, &rules, clock, &http).await {
            Ok(sent) => sent,
            Err(e) => {
                tracing::warn!(error = %e, "the webhook outbox could not be read; trying again");
                0
            }
        };
        if sent < BATCH as usize {
            tokio::time::sleep(rules.poll).await;
        }
    }
}

fn client(rules: &WebhookRules) -> Result<reqwest::Client, String> {
    let tls = switchboard_tls::client_config(&switchboard_tls::Trust::System)
        .map_err(|e| e.to_string())?;
    reqwest::Client::builder()
        .use_preconfigured_tls((*tls).clone())
        .timeout(rules.timeout)
        .connect_timeout(rules.timeout)
        // A redirect is an answer to report, not to follow: the admin registers the
        // address that takes the POST.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Switchboard-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// Claims and sends what is due now, at once; returns how many it claimed.
async fn pass(
    store: &Store,
    rules: &WebhookRules,
    clock: Clock,
    http: &tokio::sync::OnceCell<reqwest::Client>,
) -> Result<usize, StorageError> {
    let now = clock.now();
    let due = store.read(move |tx| tx.due_deliveries(now, BATCH)).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let http = match http.get_or_try_init(|| async { client(rules) }).await {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "webhooks cannot be sent: no HTTP client");
            return Ok(0);
        }
    };
    let mut claimed = Vec::new();
    for delivery in due {
        let until =
            now + chrono::Duration::from_std(rules.claim()).unwrap_or(chrono::Duration::MAX);
        let id = delivery.id;
        // Keyed, with nothing to lock: each is one statement on its own row.
        if store
            .write_keyed(move |tx| tx.claim_delivery(id, now, until))
            .await?
        {
            claimed.push(delivery);
        }
    }
    let count = claimed.len();
    let sends = claimed.into_iter().map(|delivery| async move {
        let answer = send(http, &delivery, clock).await;
        let now = clock.now();
        let attempt = judge(rules, &delivery, answer, now, rand::random::<f64>());
        crate::metrics::webhook_attempt(match &attempt {
            Attempt::Delivered { .. } => "delivered",
            Attempt::Retry { .. } => "retry",
            Attempt::GaveUp { .. } => "gave_up",
        });
        match &attempt {
            Attempt::Delivered { .. } => {
                tracing::info!(delivery = delivery.id, event = %delivery.event, "webhook delivered")
            }
            Attempt::Retry { error, at, .. } => {
                tracing::info!(delivery = delivery.id, %error, retry_at = %at, "webhook not delivered; will retry")
            }
            Attempt::GaveUp { error, .. } => {
                tracing::warn!(delivery = delivery.id, %error, "webhook not delivered for a day; given up")
            }
        }
        let id = delivery.id;
        store
            .write_keyed(move |tx| tx.finish_attempt(id, now, &attempt))
            .await
    });
    for finished in futures::future::join_all(sends).await {
        finished?;
    }
    Ok(count)
}

/// What the endpoint said: its status (and the start of its body), or why it said
/// nothing.
type Answer = Result<(u16, String), String>;

async fn send(http: &reqwest::Client, delivery: &DueDelivery, clock: Clock) -> Answer {
    let timestamp = clock.now().timestamp();
    let response = http
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT_HEADER, delivery.event.as_str())
        .header(EVENT_ID_HEADER, delivery.event_id.to_string())
        .header(
            "Switchboard-Delivery-Attempt",
            (delivery.attempts + 1).to_string(),
        )
        .header(
            SIGNATURE_HEADER,
            signature(&delivery.secret, timestamp, &delivery.payload),
        )
        .body(delivery.payload.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.unwrap_or_default();
    let said = match location {
        Some(to) => format!("redirected to {to}"),
        None => text.chars().take(200).collect(),
    };
    Ok((status, said))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the endpoint did not answer in time".into()
    } else if e.is_connect() {
        "could not connect to the endpoint".into()
    } else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}

/// How an attempt ended, and when the next one is due: pure, for the tests.
fn judge(
    rules: &WebhookRules,
    delivery: &DueDelivery,
    answer: Answer,
    now: chrono::DateTime<chrono::Utc>,
    random: f64,
) -> Attempt {
    let (status, error) = match answer {
        Ok((status, _)) if (200..300).contains(&status) => {
            return Attempt::Delivered { status };
        }
        Ok((status, said)) if said.trim().is_empty() => (Some(status), format!("HTTP {status}")),
        Ok((status, said)) => (Some(status), format!("HTTP {status}: {}", said.trim())),
        Err(why) => (None, why),
    };
    let failed = delivery.attempts + 1;
    let wait = chrono::Duration::from_std(rules.retry_delay(failed, random))
        .unwrap_or(chrono::Duration::MAX);
    let deadline = delivery.created_at
        + chrono::Duration::from_std(rules.give_up_after).unwrap_or(chrono::Duration::MAX);
    match now.checked_add_signed(wait) {
        Some(at) if at <= deadline => Attempt::Retry { at, status, error },
        _ => Attempt::GaveUp { status, error },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use std::time::Duration;
    use switchboard_protocol::webhooks::WebhookEvent;

    fn rules() -> WebhookRules {
        WebhookRules::default()
    }

    #[test]
    fn retries_double_from_the_base_up_to_the_cap_with_the_upper_half_random() {
        let r = rules();
        let s = Duration::from_secs;
        assert_eq!(r.retry_delay(1, 0.0), s(5));
        assert_eq!(r.retry_delay(1, 1.0), s(10));
        assert_eq!(r.retry_delay(2, 1.0), s(20));
        assert_eq!(r.retry_delay(3, 0.5), s(30));
        assert_eq!(r.retry_delay(9, 1.0), s(2560));
        assert_eq!(r.retry_delay(10, 1.0), s(3600), "capped at an hour");
        assert_eq!(r.retry_delay(10_000, 0.0), s(1800), "however many failures");
        assert_eq!(
            r.retry_delay(0, 0.0),
            s(5),
            "no failure counts as the first"
        );
        for failed in 1..40 {
            for random in [0.0, 0.3, 0.999] {
                let wait = r.retry_delay(failed, random);
                let full = r.retry_delay(failed, 1.0);
                assert!(wait >= full / 2 && wait <= full, "{failed} {random}");
            }
        }
    }

    #[test]
    fn a_day_of_retries_is_about_thirty_attempts() {
        // From its event, a delivery that always fails: how many attempts before it is
        // given up, with the least and the most jitter.
        for random in [0.0, 1.0] {
            let start = Utc
                .with_ymd_and_hms(2026, 12, 4, 9, 0, 0)
                .single()
                .unwrap_or_default();
            let mut delivery = due(0, start);
            let mut now = start;
            let mut attempts = 0;
            loop {
                attempts += 1;
                match judge(&rules(), &delivery, Err("refused".into()), now, random) {
                    Attempt::Retry { at, .. } => {
                        assert!(at > now && at <= start + chrono::Duration::hours(24));
                        now = at;
                        delivery.attempts += 1;
                    }
                    Attempt::GaveUp { error, status } => {
                        assert_eq!((error.as_str(), status), ("refused", None));
                        break;
                    }
                    Attempt::Delivered { .. } => unreachable!("never answered"),
                }
            }
            assert!(
                (24..=60).contains(&attempts),
                "{attempts} attempts at {random}"
            );
        }
    }

    fn due(attempts: i64, created_at: chrono::DateTime<Utc>) -> DueDelivery {
        DueDelivery {
            id: 1,
            url: "http://127.0.0.1:9/hook".into(),
            secret: "0123456789abcdef".into(),
            event: WebhookEvent::CallCompleted,
            event_id: uuid::Uuid::nil(),
            payload: "{}".into(),
            attempts,
            created_at,
        }
    }

    #[test]
    fn two_hundreds_deliver_and_everything_else_is_retried_with_what_was_said() {
        let now = Utc::now();
        let d = due(0, now);
        assert_eq!(
            judge(&rules(), &d, Ok((204, String::new())), now, 0.5),
            Attempt::Delivered { status: 204 }
        );
        for (answer, said) in [
            (
                Ok((500, "  database down\n".into())),
                "HTTP 500: database down",
            ),
            (
                Ok((302, "redirected to https://x/".into())),
                "HTTP 302: redirected to https://x/",
            ),
            (Ok((404, String::new())), "HTTP 404"),
            (
                Err("could not connect to the endpoint".into()),
                "could not connect to the endpoint",
            ),
        ] {
            match judge(&rules(), &d, answer, now, 0.0) {
                Attempt::Retry { error, at, .. } => {
                    assert_eq!(error, said);
                    assert_eq!(at, now + chrono::Duration::seconds(5));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn signatures_verify_with_the_secret_and_the_body_they_were_made_for() {
        let body = r#"{"id":"x","event":"call.completed"}"#;
        let header = signature("0123456789abcdef", 1_796_400_000, body);
        assert!(header.starts_with("t=1796400000,v1="));
        assert_eq!(header.len(), "t=1796400000,v1=".len() + 64);
        assert!(verify(
            "0123456789abcdef",
            &header,
            body,
            1_796_400_100,
            300
        ));
        assert!(
            !verify("0123456789abcdeF", &header, body, 1_796_400_100, 300),
            "other key"
        );
        assert!(!verify(
            "0123456789abcdef",
            &header,
            &body.replace('x', "y"),
            1_796_400_100,
            300
        ));
        assert!(
            !verify("0123456789abcdef", &header, body, 1_796_401_000, 300),
            "too old: replayed"
        );
        assert!(
            !verify("0123456789abcdef", "v1=00", body, 1_796_400_000, 300),
            "no timestamp"
        );
        // A known answer (Python's hmac), as docs/crm.md gives it for receivers to check
        // theirs against.
        assert_eq!(
            signature("whsec_test_secret", 1_700_000_000, "{}"),
            "t=1700000000,v1=ceb8863f7208fa249a6cd8f951e993c7563412aca65866f6272283debe143ab3"
        );
    }
}
