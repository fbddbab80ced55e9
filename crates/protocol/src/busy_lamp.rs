//! What a caller can do instead of ringing someone who cannot take a call now (issue 20
//! §4): leave them a note, kept in their inbox with the record it is about, or camp on —
//! be told once when they can take calls again.

use crate::api::UserSummary;
use crate::crm::{Regarding, check_text};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A note's length, in characters.
pub const NOTE_TEXT_MAX: usize = 1000;
/// How long a camp-on waits at most, and by default: a working day.
pub const CAMP_ON_MAX_SECONDS: i64 = 24 * 3600;
pub const CAMP_ON_DEFAULT_SECONDS: i64 = 10 * 3600;

/// A note left for someone who could not take a call.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Note {
    pub id: i64,
    pub from_user_id: i64,
    pub from_details: UserSummary,
    pub to_user_id: i64,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub regarding: Option<Regarding>,
    pub created_at: DateTime<Utc>,
    /// When the recipient marked it read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub read_at: Option<DateTime<Utc>>,
}

/// `POST /api/notes/`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewNote {
    /// Who it is for.
    pub user_id: i64,
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub regarding: Option<Regarding>,
}

impl NewNote {
    /// Why it cannot be left, in words naming the field.
    pub fn problem(&self) -> Option<String> {
        if let Err(e) = check_text("text", &self.text, NOTE_TEXT_MAX, true) {
            return Some(e);
        }
        self.regarding.as_ref().and_then(Regarding::problem)
    }
}

/// A wish to be told when someone can take calls again.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CampOn {
    pub id: i64,
    /// Who is waiting for them.
    pub watcher: i64,
    /// Whom they wait for.
    pub user_id: i64,
    pub user_details: UserSummary,
    pub created_at: DateTime<Utc>,
    /// After this it is dropped, told or not.
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/camp-ons/`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewCampOn {
    pub user_id: i64,
    /// How long to wait: 10 hours unless given, at most 24.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expires_in_seconds: Option<i64>,
}

impl NewCampOn {
    /// How long it waits, or why that is not a wait.
    pub fn wait_seconds(&self) -> Result<i64, String> {
        match self.expires_in_seconds {
            None => Ok(CAMP_ON_DEFAULT_SECONDS),
            Some(s) if (60..=CAMP_ON_MAX_SECONDS).contains(&s) => Ok(s),
            Some(_) => Err(format!(
                "expires_in_seconds must be from 60 to {CAMP_ON_MAX_SECONDS} (a day)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_has_text_and_a_camp_on_waits_a_minute_to_a_day() {
        let note = |text: &str| NewNote {
            user_id: 2,
            text: text.into(),
            regarding: None,
        };
        assert_eq!(note("Call me about the renewal\nThanks").problem(), None);
        assert_eq!(
            note(" ").problem().as_deref(),
            Some("text must not be empty")
        );
        assert!(note(&"x".repeat(NOTE_TEXT_MAX + 1)).problem().is_some());
        let camp = |s| NewCampOn {
            user_id: 2,
            expires_in_seconds: s,
        };
        assert_eq!(camp(None).wait_seconds(), Ok(CAMP_ON_DEFAULT_SECONDS));
        assert_eq!(camp(Some(3600)).wait_seconds(), Ok(3600));
        assert!(camp(Some(59)).wait_seconds().is_err());
        assert!(camp(Some(CAMP_ON_MAX_SECONDS + 1)).wait_seconds().is_err());
    }
}
