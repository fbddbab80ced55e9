//! Which instance holds which notification sockets: the instances' registrations and
//! their socket leases (see `realtime::lease`).

use super::{Columns, Conn, SqlTx};
use crate::store::StorageError;
use chrono::{DateTime, Utc};

impl<C: Conn> SqlTx<C> {
    pub(super) fn instance_renew(
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

    pub(super) fn instance_drop(&mut self, instance: &str) -> Result<(), StorageError> {
        self.execute("DELETE FROM instances WHERE id = ?1", &[instance.into()])?;
        Ok(())
    }

    pub(super) fn lease_set(
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

    pub(super) fn leases_reclaim(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, u32)>, StorageError> {
        let lapsed = self.rows(
            "DELETE FROM instances WHERE expires_at < ?1 RETURNING id",
            &[now.into()],
            |row| row.text(0),
        )?;
        let mut users = std::collections::BTreeSet::new();
        // Rare (an instance stopped): the lease rows are found by the key's first column.
        for instance in &lapsed {
            users.extend(self.rows(
                "DELETE FROM socket_leases WHERE instance = ?1 RETURNING user_id",
                &[instance.as_str().into()],
                |row| row.int(0),
            )?);
        }
        self.totals_of(users)
    }

    pub(super) fn leases_reclaim_orphans(&mut self) -> Result<Vec<(i64, u32)>, StorageError> {
        let users = self.rows(
            "DELETE FROM socket_leases WHERE instance NOT IN (SELECT id FROM instances)
             RETURNING user_id",
            &[],
            |row| row.int(0),
        )?;
        self.totals_of(users.into_iter().collect())
    }

    /// Each user with the sockets they hold on all instances.
    fn totals_of(
        &mut self,
        users: std::collections::BTreeSet<i64>,
    ) -> Result<Vec<(i64, u32)>, StorageError> {
        users
            .into_iter()
            .map(|user_id| Ok((user_id, self.sockets_of(user_id)?)))
            .collect()
    }
}
