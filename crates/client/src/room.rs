//! What a call's and a meeting's signaling share: the room socket, its reconnect loop,
//! and the peer configuration built from the server's ICE servers.

use crate::api::Api;
use crate::error::ClientError;
use crate::negotiator::Outgoing;
use futures::SinkExt;
use serde_json::value::RawValue;
use std::sync::Arc;
use switchboard_media::{AudioPeer, Candidate, IceServer, PeerConfig};
use switchboard_protocol::signal::{ClientSignal, SessionDescription, raw_payload};
use switchboard_tls::ClientConfig;
use tokio::sync::oneshot;
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// How a call's or meeting's peers gather candidates.
#[derive(Clone, Debug)]
pub struct MediaOptions {
    /// Offer loopback ICE candidates (both peers on one machine).
    pub include_loopback: bool,
    /// Relay through TURN only.
    pub relay_only: bool,
}

impl MediaOptions {
    /// Loopback candidates when the server itself is on this machine: then the other
    /// peer may be too (and on a machine with no other network, they are the only path).
    pub fn for_server(base: &str) -> Self {
        let host = base.split("://").nth(1).unwrap_or(base);
        MediaOptions {
            include_loopback: host.starts_with("127.")
                || host.starts_with("localhost")
                || host.starts_with("[::1]"),
            relay_only: false,
        }
    }
}

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket's URL and the server's TLS trust: what opening it (again) takes.
#[derive(Clone)]
pub(crate) struct Dial {
    url: String,
    tls: Arc<ClientConfig>,
}

impl Dial {
    /// The socket at `path` (`/api/ws/7`) on `api`'s server, signed in.
    pub(crate) fn new(api: &Api, path: &str) -> Result<Dial, ClientError> {
        Ok(Dial {
            url: api.ws_url(path)?,
            tls: api.tls(),
        })
    }

    /// The same socket with `query` (`presence=1`) added.
    pub(crate) fn with_query(mut self, query: &str) -> Dial {
        self.url = format!("{}&{query}", self.url);
        self
    }

    pub(crate) async fn open(&self) -> Result<Ws, WsError> {
        let tls = Connector::Rustls(self.tls.clone());
        tokio_tungstenite::connect_async_tls_with_config(&self.url, None, false, Some(tls))
            .await
            .map(|(ws, _)| ws)
    }
}

/// Opens a room socket; `what` names it in the error ("the call's signaling socket").
pub(crate) async fn connect(api: &Api, dial: &Dial, what: &str) -> Result<Ws, ClientError> {
    dial.open().await.map_err(|e| {
        ClientError::from_connect(api.base(), &e).unwrap_or_else(|| ClientError::Unreachable {
            url: api.base().to_owned(),
            reason: format!("{what}: {e}"),
        })
    })
}

/// Opens the room socket again after a loss, with full-jitter backoff; `None` if we
/// leave meanwhile.
pub(crate) async fn reconnect(dial: &Dial, leave: &mut oneshot::Receiver<()>) -> Option<Ws> {
    let mut backoff = crate::backoff::Backoff::default();
    loop {
        tokio::select! {
            _ = &mut *leave => return None,
            _ = tokio::time::sleep(backoff.next_delay(rand::random::<f64>())) => {}
        }
        if let Ok(socket) = dial.open().await {
            return Some(socket);
        }
    }
}

/// How a room socket the server closed ended: `Ok(reason)` when the room is closed to us
/// for good, so the client stops: 1000, the call ended or the meeting was deleted; 1008,
/// the server refuses us (a call that ended while we were away, a revoked token) and
/// would again. `Err` with what to log when it is worth reconnecting (a restart, 1001; a
/// slow link, 1011).
pub(crate) fn closed(frame: Option<CloseFrame>, lost: &str) -> Result<String, String> {
    match frame {
        Some(frame) if matches!(frame.code, CloseCode::Normal | CloseCode::Policy) => {
            Ok(if frame.reason.is_empty() {
                "the room closed".to_owned()
            } else {
                frame.reason.to_string()
            })
        }
        Some(frame) => Err(format!(
            "{lost} ({}: {})",
            u16::from(frame.code),
            frame.reason
        )),
        None => Err(lost.to_owned()),
    }
}

pub(crate) async fn send(ws: &mut Ws, signal: &ClientSignal<'_>) -> bool {
    ws.send(Message::Text(signal.to_json().into()))
        .await
        .is_ok()
}

/// The peer settings for this server: its ICE servers (`GET /api/rtc/config`) and ours.
pub(crate) async fn peer_config(
    api: &Api,
    options: &MediaOptions,
) -> Result<PeerConfig, ClientError> {
    let rtc = api.rtc_config().await?;
    Ok(PeerConfig {
        ice_servers: rtc
            .ice_servers
            .into_iter()
            .map(|s| IceServer {
                urls: s.urls,
                username: s.username,
                credential: s.credential,
            })
            .collect(),
        relay_only: options.relay_only,
        include_loopback: options.include_loopback,
    })
}

/// Sends what a negotiator asked for to the member `to`.
pub(crate) async fn send_to(ws: &mut Ws, to: i64, outgoing: Outgoing) -> bool {
    let payload = match &outgoing {
        Outgoing::Offer(sdp) => raw_payload(&SessionDescription::offer(sdp.as_str())),
        Outgoing::Answer(sdp) => raw_payload(&SessionDescription::answer(sdp.as_str())),
        Outgoing::Candidate(json) => RawValue::from_string(json.clone()).unwrap_or_default(),
    };
    let target_id = Some(to);
    let signal = match outgoing {
        Outgoing::Offer(_) => ClientSignal::Offer {
            offer: &payload,
            target_id,
        },
        Outgoing::Answer(_) => ClientSignal::Answer {
            answer: &payload,
            target_id: to,
        },
        Outgoing::Candidate(_) => ClientSignal::IceCandidate {
            candidate: &payload,
            target_id,
        },
    };
    send(ws, &signal).await
}

/// Hands a peer's trickled candidate (JSON) to the media peer; a bad one is only logged.
pub(crate) async fn add_candidate(peer: &AudioPeer, json: &str) {
    match serde_json::from_str::<Candidate>(json) {
        Ok(candidate) => {
            if let Err(e) = peer.add_remote_candidate(candidate).await {
                tracing::debug!(error = %e, "candidate refused");
            }
        }
        Err(e) => tracing::debug!(error = %e, "malformed candidate"),
    }
}

/// Resolves at `due` (a negotiator's timeout), or never.
pub(crate) async fn due(due: Option<std::time::Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}
