//! Webhook endpoints, administered by the team's administrators, and [`enqueue`], which
//! writes an event's deliveries into the outbox inside the transaction that makes the
//! change: the change and its deliveries commit together or not at all.

use super::DomainError;
use crate::store::{Tx, WebhookRow};
use chrono::{DateTime, Utc};
use switchboard_protocol::webhooks::{
    NewWebhook, WEBHOOKS_MAX, Webhook, WebhookBody, WebhookDelivery, WebhookEvent,
};
use uuid::Uuid;

fn require_admin(tx: &mut dyn Tx, user_id: i64) -> Result<(), DomainError> {
    super::require_admin(tx, user_id, "manage webhooks")
}

fn shown(tx: &mut dyn Tx, row: WebhookRow) -> Result<Webhook, DomainError> {
    let (pending, failed) = tx.delivery_counts(row.id)?;
    Ok(Webhook {
        id: row.id,
        url: row.url,
        events: row.events,
        created_by: row.created_by,
        created_at: row.created_at,
        pending,
        failed,
    })
}

/// Registers an endpoint: administrators only.
pub fn create(
    tx: &mut dyn Tx,
    by: i64,
    new: NewWebhook,
    now: DateTime<Utc>,
) -> Result<Webhook, DomainError> {
    require_admin(tx, by)?;
    if let Some(problem) = new.problem() {
        return Err(DomainError::Invalid(crate::error::sentence(&problem)));
    }
    if tx.webhooks()?.len() >= WEBHOOKS_MAX {
        return Err(DomainError::Conflict(format!(
            "The team already has {WEBHOOKS_MAX} webhooks; delete one first."
        )));
    }
    let mut events = new.events;
    events.sort();
    events.dedup();
    let mut row = WebhookRow {
        id: 0,
        url: new.url,
        secret: new.secret,
        events,
        created_by: by,
        created_at: now,
    };
    row.id = tx.insert_webhook(&row)?;
    shown(tx, row)
}

/// Every endpoint, oldest first, with its pending and failed deliveries.
pub fn list(tx: &mut dyn Tx, by: i64) -> Result<Vec<Webhook>, DomainError> {
    require_admin(tx, by)?;
    tx.webhooks()?
        .into_iter()
        .map(|row| shown(tx, row))
        .collect()
}

/// Deletes an endpoint and its delivery log; what it had pending is not sent.
pub fn delete(tx: &mut dyn Tx, by: i64, id: i64) -> Result<(), DomainError> {
    require_admin(tx, by)?;
    if tx.delete_webhook(id)? {
        Ok(())
    } else {
        Err(no_such_webhook(id))
    }
}

fn no_such_webhook(id: i64) -> DomainError {
    DomainError::NotFound(format!("There is no webhook with id {id}."))
}

/// One page of an endpoint's deliveries, newest first.
pub fn deliveries(
    tx: &mut dyn Tx,
    by: i64,
    id: i64,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<WebhookDelivery>), DomainError> {
    require_admin(tx, by)?;
    if !tx.webhooks()?.iter().any(|w| w.id == id) {
        return Err(no_such_webhook(id));
    }
    Ok(tx.deliveries(id, offset, limit)?)
}

/// Queues `event` with `data` for every endpoint subscribed to it, in the caller's
/// transaction. Returns how many deliveries it queued.
pub fn enqueue(
    tx: &mut dyn Tx,
    event: WebhookEvent,
    data: &impl serde::Serialize,
    now: DateTime<Utc>,
) -> Result<usize, DomainError> {
    let subscribed: Vec<i64> = tx
        .webhooks()?
        .into_iter()
        .filter(|w| w.events.contains(&event))
        .map(|w| w.id)
        .collect();
    if subscribed.is_empty() {
        return Ok(0);
    }
    let id = Uuid::new_v4();
    let body = WebhookBody {
        id,
        event,
        created_at: now,
        data: serde_json::to_value(data).map_err(crate::store::StorageError::backend)?,
    };
    let payload = serde_json::to_string(&body).map_err(crate::store::StorageError::backend)?;
    for webhook_id in &subscribed {
        tx.insert_delivery(*webhook_id, event, id, &payload, now)?;
    }
    Ok(subscribed.len())
}
