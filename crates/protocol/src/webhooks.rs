//! Webhooks for the CRM of record (issue 20): which events an administrator can subscribe
//! an endpoint to, the endpoint and delivery records of `/api/webhooks/`, and the body
//! each delivery POSTs. How deliveries are signed is in `docs/crm.md`.

use crate::CallStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What happened, as the `event` of a delivery and in an endpoint's `events`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WebhookEvent {
    /// A call that was answered has ended.
    #[serde(rename = "call.completed")]
    CallCompleted,
    /// A call rang out unanswered.
    #[serde(rename = "call.missed")]
    CallMissed,
    /// The callee declined a call (with their message, if any).
    #[serde(rename = "call.rejected")]
    CallRejected,
    /// A participant logged an outcome or a note, or changed theirs.
    #[serde(rename = "call.logged")]
    CallLogged,
    #[serde(rename = "callback.created")]
    CallbackCreated,
    #[serde(rename = "callback.completed")]
    CallbackCompleted,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 6] = [
        WebhookEvent::CallCompleted,
        WebhookEvent::CallMissed,
        WebhookEvent::CallRejected,
        WebhookEvent::CallLogged,
        WebhookEvent::CallbackCreated,
        WebhookEvent::CallbackCompleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::CallCompleted => "call.completed",
            WebhookEvent::CallMissed => "call.missed",
            WebhookEvent::CallRejected => "call.rejected",
            WebhookEvent::CallLogged => "call.logged",
            WebhookEvent::CallbackCreated => "callback.created",
            WebhookEvent::CallbackCompleted => "callback.completed",
        }
    }

    /// The event a call's end is, for the final statuses a CRM records; a call cancelled
    /// by its caller or failed on the network is none.
    pub fn for_call_end(status: CallStatus) -> Option<WebhookEvent> {
        match status {
            CallStatus::Completed => Some(WebhookEvent::CallCompleted),
            CallStatus::Missed => Some(WebhookEvent::CallMissed),
            CallStatus::Rejected => Some(WebhookEvent::CallRejected),
            _ => None,
        }
    }
}

impl std::fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for WebhookEvent {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        WebhookEvent::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a webhook event; the events are {}",
                    WebhookEvent::ALL.map(WebhookEvent::as_str).join(", ")
                )
            })
    }
}

/// A secret's length bounds, in characters: long enough to resist guessing, short
/// enough for a header-sized key.
pub const SECRET_MIN: usize = 16;
pub const SECRET_MAX: usize = 200;
/// An endpoint's address, in characters.
pub const WEBHOOK_URL_MAX: usize = 2048;
/// How many endpoints a team may register.
pub const WEBHOOKS_MAX: usize = 50;

/// The header carrying a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
/// "<t>.<body>" keyed with the endpoint's secret>`.
pub const SIGNATURE_HEADER: &str = "Switchboard-Signature";
/// The header naming the event, and the one carrying its id (the same on every retry
/// of a delivery: receivers drop repeats by it).
pub const EVENT_HEADER: &str = "Switchboard-Event";
pub const EVENT_ID_HEADER: &str = "Switchboard-Event-Id";

/// `POST /api/webhooks/`: where to send which events, and the key to sign them with.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewWebhook {
    /// An http:// or https:// address that takes POSTs.
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub url: String,
    /// The key deliveries are signed with; never shown again.
    #[cfg_attr(feature = "openapi", schema(min_length = 16, max_length = 200))]
    pub secret: String,
    /// At least one.
    pub events: Vec<WebhookEvent>,
}

impl NewWebhook {
    /// Why this endpoint cannot be registered, in words naming the field.
    pub fn problem(&self) -> Option<String> {
        if self.url.chars().count() > WEBHOOK_URL_MAX {
            return Some(format!("url must be at most {WEBHOOK_URL_MAX} characters"));
        }
        match url::Url::parse(&self.url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {}
            _ => return Some("url must be an http:// or https:// address".into()),
        }
        let length = self.secret.chars().count();
        if !(SECRET_MIN..=SECRET_MAX).contains(&length) || self.secret.chars().any(char::is_control)
        {
            return Some(format!(
                "secret must be {SECRET_MIN} to {SECRET_MAX} characters, without control characters"
            ));
        }
        if self.events.is_empty() {
            return Some(format!(
                "events must name at least one of {}",
                WebhookEvent::ALL.map(WebhookEvent::as_str).join(", ")
            ));
        }
        None
    }
}

/// A registered endpoint, as `GET /api/webhooks/` lists it (its secret is not shown).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    /// Deliveries waiting for their first or next attempt.
    pub pending: i64,
    /// Deliveries given up on after retrying for a day.
    pub failed: i64,
}

/// Where one delivery stands.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DeliveryState {
    /// Not yet accepted: waiting for its first attempt or its next retry.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Retried until its deadline, then given up.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }
}

impl std::str::FromStr for DeliveryState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(DeliveryState::Pending),
            "delivered" => Ok(DeliveryState::Delivered),
            "failed" => Ok(DeliveryState::Failed),
            other => Err(format!("unknown delivery state {other:?}")),
        }
    }
}

/// One event for one endpoint, as `GET /api/webhooks/{id}/deliveries/` lists it (newest
/// first, a page at a time).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WebhookDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event: WebhookEvent,
    /// The same on every attempt: what receivers drop repeats by.
    pub event_id: Uuid,
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    /// When it is tried next (pending only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last attempt, when the endpoint answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub last_status: Option<u16>,
    /// Why the last attempt did not deliver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub last_error: Option<String>,
}

/// The JSON body every delivery POSTs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookBody {
    /// The event's id: the same on every attempt.
    pub id: Uuid,
    pub event: WebhookEvent,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// The call record (`CallSession`: participants, times, `regarding`, `logs`) as it
    /// was when the event happened, or the call-back task.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_back_as_written_and_unknown_ones_name_the_known() {
        for event in WebhookEvent::ALL {
            assert_eq!(event.as_str().parse::<WebhookEvent>(), Ok(event));
            let json = serde_json::to_string(&event).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", event.as_str()));
        }
        let err = "call.ended".parse::<WebhookEvent>().unwrap_err();
        assert!(err.contains("call.completed, call.missed"), "{err}");
    }

    #[test]
    fn only_answered_missed_and_declined_calls_are_call_events() {
        let ends: Vec<_> = CallStatus::ALL
            .into_iter()
            .filter_map(|s| WebhookEvent::for_call_end(s).map(|e| (s, e)))
            .collect();
        assert_eq!(
            ends,
            [
                (CallStatus::Completed, WebhookEvent::CallCompleted),
                (CallStatus::Rejected, WebhookEvent::CallRejected),
                (CallStatus::Missed, WebhookEvent::CallMissed),
            ]
        );
    }

    #[test]
    fn an_endpoint_needs_a_web_address_a_real_secret_and_an_event() {
        let good = NewWebhook {
            url: "https://crm.example/hooks/switchboard".into(),
            secret: "s3cret-s3cret-s3cret".into(),
            events: vec![WebhookEvent::CallCompleted],
        };
        assert_eq!(good.problem(), None);
        let with = |f: fn(&mut NewWebhook)| {
            let mut hook = good.clone();
            f(&mut hook);
            hook.problem().unwrap_or_default()
        };
        assert!(with(|h| h.url = "ftp://crm.example/x".into()).starts_with("url must be"));
        assert!(with(|h| h.url = "crm.example/x".into()).starts_with("url must be"));
        assert!(with(|h| h.secret = "short".into()).starts_with("secret must be 16"));
        assert!(with(|h| h.secret = "s3cret-s3cret\n-s3cret".into()).starts_with("secret must"));
        assert!(with(|h| h.events.clear()).starts_with("events must name"));
    }
}
