//! Meetings and their video call sessions (seed 002): `/api/meetings/` and
//! `/api/health/call/{start,end}`. Also named in [`crate::api`], beside the other REST
//! shapes.

use crate::api::UserSummary;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Meeting lifecycle (seed 002).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum MeetingStatus {
    Scheduled,
    Ongoing,
    Completed,
}

impl MeetingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingStatus::Scheduled => "scheduled",
            MeetingStatus::Ongoing => "ongoing",
            MeetingStatus::Completed => "completed",
        }
    }
}

impl std::str::FromStr for MeetingStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "scheduled" => Ok(MeetingStatus::Scheduled),
            "ongoing" => Ok(MeetingStatus::Ongoing),
            "completed" => Ok(MeetingStatus::Completed),
            other => Err(format!("unknown meeting status {other:?}")),
        }
    }
}

/// `/api/meetings/` objects.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Meeting {
    pub id: i64,
    pub title: String,
    pub host: UserSummary,
    pub participants: Vec<UserSummary>,
    pub participant_ids: Vec<i64>,
    pub status: MeetingStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The call in progress (seed 002's video call session), while the meeting is
    /// `ongoing`: what joining it joins and ending it ends. Servers that predate it do
    /// not send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub active_call_id: Option<i64>,
}

/// The short caller shape of seed 002's video call session.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Caller {
    pub id: i64,
    pub email: String,
    pub full_name: String,
}

/// Video call session status (seed 002: `active`, then `ended`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum VideoCallStatus {
    Active,
    Ended,
}

/// `POST /api/health/call/start` and `/call/end`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VideoCallSession {
    pub id: i64,
    pub meeting: i64,
    pub caller: Caller,
    pub status: VideoCallStatus,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Seconds, once ended.
    pub duration: Option<i64>,
}

/// `POST /api/meetings/`: the signed-in user hosts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewMeeting {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub title: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    pub participant_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub scheduled_at: Option<DateTime<Utc>>,
}

/// `POST /api/health/call/start`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartVideoCall {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub meeting_id: i64,
}

/// `POST /api/health/call/end`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndVideoCall {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub call_id: i64,
}
