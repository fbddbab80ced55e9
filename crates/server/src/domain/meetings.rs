//! Meetings and their video call sessions (seed 002, SPEC §5).

use super::DomainError;
use super::{require_user, summary};
use crate::store::{MeetingRow, Tx, VideoCallRow};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use switchboard_protocol::api::{
    Caller, Meeting, MeetingStatus, UserSummary, VideoCallSession, VideoCallStatus,
};

pub struct NewMeeting {
    pub title: String,
    pub participant_ids: Vec<i64>,
    pub scheduled_at: Option<DateTime<Utc>>,
}

/// Participants one meeting may name (its audio is a mesh of six; the list is for
/// invitations and history).
pub const MAX_PARTICIPANTS: usize = 100;

fn not_found(id: i64) -> DomainError {
    DomainError::NotFound(format!("There is no meeting with id {id}."))
}

/// The meetings as the API shows them, with everyone they name read in one statement
/// (a page of meetings with a hundred participants each is two queries, not thousands).
fn views(tx: &mut dyn Tx, rows: &[MeetingRow]) -> Result<Vec<Meeting>, DomainError> {
    let mut ids: Vec<i64> = rows
        .iter()
        .flat_map(|row| std::iter::once(row.host_id).chain(row.participant_ids.iter().copied()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let people: HashMap<i64, UserSummary> = tx
        .users_by_ids(&ids)?
        .iter()
        .map(|user| (user.id, summary(user)))
        .collect();
    let person = |id: i64| {
        people
            .get(&id)
            .cloned()
            .ok_or_else(|| DomainError::NotFound(format!("There is no user with id {id}.")))
    };
    rows.iter()
        .map(|row| {
            // Only an ongoing meeting has a call to look up.
            let active_call_id = match row.status {
                MeetingStatus::Ongoing => tx.active_video_call_of_meeting(row.id)?.map(|c| c.id),
                _ => None,
            };
            Ok(Meeting {
                id: row.id,
                title: row.title.clone(),
                host: person(row.host_id)?,
                participants: row
                    .participant_ids
                    .iter()
                    .map(|id| person(*id))
                    .collect::<Result<Vec<_>, _>>()?,
                participant_ids: row.participant_ids.clone(),
                status: row.status,
                scheduled_at: row.scheduled_at,
                created_at: row.created_at,
                active_call_id,
            })
        })
        .collect()
}

fn view(tx: &mut dyn Tx, row: MeetingRow) -> Result<Meeting, DomainError> {
    views(tx, std::slice::from_ref(&row))?
        .pop()
        .ok_or_else(|| not_found(row.id))
}

pub fn is_member(row: &MeetingRow, user_id: i64) -> bool {
    row.host_id == user_id || row.participant_ids.contains(&user_id)
}

/// The meeting if `user_id` is its host or a participant; otherwise 404, so strangers
/// cannot probe which meetings exist.
pub fn member_meeting(tx: &mut dyn Tx, id: i64, user_id: i64) -> Result<MeetingRow, DomainError> {
    match tx.meeting(id)? {
        Some(row) if is_member(&row, user_id) => Ok(row),
        _ => Err(not_found(id)),
    }
}

pub fn create(
    tx: &mut dyn Tx,
    host_id: i64,
    new: NewMeeting,
    now: DateTime<Utc>,
) -> Result<Meeting, DomainError> {
    let title = new.title.trim().to_owned();
    if title.is_empty() {
        return Err(DomainError::Invalid("title is required".into()));
    }
    if title.chars().count() > 200 {
        return Err(DomainError::Invalid(
            "The title must be at most 200 characters long.".into(),
        ));
    }
    // Checked before anything else: a 1 MiB body holds some 150,000 ids, all looked up
    // inside the one write transaction.
    if new.participant_ids.len() > MAX_PARTICIPANTS {
        return Err(DomainError::Invalid(format!(
            "A meeting has at most {MAX_PARTICIPANTS} participants; this one names {}.",
            new.participant_ids.len()
        )));
    }
    let mut participant_ids: Vec<i64> = new
        .participant_ids
        .iter()
        .copied()
        .filter(|id| *id != host_id)
        .collect();
    participant_ids.sort_unstable();
    participant_ids.dedup();
    // One statement for all of them; the first missing one, in the order given, is named.
    let found: HashSet<i64> = tx
        .users_by_ids(&participant_ids)?
        .iter()
        .map(|user| user.id)
        .collect();
    if let Some(missing) = new
        .participant_ids
        .iter()
        .find(|id| **id != host_id && !found.contains(id))
    {
        return Err(DomainError::Invalid(format!(
            "participant_ids names user {missing}, who does not exist."
        )));
    }
    let mut row = MeetingRow {
        id: 0,
        title,
        host_id,
        participant_ids,
        status: MeetingStatus::Scheduled,
        scheduled_at: new.scheduled_at,
        created_at: now,
    };
    row.id = tx.insert_meeting(&row)?;
    view(tx, row)
}

/// Meetings for load tests, as the side-by-side harness expects them: meeting `k`
/// (1-based, in creation order) is hosted by `{prefix}{(k-1)*room_size+1}` with the next
/// `room_size - 1` test users as participants. Returns the ids created, first and last.
pub fn create_test_meetings(
    tx: &mut dyn Tx,
    prefix: &str,
    count: u32,
    room_size: u32,
    now: DateTime<Utc>,
) -> Result<(i64, i64), DomainError> {
    if count == 0 || room_size < 2 {
        return Err(DomainError::Invalid(
            "Give at least one meeting of at least two users.".into(),
        ));
    }
    let user_id = |tx: &mut dyn Tx, n: u64| -> Result<i64, DomainError> {
        let name = format!("{prefix}{n}");
        tx.user_by_login(&name)?.map(|u| u.info.id).ok_or_else(|| {
            DomainError::Invalid(format!(
                "There is no user {name}: create the test users first (user create-test-users)."
            ))
        })
    };
    // Every user is looked up before anything is inserted: a refusal then leaves no gap
    // in the id sequence (PostgreSQL does not roll sequences back).
    let groups = (0..u64::from(count) * u64::from(room_size))
        .map(|n| user_id(tx, n + 1))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ids = (0, 0);
    for (k, group) in groups.chunks(room_size as usize).enumerate() {
        let meeting = NewMeeting {
            title: format!("Load test room {}", k + 1),
            participant_ids: group[1..].to_vec(),
            scheduled_at: None,
        };
        let id = create(tx, group[0], meeting, now)?.id;
        if k == 0 {
            ids.0 = id;
        }
        ids.1 = id;
    }
    Ok(ids)
}

pub fn get(tx: &mut dyn Tx, id: i64, user_id: i64) -> Result<Meeting, DomainError> {
    let row = member_meeting(tx, id, user_id)?;
    view(tx, row)
}

/// One page of the meetings `user_id` hosts or takes part in, newest first, and how many
/// there are in all.
pub fn list(
    tx: &mut dyn Tx,
    user_id: i64,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Meeting>), DomainError> {
    let (count, rows) = tx.meetings_of(user_id, offset, limit)?;
    Ok((count, views(tx, &rows)?))
}

/// Only the host deletes; the meeting's video call sessions go with it. Returns the
/// meeting as it was, for telling its members.
pub fn delete(tx: &mut dyn Tx, id: i64, user_id: i64) -> Result<Meeting, DomainError> {
    let row = member_meeting(tx, id, user_id)?;
    if row.host_id != user_id {
        return Err(DomainError::Forbidden(
            "Only the meeting's host can delete it.".into(),
        ));
    }
    let meeting = view(tx, row)?;
    tx.delete_meeting(id)?;
    Ok(meeting)
}

fn video_view(tx: &mut dyn Tx, row: &VideoCallRow) -> Result<VideoCallSession, DomainError> {
    let caller = require_user(tx, row.caller_id)?;
    Ok(VideoCallSession {
        id: row.id,
        meeting: row.meeting_id,
        caller: Caller {
            id: caller.id,
            email: caller.email,
            full_name: caller.full_name,
        },
        status: row.status,
        started_at: row.started_at,
        ended_at: row.ended_at,
        duration: row
            .ended_at
            .map(|end| (end - row.started_at).num_seconds().max(0)),
    })
}

/// `POST /api/health/call/start`: a video call in the meeting, which becomes `ongoing`.
pub fn start_video_call(
    tx: &mut dyn Tx,
    meeting_id: i64,
    caller_id: i64,
    now: DateTime<Utc>,
) -> Result<VideoCallSession, DomainError> {
    member_meeting(tx, meeting_id, caller_id)?;
    if let Some(active) = tx.active_video_call_of_meeting(meeting_id)? {
        return Err(DomainError::Conflict(format!(
            "This meeting already has a call in progress (call {}); join it or end it first.",
            active.id
        )));
    }
    let mut row = VideoCallRow {
        id: 0,
        meeting_id,
        caller_id,
        status: VideoCallStatus::Active,
        started_at: now,
        ended_at: None,
    };
    row.id = tx.insert_video_call(&row)?;
    tx.set_meeting_status(meeting_id, MeetingStatus::Ongoing)?;
    video_view(tx, &row)
}

/// `POST /api/health/call/end`: ends the call, records its duration, completes the meeting.
pub fn end_video_call(
    tx: &mut dyn Tx,
    call_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<VideoCallSession, DomainError> {
    let missing = || DomainError::NotFound(format!("There is no video call with id {call_id}."));
    let mut row = tx.video_call(call_id)?.ok_or_else(missing)?;
    member_meeting(tx, row.meeting_id, user_id).map_err(|_| missing())?;
    if row.status == VideoCallStatus::Ended {
        return Err(DomainError::Conflict(
            "This video call has already ended.".into(),
        ));
    }
    row.status = VideoCallStatus::Ended;
    row.ended_at = Some(now);
    tx.update_video_call(&row)?;
    tx.set_meeting_status(row.meeting_id, MeetingStatus::Completed)?;
    video_view(tx, &row)
}
