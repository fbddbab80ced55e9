//! Row decoders: each turns one result row into the store's type, with the columns in the
//! order the statements select them (see `statements`).

use super::{Columns, SqlRow};
use crate::store::{
    AccountState, CallRow, InviteRow, MeetingRow, StorageError, UserRecord, VideoCallRow,
};
use switchboard_protocol::api::{MeetingStatus, UserInfo, VideoCallStatus};
use switchboard_protocol::crm::{CallLog, Regarding};
use switchboard_protocol::{PresenceState, PresenceStatus};
use uuid::Uuid;

pub(super) fn user_record(row: &dyn SqlRow) -> Result<UserRecord, StorageError> {
    let state = row.parsed::<AccountState>(6)?;
    Ok(UserRecord {
        info: UserInfo {
            id: row.int(0)?,
            username: row.text(1)?,
            email: row.text(2)?,
            full_name: row.text(3)?,
            is_admin: row.boolean(4)?,
            is_active: state == AccountState::Active,
        },
        password_hash: row.text(5)?,
        state,
        token_epoch: row.int(7)?,
    })
}

/// (user id, state, token epoch).
pub(super) fn standing_row(row: &dyn SqlRow) -> Result<(i64, AccountState, i64), StorageError> {
    Ok((row.int(0)?, row.parsed(1)?, row.int(2)?))
}

pub(super) fn invite_row(row: &dyn SqlRow) -> Result<InviteRow, StorageError> {
    Ok(InviteRow {
        id: row.int(0)?,
        created_by: row.int(1)?,
        created_at: row.time(2)?,
        expires_at: row.time(3)?,
        used_by: row.opt_int(4)?,
        revoked: row.boolean(5)?,
    })
}

pub(super) fn call_row(row: &dyn SqlRow) -> Result<CallRow, StorageError> {
    Ok(CallRow {
        id: row.int(0)?,
        session_id: Uuid::parse_str(&row.text(1)?).map_err(StorageError::backend)?,
        room_name: row.text(2)?,
        call_type: row.parsed(3)?,
        status: row.parsed(4)?,
        initiator_id: row.int(5)?,
        recipient_id: row.int(6)?,
        started_at: row.opt_time(7)?,
        ended_at: row.opt_time(8)?,
        created_at: row.time(9)?,
        regarding: regarding_at(row, 10)?,
        decline_message: row.opt_text(14)?,
        on_hold_by: row.opt_int(15)?,
        held_since: row.opt_time(16)?,
        hold_seconds: row.int(17)?,
        transferred_from: row.opt_int(18)?,
        escalated_to_meeting: row.opt_int(19)?,
    })
}

/// A record from four columns (type, id, label, url) from `first` on; none when the
/// first three are NULL.
pub(super) fn regarding_at(
    row: &dyn SqlRow,
    first: usize,
) -> Result<Option<Regarding>, StorageError> {
    Ok(
        match (
            row.opt_text(first)?,
            row.opt_text(first + 1)?,
            row.opt_text(first + 2)?,
        ) {
            (Some(kind), Some(id), Some(label)) => Some(Regarding {
                kind,
                id,
                label,
                url: row.opt_text(first + 3)?,
            }),
            _ => None,
        },
    )
}

pub(super) fn call_log_row(row: &dyn SqlRow) -> Result<CallLog, StorageError> {
    Ok(CallLog {
        author: row.int(0)?,
        outcome: row.opt_text(1)?,
        note: row.opt_text(2)?,
        created_at: row.time(3)?,
        updated_at: row.time(4)?,
    })
}

pub(super) fn video_status_str(status: VideoCallStatus) -> &'static str {
    match status {
        VideoCallStatus::Active => "active",
        VideoCallStatus::Ended => "ended",
    }
}

pub(super) fn video_call_row(row: &dyn SqlRow) -> Result<VideoCallRow, StorageError> {
    let status = match row.text(3)?.as_str() {
        "active" => VideoCallStatus::Active,
        "ended" => VideoCallStatus::Ended,
        other => {
            return Err(StorageError::Backend(format!(
                "unknown video call status {other:?}"
            )));
        }
    };
    Ok(VideoCallRow {
        id: row.int(0)?,
        meeting_id: row.int(1)?,
        caller_id: row.int(2)?,
        status,
        started_at: row.time(4)?,
        ended_at: row.opt_time(5)?,
    })
}

pub(super) fn presence_row(row: &dyn SqlRow) -> Result<(i64, PresenceState), StorageError> {
    let before = row.opt_text(6)?;
    Ok((
        row.int(0)?,
        PresenceState {
            status: row.parsed::<PresenceStatus>(1)?,
            available_for_calls: row.boolean(2)?,
            status_message: row.text(3)?,
            last_seen: row.opt_time(4)?,
            current_call: row.opt_int(5)?,
            status_before_call: before
                .map(|s| s.parse::<PresenceStatus>().map_err(StorageError::Backend))
                .transpose()?,
            open_sockets: u32::try_from(row.int(7)?).unwrap_or(0),
        },
    ))
}

pub(super) fn meeting_row(row: &dyn SqlRow) -> Result<MeetingRow, StorageError> {
    Ok(MeetingRow {
        id: row.int(0)?,
        title: row.text(1)?,
        host_id: row.int(2)?,
        participant_ids: Vec::new(),
        status: row.parsed::<MeetingStatus>(3)?,
        scheduled_at: row.opt_time(4)?,
        created_at: row.time(5)?,
    })
}
