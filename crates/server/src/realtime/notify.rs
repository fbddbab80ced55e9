//! `GET /api/ws/{user_id}?token=`: a user's notification socket (SPEC §4). Several per user
//! (one per device) are fine; each gets every event.

use super::Realtime;
use super::hub::Outbound;
use super::socket::{
    Pump, SocketQuery, Step, configure, is_ping, refuse, socket_permit, socket_user, token_deadline,
};
use crate::auth::{TokenInfo, Tokens};
use crate::domain::calls;
use crate::error::ApiError;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_protocol::CallStatus;
use switchboard_protocol::signal::ServerSignal;

/// `GET /api/ws/{user_id}`: the user's notification socket.
#[utoipa::path(
    get,
    path = "/api/ws/{user_id}",
    tag = "realtime",
    params(
        ("user_id" = i64, Path, description = "The signed-in user's own id."),
        ("token" = Option<String>, Query, description = "The sign-in token, for clients that cannot set headers on a WebSocket."),
        ("presence" = Option<String>, Query, description = "`1` or `true`: also push `presence_update` (SPEC §4)."),
    ),
    responses(
        (status = 101, description = "A notification socket: `call_invite`, `call_status` and `presence_update` frames; the client may send `{\"type\": \"ping\"}`. A socket of someone else's id is refused with an `error` frame and close code 1008."),
        super::socket::NoUpgrade,
    ),
    security(("token" = [])),
)]
pub async fn handler(
    State(rt): State<Arc<Realtime>>,
    State(tokens): State<Arc<Tokens>>,
    Path(raw): Path<String>,
    query: SocketQuery,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let auth = socket_user(&tokens, &rt.store, &headers, &query).await?;
    let permit = socket_permit(&rt.quota, auth.id, from.ip())?;
    let ws = configure(ws);
    if raw.parse::<i64>().ok() != Some(auth.id) {
        return Ok(ws.on_upgrade(|socket| {
            refuse(socket, "This notification channel belongs to another user.")
        }));
    }
    let expires = token_deadline(rt.rules.clock, auth.token.expires_at);
    let token = auth.token;
    let presence =
        query.wants_presence() || rt.rules.presence_push == super::PresencePush::Everyone;
    Ok(ws.on_upgrade(move |socket| {
        let task = run(socket, rt, auth.id, token, presence, expires);
        async move {
            task.await;
            drop(permit);
        }
    }))
}

/// The socket's task. Not an `async fn`: an `async fn` copies each argument into a local
/// and keeps both slots, so the socket (368 bytes) would be held twice, beside the pump
/// it is moved into. The pump is built here and the `async move` block owns it once.
fn run(
    socket: WebSocket,
    rt: Arc<Realtime>,
    user_id: i64,
    token: TokenInfo,
    presence: bool,
    expires: tokio::time::Instant,
) -> impl Future<Output = ()> {
    let conn = rt.hub.next_conn_id();
    let ping_every = rt.rules.socket_ping_interval;
    let (mut pump, tx) = Pump::new(socket, ping_every, conn, rt.closing(), expires);
    rt.hub.bind_token(&token, conn, tx.clone());
    let mut presence = presence.then(|| rt.hub.subscribe_presence());
    rt.hub.attach_user(user_id, conn, tx);
    tracing::debug!(user_id, conn, "notification socket open");
    let counted = crate::metrics::Connection::open("notifications");
    async move {
        let _counted = counted;
        rt.record_socket(user_id, true).await;

        // An invite that went out while this device was not connected rings it now. A
        // call made while this socket was opening may also have queued its invite here:
        // that copy is not sent again.
        let mut rung = None;
        if let Some((call_id, frame)) = pending_invite(&rt, user_id).await {
            if !pump.send(Message::Text(frame)).await {
                return finish(&rt, user_id, conn, &token).await;
            }
            rt.invite_delivered(call_id);
            rung = Some(call_id);
        }

        loop {
            match pump.next(presence.as_mut()).await {
                Step::Done => break,
                Step::Idle => {}
                Step::Text(text) => {
                    let reply = if is_ping(&text) {
                        ServerSignal::Pong
                    } else {
                        ServerSignal::Error {
                            message: "This socket only takes {\"type\":\"ping\"}; use the REST API for actions.".into(),
                        }
                    };
                    let reply = reply.to_json();
                    if !pump.send(Message::Text(reply.into())).await {
                        break;
                    }
                }
                Step::Out(Outbound::Text(frame)) => {
                    if !pump.send(Message::Text(frame)).await {
                        break;
                    }
                }
                Step::Batch(frames) => {
                    if !pump.send_all(&frames).await {
                        break;
                    }
                }
                Step::Out(Outbound::Close { code, reason }) => {
                    let _ = pump
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: reason.into(),
                        })))
                        .await;
                    break;
                }
                Step::Out(Outbound::Invite { call_id, .. }) if rung == Some(call_id) => {}
                Step::Out(Outbound::Invite { call_id, frame }) => {
                    if !pump.send(Message::Text(frame)).await {
                        break;
                    }
                    rt.invite_delivered(call_id);
                }
            }
        }
        finish(&rt, user_id, conn, &token).await;
    }
}

async fn finish(rt: &Arc<Realtime>, user_id: i64, conn: u64, token: &TokenInfo) {
    rt.hub.detach_user(user_id, conn);
    rt.hub.unbind_token(token, conn);
    rt.record_socket(user_id, false).await;
    tracing::debug!(user_id, conn, "notification socket closed");
}

/// The invite frame of a call ringing for `user_id`, if there is one.
async fn pending_invite(rt: &Arc<Realtime>, user_id: i64) -> Option<(i64, Utf8Bytes)> {
    if !rt.may_ring_for(user_id) {
        return None;
    }
    let call = rt
        .store
        .read(move |tx| calls::live_call_of(tx, user_id))
        .await
        .ok()
        .flatten()?;
    if call.recipient != user_id
        || !matches!(call.status, CallStatus::Pending | CallStatus::Ringing)
    {
        return None;
    }
    Some((call.id, super::invite_frame(&call)))
}
