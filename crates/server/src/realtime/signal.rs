//! Signaling rooms (SPEC §4, seed 002's grammar): `GET /ws/meeting/{id}/` for a meeting's
//! host and participants, `GET /ws/call/{id}/` for a call's two users.
//!
//! Messages are `protocol::signal`'s types. Offers, answers and candidates are relayed
//! byte for byte (`RawValue`): a peer gets
//! exactly what the other sent, never re-encoded, never echoed back.

use super::Realtime;
use super::hub::{BusEvent, ConnId, Outbound, RoomKey};
use super::quota::SocketPermit;
use super::socket::{
    Pump, SocketQuery, Step, configure, refuse, socket_permit, socket_user, token_deadline,
};
use crate::auth::{TokenInfo, Tokens};
use crate::domain::DomainError;
use crate::domain::{meetings, require_user};
use crate::error::ApiError;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use switchboard_protocol::api::UserInfo;
use switchboard_protocol::signal::{ClientSignal, MemberNotice, ServerSignal};

/// `GET /ws/call/{call_id}/`: the call's initiator and recipient, while it is live.
#[utoipa::path(
    get,
    path = "/ws/call/{id}",
    tag = "realtime",
    params(
        ("id" = i64, Path, description = "The call's id."),
        ("token" = Option<String>, Query, description = "The sign-in token, for clients that cannot set headers on a WebSocket."),
    ),
    responses(
        (status = 101, description = "The call's signaling room (seed 002's grammar), open to its two participants while it is live; others get an `error` frame and close code 1008."),
        super::socket::NoUpgrade,
    ),
    security(("token" = [])),
)]
pub async fn call_room(
    State(rt): State<Arc<Realtime>>,
    State(tokens): State<Arc<Tokens>>,
    Path(raw): Path<String>,
    query: SocketQuery,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let asked = Asked {
        raw: &raw,
        query: &query,
        headers: &headers,
        from: from.ip(),
    };
    join(rt, &tokens, asked, ws, RoomKey::Call).await
}

/// `GET /ws/meeting/{meeting_id}/`: the meeting's host and participants.
#[utoipa::path(
    get,
    path = "/ws/meeting/{id}",
    tag = "realtime",
    params(
        ("id" = i64, Path, description = "The meeting's id."),
        ("token" = Option<String>, Query, description = "The sign-in token, for clients that cannot set headers on a WebSocket."),
    ),
    responses(
        (status = 101, description = "The meeting's signaling room, open to its host and participants; others get an `error` frame and close code 1008."),
        super::socket::NoUpgrade,
    ),
    security(("token" = [])),
)]
pub async fn meeting_room(
    State(rt): State<Arc<Realtime>>,
    State(tokens): State<Arc<Tokens>>,
    Path(raw): Path<String>,
    query: SocketQuery,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let asked = Asked {
        raw: &raw,
        query: &query,
        headers: &headers,
        from: from.ip(),
    };
    join(rt, &tokens, asked, ws, RoomKey::Meeting).await
}

/// What a room upgrade asked for: the room id as written, the query and headers (the
/// token), and the peer's address.
struct Asked<'a> {
    raw: &'a str,
    query: &'a SocketQuery,
    headers: &'a HeaderMap,
    from: IpAddr,
}

/// Authenticates the socket, checks membership, and upgrades (refusals are sent on the
/// socket as SPEC §4 asks).
async fn join(
    rt: Arc<Realtime>,
    tokens: &Tokens,
    asked: Asked<'_>,
    ws: WebSocketUpgrade,
    room_of: fn(i64) -> RoomKey,
) -> Result<Response, ApiError> {
    let auth = socket_user(tokens, &rt.store, asked.headers, asked.query).await?;
    let permit = socket_permit(&rt.quota, auth.id, asked.from)?;
    let room = room_of(asked.raw.parse::<i64>().unwrap_or(0));
    let user_id = auth.id;
    let admitted = rt
        .store
        .read(move |tx| admission(tx, room, user_id))
        .await?;
    Ok(upgrade(
        auth.token,
        configure(ws),
        rt,
        room,
        admitted,
        permit,
    ))
}

/// Who may be in a room: a call's two users while it is live; a meeting's host and
/// participants. `Ok(Err(why))` is a refusal to tell the client.
fn admission(
    tx: &mut dyn crate::store::Tx,
    room: RoomKey,
    user_id: i64,
) -> Result<Result<UserInfo, String>, DomainError> {
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
            Err(DomainError::NotFound(_)) => {
                Err("You are not a participant of this meeting.".to_owned())
            }
            Err(e) => return Err(e),
        },
    })
}

fn upgrade(
    token: TokenInfo,
    ws: WebSocketUpgrade,
    rt: Arc<Realtime>,
    room: RoomKey,
    admitted: Result<UserInfo, String>,
    permit: SocketPermit,
) -> Response {
    match admitted {
        Ok(user) => ws.on_upgrade(move |socket| {
            let expires = token_deadline(rt.rules.clock, token.expires_at);
            let task = run(socket, rt, room, user, token, expires);
            async move {
                task.await;
                drop(permit);
            }
        }),
        Err(why) => ws.on_upgrade(move |socket| async move {
            refuse(socket, &why).await;
            drop(permit);
        }),
    }
}

/// A member as relayed messages name them.
struct Member {
    conn: ConnId,
    id: i64,
    info: UserInfo,
}

impl Member {
    /// `user_joined` and the like: who, and a sentence such as "Ann joined the call".
    fn notice(&self, verb: &str) -> MemberNotice<'_> {
        MemberNotice {
            user_id: self.id,
            email: Cow::Borrowed(&self.info.email),
            full_name: Cow::Borrowed(&self.info.full_name),
            message: Cow::Owned(format!("{} {verb}", self.info.display_name())),
        }
    }
}

/// Not an `async fn`, for the reason given at the notification socket's `run`: what is
/// moved into the pump and the member would otherwise stay in the task twice.
fn run(
    socket: WebSocket,
    rt: Arc<Realtime>,
    room: RoomKey,
    user: UserInfo,
    token: TokenInfo,
    expires: tokio::time::Instant,
) -> impl Future<Output = ()> {
    let conn = rt.hub.next_conn_id();
    let ping_every = rt.rules.socket_ping_interval;
    let (mut pump, tx) = Pump::new(socket, ping_every, conn, rt.closing(), expires);
    rt.hub.bind_token(&token, conn, tx.clone());
    let me = Member {
        conn,
        id: user.id,
        info: user,
    };
    let noun = match room {
        RoomKey::Call(_) => "call",
        RoomKey::Meeting(_) => "meeting",
    };
    let joined = ServerSignal::UserJoined(me.notice(&format!("joined the {noun}"))).to_json();
    rt.join_room(room, me.id, conn, tx, joined.into());
    tracing::debug!(?room, user_id = me.id, conn, "signaling socket joined");
    let counted = crate::metrics::Connection::open("signaling");
    async move {
        let _counted = counted;
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
                Step::Text(text) => match ClientSignal::parse(&text) {
                    Ok(ClientSignal::Ping) => {
                        if !pump
                            .send(Message::Text(ServerSignal::Pong.to_json().into()))
                            .await
                        {
                            break;
                        }
                    }
                    Ok(signal) => {
                        if let Err(problem) = relay(&rt, room, &me, signal)
                            && !pump.send_error(&problem).await
                        {
                            break;
                        }
                    }
                    Err(problem) => {
                        if !pump.send_error(&problem.to_string()).await {
                            break;
                        }
                    }
                },
            }
        }
        rt.leave_room(room, conn);
        rt.hub.unbind_token(&token, conn);
        to_room(
            &rt,
            room,
            &me,
            None,
            false,
            ServerSignal::UserLeft(me.notice(&format!("left the {noun}"))).to_json(),
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

/// Routes one client message; `Err` is the sentence to send back.
fn relay(
    rt: &Realtime,
    room: RoomKey,
    me: &Member,
    signal: ClientSignal<'_>,
) -> Result<(), String> {
    let target = signal.target();
    if let Some(id) = target
        && !rt.hub.in_room(room, id)
    {
        return Err(format!("User {id} is not in this room."));
    }
    let from_email = || Cow::Borrowed(me.info.email.as_str());
    let (frame, echo) = match signal {
        ClientSignal::Offer { offer, .. } => {
            let frame = ServerSignal::WebrtcOffer {
                offer,
                from_user: me.id,
                from_email: from_email(),
            };
            (frame, false)
        }
        ClientSignal::Answer { answer, .. } => {
            let frame = ServerSignal::WebrtcAnswer {
                answer,
                from_user: me.id,
                from_email: from_email(),
            };
            (frame, false)
        }
        ClientSignal::IceCandidate { candidate, .. } => {
            let frame = ServerSignal::IceCandidate {
                candidate,
                from_user: me.id,
            };
            (frame, false)
        }
        ClientSignal::JoinCall => (ServerSignal::CallJoined(me.notice("joined the call")), true),
        ClientSignal::LeaveCall => (ServerSignal::CallLeft(me.notice("left the call")), true),
        // Answered by the socket loop.
        ClientSignal::Ping => return Ok(()),
    };
    to_room(rt, room, me, target, echo, frame.to_json());
    crate::metrics::message_relayed();
    Ok(())
}
