//! The PostgreSQL side of the shared SQL: pooled connections that keep their prepared
//! statements, and the [`Conn`] a transaction runs its statements through.

use crate::store::StorageError;
use crate::store::sql::{Conn, EachRow, SqlError, Value, sql_row_by};
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Row, Statement, Transaction};
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;

/// A pooled connection with the statements it has prepared. Preparing is a round trip
/// of its own (and a parse and plan on the server), so each statement is prepared once
/// per connection rather than once per use: about half the round trips of a write.
pub struct CachedClient {
    pub client: postgres::Client,
    pub statements: HashMap<&'static str, Statement>,
    /// Set when the server has closed this connection, so the pool drops it.
    pub closed: bool,
}

/// r2d2_postgres's manager, with a statement cache on each connection.
pub struct CachingManager(pub PostgresConnectionManager<tokio_postgres_rustls::MakeRustlsConnect>);

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

/// One transaction's connection, as the shared SQL sees it.
pub struct PgConn<'a, 'c> {
    pub tx: &'a mut Transaction<'c>,
    /// The connection's prepared statements, by their SQL.
    pub statements: &'a mut HashMap<&'static str, Statement>,
}

impl PgConn<'_, '_> {
    /// `sql` prepared on this connection, once; its `?N` placeholders become `$N`.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, SqlError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(&sql.replace('?', "$")).map_err(sql_error)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => v.to_sql_checked(ty, out),
            Value::Text(v) => v.to_sql_checked(ty, out),
            Value::Bool(v) => v.to_sql_checked(ty, out),
        }
    }

    /// Checked per value in `to_sql`: a NULL fits any column.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn sql_error(err: postgres::Error) -> SqlError {
    if err.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        SqlError::UniqueViolation
    } else {
        SqlError::Other(err.into())
    }
}

sql_row_by!(Row, try_get);

fn params<'p>(values: &'p [Value<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Conn for PgConn<'_, '_> {
    fn execute(&mut self, sql: &'static str, values: &[Value<'_>]) -> Result<u64, SqlError> {
        let statement = self.prepared(sql)?;
        self.tx
            .execute(&statement, &params(values))
            .map_err(sql_error)
    }

    fn query(
        &mut self,
        sql: &'static str,
        values: &[Value<'_>],
        each: &mut EachRow<'_>,
    ) -> Result<(), SqlError> {
        let statement = self.prepared(sql)?;
        for row in self
            .tx
            .query(&statement, &params(values))
            .map_err(sql_error)?
        {
            each(&row)?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &'static str) -> Result<(), SqlError> {
        self.tx.batch_execute(sql).map_err(sql_error)
    }

    /// One round trip: numbers only, so the simple protocol carries them safely, one
    /// statement per lock so they are taken in the order given.
    fn lock(&mut self, keys: &[i64]) -> Result<(), SqlError> {
        if keys.is_empty() {
            return Ok(());
        }
        let sql: String = keys
            .iter()
            .map(|key| format!("SELECT pg_advisory_xact_lock({key});"))
            .collect();
        self.tx.batch_execute(&sql).map_err(sql_error)
    }
}
