//! What a call's record gathered for the CRM (issue 20): the history filtered by record,
//! outcome and note text, and the participants' logs.

use super::rows::{call_log_row, call_row};
use super::{Conn, SqlTx, Value};
use crate::store::{CallRow, HistoryQuery, StorageError};
use switchboard_protocol::crm::CallLog;

impl<C: Conn> SqlTx<C> {
    pub(super) fn history_page(
        &mut self,
        q: &HistoryQuery,
    ) -> Result<(i64, Vec<CallRow>), StorageError> {
        // The CASTs give PostgreSQL the parameters' types when they are NULL. A note is
        // matched with LIKE, its own % and _ escaped.
        macro_rules! filter {
            () => {
                " FROM calls WHERE (initiator_id = ?1 OR recipient_id = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR status = ?2)
                   AND (CAST(?3 AS TEXT) IS NULL OR (regarding_type = ?3 AND regarding_id = ?4))
                   AND (CAST(?5 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM call_logs l
                        WHERE l.call_id = calls.id AND l.outcome = ?5))
                   AND (CAST(?6 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM call_logs l
                        WHERE l.call_id = calls.id
                          AND LOWER(l.note) LIKE '%' || LOWER(?6) || '%' ESCAPE '\\'))"
            };
        }
        let status: Value<'_> = q.status.map(|s| s.as_str()).into();
        let (kind, id) = match &q.regarding {
            Some((kind, id)) => (Some(kind.as_str()), Some(id.as_str())),
            None => (None, None),
        };
        let text = q.note_text.as_deref().map(|t| {
            t.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        });
        let filters: [Value<'_>; 6] = [
            q.user_id.into(),
            status,
            kind.into(),
            id.into(),
            q.outcome.as_deref().into(),
            text.as_deref().into(),
        ];
        let count = self.int(concat!("SELECT COUNT(*)", filter!()), &filters)?;
        let paged: Vec<Value<'_>> = filters
            .into_iter()
            .chain([q.limit.into(), q.offset.into()])
            .collect();
        let rows = self.rows(
            concat!(
                "SELECT ",
                call_columns!(),
                filter!(),
                " ORDER BY created_at DESC, id DESC LIMIT ?7 OFFSET ?8"
            ),
            &paged,
            call_row,
        )?;
        Ok((count, rows))
    }

    pub(super) fn logs_of_call(&mut self, call_id: i64) -> Result<Vec<CallLog>, StorageError> {
        // Sorted here, not by an ORDER BY: with one, SQLite (as rusqlite builds it, with
        // STAT4) plans the statement again at each new call id, and every read of a call
        // runs it (a tenth of an invite's CPU, docs/benchmarks.md). A call has at most one
        // log per participant.
        let mut logs = self.rows(
            "SELECT author_id, outcome, note, created_at, updated_at FROM call_logs
             WHERE call_id = ?1",
            &[call_id.into()],
            call_log_row,
        )?;
        logs.sort_by_key(|log| (log.created_at, log.author));
        Ok(logs)
    }

    pub(super) fn write_call_log(
        &mut self,
        call_id: i64,
        log: &CallLog,
    ) -> Result<(), StorageError> {
        self.execute(
            "INSERT INTO call_logs (call_id, author_id, outcome, note, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (call_id, author_id)
             DO UPDATE SET outcome = ?3, note = ?4, updated_at = ?6",
            &[
                call_id.into(),
                log.author.into(),
                log.outcome.as_deref().into(),
                log.note.as_deref().into(),
                log.created_at.into(),
                log.updated_at.into(),
            ],
        )?;
        Ok(())
    }
}
