//! The signaling rooms' grammar (seed 002, SPEC §4): what clients send in
//! `/ws/call/{id}/` and `/ws/meeting/{id}/`, and what the server relays to them.
//!
//! Payloads (offers, answers, candidates) are borrowed [`RawValue`]s: the server relays
//! the bytes a peer wrote without decoding or re-encoding them, and a client reads only the
//! fields it needs ([`SessionDescription`]). Both enums serialize with serde;
//! they are parsed through [`ClientSignal::parse`] and [`ServerSignal::parse`] because
//! serde cannot buffer a `RawValue` inside an internally tagged enum, and because parsing
//! is where a peer's mistake becomes a sentence it can act on ([`SignalError`]).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// Client → server.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientSignal<'a> {
    /// An SDP offer, to one member (`target_id`) or to everyone else in the room.
    Offer {
        offer: &'a RawValue,
        #[serde(skip_serializing_if = "Option::is_none")]
        target_id: Option<i64>,
    },
    /// An SDP answer to the member whose offer it answers.
    Answer {
        answer: &'a RawValue,
        target_id: i64,
    },
    /// A trickled ICE candidate.
    IceCandidate {
        candidate: &'a RawValue,
        #[serde(skip_serializing_if = "Option::is_none")]
        target_id: Option<i64>,
    },
    /// "I am in the call": everyone in the room, the sender too, gets `call_joined`.
    JoinCall,
    /// "I am leaving the call": everyone gets `call_left`.
    LeaveCall,
    /// Keep-alive for clients that cannot send WebSocket pings (browsers); answered with
    /// `pong`.
    Ping,
}

/// Server → client.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerSignal<'a> {
    /// A member connected (sent to the members already there, never to the joiner).
    UserJoined(MemberNotice<'a>),
    /// A member's socket closed.
    UserLeft(MemberNotice<'a>),
    /// A member sent `join-call`.
    CallJoined(MemberNotice<'a>),
    /// A member sent `leave-call`.
    CallLeft(MemberNotice<'a>),
    WebrtcOffer {
        offer: &'a RawValue,
        from_user: i64,
        from_email: Cow<'a, str>,
    },
    WebrtcAnswer {
        answer: &'a RawValue,
        from_user: i64,
        from_email: Cow<'a, str>,
    },
    IceCandidate {
        candidate: &'a RawValue,
        from_user: i64,
    },
    /// A message was refused; the socket stays open.
    Error {
        message: Cow<'a, str>,
    },
    Pong,
}

/// Who joined, left, or joined or left the call, as seed 002 names them.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct MemberNotice<'a> {
    pub user_id: i64,
    pub email: Cow<'a, str>,
    pub full_name: Cow<'a, str>,
    /// "Admin User joined the meeting".
    pub message: Cow<'a, str>,
}

/// An SDP offer or answer as peers put it in `offer` / `answer`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionDescription {
    #[serde(rename = "type")]
    pub kind: String,
    pub sdp: String,
}

impl SessionDescription {
    pub fn offer(sdp: impl Into<String>) -> Self {
        SessionDescription {
            kind: "offer".into(),
            sdp: sdp.into(),
        }
    }

    pub fn answer(sdp: impl Into<String>) -> Self {
        SessionDescription {
            kind: "answer".into(),
            sdp: sdp.into(),
        }
    }
}

/// Why a signaling message was refused; each says what to send instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    #[error("The message is not valid JSON ({0}).")]
    NotJson(String),
    #[error("The message has the wrong shape ({0}).")]
    WrongShape(String),
    #[error("The message needs a \"type\" field.")]
    NoType,
    #[error("A \"{kind}\" message needs an \"{field}\" field.")]
    MissingPayload {
        kind: &'static str,
        field: &'static str,
    },
    #[error("An \"answer\" message needs a \"target_id\": the user whose offer it answers.")]
    AnswerWithoutTarget,
    #[error("target_id must be a user id, not {0}.")]
    BadTarget(String),
    #[error(
        "Unknown message type {0:?}; expected offer, answer, ice-candidate, join-call, leave-call or ping."
    )]
    UnknownType(String),
}

/// Every field either direction uses; what a message lacks stays `None`.
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    offer: Option<&'a RawValue>,
    #[serde(borrow)]
    answer: Option<&'a RawValue>,
    #[serde(borrow)]
    candidate: Option<&'a RawValue>,
    #[serde(borrow)]
    target_id: Option<&'a RawValue>,
    #[serde(borrow)]
    from_user: Option<&'a RawValue>,
    #[serde(borrow)]
    user_id: Option<&'a RawValue>,
    #[serde(borrow)]
    from_email: Option<Cow<'a, str>>,
    #[serde(borrow)]
    email: Option<Cow<'a, str>>,
    #[serde(borrow)]
    full_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
}

impl<'a> Wire<'a> {
    fn parse(text: &'a str) -> Result<Self, SignalError> {
        serde_json::from_str(text).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                SignalError::NotJson(e.to_string())
            } else {
                SignalError::WrongShape(e.to_string())
            }
        })
    }
}

/// A user id as peers write it: a number, or a string of digits (some CRM backends).
pub fn user_id(raw: &RawValue) -> Option<i64> {
    raw.get().trim_matches('"').parse().ok()
}

fn payload<'a>(
    value: Option<&'a RawValue>,
    kind: &'static str,
    field: &'static str,
) -> Result<&'a RawValue, SignalError> {
    value.ok_or(SignalError::MissingPayload { kind, field })
}

impl<'a> ClientSignal<'a> {
    /// Reads a client's frame, borrowing its payloads.
    pub fn parse(text: &'a str) -> Result<Self, SignalError> {
        let wire = Wire::parse(text)?;
        let kind = wire.kind.ok_or(SignalError::NoType)?;
        let target_id = match wire.target_id {
            None => None,
            Some(raw) => {
                Some(user_id(raw).ok_or_else(|| SignalError::BadTarget(raw.get().to_owned()))?)
            }
        };
        Ok(match kind.as_ref() {
            "offer" => ClientSignal::Offer {
                offer: payload(wire.offer, "offer", "offer")?,
                target_id,
            },
            "answer" => ClientSignal::Answer {
                answer: payload(wire.answer, "answer", "answer")?,
                target_id: target_id.ok_or(SignalError::AnswerWithoutTarget)?,
            },
            "ice-candidate" => ClientSignal::IceCandidate {
                candidate: payload(wire.candidate, "ice-candidate", "candidate")?,
                target_id,
            },
            "join-call" => ClientSignal::JoinCall,
            "leave-call" => ClientSignal::LeaveCall,
            "ping" => ClientSignal::Ping,
            other => return Err(SignalError::UnknownType(other.to_owned())),
        })
    }

    /// The member the message is for, when it names one.
    pub fn target(&self) -> Option<i64> {
        match self {
            ClientSignal::Offer { target_id, .. }
            | ClientSignal::IceCandidate { target_id, .. } => *target_id,
            ClientSignal::Answer { target_id, .. } => Some(*target_id),
            _ => None,
        }
    }

    /// The frame's JSON text.
    pub fn to_json(&self) -> String {
        encode(self)
    }
}

impl<'a> ServerSignal<'a> {
    /// Reads a server's frame. Lenient where other servers differ from ours: ids may be
    /// digit strings, and a missing email or name reads as empty.
    pub fn parse(text: &'a str) -> Result<Self, SignalError> {
        let wire = Wire::parse(text)?;
        let kind = wire.kind.ok_or(SignalError::NoType)?;
        let from_user = || -> Result<i64, SignalError> {
            wire.from_user
                .or(wire.user_id)
                .and_then(user_id)
                .ok_or(SignalError::MissingPayload {
                    kind: "relayed",
                    field: "from_user",
                })
        };
        let notice = || -> Result<MemberNotice<'a>, SignalError> {
            Ok(MemberNotice {
                user_id: wire.user_id.or(wire.from_user).and_then(user_id).ok_or(
                    SignalError::MissingPayload {
                        kind: "member",
                        field: "user_id",
                    },
                )?,
                email: wire.email.clone().unwrap_or_default(),
                full_name: wire.full_name.clone().unwrap_or_default(),
                message: wire.message.clone().unwrap_or_default(),
            })
        };
        Ok(match kind.as_ref() {
            "user_joined" => ServerSignal::UserJoined(notice()?),
            "user_left" => ServerSignal::UserLeft(notice()?),
            "call_joined" => ServerSignal::CallJoined(notice()?),
            "call_left" => ServerSignal::CallLeft(notice()?),
            "webrtc_offer" => ServerSignal::WebrtcOffer {
                offer: payload(wire.offer, "webrtc_offer", "offer")?,
                from_user: from_user()?,
                from_email: wire.from_email.clone().unwrap_or_default(),
            },
            "webrtc_answer" => ServerSignal::WebrtcAnswer {
                answer: payload(wire.answer, "webrtc_answer", "answer")?,
                from_user: from_user()?,
                from_email: wire.from_email.clone().unwrap_or_default(),
            },
            "ice_candidate" => ServerSignal::IceCandidate {
                candidate: payload(wire.candidate, "ice_candidate", "candidate")?,
                from_user: from_user()?,
            },
            "error" => ServerSignal::Error {
                message: wire.message.clone().unwrap_or_default(),
            },
            "pong" => ServerSignal::Pong,
            other => return Err(SignalError::UnknownType(other.to_owned())),
        })
    }

    /// The member the message is from (relays) or about (notices).
    pub fn sender(&self) -> Option<i64> {
        match self {
            ServerSignal::UserJoined(who)
            | ServerSignal::UserLeft(who)
            | ServerSignal::CallJoined(who)
            | ServerSignal::CallLeft(who) => Some(who.user_id),
            ServerSignal::WebrtcOffer { from_user, .. }
            | ServerSignal::WebrtcAnswer { from_user, .. }
            | ServerSignal::IceCandidate { from_user, .. } => Some(*from_user),
            ServerSignal::Error { .. } | ServerSignal::Pong => None,
        }
    }

    /// The frame's JSON text.
    pub fn to_json(&self) -> String {
        encode(self)
    }
}

/// Serialises a frame. Both enums hold only strings, integers and already-valid JSON, so
/// this cannot fail; the fallback keeps that a visible error rather than a panic.
fn encode(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string(value).unwrap_or_else(|e| {
        format!(r#"{{"type":"error","message":"cannot encode a signaling frame: {e}"}}"#)
    });
    // serde_json starts at 128 bytes; frames wait in socket queues.
    text.shrink_to_fit();
    text
}

/// Serialises a payload (a [`SessionDescription`], an ICE candidate) for a
/// [`ClientSignal`].
pub fn raw_payload(value: &impl Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| {
        // Unreachable for payloads of strings and integers.
        serde_json::value::to_raw_value(&()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap_or_default()
    }

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or(Value::Null)
    }

    /// Every client message of seed 002, as its JavaScript client writes it, parses to the
    /// variant it means and serialises back to the same JSON.
    #[test]
    fn seed_002_client_messages_round_trip() {
        let offer =
            r#"{"type":"offer","offer":{"type":"offer","sdp":"v=0\r\no=- ..."},"target_id":2}"#;
        let answer =
            r#"{"type":"answer","answer":{"type":"answer","sdp":"v=0\r\no=- ..."},"target_id":1}"#;
        let candidate = r#"{"type":"ice-candidate","candidate":{"candidate":"candidate:...","sdpMLineIndex":0,"sdpMid":"audio"},"target_id":2}"#;
        let broadcast_offer = r#"{"type":"offer","offer":{"type":"offer","sdp":"x"}}"#;
        let broadcast_candidate = r#"{"type":"ice-candidate","candidate":{"candidate":"c"}}"#;
        for text in [
            offer,
            answer,
            candidate,
            broadcast_offer,
            broadcast_candidate,
            r#"{"type":"join-call"}"#,
            r#"{"type":"leave-call"}"#,
            r#"{"type":"ping"}"#,
        ] {
            let parsed = ClientSignal::parse(text);
            assert!(parsed.is_ok(), "{text}: {parsed:?}");
            if let Ok(signal) = parsed {
                assert_eq!(value(&signal.to_json()), value(text), "{text}");
            }
        }
        assert!(matches!(
            ClientSignal::parse(offer),
            Ok(ClientSignal::Offer {
                target_id: Some(2),
                ..
            })
        ));
        assert!(matches!(
            ClientSignal::parse(answer),
            Ok(ClientSignal::Answer { target_id: 1, .. })
        ));
        // A digit-string target (what some CRM front ends send) is the same user.
        assert!(matches!(
            ClientSignal::parse(r#"{"type":"ice-candidate","candidate":{},"target_id":"7"}"#),
            Ok(ClientSignal::IceCandidate {
                target_id: Some(7),
                ..
            })
        ));
    }

    /// Every server message of seed 002 serialises to the seed's shape, field for field,
    /// and parses back.
    #[test]
    fn seed_002_server_messages_round_trip() {
        let notice = |message: &'static str| MemberNotice {
            user_id: 1,
            email: "admin@unio.app".into(),
            full_name: "Admin User".into(),
            message: message.into(),
        };
        let offer = raw(r#"{"type":"offer","sdp":"v=0\r\no=- ..."}"#);
        let answer = raw(r#"{"type":"answer","sdp":"v=0\r\no=- ..."}"#);
        let candidate = raw(r#"{"candidate":"candidate:...","sdpMLineIndex":0,"sdpMid":"audio"}"#);
        let cases: Vec<(ServerSignal<'_>, Value)> = vec![
            (
                ServerSignal::UserJoined(notice("Admin User joined the meeting")),
                json!({"type":"user_joined","user_id":1,"email":"admin@unio.app","full_name":"Admin User","message":"Admin User joined the meeting"}),
            ),
            (
                ServerSignal::UserLeft(notice("Admin User left the meeting")),
                json!({"type":"user_left","user_id":1,"email":"admin@unio.app","full_name":"Admin User","message":"Admin User left the meeting"}),
            ),
            (
                ServerSignal::CallJoined(notice("Admin User joined the call")),
                json!({"type":"call_joined","user_id":1,"email":"admin@unio.app","full_name":"Admin User","message":"Admin User joined the call"}),
            ),
            (
                ServerSignal::CallLeft(notice("Admin User left the call")),
                json!({"type":"call_left","user_id":1,"email":"admin@unio.app","full_name":"Admin User","message":"Admin User left the call"}),
            ),
            (
                ServerSignal::WebrtcOffer {
                    offer: &offer,
                    from_user: 1,
                    from_email: "admin@unio.app".into(),
                },
                json!({"type":"webrtc_offer","offer":{"type":"offer","sdp":"v=0\r\no=- ..."},"from_user":1,"from_email":"admin@unio.app"}),
            ),
            (
                ServerSignal::WebrtcAnswer {
                    answer: &answer,
                    from_user: 2,
                    from_email: "user@unio.app".into(),
                },
                json!({"type":"webrtc_answer","answer":{"type":"answer","sdp":"v=0\r\no=- ..."},"from_user":2,"from_email":"user@unio.app"}),
            ),
            (
                ServerSignal::IceCandidate {
                    candidate: &candidate,
                    from_user: 1,
                },
                json!({"type":"ice_candidate","candidate":{"candidate":"candidate:...","sdpMLineIndex":0,"sdpMid":"audio"},"from_user":1}),
            ),
            (
                ServerSignal::Error {
                    message: "nope".into(),
                },
                json!({"type":"error","message":"nope"}),
            ),
            (ServerSignal::Pong, json!({"type":"pong"})),
        ];
        for (signal, seed_shape) in cases {
            let text = signal.to_json();
            assert_eq!(value(&text), seed_shape);
            let back = ServerSignal::parse(&text);
            assert!(back.is_ok(), "{text}: {back:?}");
            if let Ok(back) = back {
                assert_eq!(value(&back.to_json()), seed_shape);
            }
        }
    }

    /// The relay's promise: a payload's bytes come out exactly as they went in, spacing
    /// and key order included.
    #[test]
    fn payloads_pass_through_byte_for_byte() {
        let text =
            r#"{"type":"offer","offer":{ "sdp" : "a\u0041", "type":"offer" },"target_id":3}"#;
        let Ok(ClientSignal::Offer { offer, .. }) = ClientSignal::parse(text) else {
            panic!("the offer did not parse");
        };
        let relayed = ServerSignal::WebrtcOffer {
            offer,
            from_user: 9,
            from_email: "a@b.c".into(),
        }
        .to_json();
        assert!(
            relayed.contains(r#""offer":{ "sdp" : "a\u0041", "type":"offer" }"#),
            "{relayed}"
        );
    }

    #[test]
    fn mistakes_get_sentences() {
        let cases = [
            ("{", "not valid JSON"),
            ("[1]", "wrong shape"),
            (r#"{"offer":{}}"#, "needs a \"type\""),
            (r#"{"type":"offer"}"#, "needs an \"offer\""),
            (r#"{"type":"offer","offer":null}"#, "needs an \"offer\""),
            (r#"{"type":"answer","answer":{}}"#, "needs a \"target_id\""),
            (r#"{"type":"ice-candidate"}"#, "needs an \"candidate\""),
            (
                r#"{"type":"offer","offer":{},"target_id":"bob"}"#,
                "target_id must be a user id",
            ),
            (r#"{"type":"dance"}"#, "Unknown message type \"dance\""),
        ];
        for (text, expected) in cases {
            match ClientSignal::parse(text) {
                Ok(signal) => panic!("{text} parsed as {signal:?}"),
                Err(e) => assert!(e.to_string().contains(expected), "{text}: {e}"),
            }
        }
    }

    #[test]
    fn other_servers_ids_and_missing_fields_are_read_leniently() {
        let text = r#"{"type":"webrtc_offer","offer":{"type":"offer","sdp":"s"},"from_user":"12"}"#;
        let Ok(ServerSignal::WebrtcOffer {
            offer,
            from_user,
            from_email,
        }) = ServerSignal::parse(text)
        else {
            panic!("did not parse");
        };
        assert_eq!(from_user, 12);
        assert_eq!(from_email, "");
        let desc: Result<SessionDescription, _> = serde_json::from_str(offer.get());
        assert_eq!(desc.ok(), Some(SessionDescription::offer("s")));
    }
}
