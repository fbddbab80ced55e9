//! Every statement and row decoder, written once for both engines.
//!
//! [`SqlTx`] implements [`Tx`] over a [`Conn`]: the few primitives an engine supplies
//! (run a statement, run a query row by row, run a batch, spot a unique violation). SQL
//! is written with `?N` placeholders, which SQLite reads natively and the PostgreSQL
//! adapter turns into `$N` once per prepared statement. The three statements whose SQL
//! differs (case-insensitive name matching uses each engine's own index) come from the
//! engine's [`Dialect`].

use super::{AccountState, MeetingRow, StorageError};
use chrono::{DateTime, Utc};
use rows::meeting_row;
use switchboard_protocol::PresenceState;

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
    /// Takes the transaction-scoped locks `keys`, in the order given (see [`Tx::lock`]).
    fn lock(&mut self, keys: &[i64]) -> Result<(), SqlError>;
    /// A user's committed presence row, where the engine knows every committed row in
    /// memory (`Some(None)`: the user has none), so reading it costs no query; `None`
    /// where only the database knows (another instance may have written it).
    fn committed_presence(&self, _user_id: i64) -> Option<Option<PresenceState>> {
        None
    }
}

/// The statements whose SQL differs between engines.
pub struct Dialect {
    /// A user by username or email, case-insensitively; the username match first.
    pub user_by_login: &'static str,
    /// Whether a username is taken, case-insensitively.
    pub username_taken: &'static str,
    /// Everyone, by username, case-insensitively.
    pub users_by_name: &'static str,
    /// Users by id: `?1` is a JSON array of ids (an engine's own way to take a list).
    pub users_by_ids: &'static str,
    /// `(meeting_id, user_id)` of meetings' participants: `?1` a JSON array of meetings.
    pub participants_of_meetings: &'static str,
    /// Makes the users in the JSON array `?2` participants of meeting `?1`.
    pub add_participants: &'static str,
}

/// The engine-independent side of one transaction.
pub struct SqlTx<C> {
    pub conn: C,
    dialect: &'static Dialect,
    /// Presence rows this transaction saved, for the engine's cache once it commits.
    pub presence_saved: Vec<(i64, PresenceState)>,
    /// Where each user's latest row is in `presence_saved`: a batch of a thousand socket
    /// changes reads a thousand users' presence, and a scan each cost more than the read.
    presence_saved_at: foldhash::HashMap<i64, usize>,
    /// Tokens this transaction revoked (jti, expiry), for engines that keep them in
    /// memory once it commits.
    pub revoked: Vec<(String, DateTime<Utc>)>,
    /// Accounts whose state or token epoch this transaction changed: (user, state,
    /// epoch), for engines that keep them in memory once it commits.
    pub standings: Vec<(i64, AccountState, i64)>,
}

impl<C: Conn> SqlTx<C> {
    pub fn new(conn: C, dialect: &'static Dialect) -> Self {
        SqlTx {
            conn,
            dialect,
            presence_saved: Vec::new(),
            presence_saved_at: foldhash::HashMap::default(),
            revoked: Vec::new(),
            standings: Vec::new(),
        }
    }

    /// Notes a saved row, for this transaction's later reads and the engine's cache.
    fn remember_saved_presence(&mut self, user_id: i64, p: &PresenceState) {
        self.presence_saved_at
            .insert(user_id, self.presence_saved.len());
        self.presence_saved.push((user_id, p.clone()));
    }

    /// Whether `user_id` is known to have a stored row (saved in this transaction, or
    /// committed as the engine's cache has it) that `p` changes in status, last seen and
    /// socket count at most. Without a cache nothing committed is known: `false`.
    fn stored_row_differs_in_liveness_only(&self, user_id: i64, p: &PresenceState) -> bool {
        let same_otherwise = |stored: &PresenceState| {
            stored.available_for_calls == p.available_for_calls
                && stored.status_message == p.status_message
                && stored.current_call == p.current_call
                && stored.status_before_call == p.status_before_call
        };
        match self
            .presence_saved_at
            .get(&user_id)
            .and_then(|&at| self.presence_saved.get(at))
        {
            Some((_, saved)) => same_otherwise(saved),
            None => matches!(
                self.conn.committed_presence(user_id),
                Some(Some(committed)) if same_otherwise(&committed)
            ),
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
        if meetings.is_empty() {
            return Ok(meetings);
        }
        // One statement for the whole page's participants, not one per meeting.
        let ids = json_ids(meetings.iter().map(|m| m.id));
        let pairs = self.rows(
            self.dialect.participants_of_meetings,
            &[ids.as_str().into()],
            |row| Ok((row.int(0)?, row.int(1)?)),
        )?;
        for meeting in &mut meetings {
            meeting.participant_ids = pairs
                .iter()
                .filter(|(of, _)| *of == meeting.id)
                .map(|(_, user)| *user)
                .collect();
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

/// `ids` as a JSON array, the one form a list takes as a statement's parameter.
fn json_ids(ids: impl Iterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}

/// Statements that run outside a transaction body, at open.
pub const UNEXPIRED_REVOCATIONS: &str =
    "SELECT jti, expires_at FROM revoked_tokens WHERE expires_at >= ?1";

/// Accounts that are not plainly active: disabled, deleted, or signed out everywhere.
pub const UNUSUAL_STANDINGS: &str =
    "SELECT id, state, token_epoch FROM users WHERE state <> 'active' OR token_epoch <> 0";

/// Reads [`UNUSUAL_STANDINGS`]'s rows: (user, state, epoch).
pub fn standing_row(row: &dyn SqlRow) -> Result<(i64, AccountState, i64), StorageError> {
    rows::standing_row(row)
}

/// Reads [`UNEXPIRED_REVOCATIONS`]'s rows.
pub fn revocation_row(row: &dyn SqlRow) -> Result<(String, DateTime<Utc>), StorageError> {
    Ok((row.text(0)?, row.time(1)?))
}

#[path = "sql/columns.rs"]
#[macro_use]
mod columns;
#[path = "sql/busy_lamp.rs"]
mod busy_lamp;
#[path = "sql/call_records.rs"]
mod call_records;
#[path = "sql/callbacks.rs"]
mod callbacks;
#[path = "sql/dialects.rs"]
mod dialects;
#[path = "sql/invites.rs"]
mod invites;
#[path = "sql/leases.rs"]
mod leases;
#[path = "sql/meetings.rs"]
mod meetings;
#[path = "sql/rows.rs"]
mod rows;
#[path = "sql/statements.rs"]
mod statements;
#[path = "sql/webhooks.rs"]
mod webhooks;

pub use dialects::{POSTGRES, SQLITE};
