//! Every statement and row decoder, written once for both engines.
//!
//! [`SqlTx`] implements [`Tx`] over a [`Conn`]: the few primitives an engine supplies
//! (run a statement, run a query row by row, run a batch, spot a unique violation). SQL
//! is written with `?N` placeholders, which SQLite reads natively and the PostgreSQL
//! adapter turns into `$N` once per prepared statement. The three statements whose SQL
//! differs (case-insensitive name matching uses each engine's own index) come from the
//! engine's [`Dialect`].

use super::{
    CallRow, HistoryQuery, MeetingRow, NewUser, StorageError, Tx, UserRecord, VideoCallRow,
};
use chrono::{DateTime, Utc};
use switchboard_protocol::api::{MeetingStatus, UserInfo, VideoCallStatus};
use switchboard_protocol::{PresenceState, PresenceStatus};
use uuid::Uuid;

/// A value bound to a statement.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Bool(bool),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(v)
    }
}

impl From<DateTime<Utc>> for Value<'_> {
    /// Timestamps are stored as microseconds since the Unix epoch in both schemas.
    fn from(v: DateTime<Utc>) -> Self {
        Value::Int(v.timestamp_micros())
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row, read by column index. Engines implement the three typed reads.
pub trait SqlRow {
    fn opt_int(&self, index: usize) -> Result<Option<i64>, StorageError>;
    fn opt_text(&self, index: usize) -> Result<Option<String>, StorageError>;
    fn boolean(&self, index: usize) -> Result<bool, StorageError>;
}

/// Implements [`SqlRow`] for an engine's row type whose `$get(index)` reads any column
/// type and whose error converts into [`StorageError`].
macro_rules! sql_row_by {
    ($row:ty, $get:ident) => {
        impl $crate::store::sql::SqlRow for $row {
            fn opt_int(&self, index: usize) -> Result<Option<i64>, StorageError> {
                Ok(self.$get(index)?)
            }

            fn opt_text(&self, index: usize) -> Result<Option<String>, StorageError> {
                Ok(self.$get(index)?)
            }

            fn boolean(&self, index: usize) -> Result<bool, StorageError> {
                Ok(self.$get(index)?)
            }
        }
    };
}
pub(super) use sql_row_by;

/// The required forms of [`SqlRow`]'s reads, and the types built on them.
trait Columns {
    fn int(&self, index: usize) -> Result<i64, StorageError>;
    fn text(&self, index: usize) -> Result<String, StorageError>;
    fn time(&self, index: usize) -> Result<DateTime<Utc>, StorageError>;
    fn opt_time(&self, index: usize) -> Result<Option<DateTime<Utc>>, StorageError>;
    fn parsed<T: std::str::FromStr<Err = String>>(&self, index: usize) -> Result<T, StorageError>;
}

impl<R: SqlRow + ?Sized> Columns for R {
    fn int(&self, index: usize) -> Result<i64, StorageError> {
        self.opt_int(index)?.ok_or_else(|| null_in(index))
    }

    fn text(&self, index: usize) -> Result<String, StorageError> {
        self.opt_text(index)?.ok_or_else(|| null_in(index))
    }

    fn time(&self, index: usize) -> Result<DateTime<Utc>, StorageError> {
        time(self.int(index)?)
    }

    fn opt_time(&self, index: usize) -> Result<Option<DateTime<Utc>>, StorageError> {
        self.opt_int(index)?.map(time).transpose()
    }

    fn parsed<T: std::str::FromStr<Err = String>>(&self, index: usize) -> Result<T, StorageError> {
        self.text(index)?.parse().map_err(StorageError::Backend)
    }
}

fn null_in(index: usize) -> StorageError {
    StorageError::Backend(format!(
        "column {index} is NULL where the schema forbids it"
    ))
}

fn time(micros: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StorageError::Backend(format!("timestamp {micros} is out of range")))
}

/// How a statement failed, as far as the shared code needs to know.
#[derive(Debug)]
pub enum SqlError {
    /// A unique constraint refused the row.
    UniqueViolation,
    Other(StorageError),
}

impl From<StorageError> for SqlError {
    fn from(e: StorageError) -> Self {
        SqlError::Other(e)
    }
}

impl From<SqlError> for StorageError {
    fn from(e: SqlError) -> Self {
        match e {
            SqlError::UniqueViolation => {
                StorageError::Backend("a unique constraint refused the row".into())
            }
            SqlError::Other(e) => e,
        }
    }
}

/// Each row of a query, in order.
pub type EachRow<'f> = dyn FnMut(&dyn SqlRow) -> Result<(), StorageError> + 'f;

/// What an engine supplies to one transaction.
pub trait Conn {
    /// Runs a statement; returns the rows it changed.
    fn execute(&mut self, sql: &'static str, params: &[Value<'_>]) -> Result<u64, SqlError>;
    /// Runs a query and hands each row to `each`.
    fn query(
        &mut self,
        sql: &'static str,
        params: &[Value<'_>],
        each: &mut EachRow<'_>,
    ) -> Result<(), SqlError>;
    /// Runs statements without parameters (savepoints).
    fn batch(&mut self, sql: &'static str) -> Result<(), SqlError>;
}

/// The statements whose SQL differs between engines.
pub struct Dialect {
    /// A user by username or email, case-insensitively; the username match first.
    pub user_by_login: &'static str,
    /// Whether a username is taken, case-insensitively.
    pub username_taken: &'static str,
    /// Everyone, by username, case-insensitively.
    pub users_by_name: &'static str,
}

/// Columns each decoder below reads, in its order.
macro_rules! user_columns {
    () => {
        "id, username, email, full_name, is_admin, password_hash"
    };
}
macro_rules! call_columns {
    () => {
        "id, session_id, room_name, call_type, status, initiator_id, recipient_id, started_at, ended_at, created_at"
    };
}
macro_rules! video_call_columns {
    () => {
        "id, meeting_id, caller_id, status, started_at, ended_at"
    };
}
macro_rules! presence_columns {
    () => {
        "user_id, status, available_for_calls, status_message, last_seen, current_call, status_before_call, open_sockets"
    };
}
macro_rules! meeting_columns {
    () => {
        "id, title, host_id, status, scheduled_at, created_at"
    };
}

pub const SQLITE: Dialect = Dialect {
    user_by_login: concat!(
        "SELECT ",
        user_columns!(),
        " FROM users
         WHERE username = ?1 COLLATE NOCASE OR (email <> '' AND email = ?1 COLLATE NOCASE)
         ORDER BY username = ?1 COLLATE NOCASE DESC LIMIT 1"
    ),
    username_taken: "SELECT 1 FROM users WHERE username = ?1 COLLATE NOCASE",
    users_by_name: concat!(
        "SELECT ",
        user_columns!(),
        " FROM users ORDER BY username COLLATE NOCASE"
    ),
};

pub const POSTGRES: Dialect = Dialect {
    user_by_login: concat!(
        "SELECT ",
        user_columns!(),
        " FROM users
         WHERE lower(username) = lower(?1) OR (email <> '' AND lower(email) = lower(?1))
         ORDER BY (lower(username) = lower(?1)) DESC LIMIT 1"
    ),
    username_taken: "SELECT 1 FROM users WHERE lower(username) = lower(?1)",
    users_by_name: concat!(
        "SELECT ",
        user_columns!(),
        " FROM users ORDER BY lower(username)"
    ),
};

fn user_record(row: &dyn SqlRow) -> Result<UserRecord, StorageError> {
    Ok(UserRecord {
        info: UserInfo {
            id: row.int(0)?,
            username: row.text(1)?,
            email: row.text(2)?,
            full_name: row.text(3)?,
            is_admin: row.boolean(4)?,
        },
        password_hash: row.text(5)?,
    })
}

fn call_row(row: &dyn SqlRow) -> Result<CallRow, StorageError> {
    Ok(CallRow {
        id: row.int(0)?,
        session_id: Uuid::parse_str(&row.text(1)?).map_err(StorageError::backend)?,
        room_name: row.text(2)?,
        call_type: row.parsed(3)?,
        status: row.parsed(4)?,
        initiator_id: row.int(5)?,
        recipient_id: row.int(6)?,
        started_at: row.opt_time(7)?,
        ended_at: row.opt_time(8)?,
        created_at: row.time(9)?,
    })
}

fn video_status_str(status: VideoCallStatus) -> &'static str {
    match status {
        VideoCallStatus::Active => "active",
        VideoCallStatus::Ended => "ended",
    }
}

fn video_call_row(row: &dyn SqlRow) -> Result<VideoCallRow, StorageError> {
    let status = match row.text(3)?.as_str() {
        "active" => VideoCallStatus::Active,
        "ended" => VideoCallStatus::Ended,
        other => {
            return Err(StorageError::Backend(format!(
                "unknown video call status {other:?}"
            )));
        }
    };
    Ok(VideoCallRow {
        id: row.int(0)?,
        meeting_id: row.int(1)?,
        caller_id: row.int(2)?,
        status,
        started_at: row.time(4)?,
        ended_at: row.opt_time(5)?,
    })
}

fn presence_row(row: &dyn SqlRow) -> Result<(i64, PresenceState), StorageError> {
    let before = row.opt_text(6)?;
    Ok((
        row.int(0)?,
        PresenceState {
            status: row.parsed::<PresenceStatus>(1)?,
            available_for_calls: row.boolean(2)?,
            status_message: row.text(3)?,
            last_seen: row.opt_time(4)?,
            current_call: row.opt_int(5)?,
            status_before_call: before
                .map(|s| s.parse::<PresenceStatus>().map_err(StorageError::Backend))
                .transpose()?,
            open_sockets: u32::try_from(row.int(7)?).unwrap_or(0),
        },
    ))
}

fn meeting_row(row: &dyn SqlRow) -> Result<MeetingRow, StorageError> {
    Ok(MeetingRow {
        id: row.int(0)?,
        title: row.text(1)?,
        host_id: row.int(2)?,
        participant_ids: Vec::new(),
        status: row.parsed::<MeetingStatus>(3)?,
        scheduled_at: row.opt_time(4)?,
        created_at: row.time(5)?,
    })
}

/// The engine-independent side of one transaction.
pub struct SqlTx<C> {
    pub conn: C,
    dialect: &'static Dialect,
    /// Presence rows this transaction saved, for the engine's cache once it commits.
    pub presence_saved: Vec<(i64, PresenceState)>,
    /// Tokens this transaction revoked (jti, expiry), for engines that keep them in
    /// memory once it commits.
    pub revoked: Vec<(String, DateTime<Utc>)>,
}

impl<C: Conn> SqlTx<C> {
    pub fn new(conn: C, dialect: &'static Dialect) -> Self {
        SqlTx {
            conn,
            dialect,
            presence_saved: Vec::new(),
            revoked: Vec::new(),
        }
    }

    fn rows<T>(
        &mut self,
        sql: &'static str,
        params: &[Value<'_>],
        decode: fn(&dyn SqlRow) -> Result<T, StorageError>,
    ) -> Result<Vec<T>, StorageError> {
        let mut out = Vec::new();
        self.conn.query(sql, params, &mut |row| {
            out.push(decode(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn row<T>(
        &mut self,
        sql: &'static str,
        params: &[Value<'_>],
        decode: fn(&dyn SqlRow) -> Result<T, StorageError>,
    ) -> Result<Option<T>, StorageError> {
        let mut out = None;
        self.conn.query(sql, params, &mut |row| {
            if out.is_none() {
                out = Some(decode(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn exists(&mut self, sql: &'static str, params: &[Value<'_>]) -> Result<bool, StorageError> {
        Ok(self.row(sql, params, |_| Ok(()))?.is_some())
    }

    fn int(&mut self, sql: &'static str, params: &[Value<'_>]) -> Result<i64, StorageError> {
        self.row(sql, params, |row| row.int(0))?
            .ok_or_else(|| StorageError::backend("a statement that returns a row returned none"))
    }

    fn execute(&mut self, sql: &'static str, params: &[Value<'_>]) -> Result<u64, StorageError> {
        Ok(self.conn.execute(sql, params)?)
    }

    /// Runs `work` inside a savepoint, so a refused insert leaves nothing behind and the
    /// transaction can carry on (PostgreSQL aborts a transaction at a failed statement).
    fn in_savepoint<T>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        self.conn.batch("SAVEPOINT sb")?;
        let result = work(self);
        let end = if result.is_ok() {
            "RELEASE SAVEPOINT sb"
        } else {
            "ROLLBACK TO SAVEPOINT sb; RELEASE SAVEPOINT sb"
        };
        self.conn.batch(end)?;
        result
    }

    /// An insert that returns its new id; `refused` names a unique violation.
    fn insert(
        &mut self,
        sql: &'static str,
        params: &[Value<'_>],
        refused: impl FnOnce() -> StorageError,
    ) -> Result<i64, StorageError> {
        let mut id = None;
        let result = self.conn.query(sql, params, &mut |row| {
            id = Some(row.int(0)?);
            Ok(())
        });
        match result {
            Ok(()) => id.ok_or_else(|| StorageError::backend("an insert returned no id")),
            Err(SqlError::UniqueViolation) => Err(refused()),
            Err(SqlError::Other(e)) => Err(e),
        }
    }

    fn meetings(
        &mut self,
        sql: &'static str,
        params: &[Value<'_>],
    ) -> Result<Vec<MeetingRow>, StorageError> {
        let mut meetings = self.rows(sql, params, meeting_row)?;
        for meeting in &mut meetings {
            meeting.participant_ids = self.rows(
                "SELECT user_id FROM meeting_participants WHERE meeting_id = ?1 ORDER BY user_id",
                &[meeting.id.into()],
                |row| row.int(0),
            )?;
        }
        Ok(meetings)
    }

    /// A user's notification sockets on all instances.
    fn sockets_of(&mut self, user_id: i64) -> Result<u32, StorageError> {
        let total = self.int(
            "SELECT CAST(COALESCE(SUM(sockets), 0) AS BIGINT) FROM socket_leases WHERE user_id = ?1",
            &[user_id.into()],
        )?;
        Ok(u32::try_from(total).unwrap_or(u32::MAX))
    }
}

impl<C: Conn> Tx for SqlTx<C> {
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

    fn presence(&mut self, user_id: i64) -> Result<PresenceState, StorageError> {
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
        self.presence_saved.push((user_id, p.clone()));
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

    /// The insert and both claims are one unit (a savepoint), so a refused claim leaves
    /// nothing behind even if the caller's transaction carries on.
    fn insert_call(&mut self, call: &CallRow) -> Result<i64, StorageError> {
        self.in_savepoint(|me| {
            let session_id = call.session_id.to_string();
            let id = me.insert(
                "INSERT INTO calls (session_id, room_name, call_type, status, initiator_id,
                                    recipient_id, started_at, ended_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
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
                ],
                StorageError::room_taken,
            )?;
            for user in [call.initiator_id, call.recipient_id] {
                match me.conn.execute(
                    "INSERT INTO live_calls (user_id, call_id) VALUES (?1, ?2)",
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
            "UPDATE calls SET status = ?2, started_at = ?3, ended_at = ?4 WHERE id = ?1",
            &[
                call.id.into(),
                call.status.as_str().into(),
                call.started_at.into(),
                call.ended_at.into(),
            ],
        )?;
        if call.status.is_final() {
            self.execute(
                "DELETE FROM live_calls WHERE call_id = ?1",
                &[call.id.into()],
            )?;
        }
        Ok(())
    }

    fn live_call_of(&mut self, user_id: i64) -> Result<Option<CallRow>, StorageError> {
        self.row(
            concat!(
                "SELECT ",
                call_columns!(),
                " FROM calls WHERE id = (SELECT call_id FROM live_calls WHERE user_id = ?1)"
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
        // The CAST gives PostgreSQL the parameter's type when it is NULL.
        macro_rules! filter {
            () => {
                " FROM calls WHERE (initiator_id = ?1 OR recipient_id = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR status = ?2)"
            };
        }
        let status: Value<'_> = q.status.map(|s| s.as_str()).into();
        let count = self.int(
            concat!("SELECT COUNT(*)", filter!()),
            &[q.user_id.into(), status],
        )?;
        let rows = self.rows(
            concat!(
                "SELECT ",
                call_columns!(),
                filter!(),
                " ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
            ),
            &[q.user_id.into(), status, q.limit.into(), q.offset.into()],
            call_row,
        )?;
        Ok((count, rows))
    }

    fn insert_meeting(&mut self, m: &MeetingRow) -> Result<i64, StorageError> {
        let id = self.int(
            "INSERT INTO meetings (title, host_id, status, scheduled_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            &[
                (&m.title).into(),
                m.host_id.into(),
                m.status.as_str().into(),
                m.scheduled_at.into(),
                m.created_at.into(),
            ],
        )?;
        for user in &m.participant_ids {
            self.execute(
                "INSERT INTO meeting_participants (meeting_id, user_id) VALUES (?1, ?2)
                 ON CONFLICT DO NOTHING",
                &[id.into(), (*user).into()],
            )?;
        }
        Ok(id)
    }

    fn meeting(&mut self, id: i64) -> Result<Option<MeetingRow>, StorageError> {
        Ok(self
            .meetings(
                concat!(
                    "SELECT ",
                    meeting_columns!(),
                    " FROM meetings WHERE id = ?1"
                ),
                &[id.into()],
            )?
            .pop())
    }

    fn meetings_of(&mut self, user_id: i64) -> Result<Vec<MeetingRow>, StorageError> {
        self.meetings(
            concat!(
                "SELECT ",
                meeting_columns!(),
                " FROM meetings
                 WHERE host_id = ?1 OR id IN (SELECT meeting_id FROM meeting_participants WHERE user_id = ?1)
                 ORDER BY created_at DESC, id DESC"
            ),
            &[user_id.into()],
        )
    }

    fn set_meeting_status(&mut self, id: i64, status: MeetingStatus) -> Result<(), StorageError> {
        self.execute(
            "UPDATE meetings SET status = ?2 WHERE id = ?1",
            &[id.into(), status.as_str().into()],
        )?;
        Ok(())
    }

    fn delete_meeting(&mut self, id: i64) -> Result<(), StorageError> {
        self.execute("DELETE FROM meetings WHERE id = ?1", &[id.into()])?;
        Ok(())
    }

    fn insert_video_call(&mut self, c: &VideoCallRow) -> Result<i64, StorageError> {
        self.int(
            "INSERT INTO video_calls (meeting_id, caller_id, status, started_at, ended_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            &[
                c.meeting_id.into(),
                c.caller_id.into(),
                video_status_str(c.status).into(),
                c.started_at.into(),
                c.ended_at.into(),
            ],
        )
    }

    fn video_call(&mut self, id: i64) -> Result<Option<VideoCallRow>, StorageError> {
        self.row(
            concat!(
                "SELECT ",
                video_call_columns!(),
                " FROM video_calls WHERE id = ?1"
            ),
            &[id.into()],
            video_call_row,
        )
    }

    fn active_video_call_of_meeting(
        &mut self,
        meeting_id: i64,
    ) -> Result<Option<VideoCallRow>, StorageError> {
        self.row(
            concat!(
                "SELECT ",
                video_call_columns!(),
                " FROM video_calls WHERE meeting_id = ?1 AND status = 'active' LIMIT 1"
            ),
            &[meeting_id.into()],
            video_call_row,
        )
    }

    fn update_video_call(&mut self, c: &VideoCallRow) -> Result<(), StorageError> {
        self.execute(
            "UPDATE video_calls SET status = ?2, ended_at = ?3 WHERE id = ?1",
            &[
                c.id.into(),
                video_status_str(c.status).into(),
                c.ended_at.into(),
            ],
        )?;
        Ok(())
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
        let renewed = self.execute(
            "UPDATE instances SET expires_at = ?2 WHERE id = ?1",
            &[instance.into(), expires_at.into()],
        )?;
        if renewed == 0 {
            self.execute(
                "INSERT INTO instances (id, expires_at) VALUES (?1, ?2)",
                &[instance.into(), expires_at.into()],
            )?;
        }
        Ok(renewed > 0)
    }

    fn drop_instance(&mut self, instance: &str) -> Result<(), StorageError> {
        self.execute("DELETE FROM instances WHERE id = ?1", &[instance.into()])?;
        Ok(())
    }

    fn set_socket_lease(
        &mut self,
        instance: &str,
        user_id: i64,
        sockets: u32,
    ) -> Result<u32, StorageError> {
        if sockets == 0 {
            self.execute(
                "DELETE FROM socket_leases WHERE instance = ?1 AND user_id = ?2",
                &[instance.into(), user_id.into()],
            )?;
        } else {
            self.execute(
                "INSERT INTO socket_leases (instance, user_id, sockets) VALUES (?1, ?2, ?3)
                 ON CONFLICT (instance, user_id) DO UPDATE SET sockets = excluded.sockets",
                &[instance.into(), user_id.into(), sockets.into()],
            )?;
        }
        self.sockets_of(user_id)
    }

    fn reclaim_leases(&mut self, now: DateTime<Utc>) -> Result<Vec<(i64, u32)>, StorageError> {
        self.execute("DELETE FROM instances WHERE expires_at < ?1", &[now.into()])?;
        let users: std::collections::BTreeSet<i64> = self
            .rows(
                "DELETE FROM socket_leases WHERE instance NOT IN (SELECT id FROM instances)
                 RETURNING user_id",
                &[],
                |row| row.int(0),
            )?
            .into_iter()
            .collect();
        users
            .into_iter()
            .map(|user_id| Ok((user_id, self.sockets_of(user_id)?)))
            .collect()
    }
}

/// Statements that run outside a transaction body, at open.
pub const UNEXPIRED_REVOCATIONS: &str =
    "SELECT jti, expires_at FROM revoked_tokens WHERE expires_at >= ?1";

/// Reads [`UNEXPIRED_REVOCATIONS`]'s rows.
pub fn revocation_row(row: &dyn SqlRow) -> Result<(String, DateTime<Utc>), StorageError> {
    Ok((row.text(0)?, row.time(1)?))
}
