//! Call-backs (issue 20): a task to call someone back, made when a call is declined with
//! "I'll call you back" or missed, due at a time, notified then, and done when a call
//! between the two connects.

use crate::api::UserSummary;
use crate::crm::{NOTE_MAX, Regarding, check_text};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How far ahead a call-back may be due, in seconds (a year).
pub const DUE_WITHIN_SECONDS: i64 = 365 * 24 * 3600;
/// Open call-backs one person may hold.
pub const OPEN_CALLBACKS_MAX: i64 = 500;

/// A call-back task: `owner` is to call `user_id` back.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Callback {
    pub id: i64,
    /// Who calls back: the task is theirs.
    pub owner: i64,
    /// Who is to be called.
    pub user_id: i64,
    pub user_details: UserSummary,
    pub due_at: DateTime<Utc>,
    /// The record the call-back is about (from the call it came from, unless given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub regarding: Option<Regarding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
    /// The declined or missed call it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub call_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// When it was done: by hand, or by the call that connected (`completed_by_call`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub completed_by_call: Option<i64>,
}

impl Callback {
    pub fn is_open(&self) -> bool {
        self.completed_at.is_none()
    }
}

/// When a call-back is due: a time, or seconds from now. Exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    At(DateTime<Utc>),
    In(i64),
}

impl Due {
    /// The due time, given the present, or why it cannot be one.
    pub fn resolve(self, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
        let at = match self {
            Due::At(at) => at,
            Due::In(seconds) if (0..=DUE_WITHIN_SECONDS).contains(&seconds) => {
                now + chrono::Duration::seconds(seconds)
            }
            Due::In(_) => {
                return Err(format!(
                    "due_in_seconds must be from 0 to {DUE_WITHIN_SECONDS} (a year)"
                ));
            }
        };
        if at > now + chrono::Duration::seconds(DUE_WITHIN_SECONDS) {
            return Err("due_at must be within a year".into());
        }
        Ok(at)
    }
}

/// `POST /api/callbacks/`: `user_id` and one of `due_at` / `due_in_seconds`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewCallback {
    /// Who to call back.
    pub user_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due_at: Option<DateTime<Utc>>,
    /// From now; 600 is "in 10 minutes".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due_in_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub regarding: Option<Regarding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
    /// The call it comes from (declined or missed): its record is carried over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub call_id: Option<i64>,
}

impl NewCallback {
    /// When it is due, or why the request says no time (or two).
    pub fn due(&self) -> Result<Due, String> {
        match (self.due_at, self.due_in_seconds) {
            (Some(at), None) => Ok(Due::At(at)),
            (None, Some(seconds)) => Ok(Due::In(seconds)),
            (None, None) => Err("give due_at or due_in_seconds".into()),
            (Some(_), Some(_)) => Err("give due_at or due_in_seconds, not both".into()),
        }
    }

    /// Why the rest of it cannot be stored.
    pub fn problem(&self) -> Option<String> {
        if let Err(e) = self.due() {
            return Some(e);
        }
        if let Some(problem) = self.regarding.as_ref().and_then(Regarding::problem) {
            return Some(problem);
        }
        let note = self.note.as_deref()?;
        check_text("note", note, NOTE_MAX, true).err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_due_time_is_one_of_two_forms_and_within_a_year() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 4, 9, 0, 0)
            .single()
            .unwrap_or_default();
        let new = |at: Option<DateTime<Utc>>, s: Option<i64>| NewCallback {
            user_id: 2,
            due_at: at,
            due_in_seconds: s,
            ..NewCallback::default()
        };
        assert_eq!(
            new(None, Some(600)).due().and_then(|d| d.resolve(now)),
            Ok(now + chrono::Duration::minutes(10))
        );
        assert_eq!(
            new(Some(now), None).due().and_then(|d| d.resolve(now)),
            Ok(now)
        );
        assert_eq!(
            new(None, None).problem().as_deref(),
            Some("give due_at or due_in_seconds")
        );
        assert!(
            new(Some(now), Some(1))
                .problem()
                .unwrap_or_default()
                .contains("not both")
        );
        assert!(Due::In(-1).resolve(now).is_err());
        assert!(Due::In(DUE_WITHIN_SECONDS + 1).resolve(now).is_err());
        assert!(
            Due::At(now + chrono::Duration::days(366))
                .resolve(now)
                .is_err()
        );
        // A time already past is due at once (a call-back for a call just missed).
        assert_eq!(
            Due::At(now - chrono::Duration::hours(1)).resolve(now),
            Ok(now - chrono::Duration::hours(1))
        );
        let mut with_note = new(None, Some(60));
        with_note.note = Some("   ".into());
        assert_eq!(
            with_note.problem().as_deref(),
            Some("note must not be empty")
        );
    }
}
