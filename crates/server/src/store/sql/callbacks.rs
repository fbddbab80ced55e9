//! Call-backs (issue 20): the tasks, the ones due for their notification (claimed with a
//! compare-and-set on `notified_at`, so one instance of several sends it), and the open
//! ones between two people, which a call between them completes.

use super::rows::regarding_at;
use super::{Columns, Conn, SqlRow, SqlTx};
use crate::store::{CallbackRow, StorageError};
use chrono::{DateTime, Utc};

macro_rules! callback_columns {
    () => {
        "id, owner_id, user_id, due_at, regarding_type, regarding_id, regarding_label, regarding_url, note, call_id, created_at, notified_at, completed_at, completed_by_call"
    };
}

fn callback_row(row: &dyn SqlRow) -> Result<CallbackRow, StorageError> {
    Ok(CallbackRow {
        id: row.int(0)?,
        owner_id: row.int(1)?,
        user_id: row.int(2)?,
        due_at: row.time(3)?,
        regarding: regarding_at(row, 4)?,
        note: row.opt_text(8)?,
        call_id: row.opt_int(9)?,
        created_at: row.time(10)?,
        notified_at: row.opt_time(11)?,
        completed_at: row.opt_time(12)?,
        completed_by_call: row.opt_int(13)?,
    })
}

impl<C: Conn> SqlTx<C> {
    pub(super) fn callback_insert(&mut self, c: &CallbackRow) -> Result<i64, StorageError> {
        let regarding = c.regarding.as_ref();
        self.insert(
            "INSERT INTO callbacks (owner_id, user_id, due_at, regarding_type, regarding_id,
                                    regarding_label, regarding_url, note, call_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            &[
                c.owner_id.into(),
                c.user_id.into(),
                c.due_at.into(),
                regarding.map(|r| r.kind.as_str()).into(),
                regarding.map(|r| r.id.as_str()).into(),
                regarding.map(|r| r.label.as_str()).into(),
                regarding.and_then(|r| r.url.as_deref()).into(),
                c.note.as_deref().into(),
                c.call_id.into(),
                c.created_at.into(),
            ],
            || StorageError::Conflict("This call-back already exists.".into()),
        )
    }

    pub(super) fn callback_by_id(&mut self, id: i64) -> Result<Option<CallbackRow>, StorageError> {
        self.row(
            concat!(
                "SELECT ",
                callback_columns!(),
                " FROM callbacks WHERE id = ?1"
            ),
            &[id.into()],
            callback_row,
        )
    }

    /// Open ones by due time, then the 50 done most recently.
    pub(super) fn callbacks_owned(&mut self, owner: i64) -> Result<Vec<CallbackRow>, StorageError> {
        let mut open = self.rows(
            concat!(
                "SELECT ",
                callback_columns!(),
                " FROM callbacks WHERE owner_id = ?1 AND completed_at IS NULL ORDER BY due_at, id"
            ),
            &[owner.into()],
            callback_row,
        )?;
        open.extend(self.rows(
            concat!(
                "SELECT ",
                callback_columns!(),
                " FROM callbacks WHERE owner_id = ?1 AND completed_at IS NOT NULL
                  ORDER BY completed_at DESC, id DESC LIMIT 50"
            ),
            &[owner.into()],
            callback_row,
        )?);
        Ok(open)
    }

    pub(super) fn callbacks_open_count(&mut self, owner: i64) -> Result<i64, StorageError> {
        self.int(
            "SELECT COUNT(*) FROM callbacks WHERE owner_id = ?1 AND completed_at IS NULL",
            &[owner.into()],
        )
    }

    pub(super) fn callback_save(&mut self, c: &CallbackRow) -> Result<(), StorageError> {
        self.execute(
            "UPDATE callbacks SET due_at = ?2, note = ?3, notified_at = ?4, completed_at = ?5,
                                  completed_by_call = ?6
             WHERE id = ?1",
            &[
                c.id.into(),
                c.due_at.into(),
                c.note.as_deref().into(),
                c.notified_at.into(),
                c.completed_at.into(),
                c.completed_by_call.into(),
            ],
        )?;
        Ok(())
    }

    pub(super) fn callback_delete(&mut self, id: i64) -> Result<bool, StorageError> {
        Ok(self.execute("DELETE FROM callbacks WHERE id = ?1", &[id.into()])? > 0)
    }

    pub(super) fn callbacks_open_between(
        &mut self,
        a: i64,
        b: i64,
    ) -> Result<Vec<CallbackRow>, StorageError> {
        self.rows(
            concat!(
                "SELECT ",
                callback_columns!(),
                " FROM callbacks WHERE completed_at IS NULL
                   AND ((owner_id = ?1 AND user_id = ?2) OR (owner_id = ?2 AND user_id = ?1))
                 ORDER BY id"
            ),
            &[a.into(), b.into()],
            callback_row,
        )
    }

    pub(super) fn callback_next_due(&mut self) -> Result<Option<DateTime<Utc>>, StorageError> {
        let mut next = None;
        self.conn.query(
            "SELECT MIN(due_at) FROM callbacks WHERE completed_at IS NULL AND notified_at IS NULL",
            &[],
            &mut |row| {
                next = row.opt_time(0)?;
                Ok(())
            },
        )?;
        Ok(next)
    }

    pub(super) fn callbacks_due_by(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Vec<CallbackRow>, StorageError> {
        self.rows(
            concat!(
                "SELECT ",
                callback_columns!(),
                " FROM callbacks WHERE completed_at IS NULL AND notified_at IS NULL AND due_at <= ?1
                 ORDER BY due_at, id LIMIT 100"
            ),
            &[now.into()],
            callback_row,
        )
    }

    pub(super) fn callback_claim_notice(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        Ok(self.execute(
            "UPDATE callbacks SET notified_at = ?2
             WHERE id = ?1 AND notified_at IS NULL AND completed_at IS NULL",
            &[id.into(), now.into()],
        )? == 1)
    }
}
