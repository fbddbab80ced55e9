//! What notification and signaling sockets share: their settings, who they belong to,
//! refusals, and the [`Pump`] each socket task runs its life through.

use super::hub::{Outbound, OutboundRx, OutboundTx, PresenceBatch, QUEUE_DEPTH, outbound_queue};
use super::limit::TokenBucket;
use crate::auth::{TokenProblem, Tokens};
use crate::error::ApiError;
use crate::session::{AuthUser, header_token};
use crate::store::Store;
use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::pin::Pin;
use std::time::{Duration, Instant};
use switchboard_protocol::signal::ServerSignal;
use tokio::sync::broadcast;

/// Largest frame a client may send (SPEC: 64 KiB).
pub const MAX_FRAME_BYTES: usize = 64 << 10;
/// A send that takes longer than this means the client stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages a client may send: average per second, and burst.
pub const RATE: f64 = 50.0;
pub const BURST: f64 = 200.0;
/// Messages dropped in a row before a flooding socket is closed.
pub const FLOOD_CLOSE_AFTER: u32 = 500;
/// Presence batches are written at each socket's own phase within this window, so ten
/// thousand sockets do not all write in the same instant and stall invites behind them.
pub const PRESENCE_SPREAD: Duration = Duration::from_millis(250);

/// Socket settings shared by notification and signaling sockets.
pub fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        // Every idle socket holds this buffer: 512 bytes rather than 1 KiB is 5 MB less at
        // 10,000 sockets, for one more read per 1 KB offer (no change in relay p99).
        .read_buffer_size(512)
        // Frames queue up to 8 KiB until a flush: a presence batch is one write.
        .write_buffer_size(8 << 10)
}

/// What a socket's query string may say. Read straight from the URI: a
/// `Query<HashMap<String, String>>` cost every connect a map, its hashing and serde's
/// deserializer. Other keys are ignored; of a key given twice the last counts.
#[derive(Debug, Default, PartialEq)]
pub struct SocketQuery {
    /// `?token=`: browsers cannot set headers on a WebSocket.
    pub token: Option<String>,
    /// `?presence=`: `1` or `true` asks for `presence_update` frames.
    pub presence: Option<String>,
}

impl SocketQuery {
    pub fn parse(query: &str) -> SocketQuery {
        // memchr2 looks at 32 bytes a step; `contains(['%', '+'])` decoded each char.
        if memchr::memchr2(b'%', b'+', query.as_bytes()).is_some() {
            return SocketQuery::parse_form(query);
        }
        // Nothing escaped (a token is base64url and dots): form decoding would change
        // nothing, so the pairs are taken as they are, without decoding byte by byte.
        let mut found = SocketQuery::default();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            found.set(key, value.to_owned());
        }
        found
    }

    /// The general case: `+` is a space, `%XX` a byte, in keys as in values.
    fn parse_form(query: &str) -> SocketQuery {
        let mut found = SocketQuery::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            found.set(&key, value.into_owned());
        }
        found
    }

    fn set(&mut self, key: &str, value: String) {
        match key {
            "token" => self.token = Some(value),
            "presence" => self.presence = Some(value),
            _ => {}
        }
    }

    /// Whether the socket asked for presence frames.
    pub fn wants_presence(&self) -> bool {
        matches!(self.presence.as_deref(), Some("1" | "true"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SocketQuery {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SocketQuery::parse(parts.uri.query().unwrap_or_default()))
    }
}

/// The user a socket belongs to: `?token=` (browsers cannot set headers on a WebSocket),
/// or the `Authorization` header.
pub async fn socket_user(
    tokens: &Tokens,
    store: &Store,
    headers: &HeaderMap,
    query: &SocketQuery,
) -> Result<AuthUser, ApiError> {
    let token = query
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .or_else(|| header_token(headers))
        .ok_or(TokenProblem::Missing)?;
    AuthUser::from_token(tokens, store, token).await
}

/// The close reason of a socket whose token expired.
pub const TOKEN_EXPIRED: &str = "Your session has expired; sign in again.";

/// The instant, on tokio's clock, at which a token expiring at `expires_at` (by the
/// rules' clock) lapses.
pub fn token_deadline(
    clock: crate::rules::Clock,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> tokio::time::Instant {
    let left = (expires_at - clock.now()).to_std().unwrap_or_default();
    tokio::time::Instant::now() + left
}

/// A place in `user_id`'s socket quota and in `from`'s, or a 429 saying how to get one
/// back.
pub fn socket_permit(
    quota: &std::sync::Arc<super::quota::SocketQuota>,
    user_id: i64,
    from: std::net::IpAddr,
) -> Result<super::quota::SocketPermit, ApiError> {
    use super::quota::Refused;
    quota.acquire(user_id, from).map_err(|refused| {
        let sentence = match refused {
            Refused::User(cap) => format!(
                "This account already has {cap} connections open, the most one account may hold; close Switchboard in other tabs or on other devices, then try again."
            ),
            Refused::Address(cap) => format!(
                "Your network address already has {cap} connections open to this server, the most one address may hold; try again later, or ask the administrator to raise --sockets-per-address."
            ),
        };
        ApiError::new(axum::http::StatusCode::TOO_MANY_REQUESTS, sentence)
    })
}

/// Sends `{"type":"error"}` and closes with 1008 (policy violation).
pub async fn refuse(mut socket: WebSocket, message: &str) {
    let error = ServerSignal::Error {
        message: message.into(),
    };
    let _ = socket.send(Message::Text(error.to_json().into())).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1008,
            reason: Utf8Bytes::from(message.chars().take(100).collect::<String>()),
        })))
        .await;
}

/// What a socket task does with its time; shared with the signaling socket.
pub struct Pump {
    pub socket: WebSocket,
    pub rx: OutboundRx,
    pub bucket: TokenBucket,
    pub dropped_in_a_row: u32,
    pub last_rate_warning: Option<Instant>,
    pub started: Instant,
    pub heard_since_ping: bool,
    pub ping: tokio::time::Interval,
    /// Presence batches waiting for this socket's phase.
    presence_waiting: Vec<PresenceBatch>,
    /// Boxed, and only while a batch waits: a timer inline in every idle socket's task
    /// would cost each of them its size.
    presence_due: Option<Pin<Box<tokio::time::Sleep>>>,
    /// This socket's offset within [`PRESENCE_SPREAD`].
    presence_phase: Duration,
    closing: tokio::sync::watch::Receiver<bool>,
    /// When the socket's token expires. Checked at each ping tick rather than with a
    /// timer of its own, so an idle socket costs no more: a socket outlives its token by
    /// at most one ping interval.
    expires: tokio::time::Instant,
}

/// One step of a socket's life.
pub enum Step {
    /// A text frame from the client, within its rate limit.
    Text(Utf8Bytes),
    /// Something to write.
    Out(Outbound),
    /// Presence updates to write together.
    Batch(PresenceBatch),
    /// Nothing for the caller to do.
    Idle,
    /// The socket is finished (closed, dead, too slow, flooding).
    Done,
}

impl Pump {
    pub fn new(
        socket: WebSocket,
        ping_every: Duration,
        conn: u64,
        closing: tokio::sync::watch::Receiver<bool>,
        expires: tokio::time::Instant,
    ) -> (Self, OutboundTx) {
        let (tx, rx) = outbound_queue(QUEUE_DEPTH);
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let pump = Pump {
            socket,
            rx,
            bucket: TokenBucket::new(RATE, BURST, Duration::ZERO),
            dropped_in_a_row: 0,
            last_rate_warning: None,
            started: Instant::now(),
            heard_since_ping: true,
            ping,
            presence_waiting: Vec::new(),
            presence_due: None,
            closing,
            expires,
            presence_phase: PRESENCE_SPREAD.mul_f64(
                (conn.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64,
            ),
        };
        (pump, tx)
    }

    /// Writes frames with one flush; false when the socket is gone or stopped reading.
    pub async fn send_all(&mut self, frames: &[Utf8Bytes]) -> bool {
        use futures::SinkExt;
        let write = async {
            for frame in frames {
                self.socket.feed(Message::Text(frame.clone())).await?;
            }
            self.socket.flush().await
        };
        matches!(tokio::time::timeout(SEND_TIMEOUT, write).await, Ok(Ok(())))
    }

    /// Writes a frame; false when the socket is gone or stopped reading.
    pub async fn send(&mut self, message: Message) -> bool {
        matches!(
            tokio::time::timeout(SEND_TIMEOUT, self.socket.send(message)).await,
            Ok(Ok(()))
        )
    }

    pub async fn send_error(&mut self, message: &str) -> bool {
        let error = ServerSignal::Error {
            message: message.into(),
        };
        self.send(Message::Text(error.to_json().into())).await
    }

    /// Waits for the next thing to do: a client frame, a queued frame, or a ping tick.
    /// `extra` lets the caller add a source (the presence feed).
    pub async fn next(
        &mut self,
        presence: Option<&mut broadcast::Receiver<PresenceBatch>>,
    ) -> Step {
        let presence_next = async {
            match presence {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        let due = self.presence_due.as_mut();
        let presence_due = async move {
            match due {
                Some(sleep) => sleep.as_mut().await,
                None => std::future::pending().await,
            }
        };
        let mut closing = self.closing.clone();
        let closing = async move {
            // The guard `wait_for` returns must not live across the awaits below.
            let _ = closing.wait_for(|closing| *closing).await;
        };
        tokio::select! {
            _ = closing => {
                let _ = self.send(Message::Close(Some(CloseFrame { code: 1001, reason: "server shutting down".into() }))).await;
                Step::Done
            }
            _ = presence_due => {
                self.presence_due = None;
                let batches = std::mem::take(&mut self.presence_waiting);
                let frames: Vec<Utf8Bytes> = batches.iter().flat_map(|b| b.iter().cloned()).collect();
                Step::Batch(std::sync::Arc::new(frames))
            }
            incoming = self.socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    self.heard_since_ping = true;
                    self.admit(text).await
                }
                Some(Ok(Message::Binary(_))) => {
                    self.heard_since_ping = true;
                    match self.admit(Utf8Bytes::default()).await {
                        Step::Text(_) => {
                            if self.send_error("Binary frames are not understood; send JSON text.").await { Step::Idle } else { Step::Done }
                        }
                        other => other,
                    }
                }
                Some(Err(e)) => {
                    if is_too_big(&e) {
                        let _ = self.send(Message::Close(Some(CloseFrame { code: 1009, reason: "frames are limited to 64 KiB".into() }))).await;
                    }
                    Step::Done
                }
                Some(Ok(Message::Close(_))) | None => Step::Done,
                Some(Ok(_)) => {
                    self.heard_since_ping = true;
                    Step::Idle
                }
            },
            out = self.rx.recv_async() => match out {
                Ok(out) => Step::Out(out),
                Err(_) => {
                    // The hub dropped this socket: it fell too far behind.
                    let _ = self.send(Message::Close(Some(CloseFrame { code: 1011, reason: "too slow to keep up".into() }))).await;
                    Step::Done
                }
            },
            batch = presence_next => match batch {
                Ok(batch) => {
                    self.presence_waiting.push(batch);
                    if self.presence_due.is_none() {
                        self.presence_due = Some(Box::pin(tokio::time::sleep(self.presence_phase)));
                    }
                    Step::Idle
                }
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    // Presence is pushed as differences: a socket that missed some would
                    // show wrong presence until it reconnects, so make it reconnect (and
                    // fetch everything) now.
                    tracing::debug!(skipped, "socket fell behind presence updates; closing it");
                    let _ = self.send(Message::Close(Some(CloseFrame { code: 1011, reason: "fell behind; reconnect".into() }))).await;
                    Step::Done
                }
                Err(broadcast::error::RecvError::Closed) => Step::Done,
            },
            _ = self.ping.tick() => {
                if tokio::time::Instant::now() >= self.expires {
                    tracing::debug!("socket's token expired; closing it");
                    let _ = self.send(Message::Close(Some(CloseFrame { code: 1008, reason: TOKEN_EXPIRED.into() }))).await;
                    return Step::Done;
                }
                if !self.heard_since_ping {
                    tracing::debug!("socket did not answer a ping; dropping it");
                    return Step::Done;
                }
                self.heard_since_ping = false;
                if self.send(Message::Ping(Default::default())).await { Step::Idle } else { Step::Done }
            }
        }
    }

    /// Applies the rate limit to a client frame.
    async fn admit(&mut self, text: Utf8Bytes) -> Step {
        if self.bucket.try_take(self.started.elapsed()) {
            self.dropped_in_a_row = 0;
            return Step::Text(text);
        }
        self.dropped_in_a_row += 1;
        if self.dropped_in_a_row >= FLOOD_CLOSE_AFTER {
            let _ = self
                .send(Message::Close(Some(CloseFrame {
                    code: 1008,
                    reason: "message flood".into(),
                })))
                .await;
            return Step::Done;
        }
        let warn = self
            .last_rate_warning
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if warn {
            self.last_rate_warning = Some(Instant::now());
            if !self
                .send_error("Too many messages: slow down; messages over the limit are dropped.")
                .await
            {
                return Step::Done;
            }
        }
        Step::Idle
    }
}

/// Whether a read failed because the client's frame was over the size limit.
fn is_too_big(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(ws) = e.downcast_ref::<tokio_tungstenite::tungstenite::Error>() {
            return matches!(ws, tokio_tungstenite::tungstenite::Error::Capacity(_));
        }
        source = e.source();
    }
    false
}

/// Whether a client frame is `{"type":"ping"}` (browsers cannot send WebSocket pings).
pub fn is_ping(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Typed<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_str::<Typed<'_>>(text).is_ok_and(|t| t.kind.as_deref() == Some("ping"))
}

/// What a WebSocket route answers instead of upgrading (for the OpenAPI document).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum NoUpgrade {
    /// Not a WebSocket upgrade request.
    #[response(status = 400)]
    NotAnUpgrade(switchboard_protocol::api::ErrorBody),
    /// No token, or one that is not valid; sign in again.
    #[response(status = 401)]
    Unauthorized(switchboard_protocol::api::ErrorBody),
    /// The account holds as many sockets as one may (16 by default); close some first.
    #[response(status = 429)]
    TooMany(switchboard_protocol::api::ErrorBody),
}

#[cfg(test)]
mod tests {
    use super::SocketQuery;

    #[test]
    fn a_socket_query_is_read_as_a_form_would_be() {
        assert_eq!(SocketQuery::parse(""), SocketQuery::default());
        let query = SocketQuery::parse("token=a%2Bb.c+d&presence=1&other=x");
        assert_eq!(query.token.as_deref(), Some("a+b.c d"));
        assert!(query.wants_presence());
        // The last of a repeated key counts, as it did with a map.
        let query = SocketQuery::parse("token=first&token=second&presence=true");
        assert_eq!(query.token.as_deref(), Some("second"));
        assert!(query.wants_presence());
        for no in ["presence=0", "presence=yes", "presence=", "presence", "x=1"] {
            assert!(!SocketQuery::parse(no).wants_presence(), "{no}");
        }
        assert_eq!(SocketQuery::parse("token=").token.as_deref(), Some(""));
    }

    /// Queries with nothing escaped skip the decoder; they must read as it reads them.
    #[test]
    fn the_shortcut_reads_what_the_form_decoder_reads() {
        for query in [
            "",
            "&",
            "token",
            "token=",
            "=x",
            "token=eyJ0eXAi.eyJzdWIi.sig_-&presence=1",
            "presence=true&&token=a&token=b",
            "x=1&token==b=c&presence",
            "token=é&presence=ü",
        ] {
            assert_eq!(
                SocketQuery::parse(query),
                SocketQuery::parse_form(query),
                "{query}"
            );
        }
    }
}
