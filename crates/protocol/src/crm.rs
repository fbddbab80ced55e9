//! What ties a call to the CRM (issue 20): the record a call is about, the notes and
//! outcome each participant logs after it, and their limits — checked the same way by the
//! server (which must) and by clients (which say so before sending).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The CRM record a call is about: `{"type": "deal", "id": "4711", "label": "ACME
/// renewal", "url": "https://crm.example/deals/4711"}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Regarding {
    /// The kind of record, as the CRM names it: `deal`, `contact`, `ticket`.
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 40, pattern = "^[A-Za-z0-9_.-]+$")
    )]
    pub kind: String,
    /// The record's id in the CRM.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub id: String,
    /// What people see: "ACME renewal".
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub label: String,
    /// The record's page, http or https only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub url: Option<String>,
}

pub const REGARDING_TYPE_MAX: usize = 40;
pub const REGARDING_ID_MAX: usize = 100;
pub const REGARDING_LABEL_MAX: usize = 200;
pub const URL_MAX: usize = 2048;
/// A note after a call, in characters.
pub const NOTE_MAX: usize = 4000;
/// A message sent with a declined call, in characters.
pub const DECLINE_MESSAGE_MAX: usize = 200;
/// An outcome's name, and how many an administrator may configure.
pub const OUTCOME_MAX: usize = 60;
pub const OUTCOMES_MAX: usize = 20;
/// How long after writing it a participant may change their log of a call.
pub const LOG_EDITABLE_HOURS: i64 = 24;

/// What administrators start with in Settings → Calls.
pub const DEFAULT_OUTCOMES: [&str; 4] = [
    "Resolved",
    "Follow-up needed",
    "No decision",
    "Wrong person",
];

/// Text a person typed: at most `max` characters, no control characters (line breaks
/// only where `lines` allows them), not blank. The error names `field`.
pub fn check_text(field: &str, text: &str, max: usize, lines: bool) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{field} must not be empty"));
    }
    if text.chars().count() > max {
        return Err(format!("{field} must be at most {max} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !(lines && (c == '\n' || c == '\t')))
    {
        return Err(format!(
            "{field} must not contain control characters{}",
            if lines {
                " (line breaks and tabs are fine)"
            } else {
                ""
            }
        ));
    }
    Ok(())
}

impl Regarding {
    /// Why this record cannot be stored, in words naming the field.
    pub fn problem(&self) -> Option<String> {
        if self.kind.is_empty()
            || self.kind.len() > REGARDING_TYPE_MAX
            || !self
                .kind
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Some(format!(
                "regarding.type must be 1 to {REGARDING_TYPE_MAX} letters, digits, '_', '-' or '.' (like \"deal\")"
            ));
        }
        if let Err(e) = check_text("regarding.id", &self.id, REGARDING_ID_MAX, false) {
            return Some(e);
        }
        if let Err(e) = check_text("regarding.label", &self.label, REGARDING_LABEL_MAX, false) {
            return Some(e);
        }
        let url = self.url.as_deref()?;
        if url.len() > URL_MAX {
            return Some(format!(
                "regarding.url must be at most {URL_MAX} characters"
            ));
        }
        match url::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => None,
            _ => Some("regarding.url must be an http:// or https:// address".to_owned()),
        }
    }
}

/// One participant's log of a call: an outcome from the team's list, a note, or both.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallLog {
    /// Who wrote it: one of the call's participants.
    pub author: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/jitsi-calls/{id}/log/`: at least one of the two.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewCallLog {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
}

/// `GET`/`PUT /api/call-outcomes/`: the outcomes a call can be logged with, in order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallOutcomes {
    pub outcomes: Vec<String>,
}

impl CallOutcomes {
    /// Why this list cannot be the team's.
    pub fn problem(&self) -> Option<String> {
        if self.outcomes.is_empty() || self.outcomes.len() > OUTCOMES_MAX {
            return Some(format!("outcomes must list 1 to {OUTCOMES_MAX} names"));
        }
        for outcome in &self.outcomes {
            if let Err(e) = check_text("each outcome", outcome, OUTCOME_MAX, false) {
                return Some(e);
            }
        }
        let mut seen = std::collections::HashSet::new();
        self.outcomes
            .iter()
            .find(|o| !seen.insert(o.to_lowercase()))
            .map(|o| format!("outcomes lists \"{o}\" twice"))
    }
}

impl Default for CallOutcomes {
    fn default() -> Self {
        CallOutcomes {
            outcomes: DEFAULT_OUTCOMES.iter().map(|o| (*o).to_owned()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deal(url: Option<&str>) -> Regarding {
        Regarding {
            kind: "deal".into(),
            id: "4711".into(),
            label: "ACME renewal".into(),
            url: url.map(str::to_owned),
        }
    }

    #[test]
    fn a_record_is_checked_field_by_field() {
        assert_eq!(deal(None).problem(), None);
        assert_eq!(deal(Some("https://crm.example/deals/4711")).problem(), None);
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "crm.example/deals",
            "https://",
        ] {
            assert!(
                deal(Some(bad))
                    .problem()
                    .is_some_and(|p| p.contains("regarding.url")),
                "{bad}"
            );
        }
        let mut r = deal(None);
        r.kind = "deal type".into();
        assert!(r.problem().is_some_and(|p| p.contains("regarding.type")));
        let mut r = deal(None);
        r.label = "x".repeat(REGARDING_LABEL_MAX + 1);
        assert!(r.problem().is_some_and(|p| p.contains("regarding.label")));
        let mut r = deal(None);
        r.id = "47\u{0}11".into();
        assert!(r.problem().is_some_and(|p| p.contains("control")));
        let json = serde_json::to_value(deal(None)).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"type": "deal", "id": "4711", "label": "ACME renewal"})
        );
    }

    #[test]
    fn outcome_lists_are_checked() {
        assert_eq!(CallOutcomes::default().problem(), None);
        let twice = CallOutcomes {
            outcomes: vec!["Resolved".into(), "resolved".into()],
        };
        assert!(twice.problem().is_some_and(|p| p.contains("twice")));
        assert!(CallOutcomes { outcomes: vec![] }.problem().is_some());
        assert!(check_text("note", "line one\nline two", NOTE_MAX, true).is_ok());
        assert!(check_text("note", "bell\u{7}", NOTE_MAX, true).is_err());
        assert!(check_text("note", "   ", NOTE_MAX, true).is_err());
    }
}
