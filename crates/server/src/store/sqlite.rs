//! The SQLite engine: one file in the data directory, WAL, migrations embedded.
//!
//! One connection behind a mutex serialises transactions; write transactions start
//! `IMMEDIATE` so a read-then-write never loses a race. `synchronous=NORMAL` in WAL mode
//! keeps every committed transaction across a process crash (`kill -9`); only a power
//! loss can take back the last few commits.

use super::sql::{self, Conn, EachRow, SqlError, SqlTx, Value, sql_row_by};
use super::{AccountState, Database, StandingHook, StorageError, TokenStanding, Tx, TxBody};
use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use switchboard_protocol::PresenceState;

/// Prepared statements kept per connection. More than the store's distinct statements
/// (about 40): with rusqlite's default of 16 they evicted each other, and re-preparing
/// was a quarter of the time an invite spent in SQLite (docs/performance.md).
const STATEMENT_CACHE: usize = 64;

/// Schema versions, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("sqlite/0001_initial.sql"),
    include_str!("sqlite/0002_socket_leases.sql"),
    include_str!("sqlite/0003_accounts_and_invites.sql"),
    include_str!("sqlite/0004_meetings_by_host.sql"),
    include_str!("sqlite/0005_calls_about_records.sql"),
    include_str!("sqlite/0006_webhooks.sql"),
    include_str!("sqlite/0007_callbacks.sql"),
    include_str!("sqlite/0008_notes_and_camp_ons.sql"),
    include_str!("sqlite/0009_hold.sql"),
    include_str!("sqlite/0010_escalation.sql"),
    include_str!("sqlite/0011_parked_calls.sql"),
];

pub struct SqliteDatabase {
    conn: Mutex<Connection>,
    /// The WAL's length in frames after the last commit (from the WAL hook).
    wal_frames: std::sync::Arc<AtomicI32>,
    presence: super::PresenceCache,
    /// Every unexpired revocation (jti → token expiry): this process is the database's
    /// only writer, so checking a token needs no query (and no turn on the connection).
    revoked: dashmap::DashMap<String, DateTime<Utc>>,
    /// Accounts that are not plainly active (disabled, deleted, signed out everywhere):
    /// state and token epoch. Absent means active in epoch 0.
    standings: dashmap::DashMap<i64, (AccountState, i64)>,
    /// The checkpoint thread (a file's database only), told to finish on drop.
    checkpointer: Option<Checkpointer>,
    /// `PRAGMA data_version` when the caches above last matched the file. It changes when
    /// another process commits (an administrator's `switchboard-server user …` while
    /// this one serves): then they are read again (see [`SqliteDatabase::catch_up`]).
    seen_version: AtomicI64,
    /// When a token check last looked for such commits, in ms since `opened`: at most
    /// once a second, and never waiting for the connection.
    looked_at_ms: AtomicU64,
    opened: Instant,
    /// Told of the accounts another process changed, with the connection held: it must
    /// not use the store (it publishes to the sockets, which never waits).
    outside_changes: std::sync::OnceLock<StandingHook>,
}

/// How often, at most, a token check looks for another process's commits.
const LOOK_OUTSIDE_EVERY_MS: u64 = 1000;

impl Drop for SqliteDatabase {
    fn drop(&mut self) {
        if let Some(checkpointer) = &mut self.checkpointer {
            checkpointer.finish();
        }
    }
}

/// How often, at most, the background thread folds the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// A commit that leaves the WAL this many frames (pages) long wakes the checkpointer at
/// once. Each commit adds its pages to the WAL's hash index, probing past every earlier
/// frame of the same page, so the longer the WAL the dearer every commit; and SQLite
/// starts the WAL over only at a write that begins after a checkpoint has copied all of
/// it. A checkpoint every 500 ms under a steady load of invites let the WAL grow to
/// 1,500 frames between new starts (docs/performance.md).
const CHECKPOINT_AT_FRAMES: i32 = 256;

/// The WAL's length at which the writing connection checkpoints between two of its own
/// transactions, because the thread's passes did not keep up (commits landing during
/// every pass, as a fast stream of writes does): no commit can land during this one, so
/// it copies everything and the next write starts the WAL over. It costs that one
/// transaction's caller the copy and its fsyncs.
const CHECKPOINT_HERE_AT_FRAMES: i32 = 1024;

/// Passes of one wake-up at most: a pass that ends with frames left (commits went on
/// while it copied and synced) is followed by another, shorter one.
const CHECKPOINT_PASSES: usize = 3;

/// The least time between two wake-ups' passes: where another process's read holds the
/// WAL back, commits would otherwise wake the thread for passes that copy nothing.
const CHECKPOINT_GAP: Duration = Duration::from_millis(10);

/// The checkpointing thread: stopped when the database is dropped.
struct Checkpointer {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Unparked for a pass now.
    thread: std::thread::Thread,
    /// Taken by [`Checkpointer::finish`].
    running: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    /// Also when the database failed to open after the thread started.
    fn drop(&mut self) {
        self.finish();
    }
}

impl Checkpointer {
    /// Stops the thread and waits for its last checkpoint, which copies the whole WAL
    /// into the database file. Without the wait a stopping server exited first, and the
    /// file alone (what an administrator copies as a backup) missed the last writes.
    fn finish(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.unpark();
        if let Some(running) = self.running.take()
            && running.join().is_err()
        {
            tracing::warn!("the WAL checkpoint thread panicked");
        }
    }
}

/// Checkpoints on a connection of its own, so the copy and its fsync never run inside a
/// request's commit (with auto-checkpoints they stalled every request for 10–100 ms).
/// `PASSIVE` never blocks the writer. It runs every [`CHECKPOINT_EVERY`], and at once
/// when a commit leaves the WAL [`CHECKPOINT_AT_FRAMES`] long (see `open`).
fn spawn_checkpointer(path: &Path) -> Result<Checkpointer, StorageError> {
    let conn = Connection::open(path).map_err(StorageError::backend)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(StorageError::backend)?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let running = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            // (frames in the WAL, frames copied), or None when it failed.
            let checkpoint = |mode: &str| {
                conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
                    Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
                })
                .map_err(|e| tracing::warn!(error = %e, "WAL checkpoint failed"))
                .ok()
            };
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::park_timeout(CHECKPOINT_EVERY);
                for _ in 0..CHECKPOINT_PASSES {
                    match checkpoint("PASSIVE") {
                        Some((frames, copied)) if copied < frames => continue,
                        _ => break,
                    }
                }
                std::thread::sleep(CHECKPOINT_GAP);
            }
            // Passive: another process reading (an `sqlite3 .backup`, a command-line
            // tool) must not hold up the exit for the busy timeout. Closing the last
            // connection then folds in the rest and removes the WAL.
            checkpoint("PASSIVE");
        })
        .map_err(StorageError::backend)?;
    Ok(Checkpointer {
        stop,
        thread: running.thread().clone(),
        running: Some(running),
    })
}

impl SqliteDatabase {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let conn = Connection::open(path).map_err(|e| {
            StorageError::Backend(format!("cannot open the database {}: {e}", path.display()))
        })?;
        let mut db = Self::setup(conn)?;
        let checkpointer = spawn_checkpointer(path)?;
        {
            let mut conn = db.conn.lock().map_err(|_| {
                StorageError::backend("the database connection was poisoned by a panic")
            })?;
            // No checkpoints inside commits; this also clears SQLite's own WAL hook, so
            // ours goes in after it.
            conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")
                .map_err(StorageError::backend)?;
            let wake = checkpointer.thread.clone();
            let wal_frames = db.wal_frames.clone();
            conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, frames: i32| {
                wal_frames.store(frames, Ordering::Relaxed);
                if frames >= CHECKPOINT_AT_FRAMES {
                    wake.unpark();
                }
                Ok(())
            }))
            .map_err(StorageError::backend)?;
        }
        db.checkpointer = Some(checkpointer);
        Ok(db)
    }

    /// A private in-memory database, for tests of pure domain code.
    pub fn in_memory() -> Result<Self, StorageError> {
        Self::setup(Connection::open_in_memory().map_err(StorageError::backend)?)
    }

    fn setup(mut conn: Connection) -> Result<Self, StorageError> {
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(StorageError::backend)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Plans never depend on bound values. Without this, SQLite (built with STAT4, as
        // rusqlite builds it) marks some statements to be planned again whenever a new
        // value is bound, although they stay in the statement cache: the live-call
        // lookup was parsed and planned again four times per invite, and an invite cost
        // 1.6M instructions instead of 0.85M (docs/benchmarks.md).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(StorageError::backend)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(StorageError::backend)?;
        migrate(&mut conn)?;
        let db = SqliteDatabase {
            conn: Mutex::new(conn),
            presence: super::PresenceCache::default(),
            revoked: dashmap::DashMap::new(),
            standings: dashmap::DashMap::new(),
            checkpointer: None,
            wal_frames: std::sync::Arc::default(),
            seen_version: AtomicI64::new(0),
            looked_at_ms: AtomicU64::new(0),
            opened: Instant::now(),
            outside_changes: std::sync::OnceLock::new(),
        };
        {
            let conn = db
                .conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            db.seen_version
                .store(data_version(&conn)?, Ordering::Relaxed);
        }
        let mut loaded = Vec::new();
        db.run(Begin::Deferred, &mut |tx| {
            loaded = tx.all_presence()?;
            Ok(())
        })?;
        let revoked = unexpired_revocations(
            &db.conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )?;
        let standings = unusual_standings(
            &db.conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )?;
        db.presence.apply(loaded);
        db.remember_revoked(revoked);
        db.remember_standings(standings);
        Ok(db)
    }

    fn run(&self, behavior: Begin, body: &mut TxBody<'_>) -> Result<(), StorageError> {
        // A panic inside an earlier transaction dropped (rolled back) that transaction:
        // the connection itself is fine, so recover it instead of failing forever.
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = Transaction::begin(&conn, behavior).map_err(StorageError::backend)?;
        // Inside the transaction: a write transaction holds the write lock from here on,
        // so nothing committed elsewhere is missing from the caches it reads.
        if let Err(e) = self.catch_up(&conn) {
            tracing::warn!(error = %e, "cannot look for another process's changes");
        }
        let mut handle = SqlTx::new(SqliteConn(&conn, Some(&self.presence)), &sql::SQLITE);
        body(&mut handle)?;
        let saved = std::mem::take(&mut handle.presence_saved);
        let revoked = std::mem::take(&mut handle.revoked);
        let standings = std::mem::take(&mut handle.standings);
        tx.commit().map_err(StorageError::backend)?;
        // Still holding the connection: the caches see commits in commit order.
        self.presence.apply(saved);
        self.remember_revoked(revoked);
        self.remember_standings(standings);
        if self.wal_frames.load(Ordering::Relaxed) >= CHECKPOINT_HERE_AT_FRAMES {
            self.wal_frames.store(0, Ordering::Relaxed);
            checkpoint_between_commits(&conn);
        }
        Ok(())
    }

    /// Reads the standings and revocations again when another process committed since
    /// this connection last looked, and reports the accounts whose standing changed. The
    /// caller holds the connection (the hook must not use the store).
    fn catch_up(&self, conn: &Connection) -> Result<(), StorageError> {
        let version = data_version(conn)?;
        if self.seen_version.load(Ordering::Relaxed) == version {
            return Ok(());
        }
        let standings = unusual_standings(conn)?;
        let revoked = unexpired_revocations(conn)?;
        // Another process may have saved presence too (`user add` makes the new account's
        // row), and transactions read presence from the cache.
        let presence = SqlTx::new(SqliteConn(conn, None), &sql::SQLITE).all_presence()?;
        // Only once read: a failed read is tried again at the next look.
        self.seen_version.store(version, Ordering::Relaxed);
        let changed: Vec<(i64, AccountState, i64)> = standings
            .iter()
            .filter(|(user, state, epoch)| {
                self.standings.get(user).map(|s| *s) != Some((*state, *epoch))
            })
            .copied()
            .collect();
        // Accounts back to plainly active (enabled again) are forgotten.
        self.standings
            .retain(|user, _| standings.iter().any(|(u, ..)| u == user));
        self.remember_standings(standings);
        self.remember_revoked(revoked);
        self.presence.apply(presence);
        if !changed.is_empty() {
            tracing::info!(
                accounts = changed.len(),
                "accounts changed by another process"
            );
            if let Some(hook) = self.outside_changes.get() {
                hook(changed);
            }
        }
        Ok(())
    }

    fn remember_standings(&self, standings: Vec<(i64, AccountState, i64)>) {
        for (user_id, state, epoch) in standings {
            if state == AccountState::Active && epoch == 0 {
                self.standings.remove(&user_id);
            } else {
                self.standings.insert(user_id, (state, epoch));
            }
        }
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

/// How a transaction takes the database's lock.
#[derive(Clone, Copy)]
enum Begin {
    /// At its first read (a shared lock), and the write lock at its first write.
    Deferred,
    /// The write lock at once: a read-then-write never loses a race.
    Immediate,
}

/// A transaction begun and ended through the statement cache. rusqlite's own runs
/// `BEGIN` and `COMMIT` through `execute_batch`, which parses them again each time: 4–8k
/// instructions per transaction, a few thousand per socket connect (docs/benchmarks.md).
/// Dropped without [`Transaction::commit`] (an error, a panic), it rolls back.
struct Transaction<'c> {
    conn: &'c Connection,
    committed: bool,
}

impl<'c> Transaction<'c> {
    fn begin(conn: &'c Connection, behavior: Begin) -> rusqlite::Result<Self> {
        let sql = match behavior {
            Begin::Deferred => "BEGIN DEFERRED",
            Begin::Immediate => "BEGIN IMMEDIATE",
        };
        conn.prepare_cached(sql)?.execute([])?;
        Ok(Transaction {
            conn,
            committed: false,
        })
    }

    fn commit(mut self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        // SQLite may have rolled back on its own (some errors end the transaction).
        if !self.committed && !self.conn.is_autocommit() {
            let rolled_back = self
                .conn
                .prepare_cached("ROLLBACK")
                .and_then(|mut statement| statement.execute([]));
            if let Err(e) = rolled_back {
                tracing::warn!(error = %e, "could not roll back a failed transaction");
            }
        }
    }
}

/// A checkpoint on the writing connection, between two of its transactions (see
/// [`CHECKPOINT_HERE_AT_FRAMES`]). A failure is logged: the data is safe in the WAL.
fn checkpoint_between_commits(conn: &Connection) {
    let done = conn
        .prepare_cached("PRAGMA wal_checkpoint(PASSIVE)")
        .and_then(|mut statement| {
            statement.query_row([], |row| Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?)))
        });
    match done {
        Ok((frames, copied)) => tracing::debug!(frames, copied, "WAL checkpointed between commits"),
        Err(e) => tracing::warn!(error = %e, "WAL checkpoint between commits failed"),
    }
}

/// A number that changes whenever another connection commits to the file.
fn data_version(conn: &Connection) -> Result<i64, StorageError> {
    conn.prepare_cached("PRAGMA data_version")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
        .map_err(StorageError::backend)
}

/// Accounts that are not plainly active: (user, state, token epoch).
fn unusual_standings(conn: &Connection) -> Result<Vec<(i64, AccountState, i64)>, StorageError> {
    let mut found = Vec::new();
    SqliteConn(conn, None).query(sql::UNUSUAL_STANDINGS, &[], &mut |row| {
        found.push(sql::standing_row(row)?);
        Ok(())
    })?;
    Ok(found)
}

/// Revocations of tokens not yet expired: (jti, token expiry).
fn unexpired_revocations(conn: &Connection) -> Result<Vec<(String, DateTime<Utc>)>, StorageError> {
    let mut found = Vec::new();
    SqliteConn(conn, None).query(
        sql::UNEXPIRED_REVOCATIONS,
        &[Utc::now().into()],
        &mut |row| {
            found.push(sql::revocation_row(row)?);
            Ok(())
        },
    )?;
    Ok(found)
}

fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    let applied: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(StorageError::backend)?;
    let applied = usize::try_from(applied).unwrap_or(usize::MAX);
    if applied > MIGRATIONS.len() {
        return Err(StorageError::Backend(format!(
            "the database has schema version {applied}, newer than this Switchboard knows ({}); upgrade Switchboard",
            MIGRATIONS.len()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction().map_err(StorageError::backend)?;
        tx.execute_batch(sql).map_err(StorageError::backend)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)
            .map_err(StorageError::backend)?;
        tx.commit().map_err(StorageError::backend)?;
        tracing::info!(version = index + 1, "database schema migrated");
    }
    Ok(())
}

impl Database for SqliteDatabase {
    fn write(&self, body: &mut TxBody<'_>) -> Result<(), StorageError> {
        self.run(Begin::Immediate, body)
    }

    fn read(&self, body: &mut TxBody<'_>) -> Result<(), StorageError> {
        self.run(Begin::Deferred, body)
    }

    fn presence_cache(&self) -> &super::PresenceCache {
        &self.presence
    }

    fn standing_in_memory(&self, jti: &str, user_id: i64) -> Option<TokenStanding> {
        let now = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.looked_at_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= LOOK_OUTSIDE_EVERY_MS
            && self
                .looked_at_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            // Busy: the transaction holding it catches up itself. Not busy: one cached
            // pragma (microseconds) on this thread; a reload only after an outside commit.
            && let Ok(conn) = self.conn.try_lock()
            && let Err(e) = self.catch_up(&conn)
        {
            tracing::warn!(error = %e, "cannot look for another process's changes");
        }
        let account = self
            .standings
            .get(&user_id)
            .map_or((AccountState::Active, 0), |found| *found);
        Some(TokenStanding {
            revoked: self.revoked.contains_key(jti),
            account: Some(account),
        })
    }

    fn on_outside_changes(&self, hook: StandingHook) {
        let _ = self.outside_changes.set(hook);
    }
}

/// One transaction's connection, as the shared SQL sees it, and the presence cache when
/// it is exact: this process's commits are in it, and so are another process's, read
/// again by `catch_up` at the start of each transaction.
struct SqliteConn<'a>(&'a Connection, Option<&'a super::PresenceCache>);

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bool(v) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(v))),
        })
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(err: rusqlite::Error) -> Self {
        StorageError::Backend(err.to_string())
    }
}

fn sql_error(err: rusqlite::Error) -> SqlError {
    match &err {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == ErrorCode::ConstraintViolation
                && matches!(
                    e.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
        {
            SqlError::UniqueViolation
        }
        _ => SqlError::Other(err.into()),
    }
}

sql_row_by!(rusqlite::Row<'_>, get);

impl Conn for SqliteConn<'_> {
    fn execute(&mut self, sql: &'static str, params: &[Value<'_>]) -> Result<u64, SqlError> {
        let changed = self
            .0
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute(rusqlite::params_from_iter(params)))
            .map_err(sql_error)?;
        Ok(changed as u64)
    }

    fn query(
        &mut self,
        sql: &'static str,
        params: &[Value<'_>],
        each: &mut EachRow<'_>,
    ) -> Result<(), SqlError> {
        let mut statement = self.0.prepare_cached(sql).map_err(sql_error)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(params))
            .map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            each(row)?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &'static str) -> Result<(), SqlError> {
        self.0.execute_batch(sql).map_err(sql_error)
    }

    /// Nothing to take: every write transaction holds the database's one write lock.
    fn lock(&mut self, _keys: &[i64]) -> Result<(), SqlError> {
        Ok(())
    }

    fn committed_presence(&self, user_id: i64) -> Option<Option<PresenceState>> {
        self.1.map(|cache| cache.get(user_id))
    }
}

#[cfg(test)]
#[path = "sqlite/tests.rs"]
mod tests;
