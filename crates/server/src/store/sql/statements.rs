//! Every statement of the store, once for both engines: the `Tx` methods over a `Conn`.
//! The few that differ between engines are in `dialects.rs`.

use super::rows::{call_row, presence_row, standing_row, user_record};
use super::{Columns, Conn, SqlError, SqlTx};
use crate::store::{
    AccountState, Attempt, CallRow, CallbackRow, CampOnRow, DueDelivery, HistoryQuery, InviteRow,
    LockKey, MeetingRow, NewUser, NoteRow, StorageError, TokenStanding, Tx, UserRecord,
    VideoCallRow, WebhookRow,
};
use chrono::{DateTime, Utc};
use switchboard_protocol::PresenceState;
use switchboard_protocol::api::{MeetingStatus, UserInfo};
use switchboard_protocol::crm::CallLog;
use switchboard_protocol::webhooks::{WebhookDelivery, WebhookEvent};
use uuid::Uuid;

impl<C: Conn> Tx for SqlTx<C> {
    fn lock(&mut self, keys: &[LockKey]) -> Result<(), StorageError> {
        let mut sorted = keys.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let numbers: Vec<i64> = sorted.into_iter().map(LockKey::number).collect();
        Ok(self.conn.lock(&numbers)?)
    }

    fn insert_user(&mut self, user: &NewUser, now: DateTime<Utc>) -> Result<i64, StorageError> {
        let inserted = self.in_savepoint(|me| {
            me.insert(
                "INSERT INTO users (username, email, full_name, password_hash, is_admin, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                &[
                    (&user.username).into(),
                    (&user.email).into(),
                    (&user.full_name).into(),
                    (&user.password_hash).into(),
                    user.is_admin.into(),
                    now.into(),
                ],
                || StorageError::Conflict(String::new()),
            )
        });
        match inserted {
            Err(StorageError::Conflict(_)) => {
                let taken = self.exists(self.dialect.username_taken, &[(&user.username).into()])?;
                Err(StorageError::account_taken(user, taken))
            }
            other => other,
        }
    }

    fn user(&mut self, id: i64) -> Result<Option<UserRecord>, StorageError> {
        self.row(
            concat!("SELECT ", user_columns!(), " FROM users WHERE id = ?1"),
            &[id.into()],
            user_record,
        )
    }

    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRecord>, StorageError> {
        self.row(self.dialect.user_by_login, &[login.into()], user_record)
    }

    fn users_by_ids(&mut self, ids: &[i64]) -> Result<Vec<UserInfo>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = super::json_ids(ids.iter().copied());
        self.rows(self.dialect.users_by_ids, &[ids.as_str().into()], |row| {
            user_record(row).map(|r| r.info)
        })
    }

    fn users(&mut self) -> Result<Vec<UserInfo>, StorageError> {
        self.rows(self.dialect.users_by_name, &[], |row| {
            user_record(row).map(|r| r.info)
        })
    }

    fn set_password_hash(&mut self, user_id: i64, hash: &str) -> Result<bool, StorageError> {
        let changed = self.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            &[user_id.into(), hash.into()],
        )?;
        Ok(changed > 0)
    }

    fn set_account_state(
        &mut self,
        user_id: i64,
        state: AccountState,
    ) -> Result<bool, StorageError> {
        let changed = self.rows(
            "UPDATE users SET state = ?2 WHERE id = ?1 AND state <> 'deleted'
             RETURNING id, state, token_epoch",
            &[user_id.into(), state.as_str().into()],
            standing_row,
        )?;
        let found = !changed.is_empty();
        self.standings.extend(changed);
        Ok(found)
    }

    fn bump_token_epoch(&mut self, user_id: i64) -> Result<Option<i64>, StorageError> {
        let changed = self.row(
            "UPDATE users SET token_epoch = token_epoch + 1 WHERE id = ?1
             RETURNING id, state, token_epoch",
            &[user_id.into()],
            standing_row,
        )?;
        let epoch = changed.map(|(_, _, epoch)| epoch);
        self.standings.extend(changed);
        Ok(epoch)
    }

    fn retire_user(&mut self, user_id: i64, retired_name: &str) -> Result<bool, StorageError> {
        let changed = self.rows(
            "UPDATE users SET state = 'deleted', username = ?2, email = '', password_hash = '',
                 is_admin = ?3, token_epoch = token_epoch + 1
             WHERE id = ?1 RETURNING id, state, token_epoch",
            &[user_id.into(), retired_name.into(), false.into()],
            standing_row,
        )?;
        let found = !changed.is_empty();
        self.standings.extend(changed);
        Ok(found)
    }

    fn token_standing(&mut self, jti: &str, user_id: i64) -> Result<TokenStanding, StorageError> {
        let found = self.row(
            "SELECT state, token_epoch,
                    EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?1)
             FROM users WHERE id = ?2",
            &[jti.into(), user_id.into()],
            |row| Ok((row.parsed::<AccountState>(0)?, row.int(1)?, row.boolean(2)?)),
        )?;
        Ok(match found {
            Some((state, epoch, revoked)) => TokenStanding {
                revoked,
                account: Some((state, epoch)),
            },
            None => TokenStanding {
                revoked: self.is_token_revoked(jti)?,
                account: None,
            },
        })
    }

    fn insert_invite(&mut self, code_hash: &str, invite: &InviteRow) -> Result<i64, StorageError> {
        self.invite_insert(code_hash, invite)
    }

    fn invite_by_code_hash(&mut self, code_hash: &str) -> Result<Option<InviteRow>, StorageError> {
        self.invite_find_by_code_hash(code_hash)
    }

    fn invite(&mut self, id: i64) -> Result<Option<InviteRow>, StorageError> {
        self.invite_find(id)
    }

    fn invites(&mut self) -> Result<Vec<InviteRow>, StorageError> {
        self.invite_list()
    }

    fn use_invite(&mut self, id: i64, user_id: i64) -> Result<bool, StorageError> {
        self.invite_use(id, user_id)
    }

    fn revoke_invite(&mut self, id: i64) -> Result<bool, StorageError> {
        self.invite_revoke(id)
    }

    fn presence(&mut self, user_id: i64) -> Result<PresenceState, StorageError> {
        if let Some(committed) = self.conn.committed_presence(user_id) {
            // What this transaction saved comes first; it is in the cache only once the
            // transaction commits.
            let saved = self
                .presence_saved_at
                .get(&user_id)
                .and_then(|&at| self.presence_saved.get(at));
            return Ok(saved
                .map(|(_, p)| p.clone())
                .or(committed)
                .unwrap_or_default());
        }
        let found = self.row(
            concat!(
                "SELECT ",
                presence_columns!(),
                " FROM presence WHERE user_id = ?1"
            ),
            &[user_id.into()],
            presence_row,
        )?;
        Ok(found.map(|(_, p)| p).unwrap_or_default())
    }

    fn save_presence(&mut self, user_id: i64, p: &PresenceState) -> Result<(), StorageError> {
        // Most saves (heartbeats, sockets opening and closing) change only these three:
        // a short update binds 4 values where the full upsert binds 8, and does not try
        // an insert first. Under callgrind a socket connect spent 14k instructions in its
        // two presence saves (docs/benchmarks.md).
        if self.stored_row_differs_in_liveness_only(user_id, p)
            && self.execute(
                "UPDATE presence SET status = ?2, last_seen = ?3, open_sockets = ?4
                 WHERE user_id = ?1",
                &[
                    user_id.into(),
                    p.status.as_str().into(),
                    p.last_seen.into(),
                    p.open_sockets.into(),
                ],
            )? == 1
        {
            self.remember_saved_presence(user_id, p);
            return Ok(());
        }
        self.execute(
            concat!(
                "INSERT INTO presence (",
                presence_columns!(),
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (user_id) DO UPDATE SET
                    status = excluded.status,
                    available_for_calls = excluded.available_for_calls,
                    status_message = excluded.status_message,
                    last_seen = excluded.last_seen,
                    current_call = excluded.current_call,
                    status_before_call = excluded.status_before_call,
                    open_sockets = excluded.open_sockets"
            ),
            &[
                user_id.into(),
                p.status.as_str().into(),
                p.available_for_calls.into(),
                (&p.status_message).into(),
                p.last_seen.into(),
                p.current_call.into(),
                p.status_before_call.map(|s| s.as_str()).into(),
                p.open_sockets.into(),
            ],
        )?;
        self.remember_saved_presence(user_id, p);
        Ok(())
    }

    fn all_presence(&mut self) -> Result<Vec<(i64, PresenceState)>, StorageError> {
        self.rows(
            concat!(
                "SELECT ",
                presence_columns!(),
                " FROM presence ORDER BY user_id"
            ),
            &[],
            presence_row,
        )
    }

    fn presence_with_open_sockets(&mut self) -> Result<Vec<(i64, PresenceState)>, StorageError> {
        self.rows(
            concat!(
                "SELECT ",
                presence_columns!(),
                " FROM presence WHERE open_sockets > 0 ORDER BY user_id"
            ),
            &[],
            presence_row,
        )
    }

    /// The insert and both claims are one unit (a savepoint), so a refused claim leaves
    /// nothing behind even if the caller's transaction carries on.
    fn insert_call(&mut self, call: &CallRow) -> Result<i64, StorageError> {
        self.in_savepoint(|me| {
            let session_id = call.session_id.to_string();
            let regarding = call.regarding.as_ref();
            let id = me.insert(
                "INSERT INTO calls (session_id, room_name, call_type, status, initiator_id,
                                    recipient_id, started_at, ended_at, created_at,
                                    regarding_type, regarding_id, regarding_label,
                                    regarding_url, decline_message, transferred_from)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                 RETURNING id",
                &[
                    session_id.as_str().into(),
                    (&call.room_name).into(),
                    call.call_type.as_str().into(),
                    call.status.as_str().into(),
                    call.initiator_id.into(),
                    call.recipient_id.into(),
                    call.started_at.into(),
                    call.ended_at.into(),
                    call.created_at.into(),
                    regarding.map(|r| r.kind.as_str()).into(),
                    regarding.map(|r| r.id.as_str()).into(),
                    regarding.map(|r| r.label.as_str()).into(),
                    regarding.and_then(|r| r.url.as_deref()).into(),
                    call.decline_message.as_deref().into(),
                    call.transferred_from.into(),
                ],
                StorageError::room_taken,
            )?;
            for user in [call.initiator_id, call.recipient_id] {
                match me.conn.execute(
                    "INSERT INTO live_calls (user_id, call_id, active_user) VALUES (?1, ?2, ?1)",
                    &[user.into(), id.into()],
                ) {
                    Ok(_) => {}
                    Err(SqlError::UniqueViolation) => {
                        return Err(StorageError::in_another_call(user));
                    }
                    Err(SqlError::Other(e)) => return Err(e),
                }
            }
            Ok(id)
        })
    }

    fn call(&mut self, id: i64) -> Result<Option<CallRow>, StorageError> {
        self.row(
            concat!("SELECT ", call_columns!(), " FROM calls WHERE id = ?1"),
            &[id.into()],
            call_row,
        )
    }

    fn update_call(&mut self, call: &CallRow) -> Result<(), StorageError> {
        self.execute(
            "UPDATE calls SET status = ?2, started_at = ?3, ended_at = ?4, decline_message = ?5,
                              on_hold_by = ?6, held_since = ?7, hold_seconds = ?8,
                              escalated_to_meeting = ?9
             WHERE id = ?1",
            &[
                call.id.into(),
                call.status.as_str().into(),
                call.started_at.into(),
                call.ended_at.into(),
                call.decline_message.as_deref().into(),
                call.on_hold_by.into(),
                call.held_since.into(),
                call.hold_seconds.into(),
                call.escalated_to_meeting.into(),
            ],
        )?;
        if call.status.is_final() {
            self.execute(
                "DELETE FROM live_calls WHERE call_id = ?1",
                &[call.id.into()],
            )?;
        } else {
            // Whoever holds the call has it parked: free to be in one other call.
            match self.conn.execute(
                "UPDATE live_calls SET active_user = CASE WHEN user_id = ?2 THEN NULL ELSE user_id END
                 WHERE call_id = ?1",
                &[call.id.into(), call.on_hold_by.into()],
            ) {
                Ok(_) => {}
                Err(SqlError::UniqueViolation) => {
                    return Err(StorageError::Conflict(
                        "You are on another call; end it before taking this one back.".into(),
                    ));
                }
                Err(SqlError::Other(e)) => return Err(e),
            }
        }
        Ok(())
    }

    fn live_call_of(&mut self, user_id: i64) -> Result<Option<CallRow>, StorageError> {
        // Two lookups rather than one statement with both: SQLite planned that one again
        // at each bound user.
        let active = self.row(
            concat!(
                "SELECT ",
                call_columns!(),
                " FROM calls WHERE id = (SELECT call_id FROM live_calls WHERE active_user = ?1)"
            ),
            &[user_id.into()],
            call_row,
        )?;
        if active.is_some() {
            return Ok(active);
        }
        self.row(
            concat!(
                "SELECT ",
                call_columns!(),
                " FROM calls WHERE id = (SELECT MIN(call_id) FROM live_calls WHERE user_id = ?1)"
            ),
            &[user_id.into()],
            call_row,
        )
    }

    fn live_calls(&mut self) -> Result<Vec<CallRow>, StorageError> {
        self.rows(
            concat!(
                "SELECT ",
                call_columns!(),
                " FROM calls WHERE id IN (SELECT call_id FROM live_calls) ORDER BY id"
            ),
            &[],
            call_row,
        )
    }

    fn call_history(&mut self, q: &HistoryQuery) -> Result<(i64, Vec<CallRow>), StorageError> {
        self.history_page(q)
    }

    fn call_logs(&mut self, call_id: i64) -> Result<Vec<CallLog>, StorageError> {
        self.logs_of_call(call_id)
    }

    fn save_call_log(&mut self, call_id: i64, log: &CallLog) -> Result<(), StorageError> {
        self.write_call_log(call_id, log)
    }

    // Meetings and their video calls: the statements are in `meetings.rs`.
    fn insert_meeting(&mut self, m: &MeetingRow) -> Result<i64, StorageError> {
        self.meeting_insert(m)
    }

    fn meeting(&mut self, id: i64) -> Result<Option<MeetingRow>, StorageError> {
        self.meeting_by_id(id)
    }

    fn meetings_of(
        &mut self,
        user_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<MeetingRow>), StorageError> {
        self.meetings_page(user_id, offset, limit)
    }

    fn set_meeting_status(&mut self, id: i64, status: MeetingStatus) -> Result<(), StorageError> {
        self.meeting_set_status(id, status)
    }

    fn delete_meeting(&mut self, id: i64) -> Result<(), StorageError> {
        self.meeting_delete(id)
    }

    fn insert_video_call(&mut self, c: &VideoCallRow) -> Result<i64, StorageError> {
        self.video_call_insert(c)
    }

    fn video_call(&mut self, id: i64) -> Result<Option<VideoCallRow>, StorageError> {
        self.video_call_by_id(id)
    }

    fn active_video_call_of_meeting(
        &mut self,
        meeting_id: i64,
    ) -> Result<Option<VideoCallRow>, StorageError> {
        self.video_call_active_of(meeting_id)
    }

    fn update_video_call(&mut self, c: &VideoCallRow) -> Result<(), StorageError> {
        self.video_call_update(c)
    }

    fn revoke_token(&mut self, jti: &str, expires_at: DateTime<Utc>) -> Result<(), StorageError> {
        self.execute(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &[jti.into(), expires_at.into()],
        )?;
        // Expired tokens fail validation anyway: forget their revocations.
        self.execute(
            "DELETE FROM revoked_tokens WHERE expires_at < ?1",
            &[Utc::now().into()],
        )?;
        self.revoked.push((jti.to_owned(), expires_at));
        Ok(())
    }

    fn is_token_revoked(&mut self, jti: &str) -> Result<bool, StorageError> {
        self.exists("SELECT 1 FROM revoked_tokens WHERE jti = ?1", &[jti.into()])
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StorageError> {
        self.row(
            "SELECT value FROM settings WHERE key = ?1",
            &[key.into()],
            |row| row.text(0),
        )
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[key.into(), value.into()],
        )?;
        Ok(())
    }

    fn renew_instance(
        &mut self,
        instance: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        self.instance_renew(instance, expires_at)
    }

    fn drop_instance(&mut self, instance: &str) -> Result<(), StorageError> {
        self.instance_drop(instance)
    }

    fn set_socket_lease(
        &mut self,
        instance: &str,
        user_id: i64,
        sockets: u32,
    ) -> Result<u32, StorageError> {
        self.lease_set(instance, user_id, sockets)
    }

    fn reclaim_leases(&mut self, now: DateTime<Utc>) -> Result<Vec<(i64, u32)>, StorageError> {
        self.leases_reclaim(now)
    }

    fn reclaim_orphan_leases(&mut self) -> Result<Vec<(i64, u32)>, StorageError> {
        self.leases_reclaim_orphans()
    }

    // Webhooks: the statements are in `webhooks.rs`.
    fn insert_webhook(&mut self, hook: &WebhookRow) -> Result<i64, StorageError> {
        self.webhook_insert(hook)
    }

    fn webhooks(&mut self) -> Result<Vec<WebhookRow>, StorageError> {
        self.webhook_list()
    }

    fn delete_webhook(&mut self, id: i64) -> Result<bool, StorageError> {
        self.webhook_delete(id)
    }

    fn delivery_counts(&mut self, webhook_id: i64) -> Result<(i64, i64), StorageError> {
        self.webhook_delivery_counts(webhook_id)
    }

    fn insert_delivery(
        &mut self,
        webhook_id: i64,
        event: WebhookEvent,
        event_id: Uuid,
        payload: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.delivery_insert(webhook_id, event, event_id, payload, now)
    }

    fn due_deliveries(
        &mut self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StorageError> {
        self.deliveries_due(now, limit)
    }

    fn claim_delivery(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        self.delivery_claim(id, now, until)
    }

    fn finish_attempt(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
        attempt: &Attempt,
    ) -> Result<(), StorageError> {
        self.delivery_finish(id, now, attempt)
    }

    // Call-backs: the statements are in `callbacks.rs`.
    fn insert_callback(&mut self, callback: &CallbackRow) -> Result<i64, StorageError> {
        self.callback_insert(callback)
    }

    fn callback(&mut self, id: i64) -> Result<Option<CallbackRow>, StorageError> {
        self.callback_by_id(id)
    }

    fn callbacks_of(&mut self, owner: i64) -> Result<Vec<CallbackRow>, StorageError> {
        self.callbacks_owned(owner)
    }

    fn open_callback_count(&mut self, owner: i64) -> Result<i64, StorageError> {
        self.callbacks_open_count(owner)
    }

    fn save_callback(&mut self, callback: &CallbackRow) -> Result<(), StorageError> {
        self.callback_save(callback)
    }

    fn delete_callback(&mut self, id: i64) -> Result<bool, StorageError> {
        self.callback_delete(id)
    }

    fn open_callbacks_between(&mut self, a: i64, b: i64) -> Result<Vec<CallbackRow>, StorageError> {
        self.callbacks_open_between(a, b)
    }

    fn next_callback_due(&mut self) -> Result<Option<DateTime<Utc>>, StorageError> {
        self.callback_next_due()
    }

    fn callbacks_due(&mut self, now: DateTime<Utc>) -> Result<Vec<CallbackRow>, StorageError> {
        self.callbacks_due_by(now)
    }

    fn claim_callback_notice(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError> {
        self.callback_claim_notice(id, now)
    }

    // Notes and camp-ons: the statements are in `busy_lamp.rs`.
    fn insert_note(&mut self, note: &NoteRow) -> Result<i64, StorageError> {
        self.note_insert(note)
    }

    fn note(&mut self, id: i64) -> Result<Option<NoteRow>, StorageError> {
        self.note_by_id(id)
    }

    fn notes_for(&mut self, to: i64, limit: i64) -> Result<Vec<NoteRow>, StorageError> {
        self.note_list(to, limit)
    }

    fn mark_note_read(&mut self, id: i64, at: DateTime<Utc>) -> Result<(), StorageError> {
        self.note_mark_read(id, at)
    }

    fn delete_note(&mut self, id: i64) -> Result<bool, StorageError> {
        self.note_delete(id)
    }

    fn insert_camp_on(&mut self, camp_on: &CampOnRow) -> Result<i64, StorageError> {
        self.camp_on_insert(camp_on)
    }

    fn camp_ons_by(
        &mut self,
        watcher: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<CampOnRow>, StorageError> {
        self.camp_on_list(watcher, now)
    }

    fn delete_camp_on(&mut self, id: i64, watcher: i64) -> Result<bool, StorageError> {
        self.camp_on_delete(id, watcher)
    }

    fn take_camp_ons_on(
        &mut self,
        user: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<CampOnRow>, StorageError> {
        self.camp_ons_take(user, now)
    }

    fn deliveries(
        &mut self,
        webhook_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<WebhookDelivery>), StorageError> {
        self.delivery_page(webhook_id, offset, limit)
    }
}
