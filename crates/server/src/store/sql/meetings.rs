//! Meetings (seed 002): the meeting rows, their participants, and their video call sessions.

use super::rows::{video_call_row, video_status_str};
use super::{Conn, SqlTx};
use crate::store::{MeetingRow, StorageError, VideoCallRow};
use switchboard_protocol::api::MeetingStatus;

impl<C: Conn> SqlTx<C> {
    pub(super) fn meeting_insert(&mut self, m: &MeetingRow) -> Result<i64, StorageError> {
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
        if !m.participant_ids.is_empty() {
            let users = super::json_ids(m.participant_ids.iter().copied());
            self.execute(
                self.dialect.add_participants,
                &[id.into(), users.as_str().into()],
            )?;
        }
        Ok(id)
    }

    pub(super) fn meeting_by_id(&mut self, id: i64) -> Result<Option<MeetingRow>, StorageError> {
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

    pub(super) fn meetings_page(
        &mut self,
        user_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<MeetingRow>), StorageError> {
        macro_rules! filter {
            () => {
                " FROM meetings
                 WHERE host_id = ?1 OR id IN (SELECT meeting_id FROM meeting_participants WHERE user_id = ?1)"
            };
        }
        let count = self.int(concat!("SELECT COUNT(*)", filter!()), &[user_id.into()])?;
        let rows = self.meetings(
            concat!(
                "SELECT ",
                meeting_columns!(),
                filter!(),
                " ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3"
            ),
            &[user_id.into(), limit.into(), offset.into()],
        )?;
        Ok((count, rows))
    }

    pub(super) fn meeting_set_status(
        &mut self,
        id: i64,
        status: MeetingStatus,
    ) -> Result<(), StorageError> {
        self.execute(
            "UPDATE meetings SET status = ?2 WHERE id = ?1",
            &[id.into(), status.as_str().into()],
        )?;
        Ok(())
    }

    pub(super) fn meeting_delete(&mut self, id: i64) -> Result<(), StorageError> {
        self.execute("DELETE FROM meetings WHERE id = ?1", &[id.into()])?;
        Ok(())
    }

    pub(super) fn video_call_insert(&mut self, c: &VideoCallRow) -> Result<i64, StorageError> {
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

    pub(super) fn video_call_by_id(
        &mut self,
        id: i64,
    ) -> Result<Option<VideoCallRow>, StorageError> {
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

    pub(super) fn video_call_active_of(
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

    pub(super) fn video_call_update(&mut self, c: &VideoCallRow) -> Result<(), StorageError> {
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
}
