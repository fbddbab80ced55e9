//! Request input: a JSON object body read with clear messages for every mistake, and
//! typed field access that names the field at fault.

use crate::connections::BodyTooSlow;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::str::FromStr;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A JSON object body. An empty body counts as `{}` so bodiless POSTs (heartbeat) work;
/// the `Content-Type` is not required, as curl users often forget it.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The request body is larger than the 1 MiB limit.",
                )
            } else if too_slow(&rejection) {
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "The request body did not arrive in time; send it again, in full.",
                )
            } else {
                ApiError::bad_request(format!("The request body could not be read: {rejection}."))
            }
        })?;
        parse_object(&bytes).map(JsonObject)
    }
}

/// Whether the body ended because its deadline passed (the connection loop's
/// [`BodyTooSlow`], somewhere down the rejection's chain of causes).
fn too_slow(rejection: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(rejection), |e| e.source()).any(|e| e.is::<BodyTooSlow>())
}

pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "The request body is not valid JSON ({e})."
        ))),
    }
}

impl JsonObject {
    /// The field, with JSON `null` treated as absent.
    fn field(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn required<T>(key: &str, value: Option<T>) -> Result<T, ApiError> {
        value.ok_or_else(|| ApiError::bad_request(format!("{key} is required")))
    }

    /// An id: a positive integer, or a string of digits (as HTML forms send it).
    pub fn id(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.field(key).map(|v| to_id(key, v)).transpose()
    }

    /// A whole number (of seconds, say), negative or not.
    pub fn integer(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.field(key)
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| ApiError::bad_request(format!("{key} must be a whole number")))
            })
            .transpose()
    }

    pub fn required_id(&self, key: &str) -> Result<i64, ApiError> {
        Self::required(key, self.id(key)?)
    }

    /// A string of at most `max_chars` characters, none of them a control character:
    /// every stored string comes through here, and NUL, line breaks or escape sequences
    /// in a name break the screens that show it (and PostgreSQL refuses NUL outright).
    pub fn string(&self, key: &str, max_chars: usize) -> Result<Option<String>, ApiError> {
        let text = self.any_string(key, max_chars)?;
        if let Some(c) = text
            .as_deref()
            .and_then(|t| t.chars().find(|c| c.is_control()))
        {
            return Err(ApiError::bad_request(format!(
                "{key} contains a control character (U+{:04X}); remove it and try again.",
                u32::from(c)
            )));
        }
        Ok(text)
    }

    /// A password to check: any characters, since it is never stored or shown (an
    /// account made before control characters were refused can still sign in).
    pub fn required_secret(&self, key: &str, max_chars: usize) -> Result<String, ApiError> {
        Self::required(key, self.any_string(key, max_chars)?)
    }

    /// A string of at most `max_chars` characters, whatever they are.
    fn any_string(&self, key: &str, max_chars: usize) -> Result<Option<String>, ApiError> {
        match self.field(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= max_chars => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(ApiError::bad_request(format!(
                "{key} must be at most {max_chars} characters long"
            ))),
            Some(_) => Err(ApiError::bad_request(format!("{key} must be a string"))),
        }
    }

    /// Text a person wrote over several lines (a note): as [`JsonObject::string`], with
    /// line breaks and tabs allowed; blank counts as absent.
    pub fn text(&self, key: &str, max_chars: usize) -> Result<Option<String>, ApiError> {
        let Some(text) = self.any_string(key, max_chars)? else {
            return Ok(None);
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        switchboard_protocol::crm::check_text(key, &text, max_chars, true)
            .map_err(|e| ApiError::bad_request(format!("{e}; remove it and try again.")))?;
        Ok(Some(text))
    }

    /// A list of `T` (at most 100): anything else is a 400 naming `key`.
    pub fn list<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<Vec<T>>, ApiError> {
        match self.field(key) {
            None => Ok(None),
            Some(Value::Array(items)) if items.len() <= 100 => {
                serde_json::from_value(Value::Array(items.clone()))
                    .map(Some)
                    .map_err(|e| ApiError::bad_request(format!("{key}: {e}")))
            }
            Some(Value::Array(_)) => Err(ApiError::bad_request(format!(
                "{key} may list at most 100 items"
            ))),
            Some(_) => Err(ApiError::bad_request(format!("{key} must be a list"))),
        }
    }

    /// A nested object read as `T`: anything else is a 400 naming `key`.
    pub fn object<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ApiError> {
        match self.field(key) {
            None => Ok(None),
            Some(value @ Value::Object(_)) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|e| ApiError::bad_request(format!("{key}: {e}"))),
            Some(_) => Err(ApiError::bad_request(format!("{key} must be an object"))),
        }
    }

    pub fn required_string(&self, key: &str, max_chars: usize) -> Result<String, ApiError> {
        Self::required(key, self.string(key, max_chars)?)
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.field(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::bad_request(format!(
                "{key} must be true or false"
            ))),
        }
    }

    /// A string field parsed into an enum; the enum's error names the allowed values.
    pub fn parsed<T: FromStr<Err = String>>(&self, key: &str) -> Result<Option<T>, ApiError> {
        match self.string(key, 64)? {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(ApiError::bad_request),
        }
    }

    pub fn id_list(&self, key: &str) -> Result<Option<Vec<i64>>, ApiError> {
        match self.field(key) {
            None => Ok(None),
            Some(Value::Array(items)) if items.len() <= 1000 => items
                .iter()
                .map(|v| to_id(key, v))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::Array(_)) => Err(ApiError::bad_request(format!(
                "{key} may list at most 1000 ids"
            ))),
            Some(_) => Err(ApiError::bad_request(format!(
                "{key} must be a list of user ids"
            ))),
        }
    }

    /// An RFC 3339 timestamp.
    pub fn time(&self, key: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        match self.string(key, 64)? {
            None => Ok(None),
            Some(text) => DateTime::parse_from_rfc3339(&text)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "{key} must be an RFC 3339 timestamp such as 2025-01-31T09:30:00Z"
                    ))
                }),
        }
    }
}

fn to_id(key: &str, value: &Value) -> Result<i64, ApiError> {
    let id = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    id.filter(|id| *id > 0)
        .ok_or_else(|| ApiError::bad_request(format!("{key} must be a positive integer id")))
}

/// A path segment that should be an id; anything else is a 404 naming what was asked for.
pub fn path_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(format!("There is no {what} with id {raw:?}.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(text: &str) -> JsonObject {
        JsonObject(parse_object(text.as_bytes()).unwrap_or_default())
    }

    fn message(err: ApiError) -> String {
        err.message
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(parse_object(b"").is_ok_and(|m| m.is_empty()));
        assert!(parse_object(b"  \n").is_ok());
        assert!(parse_object(b"[1]").is_err());
        let err = parse_object(b"{\"a\":")
            .err()
            .map(message)
            .unwrap_or_default();
        assert!(
            err.starts_with("The request body is not valid JSON"),
            "{err}"
        );
    }

    #[test]
    fn ids_accept_numbers_and_digit_strings_only() {
        let o = obj(r#"{"a": 45, "b": "46", "c": "x", "d": -1, "e": 1.5, "f": null}"#);
        assert_eq!(o.id("a").ok().flatten(), Some(45));
        assert_eq!(o.id("b").ok().flatten(), Some(46));
        assert_eq!(
            o.id("c").err().map(message).unwrap_or_default(),
            "c must be a positive integer id"
        );
        assert!(o.id("d").is_err());
        assert!(o.id("e").is_err());
        assert_eq!(o.id("f").ok().flatten(), None);
        assert_eq!(
            o.required_id("meeting_id")
                .err()
                .map(message)
                .unwrap_or_default(),
            "meeting_id is required"
        );
    }

    #[test]
    fn strings_bools_and_enums_name_the_field_at_fault() {
        let o = obj(r#"{"s": 5, "long": "abcdef", "b": "yes", "t": "2025-01-31T09:30:00Z"}"#);
        assert_eq!(
            o.string("s", 10).err().map(message).unwrap_or_default(),
            "s must be a string"
        );
        assert!(o.string("long", 3).is_err());
        assert_eq!(
            o.bool("b").err().map(message).unwrap_or_default(),
            "b must be true or false"
        );
        assert!(o.time("t").is_ok_and(|t| t.is_some()));
        assert!(o.time("long").is_err());
    }

    #[test]
    fn path_ids_that_are_not_numbers_are_not_found() {
        assert_eq!(path_id("12", "call").ok(), Some(12));
        let err = path_id("abc", "call").err().map(|e| (e.status, e.message));
        assert_eq!(
            err,
            Some((
                StatusCode::NOT_FOUND,
                "There is no call with id \"abc\".".into()
            ))
        );
    }
}
