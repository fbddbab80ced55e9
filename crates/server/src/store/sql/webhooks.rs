//! Webhook endpoints and the outbox of their deliveries (issue 20). A delivery is
//! claimed with a compare-and-set on `claimed_until`, so of several instances sharing a
//! database exactly one sends each attempt; a claim that is never finished (the instance
//! was killed mid-POST) runs out and the delivery is due again.

use super::{Columns, Conn, SqlRow, SqlTx, Value};
use crate::store::{Attempt, DueDelivery, StorageError, WebhookRow};
use chrono::{DateTime, Utc};
use switchboard_protocol::webhooks::{WebhookDelivery, WebhookEvent};
use uuid::Uuid;

fn events_text(events: &[WebhookEvent]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn webhook_row(row: &dyn SqlRow) -> Result<WebhookRow, StorageError> {
    Ok(WebhookRow {
        id: row.int(0)?,
        url: row.text(1)?,
        secret: row.text(2)?,
        events: row
            .text(3)?
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(StorageError::Backend)?,
        created_by: row.int(4)?,
        created_at: row.time(5)?,
    })
}

fn uuid(text: &str) -> Result<Uuid, StorageError> {
    Uuid::parse_str(text).map_err(StorageError::backend)
}

fn due_row(row: &dyn SqlRow) -> Result<DueDelivery, StorageError> {
    Ok(DueDelivery {
        id: row.int(0)?,
        url: row.text(1)?,
        secret: row.text(2)?,
        event: row.parsed(3)?,
        event_id: uuid(&row.text(4)?)?,
        payload: row.text(5)?,
        attempts: row.int(6)?,
        created_at: row.time(7)?,
    })
}

fn delivery_row(row: &dyn SqlRow) -> Result<WebhookDelivery, StorageError> {
    let state = row.parsed(4)?;
    Ok(WebhookDelivery {
        id: row.int(0)?,
        webhook_id: row.int(1)?,
        event: row.parsed(2)?,
        event_id: uuid(&row.text(3)?)?,
        state,
        attempts: row.int(5)?,
        created_at: row.time(6)?,
        next_attempt_at: match state {
            switchboard_protocol::webhooks::DeliveryState::Pending => Some(row.time(7)?),
            _ => None,
        },
        delivered_at: row.opt_time(8)?,
        last_status: row.opt_int(9)?.and_then(|s| u16::try_from(s).ok()),
        last_error: row.opt_text(10)?,
    })
}

impl<C: Conn> SqlTx<C> {
    pub(super) fn webhook_insert(&mut self, hook: &WebhookRow) -> Result<i64, StorageError> {
        let events = events_text(&hook.events);
        self.insert(
            "INSERT INTO webhooks (url, secret, events, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            &[
                (&hook.url).into(),
                (&hook.secret).into(),
                (&events).into(),
                hook.created_by.into(),
                hook.created_at.into(),
            ],
            || StorageError::Conflict("This webhook already exists.".into()),
        )
    }

    pub(super) fn webhook_list(&mut self) -> Result<Vec<WebhookRow>, StorageError> {
        self.rows(
            "SELECT id, url, secret, events, created_by, created_at FROM webhooks ORDER BY id",
            &[],
            webhook_row,
        )
    }

    pub(super) fn webhook_delete(&mut self, id: i64) -> Result<bool, StorageError> {
        // The deliveries first: SQLite enforces the cascade only with foreign keys on.
        self.execute(
            "DELETE FROM webhook_deliveries WHERE webhook_id = ?1",
            &[id.into()],
        )?;
        Ok(self.execute("DELETE FROM webhooks WHERE id = ?1", &[id.into()])? > 0)
    }

    pub(super) fn webhook_delivery_counts(
        &mut self,
        webhook_id: i64,
    ) -> Result<(i64, i64), StorageError> {
        let count = |me: &mut Self, state: &'static str| {
            me.int(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ?1 AND state = ?2",
                &[webhook_id.into(), state.into()],
            )
        };
        Ok((count(self, "pending")?, count(self, "failed")?))
    }

    pub(super) fn delivery_insert(
        &mut self,
        webhook_id: i64,
        event: WebhookEvent,
        event_id: Uuid,
        payload: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let event_id = event_id.to_string();
        self.execute(
            "INSERT INTO webhook_deliveries
               (webhook_id, event, event_id, payload, created_at, state, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?5)",
            &[
                webhook_id.into(),
                event.as_str().into(),
                (&event_id).into(),
                payload.into(),
                now.into(),
            ],
        )?;
        Ok(())
    }

    pub(super) fn deliveries_due(
        &mut self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StorageError> {
        self.rows(
            "SELECT d.id, w.url, w.secret, d.event, d.event_id, d.payload, d.attempts, d.created_at
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= ?1
               AND (d.claimed_until IS NULL OR d.claimed_until <= ?1)
             ORDER BY d.next_attempt_at, d.id LIMIT ?2",
            &[now.into(), limit.into()],
            due_row,
        )
    }

    pub(super) fn delivery_claim(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        Ok(self.execute(
            "UPDATE webhook_deliveries SET claimed_until = ?3
             WHERE id = ?1 AND state = 'pending' AND next_attempt_at <= ?2
               AND (claimed_until IS NULL OR claimed_until <= ?2)",
            &[id.into(), now.into(), until.into()],
        )? == 1)
    }

    pub(super) fn delivery_finish(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
        attempt: &Attempt,
    ) -> Result<(), StorageError> {
        let (state, next, delivered, status, error): (_, _, _, _, Option<&str>) = match attempt {
            Attempt::Delivered { status } => ("delivered", now, Some(now), Some(*status), None),
            Attempt::Retry { at, status, error } => ("pending", *at, None, *status, Some(error)),
            Attempt::GaveUp { status, error } => ("failed", now, None, *status, Some(error)),
        };
        let status: Value<'_> = status.map(i64::from).into();
        self.execute(
            "UPDATE webhook_deliveries
             SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3, delivered_at = ?4,
                 last_status = ?5, last_error = ?6, claimed_until = NULL
             WHERE id = ?1",
            &[
                id.into(),
                state.into(),
                next.into(),
                delivered.into(),
                status,
                error.into(),
            ],
        )?;
        Ok(())
    }

    pub(super) fn delivery_page(
        &mut self,
        webhook_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<WebhookDelivery>), StorageError> {
        let count = self.int(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ?1",
            &[webhook_id.into()],
        )?;
        let rows = self.rows(
            "SELECT id, webhook_id, event, event_id, state, attempts, created_at,
                    next_attempt_at, delivered_at, last_status, last_error
             FROM webhook_deliveries WHERE webhook_id = ?1
             ORDER BY id DESC LIMIT ?2 OFFSET ?3",
            &[webhook_id.into(), limit.into(), offset.into()],
            delivery_row,
        )?;
        Ok((count, rows))
    }
}
