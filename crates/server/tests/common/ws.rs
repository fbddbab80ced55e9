//! WebSocket clients for the tests: tokio-tungstenite against the real server.

use super::Client;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
// tokio's: tests that pause time wait in simulated time.
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub fn ws_url(client: &Client, path: &str) -> String {
    let token = client.token.as_deref().unwrap_or_default();
    format!(
        "{}{path}?token={token}",
        client.base.replacen("http://", "ws://", 1)
    )
}

pub async fn connect(client: &Client, path: &str) -> Ws {
    let (ws, _) =
        super::while_time_stands_still(tokio_tungstenite::connect_async(ws_url(client, path)))
            .await
            .unwrap_or_else(|e| panic!("{} connects to {path}: {e}", client.username));
    ws
}

/// A socket upgrade the server refuses: its HTTP status and JSON body (Null if none).
pub async fn refused(client: &Client, path: &str) -> (reqwest::StatusCode, Value) {
    match tokio_tungstenite::connect_async(ws_url(client, path)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            (response.status(), body)
        }
        other => panic!(
            "{} expected {path} to be refused: {other:?}",
            client.username
        ),
    }
}

pub async fn notifications(client: &Client) -> Ws {
    connect(client, &format!("/api/ws/{}", client.id)).await
}

/// The next JSON text message, or None after `wait`.
pub async fn next_json(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// The close code `ws` is closed with within `wait`, past any frames before it; `None`
/// when it is not closed by then, or ends without a close frame.
pub async fn close_code(ws: &mut Ws, wait: Duration) -> Option<u16> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
        }
    }
}

/// Two sockets that joined one room: waits until one of them is told of the other (a
/// `user_joined` naming the other's user) and returns which, 0 or 1. Which one is the
/// order of the joins: with two instances that is the bus's order, not the order in
/// which the sockets connected.
pub async fn one_told_of_the_other(a: &mut Ws, a_user: i64, b: &mut Ws, b_user: i64) -> usize {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let (which, frame) = tokio::select! {
            v = next_json(a, Duration::from_millis(100)) => (0, v),
            v = next_json(b, Duration::from_millis(100)) => (1, v),
        };
        if let Some(v) = frame.filter(|v| v["type"] == "user_joined") {
            let other = if which == 0 { b_user } else { a_user };
            assert_eq!(v["user_id"], other, "told of the wrong member: {v}");
            return which;
        }
    }
    panic!("neither of users {a_user} and {b_user} was told of the other");
}

/// The next message of type `kind` (others skipped), within `wait`.
pub async fn expect(ws: &mut Ws, kind: &str, wait: Duration) -> Value {
    let deadline = Instant::now() + wait;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match next_json(ws, left).await {
            Some(v) if v["type"] == kind => return v,
            Some(v) => seen.push(v),
            None => break,
        }
    }
    panic!("no {kind} within {wait:?}; saw {seen:?}");
}

/// The next message that is not a presence update, if any arrives within `wait`.
pub async fn next_non_presence(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match next_json(ws, left).await {
            Some(v) if v["type"] == "presence_update" => {}
            other => return other,
        }
    }
    None
}

/// The next `call_status` for `call_id` with `status`.
pub async fn expect_status(ws: &mut Ws, call_id: i64, status: &str, wait: Duration) -> Value {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("no call_status {status} for call {call_id}"));
        let msg = expect(ws, "call_status", left).await;
        if msg["call_session"]["id"] == call_id && msg["call_session"]["status"] == status {
            return msg;
        }
    }
}

pub async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::Text(value.to_string().into()))
        .await
        .expect("send");
}
