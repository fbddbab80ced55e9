//! The SQLite engine: one file in the data directory, WAL, migrations embedded.
//!
//! One connection behind a mutex serialises transactions; write transactions start
//! `IMMEDIATE` so a read-then-write never loses a race. `synchronous=NORMAL` in WAL mode
//! keeps every committed transaction across a process crash (`kill -9`); only a power
//! loss can take back the last few commits.

use super::{
    CALL_COLUMNS, CallRow, Database, HistoryQuery, MeetingRow, NewUser, StoreError, Tx, TxBody,
    USER_COLUMNS, UserRecord, VIDEO_CALL_COLUMNS, VideoCallRow, video_status, video_status_str,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;
use switchboard_protocol::api::{MeetingStatus, UserInfo};
use switchboard_protocol::{CallStatus, CallType, PresenceState, PresenceStatus};
use uuid::Uuid;

/// Prepared statements kept per connection. More than this file's distinct statements
/// (about 35): with rusqlite's default of 16 they evicted each other, and re-preparing
/// was a quarter of the time an invite spent in SQLite (docs/performance.md).
const STATEMENT_CACHE: usize = 64;

/// Schema versions, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("sqlite/0001_initial.sql"),
    include_str!("sqlite/0002_socket_leases.sql"),
];

pub struct SqliteDatabase {
    conn: Mutex<Connection>,
    presence: super::PresenceCache,
    /// Every unexpired revocation (jti → token expiry): this process is the database's
    /// only writer, so checking a token needs no query (and no turn on the connection).
    revoked: dashmap::DashMap<String, DateTime<Utc>>,
    /// Set on drop: tells the checkpoint thread to finish.
    stop_checkpoints: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl Drop for SqliteDatabase {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop_checkpoints {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// How often the background thread folds the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Checkpoints on a connection of its own, so the copy and its fsync never run inside a
/// request's commit (with auto-checkpoints they stalled every request for 10–100 ms).
/// `PASSIVE` never blocks the writer.
fn spawn_checkpointer(
    path: &Path,
) -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>, StoreError> {
    let conn = Connection::open(path).map_err(StoreError::backend)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(StoreError::backend)?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let checkpoint = |mode: &str| {
                if let Err(e) =
                    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(()))
                {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            };
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(CHECKPOINT_EVERY);
                checkpoint("PASSIVE");
            }
            checkpoint("TRUNCATE");
        })
        .map_err(StoreError::backend)?;
    Ok(stop)
}

impl SqliteDatabase {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(|e| {
            StoreError::Backend(format!("cannot open the database {}: {e}", path.display()))
        })?;
        let mut db = Self::setup(conn)?;
        db.conn
            .lock()
            .map_err(|_| StoreError::backend("the database connection was poisoned by a panic"))?
            .execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .map_err(StoreError::backend)?;
        db.stop_checkpoints = Some(spawn_checkpointer(path)?);
        Ok(db)
    }

    /// A private in-memory database, for tests of pure domain code.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory().map_err(StoreError::backend)?)
    }

    fn setup(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(StoreError::backend)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(StoreError::backend)?;
        migrate(&mut conn)?;
        let db = SqliteDatabase {
            conn: Mutex::new(conn),
            presence: super::PresenceCache::default(),
            revoked: dashmap::DashMap::new(),
            stop_checkpoints: None,
        };
        let mut loaded = Vec::new();
        db.run(TransactionBehavior::Deferred, &mut |tx| {
            loaded = tx.all_presence()?;
            Ok(())
        })?;
        let revoked = unexpired_revocations(
            &db.conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )?;
        db.presence.apply(loaded);
        db.remember_revoked(revoked);
        Ok(db)
    }

    fn run(&self, behavior: TransactionBehavior, body: &mut TxBody<'_>) -> Result<(), StoreError> {
        // A panic inside an earlier transaction dropped (rolled back) that transaction:
        // the connection itself is fine, so recover it instead of failing forever.
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = conn
            .transaction_with_behavior(behavior)
            .map_err(StoreError::backend)?;
        let mut handle = SqliteTx {
            conn: &tx,
            presence_saved: Vec::new(),
            revoked: Vec::new(),
        };
        body(&mut handle)?;
        let saved = std::mem::take(&mut handle.presence_saved);
        let revoked = std::mem::take(&mut handle.revoked);
        tx.commit().map_err(StoreError::backend)?;
        // Still holding the connection: the caches see commits in commit order.
        self.presence.apply(saved);
        self.remember_revoked(revoked);
        Ok(())
    }

    /// Adds committed revocations and forgets those of tokens that have expired (an
    /// expired token fails validation anyway).
    fn remember_revoked(&self, revoked: Vec<(String, DateTime<Utc>)>) {
        if revoked.is_empty() {
            return;
        }
        let now = Utc::now();
        self.revoked.retain(|_, expires_at| *expires_at >= now);
        for (jti, expires_at) in revoked {
            self.revoked.insert(jti, expires_at);
        }
    }
}

/// Revocations of tokens not yet expired: (jti, token expiry).
fn unexpired_revocations(conn: &Connection) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let mut rows =
        conn.prepare("SELECT jti, expires_at FROM revoked_tokens WHERE expires_at >= ?1")?;
    let found = rows.query_map([micros(Utc::now())], |row| {
        Ok((row.get::<_, String>(0)?, time(row.get(1)?)?))
    })?;
    Ok(found.collect::<Result<_, _>>()?)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(StoreError::backend)?;
    let applied = usize::try_from(applied).unwrap_or(usize::MAX);
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Backend(format!(
            "the database has schema version {applied}, newer than this Switchboard knows ({}); upgrade Switchboard",
            MIGRATIONS.len()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction().map_err(StoreError::backend)?;
        tx.execute_batch(sql).map_err(StoreError::backend)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)
            .map_err(StoreError::backend)?;
        tx.commit().map_err(StoreError::backend)?;
        tracing::info!(version = index + 1, "database schema migrated");
    }
    Ok(())
}

impl Database for SqliteDatabase {
    fn write(&self, body: &mut TxBody<'_>) -> Result<(), StoreError> {
        self.run(TransactionBehavior::Immediate, body)
    }

    fn read(&self, body: &mut TxBody<'_>) -> Result<(), StoreError> {
        self.run(TransactionBehavior::Deferred, body)
    }

    fn presence_cache(&self) -> &super::PresenceCache {
        &self.presence
    }

    fn revoked_in_memory(&self, jti: &str) -> Option<bool> {
        Some(self.revoked.contains_key(jti))
    }
}

struct SqliteTx<'a> {
    conn: &'a Connection,
    /// Presence rows this transaction saved, for the cache once it commits.
    presence_saved: Vec<(i64, PresenceState)>,
    /// Tokens this transaction revoked (jti, expiry), for the set once it commits.
    revoked: Vec<(String, DateTime<Utc>)>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        StoreError::Backend(err.to_string())
    }
}

fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation)
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn time(value: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(value)
        .ok_or_else(|| bad_column(format!("timestamp {value} is out of range")))
}

fn opt_time(value: Option<i64>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    value.map(time).transpose()
}

fn bad_column(message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, message.into())
}

fn parsed<T: std::str::FromStr<Err = String>>(text: String) -> rusqlite::Result<T> {
    text.parse().map_err(bad_column)
}

fn user_record(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        info: UserInfo {
            id: row.get(0)?,
            username: row.get(1)?,
            email: row.get(2)?,
            full_name: row.get(3)?,
            is_admin: row.get(4)?,
        },
        password_hash: row.get(5)?,
    })
}

fn call_row(row: &Row<'_>) -> rusqlite::Result<CallRow> {
    let session_id: String = row.get(1)?;
    Ok(CallRow {
        id: row.get(0)?,
        session_id: Uuid::parse_str(&session_id).map_err(|e| bad_column(e.to_string()))?,
        room_name: row.get(2)?,
        call_type: parsed::<CallType>(row.get(3)?)?,
        status: parsed::<CallStatus>(row.get(4)?)?,
        initiator_id: row.get(5)?,
        recipient_id: row.get(6)?,
        started_at: opt_time(row.get(7)?)?,
        ended_at: opt_time(row.get(8)?)?,
        created_at: time(row.get(9)?)?,
    })
}

fn video_call_row(row: &Row<'_>) -> rusqlite::Result<VideoCallRow> {
    let status: String = row.get(3)?;
    Ok(VideoCallRow {
        id: row.get(0)?,
        meeting_id: row.get(1)?,
        caller_id: row.get(2)?,
        status: video_status(&status).map_err(bad_column)?,
        started_at: time(row.get(4)?)?,
        ended_at: opt_time(row.get(5)?)?,
    })
}

impl SqliteTx<'_> {
    fn insert_call_unguarded(&self, call: &CallRow) -> Result<i64, StoreError> {
        let result = self.conn.execute(
            &format!("INSERT INTO calls ({CALL_COLUMNS}) VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![
                call.session_id.to_string(),
                call.room_name,
                call.call_type.as_str(),
                call.status.as_str(),
                call.initiator_id,
                call.recipient_id,
                call.started_at.map(micros),
                call.ended_at.map(micros),
                micros(call.created_at),
            ],
        );
        match result {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::room_taken());
            }
            Err(e) => return Err(e.into()),
        }
        let id = self.conn.last_insert_rowid();
        let mut claim = self
            .conn
            .prepare_cached("INSERT INTO live_calls (user_id, call_id) VALUES (?1, ?2)")?;
        for user in [call.initiator_id, call.recipient_id] {
            match claim.execute([user, id]) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::in_another_call(user));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(id)
    }

    fn meeting_participants(&self, meeting_id: i64) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id FROM meeting_participants WHERE meeting_id = ?1 ORDER BY user_id",
        )?;
        let ids = stmt
            .query_map([meeting_id], |row| row.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }

    fn meetings_where(&self, sql: &str, arg: i64) -> Result<Vec<MeetingRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map([arg], |row| {
                let status: String = row.get(3)?;
                Ok(MeetingRow {
                    id: row.get(0)?,
                    title: row.get(1)?,
                    host_id: row.get(2)?,
                    participant_ids: Vec::new(),
                    status: parsed::<MeetingStatus>(status)?,
                    scheduled_at: opt_time(row.get(4)?)?,
                    created_at: time(row.get(5)?)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|mut meeting| {
                meeting.participant_ids = self.meeting_participants(meeting.id)?;
                Ok(meeting)
            })
            .collect()
    }
}

impl Tx for SqliteTx<'_> {
    fn insert_user(&mut self, user: &NewUser, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let result = self.conn.execute(
            "INSERT INTO users (username, email, full_name, password_hash, is_admin, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                user.username,
                user.email,
                user.full_name,
                user.password_hash,
                user.is_admin,
                micros(now)
            ],
        );
        match result {
            Ok(_) => Ok(self.conn.last_insert_rowid()),
            Err(e) if is_unique_violation(&e) => {
                let taken: Option<i64> = self
                    .conn
                    .query_row(
                        "SELECT 1 FROM users WHERE username = ?1 COLLATE NOCASE",
                        [&user.username],
                        |row| row.get(0),
                    )
                    .optional()?;
                Err(StoreError::account_taken(user, taken.is_some()))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn user(&mut self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?;
        Ok(stmt.query_row([id], user_record).optional()?)
    }

    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE username = ?1 COLLATE NOCASE OR (email <> '' AND email = ?1 COLLATE NOCASE)
             ORDER BY username = ?1 COLLATE NOCASE DESC LIMIT 1"
        ))?;
        Ok(stmt.query_row([login], user_record).optional()?)
    }

    fn users(&mut self) -> Result<Vec<UserInfo>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username COLLATE NOCASE"
        ))?;
        let users = stmt
            .query_map([], |row| user_record(row).map(|r| r.info))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(users)
    }

    fn presence(&mut self, user_id: i64) -> Result<PresenceState, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT status, available_for_calls, status_message, last_seen, current_call,
                    status_before_call, open_sockets
             FROM presence WHERE user_id = ?1",
        )?;
        let found = stmt.query_row([user_id], presence_row).optional()?;
        Ok(found.map(|(_, p)| p).unwrap_or_default())
    }

    fn save_presence(&mut self, user_id: i64, p: &PresenceState) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO presence (user_id, status, available_for_calls, status_message, last_seen,
                                       current_call, status_before_call, open_sockets)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (user_id) DO UPDATE SET
                    status = excluded.status,
                    available_for_calls = excluded.available_for_calls,
                    status_message = excluded.status_message,
                    last_seen = excluded.last_seen,
                    current_call = excluded.current_call,
                    status_before_call = excluded.status_before_call,
                    open_sockets = excluded.open_sockets",
            )?
            .execute(params![
                user_id,
                p.status.as_str(),
                p.available_for_calls,
                p.status_message,
                p.last_seen.map(micros),
                p.current_call,
                p.status_before_call.map(|s| s.as_str()),
                p.open_sockets,
            ])?;
        self.presence_saved.push((user_id, p.clone()));
        Ok(())
    }

    fn all_presence(&mut self) -> Result<Vec<(i64, PresenceState)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT status, available_for_calls, status_message, last_seen, current_call,
                    status_before_call, open_sockets, user_id
             FROM presence",
        )?;
        let rows = stmt
            .query_map([], presence_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn insert_call(&mut self, call: &CallRow) -> Result<i64, StoreError> {
        // A savepoint makes the insert and both claims one unit, so a refused claim
        // leaves nothing behind even if the caller's transaction carries on.
        self.conn.execute_batch("SAVEPOINT insert_call")?;
        let result = self.insert_call_unguarded(call);
        let end = if result.is_ok() {
            "RELEASE insert_call"
        } else {
            "ROLLBACK TO insert_call; RELEASE insert_call"
        };
        self.conn.execute_batch(end)?;
        result
    }

    fn call(&mut self, id: i64) -> Result<Option<CallRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = ?1"))?;
        Ok(stmt.query_row([id], call_row).optional()?)
    }
    fn update_call(&mut self, call: &CallRow) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE calls SET status = ?2, started_at = ?3, ended_at = ?4 WHERE id = ?1",
            )?
            .execute(params![
                call.id,
                call.status.as_str(),
                call.started_at.map(micros),
                call.ended_at.map(micros),
            ])?;
        if call.status.is_final() {
            self.conn
                .prepare_cached("DELETE FROM live_calls WHERE call_id = ?1")?
                .execute([call.id])?;
        }
        Ok(())
    }

    fn live_call_of(&mut self, user_id: i64) -> Result<Option<CallRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE id = (SELECT call_id FROM live_calls WHERE user_id = ?1)"
        ))?;
        Ok(stmt.query_row([user_id], call_row).optional()?)
    }

    fn live_calls(&mut self) -> Result<Vec<CallRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE id IN (SELECT call_id FROM live_calls) ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([], call_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn call_history(&mut self, q: &HistoryQuery) -> Result<(i64, Vec<CallRow>), StoreError> {
        let status = q.status.map(|s| s.as_str());
        let filter = "(initiator_id = ?1 OR recipient_id = ?1) AND (?2 IS NULL OR status = ?2)";
        let count: i64 = self
            .conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM calls WHERE {filter}"))?
            .query_row(params![q.user_id, status], |row| row.get(0))?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = stmt
            .query_map(params![q.user_id, status, q.limit, q.offset], call_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((count, rows))
    }

    fn insert_meeting(&mut self, m: &MeetingRow) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO meetings (title, host_id, status, scheduled_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![m.title, m.host_id, m.status.as_str(), m.scheduled_at.map(micros), micros(m.created_at)],
        )?;
        let id = self.conn.last_insert_rowid();
        let mut add = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO meeting_participants (meeting_id, user_id) VALUES (?1, ?2)",
        )?;
        for user in &m.participant_ids {
            add.execute([id, *user])?;
        }
        Ok(id)
    }

    fn meeting(&mut self, id: i64) -> Result<Option<MeetingRow>, StoreError> {
        Ok(self
            .meetings_where(
                "SELECT id, title, host_id, status, scheduled_at, created_at FROM meetings WHERE id = ?1",
                id,
            )?
            .pop())
    }

    fn meetings_of(&mut self, user_id: i64) -> Result<Vec<MeetingRow>, StoreError> {
        self.meetings_where(
            "SELECT id, title, host_id, status, scheduled_at, created_at FROM meetings
             WHERE host_id = ?1 OR id IN (SELECT meeting_id FROM meeting_participants WHERE user_id = ?1)
             ORDER BY created_at DESC, id DESC",
            user_id,
        )
    }

    fn set_meeting_status(&mut self, id: i64, status: MeetingStatus) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE meetings SET status = ?2 WHERE id = ?1")?
            .execute(params![id, status.as_str()])?;
        Ok(())
    }

    fn delete_meeting(&mut self, id: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM meetings WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    fn insert_video_call(&mut self, c: &VideoCallRow) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO video_calls (meeting_id, caller_id, status, started_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![c.meeting_id, c.caller_id, video_status_str(c.status), micros(c.started_at), c.ended_at.map(micros)],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn video_call(&mut self, id: i64) -> Result<Option<VideoCallRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {VIDEO_CALL_COLUMNS} FROM video_calls WHERE id = ?1"
        ))?;
        Ok(stmt.query_row([id], video_call_row).optional()?)
    }

    fn active_video_call_of_meeting(
        &mut self,
        meeting_id: i64,
    ) -> Result<Option<VideoCallRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {VIDEO_CALL_COLUMNS} FROM video_calls WHERE meeting_id = ?1 AND status = 'active' LIMIT 1"
        ))?;
        Ok(stmt.query_row([meeting_id], video_call_row).optional()?)
    }

    fn update_video_call(&mut self, c: &VideoCallRow) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE video_calls SET status = ?2, ended_at = ?3 WHERE id = ?1")?
            .execute(params![
                c.id,
                video_status_str(c.status),
                c.ended_at.map(micros)
            ])?;
        Ok(())
    }

    fn revoke_token(&mut self, jti: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2)",
            )?
            .execute(params![jti, micros(expires_at)])?;
        // Expired tokens fail validation anyway: forget their revocations.
        self.conn
            .prepare_cached("DELETE FROM revoked_tokens WHERE expires_at < ?1")?
            .execute([micros(Utc::now())])?;
        self.revoked.push((jti.to_owned(), expires_at));
        Ok(())
    }

    fn is_token_revoked(&mut self, jti: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT 1 FROM revoked_tokens WHERE jti = ?1")?
            .query_row([jti], |row| row.get(0))
            .optional()?;
        Ok(found.is_some())
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])?;
        Ok(())
    }

    fn renew_instance(
        &mut self,
        instance: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let renewed = self
            .conn
            .prepare_cached("UPDATE instances SET expires_at = ?2 WHERE id = ?1")?
            .execute(params![instance, micros(expires_at)])?;
        if renewed == 0 {
            self.conn
                .prepare_cached("INSERT INTO instances (id, expires_at) VALUES (?1, ?2)")?
                .execute(params![instance, micros(expires_at)])?;
        }
        Ok(renewed > 0)
    }

    fn drop_instance(&mut self, instance: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM instances WHERE id = ?1")?
            .execute([instance])?;
        Ok(())
    }

    fn set_socket_lease(
        &mut self,
        instance: &str,
        user_id: i64,
        sockets: u32,
    ) -> Result<u32, StoreError> {
        if sockets == 0 {
            self.conn
                .prepare_cached("DELETE FROM socket_leases WHERE instance = ?1 AND user_id = ?2")?
                .execute(params![instance, user_id])?;
        } else {
            self.conn
                .prepare_cached(
                    "INSERT INTO socket_leases (instance, user_id, sockets) VALUES (?1, ?2, ?3)
                     ON CONFLICT (instance, user_id) DO UPDATE SET sockets = excluded.sockets",
                )?
                .execute(params![instance, user_id, sockets])?;
        }
        self.sockets_of(user_id)
    }

    fn reclaim_leases(&mut self, now: DateTime<Utc>) -> Result<Vec<(i64, u32)>, StoreError> {
        self.conn
            .prepare_cached("DELETE FROM instances WHERE expires_at < ?1")?
            .execute([micros(now)])?;
        let users = self
            .conn
            .prepare_cached(
                "DELETE FROM socket_leases WHERE instance NOT IN (SELECT id FROM instances)
                 RETURNING user_id",
            )?
            .query_map([], |row| row.get::<_, i64>(0))?
            .collect::<Result<std::collections::BTreeSet<_>, _>>()?;
        users
            .into_iter()
            .map(|user_id| Ok((user_id, self.sockets_of(user_id)?)))
            .collect()
    }
}

impl SqliteTx<'_> {
    /// A user's notification sockets on all instances.
    fn sockets_of(&mut self, user_id: i64) -> Result<u32, StoreError> {
        let total: i64 = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(sockets), 0) FROM socket_leases WHERE user_id = ?1",
            )?
            .query_row([user_id], |row| row.get(0))?;
        Ok(u32::try_from(total).unwrap_or(u32::MAX))
    }
}

/// Reads a presence row; `user_id` is the optional 8th column (0 when absent).
fn presence_row(row: &Row<'_>) -> rusqlite::Result<(i64, PresenceState)> {
    let before: Option<String> = row.get(5)?;
    let user_id = row.get::<_, i64>(7).unwrap_or(0);
    Ok((
        user_id,
        PresenceState {
            status: parsed::<PresenceStatus>(row.get(0)?)?,
            available_for_calls: row.get(1)?,
            status_message: row.get(2)?,
            last_seen: opt_time(row.get(3)?)?,
            current_call: row.get(4)?,
            status_before_call: before.map(parsed::<PresenceStatus>).transpose()?,
            open_sockets: row.get(6)?,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use std::sync::Arc;

    fn user(tx: &mut dyn Tx, name: &str) -> Result<i64, StoreError> {
        let new = NewUser {
            username: name.into(),
            email: String::new(),
            full_name: String::new(),
            password_hash: "x".into(),
            is_admin: false,
        };
        tx.insert_user(&new, Utc::now())
    }

    /// The in-memory presence cache holds committed state only, and what a file held
    /// when it was opened.
    #[test]
    fn the_presence_cache_follows_commits_only() -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(StoreError::backend)?;
        let path = dir.path().join("db.sqlite3");
        let store = Store::new(Arc::new(SqliteDatabase::open(&path)?));
        let id = store.write_blocking(|tx| {
            let id = user(tx, "p")?;
            let mut p = PresenceState::default();
            p.heartbeat(Utc::now());
            tx.save_presence(id, &p)?;
            Ok(id)
        })?;
        let cached = |store: &Store| {
            store
                .presence_snapshot()
                .into_iter()
                .find(|(u, _)| *u == id)
                .map(|(_, p)| p.status)
        };
        assert_eq!(cached(&store), Some(PresenceStatus::Online));
        let failed: Result<(), StoreError> = store.write_blocking(|tx| {
            let mut p = tx.presence(id)?;
            p.status = PresenceStatus::Dnd;
            tx.save_presence(id, &p)?;
            Err(StoreError::Invalid("roll back".into()))
        });
        assert!(failed.is_err());
        assert_eq!(
            cached(&store),
            Some(PresenceStatus::Online),
            "a rolled-back save is not cached"
        );
        drop(store);
        let reopened = Store::new(Arc::new(SqliteDatabase::open(&path)?));
        assert_eq!(
            cached(&reopened),
            Some(PresenceStatus::Online),
            "loaded at open"
        );
        Ok(())
    }

    /// Each `prepare_cached` call site is one statement (the SQL is fixed per site): if
    /// they outnumber the cache, they evict each other and every use parses SQL again.
    #[test]
    fn the_statement_cache_holds_every_statement() {
        let sites = include_str!("sqlite.rs")
            .matches(".prepare_cached(")
            .count();
        assert!(sites >= 30, "the count is wrong: {sites} call sites");
        assert!(
            sites <= STATEMENT_CACHE,
            "{sites} cached statements do not fit a cache of {STATEMENT_CACHE}; raise it"
        );
    }
}
