//! The PostgreSQL engine, for several server instances sharing one database.
//!
//! Transactions run on pooled connections of the synchronous `postgres` client, on the
//! same blocking threads as SQLite's. Domain code reads then writes (is the callee free?
//! then ring), so writes are kept apart with transaction-scoped advisory locks, across
//! all instances:
//! - a plain write takes one lock exclusively, so it runs alone, the way SQLite's single
//!   writer runs every write;
//! - a keyed write (the hot rules: calls starting and changing, heartbeats) takes that
//!   lock shared, and then locks the call and the users it touches ([`super::Tx::lock`]). Keyed
//!   writes about other people run side by side, on one instance or several; each reads
//!   after its locks, at `READ COMMITTED`, so it sees every commit that touched its keys.
//!
//! Reads take no lock and see a consistent snapshot (`REPEATABLE READ`). The schema's own
//! constraints (one live call per user, unique usernames) hold whatever the application
//! does.

use super::sql::{self, SqlTx};
use super::{Database, Mode, StorageError, TxBody};
use conn::{CachedClient, CachingManager, PgConn};
use postgres::config::SslMode;
use postgres::error::SqlState;
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

#[path = "postgres/conn.rs"]
mod conn;

/// Schema versions, applied in order; `schema_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("postgres/0001_initial.sql"),
    include_str!("postgres/0002_socket_leases.sql"),
    include_str!("postgres/0003_accounts_and_invites.sql"),
    include_str!("postgres/0004_meetings_by_host.sql"),
    include_str!("postgres/0005_calls_about_records.sql"),
    include_str!("postgres/0006_webhooks.sql"),
    include_str!("postgres/0007_callbacks.sql"),
    include_str!("postgres/0008_notes_and_camp_ons.sql"),
    include_str!("postgres/0009_hold.sql"),
    include_str!("postgres/0010_escalation.sql"),
    include_str!("postgres/0011_parked_calls.sql"),
];

/// The advisory lock every write transaction holds: exclusively for a plain write, shared
/// for a keyed one (any constant unique to Switchboard, below [`super::LockKey`]'s numbers).
const WRITE_LOCK: i64 = 0x5357_4254_4348; // "SWBTCH"
/// A second lock for migrations, so two instances starting together migrate once.
const MIGRATE_LOCK: i64 = 0x5357_4254_4d47;

type Pool = r2d2::Pool<CachingManager>;

pub struct PostgresDatabase {
    /// `None` only while dropping (see `Drop`).
    pool: Option<Pool>,
    max_connections: u32,
    presence: super::PresenceCache,
    /// Held from a commit that saved presence until the cache has it: two transactions
    /// that save one user's presence commit in lock order, and this keeps their rows
    /// reaching the cache in that order (keyed writes commit side by side).
    commit_order: std::sync::Mutex<()>,
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

impl From<postgres::Error> for StorageError {
    /// With the server's own message: `postgres::Error` alone says only "db error".
    fn from(err: postgres::Error) -> Self {
        match std::error::Error::source(&err) {
            Some(cause) => StorageError::Backend(format!("{err}: {cause}")),
            None => StorageError::Backend(err.to_string()),
        }
    }
}

impl PostgresDatabase {
    /// Connects to `url` (`postgres://user:pass@host:port/db`), with up to `connections`
    /// pooled connections, and brings the schema up to date.
    pub fn connect(url: &str, connections: u32) -> Result<Self, StorageError> {
        let (config, tls) = connection_config(url)?;
        let manager = CachingManager(PostgresConnectionManager::new(config, tls));
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
                StorageError::Backend(format!(
                    "cannot connect to PostgreSQL at {}: {e}",
                    redact(url)
                ))
            })?;
        let db = PostgresDatabase {
            pool: Some(pool),
            max_connections,
            presence: super::PresenceCache::default(),
            commit_order: std::sync::Mutex::new(()),
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

    fn client(&self) -> Result<r2d2::PooledConnection<CachingManager>, StorageError> {
        self.pool
            .as_ref()
            .ok_or_else(|| StorageError::backend("the database is closing"))?
            .get()
            .map_err(|e| StorageError::Backend(format!("no PostgreSQL connection available: {e}")))
    }

    fn migrate(&self) -> Result<(), StorageError> {
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
            .map(|row| row.try_get(0))
            .transpose()?;
        let applied = usize::try_from(applied.unwrap_or(0)).unwrap_or(usize::MAX);
        if applied > MIGRATIONS.len() {
            return Err(StorageError::Backend(format!(
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

    fn run(&self, kind: Mode, body: &mut TxBody<'_>) -> Result<(), StorageError> {
        let mut closed_connections = 0;
        loop {
            let mut pooled = self.client()?;
            match self.run_on(&mut pooled, kind, body) {
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
                result => return result.map_err(StorageError::from),
            }
        }
    }

    fn run_on(
        &self,
        pooled: &mut CachedClient,
        kind: Mode,
        body: &mut TxBody<'_>,
    ) -> Result<(), Failed> {
        let CachedClient {
            client, statements, ..
        } = pooled;
        // A simple query: one round trip, where a parameterised one takes two.
        let lock = match kind {
            Mode::Read => None,
            Mode::Write => Some(format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})")),
            Mode::WriteKeyed => Some(format!("SELECT pg_advisory_xact_lock_shared({WRITE_LOCK})")),
        };
        let mut tx = if let Some(lock) = lock {
            let mut tx = client.transaction().map_err(Failed::AtBegin)?;
            tx.batch_execute(&lock)
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
        let mut handle = SqlTx::new(
            PgConn {
                tx: &mut tx,
                statements,
            },
            &sql::POSTGRES,
        );
        body(&mut handle).map_err(Failed::Later)?;
        let saved = std::mem::take(&mut handle.presence_saved);
        let _in_order = (!saved.is_empty())
            .then(|| self.commit_order.lock().unwrap_or_else(|e| e.into_inner()));
        tx.commit().map_err(|e| Failed::Later(e.into()))?;
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
    Later(StorageError),
}

impl From<Failed> for StorageError {
    fn from(failed: Failed) -> Self {
        match failed {
            Failed::AtBegin(err) => err.into(),
            Failed::Later(err) => err,
        }
    }
}

/// The URL without its password, for messages and logs.
/// The connection settings in `url`, and its TLS as libpq reads `sslmode` (tokio-postgres
/// itself knows only disable, prefer and require, and never checks a certificate):
/// `disable`; `prefer` (the default) and `require`, encrypted without checking whose
/// certificate it is; `verify-ca` and `verify-full`, a certificate signed by the system's
/// authorities or by `sslrootcert` (a PEM file) for the host's name (both check the name).
pub fn connection_config(url: &str) -> Result<(postgres::Config, MakeRustlsConnect), StorageError> {
    let not_a_url = |e: String| {
        StorageError::Backend(format!(
            "{} is not a PostgreSQL URL ({e}); use postgres://user:password@host:5432/database",
            redact(url)
        ))
    };
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let (mut sslmode, mut rootcert, mut rest) = ("prefer".to_owned(), None, Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", mode)) => sslmode = mode.to_owned(),
            Some(("sslrootcert", path)) => rootcert = Some(std::path::PathBuf::from(path)),
            _ => rest.push(pair),
        }
    }
    let url_for_driver = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let mut config: postgres::Config = url_for_driver
        .parse()
        .map_err(|e| not_a_url(format!("{e}")))?;
    let tls_failed = |e: switchboard_tls::TlsError| StorageError::Backend(format!("{e}"));
    let (mode, tls) = match sslmode.as_str() {
        "disable" => (SslMode::Disable, switchboard_tls::encryption_only_config()),
        "allow" | "prefer" => (SslMode::Prefer, switchboard_tls::encryption_only_config()),
        "require" => (SslMode::Require, switchboard_tls::encryption_only_config()),
        "verify-ca" | "verify-full" => (
            SslMode::Require,
            switchboard_tls::authority_config(rootcert.as_deref()),
        ),
        other => {
            return Err(not_a_url(format!(
                "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
            )));
        }
    };
    config.ssl_mode(mode);
    Ok((config, MakeRustlsConnect::new(tls.map_err(tls_failed)?)))
}

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
    fn write(&self, body: &mut TxBody<'_>) -> Result<(), StorageError> {
        self.run(Mode::Write, body)
    }

    fn write_keyed(&self, body: &mut TxBody<'_>) -> Result<(), StorageError> {
        self.run(Mode::WriteKeyed, body)
    }

    fn read(&self, body: &mut TxBody<'_>) -> Result<(), StorageError> {
        self.run(Mode::Read, body)
    }

    fn presence_cache(&self) -> &super::PresenceCache {
        &self.presence
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
