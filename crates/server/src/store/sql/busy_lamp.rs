//! Notes and camp-ons (issue 20 §4). A camp-on is taken by deleting it, so of several
//! instances that see its user become reachable, one tells the watcher.

use super::rows::regarding_at;
use super::{Columns, Conn, SqlRow, SqlTx};
use crate::store::{CampOnRow, NoteRow, StorageError};
use chrono::{DateTime, Utc};

macro_rules! note_columns {
    () => {
        "id, from_id, to_id, text, regarding_type, regarding_id, regarding_label, regarding_url, created_at, read_at"
    };
}

fn note_row(row: &dyn SqlRow) -> Result<NoteRow, StorageError> {
    Ok(NoteRow {
        id: row.int(0)?,
        from_id: row.int(1)?,
        to_id: row.int(2)?,
        text: row.text(3)?,
        regarding: regarding_at(row, 4)?,
        created_at: row.time(8)?,
        read_at: row.opt_time(9)?,
    })
}

fn camp_on_row(row: &dyn SqlRow) -> Result<CampOnRow, StorageError> {
    Ok(CampOnRow {
        id: row.int(0)?,
        watcher_id: row.int(1)?,
        user_id: row.int(2)?,
        created_at: row.time(3)?,
        expires_at: row.time(4)?,
    })
}

impl<C: Conn> SqlTx<C> {
    pub(super) fn note_insert(&mut self, n: &NoteRow) -> Result<i64, StorageError> {
        let regarding = n.regarding.as_ref();
        self.insert(
            "INSERT INTO notes (from_id, to_id, text, regarding_type, regarding_id,
                                regarding_label, regarding_url, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            &[
                n.from_id.into(),
                n.to_id.into(),
                (&n.text).into(),
                regarding.map(|r| r.kind.as_str()).into(),
                regarding.map(|r| r.id.as_str()).into(),
                regarding.map(|r| r.label.as_str()).into(),
                regarding.and_then(|r| r.url.as_deref()).into(),
                n.created_at.into(),
            ],
            || StorageError::Conflict("This note already exists.".into()),
        )
    }

    pub(super) fn note_by_id(&mut self, id: i64) -> Result<Option<NoteRow>, StorageError> {
        self.row(
            concat!("SELECT ", note_columns!(), " FROM notes WHERE id = ?1"),
            &[id.into()],
            note_row,
        )
    }

    pub(super) fn note_list(&mut self, to: i64, limit: i64) -> Result<Vec<NoteRow>, StorageError> {
        self.rows(
            concat!(
                "SELECT ",
                note_columns!(),
                " FROM notes WHERE to_id = ?1 ORDER BY id DESC LIMIT ?2"
            ),
            &[to.into(), limit.into()],
            note_row,
        )
    }

    pub(super) fn note_mark_read(
        &mut self,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        self.execute(
            "UPDATE notes SET read_at = ?2 WHERE id = ?1 AND read_at IS NULL",
            &[id.into(), at.into()],
        )?;
        Ok(())
    }

    pub(super) fn note_delete(&mut self, id: i64) -> Result<bool, StorageError> {
        Ok(self.execute("DELETE FROM notes WHERE id = ?1", &[id.into()])? > 0)
    }

    /// Replaces the watcher's camp-on on the same person, if any.
    pub(super) fn camp_on_insert(&mut self, c: &CampOnRow) -> Result<i64, StorageError> {
        self.execute(
            "DELETE FROM camp_ons WHERE watcher_id = ?1 AND user_id = ?2",
            &[c.watcher_id.into(), c.user_id.into()],
        )?;
        self.insert(
            "INSERT INTO camp_ons (watcher_id, user_id, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4) RETURNING id",
            &[
                c.watcher_id.into(),
                c.user_id.into(),
                c.created_at.into(),
                c.expires_at.into(),
            ],
            || StorageError::Conflict("You are already waiting for them.".into()),
        )
    }

    pub(super) fn camp_on_list(
        &mut self,
        watcher: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<CampOnRow>, StorageError> {
        self.rows(
            "SELECT id, watcher_id, user_id, created_at, expires_at FROM camp_ons
             WHERE watcher_id = ?1 AND expires_at > ?2 ORDER BY id",
            &[watcher.into(), now.into()],
            camp_on_row,
        )
    }

    pub(super) fn camp_on_delete(&mut self, id: i64, watcher: i64) -> Result<bool, StorageError> {
        Ok(self.execute(
            "DELETE FROM camp_ons WHERE id = ?1 AND watcher_id = ?2",
            &[id.into(), watcher.into()],
        )? > 0)
    }

    /// The unexpired camp-ons on `user`, deleted (expired ones go too): each one returned
    /// is this transaction's to tell.
    pub(super) fn camp_ons_take(
        &mut self,
        user: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<CampOnRow>, StorageError> {
        let taken = self.rows(
            "DELETE FROM camp_ons WHERE user_id = ?1
             RETURNING id, watcher_id, user_id, created_at, expires_at",
            &[user.into()],
            camp_on_row,
        )?;
        Ok(taken.into_iter().filter(|c| c.expires_at > now).collect())
    }
}
