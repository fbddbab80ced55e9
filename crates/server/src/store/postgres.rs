//! The PostgreSQL engine, for several server instances sharing one database.
//!
//! Transactions run on pooled connections of the synchronous `postgres` client, on the
//! same blocking threads as SQLite's. Every write transaction first takes one
//! transaction-scoped advisory lock, so writes are serialised across all instances the
//! way SQLite's single writer serialises them: domain code that reads then writes (is
//! the callee free? then ring) never races another instance. Reads take no lock and see
//! a consistent snapshot (`REPEATABLE READ`). The schema's own constraints (one live
//! call per user, unique usernames) hold whatever the application does.

use super::{
    CALL_COLUMNS, CallRow, Database, HistoryQuery, MeetingRow, NewUser, StoreError, Tx, TxBody,
    USER_COLUMNS, UserRecord, VIDEO_CALL_COLUMNS, VideoCallRow, video_status, video_status_str,
};
use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{NoTls, Row, Statement, Transaction};
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;
use switchboard_protocol::api::{MeetingStatus, UserInfo};
use switchboard_protocol::{CallStatus, CallType, PresenceState, PresenceStatus};
use uuid::Uuid;

/// Schema versions, applied in order; `schema_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("postgres/0001_initial.sql"),
    include_str!("postgres/0002_socket_leases.sql"),
];

/// The advisory lock every write transaction holds (any constant unique to Switchboard).
const WRITE_LOCK: i64 = 0x5357_4254_4348; // "SWBTCH"
/// A second lock for migrations, so two instances starting together migrate once.
const MIGRATE_LOCK: i64 = 0x5357_4254_4d47;

type Pool = r2d2::Pool<CachingManager>;

/// A pooled connection with the statements it has prepared. Preparing is a round trip
/// of its own (and a parse and plan on the server), so each statement is prepared once
/// per connection rather than once per use: about half the round trips of a write.
struct CachedClient {
    client: postgres::Client,
    statements: HashMap<String, Statement>,
    /// Set when the server has closed this connection, so the pool drops it.
    closed: bool,
}

/// r2d2_postgres's manager, with a statement cache on each connection.
struct CachingManager(PostgresConnectionManager<NoTls>);

impl r2d2::ManageConnection for CachingManager {
    type Connection = CachedClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<CachedClient, postgres::Error> {
        Ok(CachedClient {
            client: self.0.connect()?,
            statements: HashMap::new(),
            closed: false,
        })
    }

    fn is_valid(&self, conn: &mut CachedClient) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut CachedClient) -> bool {
        conn.closed || self.0.has_broken(&mut conn.client)
    }
}

pub struct PostgresDatabase {
    /// `None` only while dropping (see `Drop`).
    pool: Option<Pool>,
    max_connections: u32,
    presence: super::PresenceCache,
}

impl Drop for PostgresDatabase {
    /// Closing a synchronous client blocks on its own runtime, which panics on an async
    /// thread (where a server's last handle to the store is usually dropped): close the
    /// connections on a thread of their own.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            let closer = std::thread::Builder::new()
                .name("postgres-close".into())
                .spawn(move || drop(pool));
            if let Ok(closer) = closer {
                let _ = closer.join();
            }
        }
    }
}

impl From<postgres::Error> for StoreError {
    /// With the server's own message: `postgres::Error` alone says only "db error".
    fn from(err: postgres::Error) -> Self {
        match std::error::Error::source(&err) {
            Some(cause) => StoreError::Backend(format!("{err}: {cause}")),
            None => StoreError::Backend(err.to_string()),
        }
    }
}

fn is_unique_violation(err: &postgres::Error) -> bool {
    err.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

impl PostgresDatabase {
    /// Connects to `url` (`postgres://user:pass@host:port/db`), with up to `connections`
    /// pooled connections, and brings the schema up to date.
    pub fn connect(url: &str, connections: u32) -> Result<Self, StoreError> {
        let config: postgres::Config = url.parse().map_err(|e| {
            StoreError::Backend(format!(
                "{} is not a PostgreSQL URL ({e}); use postgres://user:password@host:5432/database",
                redact(url)
            ))
        })?;
        let manager = CachingManager(PostgresConnectionManager::new(config, NoTls));
        let max_connections = connections.max(1);
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            // Open connections as needed, not all at start (tests open many stores).
            .min_idle(Some(1))
            // No ping before every transaction (a round trip each): a connection the
            // server closed fails at BEGIN, and `run` then retries on a fresh one.
            .test_on_check_out(false)
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)
            .map_err(|e| {
                StoreError::Backend(format!(
                    "cannot connect to PostgreSQL at {}: {e}",
                    redact(url)
                ))
            })?;
        let db = PostgresDatabase {
            pool: Some(pool),
            max_connections,
            presence: super::PresenceCache::default(),
        };
        db.migrate()?;
        let mut loaded = Vec::new();
        db.read(&mut |tx| {
            loaded = tx.all_presence()?;
            Ok(())
        })?;
        db.presence.apply(loaded);
        Ok(db)
    }

    fn client(&self) -> Result<r2d2::PooledConnection<CachingManager>, StoreError> {
        self.pool
            .as_ref()
            .ok_or_else(|| StoreError::backend("the database is closing"))?
            .get()
            .map_err(|e| StoreError::Backend(format!("no PostgreSQL connection available: {e}")))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut tx = client.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])?;
        // No "already exists, skipping" notices in the log on every start.
        tx.batch_execute(
            "SET LOCAL client_min_messages = warning;
             CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);",
        )?;
        let applied: Option<i64> = tx
            .query_opt("SELECT version FROM schema_version", &[])?
            .map(|row| row.col(0))
            .transpose()?;
        let applied = usize::try_from(applied.unwrap_or(0)).unwrap_or(usize::MAX);
        if applied > MIGRATIONS.len() {
            return Err(StoreError::Backend(format!(
                "the database has schema version {applied}, newer than this Switchboard knows ({}); upgrade Switchboard",
                MIGRATIONS.len()
            )));
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            tx.batch_execute(sql)?;
            tracing::info!(version = index + 1, "database schema migrated");
        }
        tx.execute("DELETE FROM schema_version", &[])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(MIGRATIONS.len() as i64)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn run(&self, write: bool, body: &mut TxBody<'_>) -> Result<(), StoreError> {
        let mut closed_connections = 0;
        loop {
            let mut pooled = self.client()?;
            match self.run_on(&mut pooled, write, body) {
                // The server closed this idle connection (a restart, an idle timeout)
                // and nothing ran: the pool drops it, and a fresh one retries. Every
                // idle connection may be stale after a restart, hence more than once.
                Err(Failed::AtBegin(err))
                    if closed_by_server(&err, &pooled.client)
                        && closed_connections < self.max_connections =>
                {
                    closed_connections += 1;
                    pooled.closed = true;
                    tracing::debug!(error = %err, "a pooled PostgreSQL connection was closed; using another");
                }
                result => return result.map_err(StoreError::from),
            }
        }
    }

    fn run_on(
        &self,
        pooled: &mut CachedClient,
        write: bool,
        body: &mut TxBody<'_>,
    ) -> Result<(), Failed> {
        let CachedClient {
            client, statements, ..
        } = pooled;
        let mut tx = if write {
            let mut tx = client.transaction().map_err(Failed::AtBegin)?;
            // A simple query: one round trip, where a parameterised one takes two.
            tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"))
                .map_err(|e| Failed::Later(e.into()))?;
            tx
        } else {
            client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(Failed::AtBegin)?
        };
        let mut handle = PostgresTx {
            tx: &mut tx,
            statements,
            presence_saved: Vec::new(),
        };
        body(&mut handle).map_err(Failed::Later)?;
        let saved = std::mem::take(&mut handle.presence_saved);
        tx.commit().map_err(|e| Failed::Later(e.into()))?;
        // Writes are serialised by the lock, so commits reach the cache in order.
        self.presence.apply(saved);
        Ok(())
    }
}

/// Whether `err` says the server ended the connection: its end was seen, or the server's
/// last words were that it is shutting this session down (`pg_terminate_backend`, a
/// restart), which arrive before the end itself.
fn closed_by_server(err: &postgres::Error, client: &postgres::Client) -> bool {
    err.is_closed()
        || client.is_closed()
        || matches!(
            err.code(),
            Some(&SqlState::ADMIN_SHUTDOWN | &SqlState::CRASH_SHUTDOWN)
        )
}

/// Where a transaction failed: only a failed `BEGIN` is safe to retry.
enum Failed {
    AtBegin(postgres::Error),
    Later(StoreError),
}

impl From<Failed> for StoreError {
    fn from(failed: Failed) -> Self {
        match failed {
            Failed::AtBegin(err) => err.into(),
            Failed::Later(err) => err,
        }
    }
}

/// The URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Database for PostgresDatabase {
    fn write(&self, body: &mut TxBody<'_>) -> Result<(), StoreError> {
        self.run(true, body)
    }

    fn read(&self, body: &mut TxBody<'_>) -> Result<(), StoreError> {
        self.run(false, body)
    }

    fn presence_cache(&self) -> &super::PresenceCache {
        &self.presence
    }
}

struct PostgresTx<'a, 'c> {
    tx: &'a mut Transaction<'c>,
    /// The connection's prepared statements, by their SQL.
    statements: &'a mut HashMap<String, Statement>,
    presence_saved: Vec<(i64, PresenceState)>,
}

/// A column, as an error rather than a panic when the row is not what the schema says.
trait Column {
    fn col<'a, T: postgres::types::FromSql<'a>>(&'a self, index: usize) -> Result<T, StoreError>;
}

impl Column for Row {
    fn col<'a, T: postgres::types::FromSql<'a>>(&'a self, index: usize) -> Result<T, StoreError> {
        self.try_get(index).map_err(StoreError::from)
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn time(value: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(value)
        .ok_or_else(|| StoreError::Backend(format!("timestamp {value} is out of range")))
}

fn opt_time(value: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    value.map(time).transpose()
}

fn parsed<T: std::str::FromStr<Err = String>>(text: &str) -> Result<T, StoreError> {
    text.parse().map_err(StoreError::Backend)
}

fn user_record(row: &Row) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        info: UserInfo {
            id: row.col(0)?,
            username: row.col(1)?,
            email: row.col(2)?,
            full_name: row.col(3)?,
            is_admin: row.col(4)?,
        },
        password_hash: row.col(5)?,
    })
}

fn call_row(row: &Row) -> Result<CallRow, StoreError> {
    let session_id: &str = row.col(1)?;
    Ok(CallRow {
        id: row.col(0)?,
        session_id: Uuid::parse_str(session_id).map_err(StoreError::backend)?,
        room_name: row.col(2)?,
        call_type: parsed::<CallType>(row.col(3)?)?,
        status: parsed::<CallStatus>(row.col(4)?)?,
        initiator_id: row.col(5)?,
        recipient_id: row.col(6)?,
        started_at: opt_time(row.col(7)?)?,
        ended_at: opt_time(row.col(8)?)?,
        created_at: time(row.col(9)?)?,
    })
}

fn video_call_row(row: &Row) -> Result<VideoCallRow, StoreError> {
    let status: &str = row.col(3)?;
    Ok(VideoCallRow {
        id: row.col(0)?,
        meeting_id: row.col(1)?,
        caller_id: row.col(2)?,
        status: video_status(status).map_err(StoreError::Backend)?,
        started_at: time(row.col(4)?)?,
        ended_at: opt_time(row.col(5)?)?,
    })
}

const PRESENCE_COLUMNS: &str = "status, available_for_calls, status_message, last_seen, current_call, status_before_call, open_sockets, user_id";

fn presence_row(row: &Row) -> Result<(i64, PresenceState), StoreError> {
    let before: Option<&str> = row.col(5)?;
    let sockets: i64 = row.col(6)?;
    Ok((
        row.col(7)?,
        PresenceState {
            status: parsed::<PresenceStatus>(row.col(0)?)?,
            available_for_calls: row.col(1)?,
            status_message: row.col(2)?,
            last_seen: opt_time(row.col(3)?)?,
            current_call: row.col(4)?,
            status_before_call: before.map(parsed::<PresenceStatus>).transpose()?,
            open_sockets: u32::try_from(sockets).unwrap_or(0),
        },
    ))
}

impl PostgresTx<'_, '_> {
    /// `sql` prepared on this connection, once.
    fn prepared(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.prepared(sql)?;
        self.tx.query(&statement, params)
    }

    fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, postgres::Error> {
        let statement = self.prepared(sql)?;
        self.tx.query_opt(&statement, params)
    }

    fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, postgres::Error> {
        let statement = self.prepared(sql)?;
        self.tx.query_one(&statement, params)
    }

    fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        let statement = self.prepared(sql)?;
        self.tx.execute(&statement, params)
    }

    /// Runs `work` inside a savepoint: a failed statement aborts a PostgreSQL
    /// transaction, so a refused insert must be rolled back to here for the domain code
    /// to carry on (as it can with SQLite).
    fn in_savepoint<T>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.tx.batch_execute("SAVEPOINT sb")?;
        let result = work(self);
        let end = if result.is_ok() {
            "RELEASE SAVEPOINT sb"
        } else {
            "ROLLBACK TO SAVEPOINT sb; RELEASE SAVEPOINT sb"
        };
        self.tx.batch_execute(end)?;
        result
    }

    fn query_calls(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<CallRow>, StoreError> {
        self.query(sql, params)?.iter().map(call_row).collect()
    }

    fn meeting_participants(&mut self, meeting_id: i64) -> Result<Vec<i64>, StoreError> {
        self.query(
            "SELECT user_id FROM meeting_participants WHERE meeting_id = $1 ORDER BY user_id",
            &[&meeting_id],
        )?
        .iter()
        .map(|row| row.col(0))
        .collect()
    }

    fn meetings_where(&mut self, sql: &str, arg: i64) -> Result<Vec<MeetingRow>, StoreError> {
        let rows = self.query(sql, &[&arg])?;
        let mut meetings = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.col(0)?;
            meetings.push(MeetingRow {
                id,
                title: row.col(1)?,
                host_id: row.col(2)?,
                participant_ids: self.meeting_participants(id)?,
                status: parsed::<MeetingStatus>(row.col(3)?)?,
                scheduled_at: opt_time(row.col(4)?)?,
                created_at: time(row.col(5)?)?,
            });
        }
        Ok(meetings)
    }
}

impl Tx for PostgresTx<'_, '_> {
    fn insert_user(&mut self, user: &NewUser, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let inserted = self.in_savepoint(|me| {
            me.query_one(
                    "INSERT INTO users (username, email, full_name, password_hash, is_admin, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        &user.username,
                        &user.email,
                        &user.full_name,
                        &user.password_hash,
                        &user.is_admin,
                        &micros(now),
                    ],
                )
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(String::new())
                    } else {
                        e.into()
                    }
                })
                .and_then(|row| row.col::<i64>(0))
        });
        match inserted {
            Err(StoreError::Conflict(_)) => {
                let taken = self.query_opt(
                    "SELECT 1 FROM users WHERE lower(username) = lower($1)",
                    &[&user.username],
                )?;
                Err(StoreError::account_taken(user, taken.is_some()))
            }
            other => other,
        }
    }

    fn user(&mut self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        self.query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            &[&id],
        )?
        .as_ref()
        .map(user_record)
        .transpose()
    }

    fn user_by_login(&mut self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        self.query_opt(
            &format!(
                "SELECT {USER_COLUMNS} FROM users
                     WHERE lower(username) = lower($1) OR (email <> '' AND lower(email) = lower($1))
                     ORDER BY (lower(username) = lower($1)) DESC LIMIT 1"
            ),
            &[&login],
        )?
        .as_ref()
        .map(user_record)
        .transpose()
    }

    fn users(&mut self) -> Result<Vec<UserInfo>, StoreError> {
        self.query(
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY lower(username)"),
            &[],
        )?
        .iter()
        .map(|row| user_record(row).map(|r| r.info))
        .collect()
    }

    fn presence(&mut self, user_id: i64) -> Result<PresenceState, StoreError> {
        let row = self.query_opt(
            &format!("SELECT {PRESENCE_COLUMNS} FROM presence WHERE user_id = $1"),
            &[&user_id],
        )?;
        Ok(match row {
            Some(row) => presence_row(&row)?.1,
            None => PresenceState::default(),
        })
    }

    fn save_presence(&mut self, user_id: i64, p: &PresenceState) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO presence (user_id, status, available_for_calls, status_message, last_seen,
                                   current_call, status_before_call, open_sockets)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (user_id) DO UPDATE SET
                status = excluded.status,
                available_for_calls = excluded.available_for_calls,
                status_message = excluded.status_message,
                last_seen = excluded.last_seen,
                current_call = excluded.current_call,
                status_before_call = excluded.status_before_call,
                open_sockets = excluded.open_sockets",
            &[
                &user_id,
                &p.status.as_str(),
                &p.available_for_calls,
                &p.status_message,
                &p.last_seen.map(micros),
                &p.current_call,
                &p.status_before_call.map(|s| s.as_str()),
                &i64::from(p.open_sockets),
            ],
        )?;
        self.presence_saved.push((user_id, p.clone()));
        Ok(())
    }

    fn all_presence(&mut self) -> Result<Vec<(i64, PresenceState)>, StoreError> {
        self.query(
            &format!("SELECT {PRESENCE_COLUMNS} FROM presence ORDER BY user_id"),
            &[],
        )?
        .iter()
        .map(presence_row)
        .collect()
    }

    fn insert_call(&mut self, call: &CallRow) -> Result<i64, StoreError> {
        self.in_savepoint(|me| {
            let id: i64 = match me.query_one(
                "INSERT INTO calls (session_id, room_name, call_type, status, initiator_id, recipient_id,
                                    started_at, ended_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    &call.session_id.to_string(),
                    &call.room_name,
                    &call.call_type.as_str(),
                    &call.status.as_str(),
                    &call.initiator_id,
                    &call.recipient_id,
                    &call.started_at.map(micros),
                    &call.ended_at.map(micros),
                    &micros(call.created_at),
                ],
            ) {
                Ok(row) => row.col(0)?,
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::room_taken());
                }
                Err(e) => return Err(e.into()),
            };
            for user in [call.initiator_id, call.recipient_id] {
                match me.execute(
                    "INSERT INTO live_calls (user_id, call_id) VALUES ($1, $2)",
                    &[&user, &id],
                ) {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::in_another_call(user));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(id)
        })
    }

    fn call(&mut self, id: i64) -> Result<Option<CallRow>, StoreError> {
        Ok(self
            .query_calls(
                &format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = $1"),
                &[&id],
            )?
            .pop())
    }

    fn update_call(&mut self, call: &CallRow) -> Result<(), StoreError> {
        self.execute(
            "UPDATE calls SET status = $2, started_at = $3, ended_at = $4 WHERE id = $1",
            &[
                &call.id,
                &call.status.as_str(),
                &call.started_at.map(micros),
                &call.ended_at.map(micros),
            ],
        )?;
        if call.status.is_final() {
            self.execute("DELETE FROM live_calls WHERE call_id = $1", &[&call.id])?;
        }
        Ok(())
    }

    fn live_call_of(&mut self, user_id: i64) -> Result<Option<CallRow>, StoreError> {
        Ok(self
            .query_calls(
                &format!(
                    "SELECT {CALL_COLUMNS} FROM calls WHERE id = (SELECT call_id FROM live_calls WHERE user_id = $1)"
                ),
                &[&user_id],
            )?
            .pop())
    }

    fn live_calls(&mut self) -> Result<Vec<CallRow>, StoreError> {
        self.query_calls(
            &format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE id IN (SELECT call_id FROM live_calls) ORDER BY id"
            ),
            &[],
        )
    }

    fn call_history(&mut self, q: &HistoryQuery) -> Result<(i64, Vec<CallRow>), StoreError> {
        let status = q.status.map(|s| s.as_str());
        let filter =
            "(initiator_id = $1 OR recipient_id = $1) AND ($2::TEXT IS NULL OR status = $2)";
        let count: i64 = self
            .query_one(
                &format!("SELECT COUNT(*) FROM calls WHERE {filter}"),
                &[&q.user_id, &status],
            )?
            .col(0)?;
        let rows = self.query_calls(
            &format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
            ),
            &[&q.user_id, &status, &q.limit, &q.offset],
        )?;
        Ok((count, rows))
    }

    fn insert_meeting(&mut self, m: &MeetingRow) -> Result<i64, StoreError> {
        let id: i64 = self
            .query_one(
                "INSERT INTO meetings (title, host_id, status, scheduled_at, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &m.title,
                    &m.host_id,
                    &m.status.as_str(),
                    &m.scheduled_at.map(micros),
                    &micros(m.created_at),
                ],
            )?
            .col(0)?;
        for user in &m.participant_ids {
            self.execute(
                "INSERT INTO meeting_participants (meeting_id, user_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&id, user],
            )?;
        }
        Ok(id)
    }

    fn meeting(&mut self, id: i64) -> Result<Option<MeetingRow>, StoreError> {
        Ok(self
            .meetings_where(
                "SELECT id, title, host_id, status, scheduled_at, created_at FROM meetings WHERE id = $1",
                id,
            )?
            .pop())
    }

    fn meetings_of(&mut self, user_id: i64) -> Result<Vec<MeetingRow>, StoreError> {
        self.meetings_where(
            "SELECT id, title, host_id, status, scheduled_at, created_at FROM meetings
             WHERE host_id = $1 OR id IN (SELECT meeting_id FROM meeting_participants WHERE user_id = $1)
             ORDER BY created_at DESC, id DESC",
            user_id,
        )
    }

    fn set_meeting_status(&mut self, id: i64, status: MeetingStatus) -> Result<(), StoreError> {
        self.execute(
            "UPDATE meetings SET status = $2 WHERE id = $1",
            &[&id, &status.as_str()],
        )?;
        Ok(())
    }

    fn delete_meeting(&mut self, id: i64) -> Result<(), StoreError> {
        self.execute("DELETE FROM meetings WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn insert_video_call(&mut self, c: &VideoCallRow) -> Result<i64, StoreError> {
        self.query_one(
            "INSERT INTO video_calls (meeting_id, caller_id, status, started_at, ended_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &c.meeting_id,
                &c.caller_id,
                &video_status_str(c.status),
                &micros(c.started_at),
                &c.ended_at.map(micros),
            ],
        )?
        .col(0)
    }

    fn video_call(&mut self, id: i64) -> Result<Option<VideoCallRow>, StoreError> {
        self.query_opt(
            &format!("SELECT {VIDEO_CALL_COLUMNS} FROM video_calls WHERE id = $1"),
            &[&id],
        )?
        .as_ref()
        .map(video_call_row)
        .transpose()
    }

    fn active_video_call_of_meeting(
        &mut self,
        meeting_id: i64,
    ) -> Result<Option<VideoCallRow>, StoreError> {
        self.query_opt(
                &format!(
                    "SELECT {VIDEO_CALL_COLUMNS} FROM video_calls WHERE meeting_id = $1 AND status = 'active' LIMIT 1"
                ),
                &[&meeting_id],
            )?
            .as_ref()
            .map(video_call_row)
            .transpose()
    }

    fn update_video_call(&mut self, c: &VideoCallRow) -> Result<(), StoreError> {
        self.execute(
            "UPDATE video_calls SET status = $2, ended_at = $3 WHERE id = $1",
            &[&c.id, &video_status_str(c.status), &c.ended_at.map(micros)],
        )?;
        Ok(())
    }

    fn revoke_token(&mut self, jti: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&jti, &micros(expires_at)],
        )?;
        // Expired tokens fail validation anyway: forget their revocations.
        self.execute(
            "DELETE FROM revoked_tokens WHERE expires_at < $1",
            &[&micros(Utc::now())],
        )?;
        Ok(())
    }

    fn is_token_revoked(&mut self, jti: &str) -> Result<bool, StoreError> {
        Ok(self
            .query_opt("SELECT 1 FROM revoked_tokens WHERE jti = $1", &[&jti])?
            .is_some())
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        self.query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?
            .map(|row| row.col(0))
            .transpose()
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn renew_instance(
        &mut self,
        instance: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let renewed = self.execute(
            "UPDATE instances SET expires_at = $2 WHERE id = $1",
            &[&instance, &micros(expires_at)],
        )?;
        if renewed == 0 {
            self.execute(
                "INSERT INTO instances (id, expires_at) VALUES ($1, $2)",
                &[&instance, &micros(expires_at)],
            )?;
        }
        Ok(renewed > 0)
    }

    fn drop_instance(&mut self, instance: &str) -> Result<(), StoreError> {
        self.execute("DELETE FROM instances WHERE id = $1", &[&instance])?;
        Ok(())
    }

    fn set_socket_lease(
        &mut self,
        instance: &str,
        user_id: i64,
        sockets: u32,
    ) -> Result<u32, StoreError> {
        if sockets == 0 {
            self.execute(
                "DELETE FROM socket_leases WHERE instance = $1 AND user_id = $2",
                &[&instance, &user_id],
            )?;
        } else {
            self.execute(
                "INSERT INTO socket_leases (instance, user_id, sockets) VALUES ($1, $2, $3)
                 ON CONFLICT (instance, user_id) DO UPDATE SET sockets = excluded.sockets",
                &[&instance, &user_id, &i64::from(sockets)],
            )?;
        }
        self.sockets_of(user_id)
    }

    fn reclaim_leases(&mut self, now: DateTime<Utc>) -> Result<Vec<(i64, u32)>, StoreError> {
        self.execute(
            "DELETE FROM instances WHERE expires_at < $1",
            &[&micros(now)],
        )?;
        let users = self
            .query(
                "DELETE FROM socket_leases WHERE instance NOT IN (SELECT id FROM instances)
                 RETURNING user_id",
                &[],
            )?
            .iter()
            .map(|row| row.col::<i64>(0))
            .collect::<Result<std::collections::BTreeSet<_>, _>>()?;
        users
            .into_iter()
            .map(|user_id| Ok((user_id, self.sockets_of(user_id)?)))
            .collect()
    }
}

impl PostgresTx<'_, '_> {
    /// A user's notification sockets on all instances.
    fn sockets_of(&mut self, user_id: i64) -> Result<u32, StoreError> {
        let total: i64 = self
            .query_one(
                "SELECT COALESCE(SUM(sockets), 0)::BIGINT FROM socket_leases WHERE user_id = $1",
                &[&user_id],
            )?
            .col(0)?;
        Ok(u32::try_from(total).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("postgres://sb:secret@db:5432/sb"),
            "postgres://sb:***@db:5432/sb"
        );
        assert_eq!(redact("postgres://db/sb"), "postgres://db/sb");
        assert_eq!(redact("not a url"), "not a url");
    }
}
