//! What a call's and a meeting's signaling share: the room socket, its reconnect loop,
//! and the peer configuration built from the server's ICE servers.

use crate::api::Api;
use crate::call::MediaOptions;
use crate::error::ClientError;
use futures::SinkExt;
use serde_json::Value;
use switchboard_media::{IceServer, PeerConfig};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a room socket; `what` names it in the error ("the call's signaling socket").
pub(crate) async fn connect(api: &Api, url: &str, what: &str) -> Result<Ws, ClientError> {
    let (ws, _) =
        tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| ClientError::Unreachable {
                url: api.base().to_owned(),
                reason: format!("{what}: {e}"),
            })?;
    Ok(ws)
}

/// Opens the room socket again after a loss, with full-jitter backoff; `None` if we
/// leave meanwhile.
pub(crate) async fn reconnect(url: &str, leave: &mut oneshot::Receiver<()>) -> Option<Ws> {
    let mut backoff = crate::backoff::Backoff::default();
    loop {
        tokio::select! {
            _ = &mut *leave => return None,
            _ = tokio::time::sleep(backoff.next_delay(rand::random::<f64>())) => {}
        }
        if let Ok((socket, _)) = tokio_tungstenite::connect_async(url).await {
            return Some(socket);
        }
    }
}

pub(crate) async fn send(ws: &mut Ws, value: Value) -> bool {
    ws.send(Message::Text(value.to_string().into()))
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
