//! Signaling rooms (SPEC §4, seed 002's grammar): `GET /ws/meeting/{id}/` for a meeting's
//! host and participants, `GET /ws/call/{id}/` for a call's two users.
//!
//! Offers, answers and candidates are relayed byte for byte (`RawValue`): a peer gets
//! exactly what the other sent, never re-encoded, never echoed back.

use super::Realtime;
use super::hub::{BusEvent, ConnId, Outbound, RoomKey};
use super::notify::{Pump, Step, configure, is_ping, refuse, socket_user};
use crate::domain::{meetings, require_user};
use crate::error::ApiError;
use crate::http::AppState;
use crate::store::StoreError;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_protocol::api::UserInfo;

/// `GET /ws/call/{call_id}/`: the call's initiator and recipient, while it is live.
pub async fn call_room(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    join(state, &raw, &query, &headers, ws, RoomKey::Call).await
}

/// `GET /ws/meeting/{meeting_id}/`: the meeting's host and participants.
pub async fn meeting_room(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    join(state, &raw, &query, &headers, ws, RoomKey::Meeting).await
}

/// Authenticates the socket, checks membership, and upgrades (refusals are sent on the
/// socket as SPEC §4 asks).
async fn join(
    state: AppState,
    raw: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    ws: WebSocketUpgrade,
    room_of: fn(i64) -> RoomKey,
) -> Result<Response, ApiError> {
    let auth = socket_user(&state, headers, query).await?;
    let room = room_of(raw.parse::<i64>().unwrap_or(0));
    let user_id = auth.id;
    let admitted = state
        .store
        .read(move |tx| admission(tx, room, user_id))
        .await?;
    Ok(upgrade(
        auth.token.jti,
        configure(ws),
        state.realtime.clone(),
        room,
        admitted,
    ))
}

/// Who may be in a room: a call's two users while it is live; a meeting's host and
/// participants. `Ok(Err(why))` is a refusal to tell the client.
fn admission(
    tx: &mut dyn crate::store::Tx,
    room: RoomKey,
    user_id: i64,
) -> Result<Result<UserInfo, String>, StoreError> {
    let user = require_user(tx, user_id)?;
    Ok(match room {
        RoomKey::Call(id) => match tx.call(id)? {
            Some(c) if c.initiator_id == user_id || c.recipient_id == user_id => {
                if c.status.is_final() {
                    Err(format!("This call has already ended ({}).", c.status))
                } else {
                    Ok(user)
                }
            }
            _ => Err("You are not a participant of this call.".to_owned()),
        },
        RoomKey::Meeting(id) => match meetings::member_meeting(tx, id, user_id) {
            Ok(_) => Ok(user),
            Err(StoreError::NotFound(_)) => {
                Err("You are not a participant of this meeting.".to_owned())
            }
            Err(e) => return Err(e),
        },
    })
}

fn upgrade(
    jti: String,
    ws: WebSocketUpgrade,
    rt: Arc<Realtime>,
    room: RoomKey,
    admitted: Result<UserInfo, String>,
) -> Response {
    match admitted {
        Ok(user) => ws.on_upgrade(move |socket| run(socket, rt, room, user, jti)),
        Err(why) => ws.on_upgrade(move |socket| async move { refuse(socket, &why).await }),
    }
}

/// A member as relayed messages name them.
struct Member {
    conn: ConnId,
    id: i64,
    /// JSON-encoded email, ready to splice into frames.
    email_json: String,
    info: UserInfo,
}

impl Member {
    fn presence_frame(&self, kind: &str, verb: &str) -> String {
        let name = self.info.display_name();
        serde_json::json!({
            "type": kind,
            "user_id": self.id,
            "email": self.info.email,
            "full_name": self.info.full_name,
            "message": format!("{name} {verb}"),
        })
        .to_string()
    }
}

/// Not an `async fn`, for the reason given at the notification socket's `run`: what is
/// moved into the pump and the member would otherwise stay in the task twice.
fn run(
    socket: WebSocket,
    rt: Arc<Realtime>,
    room: RoomKey,
    user: UserInfo,
    jti: String,
) -> impl Future<Output = ()> {
    let conn = rt.hub.next_conn_id();
    let (mut pump, tx) = Pump::new(socket, rt.rules.socket_ping_interval, conn, rt.closing());
    rt.hub.bind_token(&jti, conn, tx.clone());
    let mut email_json = serde_json::to_string(&user.email).unwrap_or_else(|_| "\"\"".into());
    // Held for the socket's life: not serde_json's 128-byte starting buffer.
    email_json.shrink_to_fit();
    let me = Member {
        conn,
        id: user.id,
        email_json,
        info: user,
    };
    let noun = match room {
        RoomKey::Call(_) => "call",
        RoomKey::Meeting(_) => "meeting",
    };
    let joined = me.presence_frame("user_joined", &format!("joined the {noun}"));
    rt.join_room(room, me.id, conn, tx, joined.into());
    tracing::debug!(?room, user_id = me.id, conn, "signaling socket joined");
    async move {
        loop {
            match pump.next(None).await {
                Step::Done => break,
                // Signaling sockets do not take the presence feed.
                Step::Idle | Step::Batch(_) => {}
                Step::Out(Outbound::Close { code, reason }) => {
                    let close = axum::extract::ws::CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    let _ = pump.send(Message::Close(Some(close))).await;
                    break;
                }
                Step::Out(Outbound::Text(frame)) | Step::Out(Outbound::Invite { frame, .. }) => {
                    if !pump.send(Message::Text(frame)).await {
                        break;
                    }
                }
                Step::Text(text) => {
                    if is_ping(&text) {
                        if !pump.send(Message::Text(r#"{"type":"pong"}"#.into())).await {
                            break;
                        }
                        continue;
                    }
                    match relay(&rt, room, &me, &text) {
                        Ok(()) => {}
                        Err(problem) => {
                            if !pump.send_error(&problem).await {
                                break;
                            }
                        }
                    }
                }
            }
        }
        rt.leave_room(room, conn);
        rt.hub.unbind_token(&jti, conn);
        to_room(
            &rt,
            room,
            &me,
            None,
            false,
            me.presence_frame("user_left", &format!("left the {noun}")),
        );
        tracing::debug!(?room, user_id = me.id, conn, "signaling socket left");
    }
}

fn to_room(
    rt: &Realtime,
    room: RoomKey,
    me: &Member,
    target_user: Option<i64>,
    echo: bool,
    frame: String,
) {
    rt.publish(BusEvent::ToRoom {
        room,
        from_conn: me.conn,
        target_user,
        echo,
        frame: frame.into(),
    });
}

/// A client message, with payloads left as the client wrote them.
#[derive(Deserialize)]
struct Incoming<'a> {
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
}

/// A payload field, present and not `null`.
fn payload<'a>(value: Option<&'a RawValue>, kind: &str, field: &str) -> Result<&'a str, String> {
    match value.map(RawValue::get) {
        Some(raw) if raw != "null" => Ok(raw),
        _ => Err(format!("A \"{kind}\" message needs an \"{field}\" field.")),
    }
}

/// Checks and routes one client message.
fn relay(rt: &Realtime, room: RoomKey, me: &Member, text: &str) -> Result<(), String> {
    let msg: Incoming<'_> = serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            format!("The message is not valid JSON ({e}).")
        } else {
            format!("The message has the wrong shape ({e}).")
        }
    })?;
    let kind = msg
        .kind
        .as_deref()
        .ok_or("The message needs a \"type\" field.")?;
    let target = target(rt, room, msg.target_id)?;
    let id = me.id;
    let frame = match kind {
        "offer" => {
            let offer = payload(msg.offer, kind, "offer")?;
            format!(
                r#"{{"type":"webrtc_offer","offer":{offer},"from_user":{id},"from_email":{}}}"#,
                me.email_json
            )
        }
        "answer" => {
            let answer = payload(msg.answer, kind, "answer")?;
            if target.is_none() {
                return Err(
                    "An \"answer\" message needs a \"target_id\": the user whose offer it answers."
                        .into(),
                );
            }
            format!(
                r#"{{"type":"webrtc_answer","answer":{answer},"from_user":{id},"from_email":{}}}"#,
                me.email_json
            )
        }
        "ice-candidate" => {
            let candidate = payload(msg.candidate, kind, "candidate")?;
            format!(r#"{{"type":"ice_candidate","candidate":{candidate},"from_user":{id}}}"#)
        }
        "join-call" => {
            to_room(
                rt,
                room,
                me,
                None,
                true,
                me.presence_frame("call_joined", "joined the call"),
            );
            return Ok(());
        }
        "leave-call" => {
            to_room(
                rt,
                room,
                me,
                None,
                true,
                me.presence_frame("call_left", "left the call"),
            );
            return Ok(());
        }
        other => {
            return Err(format!(
                "Unknown message type {other:?}; expected offer, answer, ice-candidate, join-call, leave-call or ping."
            ));
        }
    };
    to_room(rt, room, me, target, false, frame);
    Ok(())
}

/// `target_id`, if given: a user id (number or digit string) with a socket in this room.
fn target(rt: &Realtime, room: RoomKey, raw: Option<&RawValue>) -> Result<Option<i64>, String> {
    let Some(raw) = raw.map(RawValue::get).filter(|r| *r != "null") else {
        return Ok(None);
    };
    let id = raw
        .trim_matches('"')
        .parse::<i64>()
        .map_err(|_| format!("target_id must be a user id, not {raw}."))?;
    if !rt.hub.in_room(room, id) {
        return Err(format!("User {id} is not in this room."));
    }
    Ok(Some(id))
}
