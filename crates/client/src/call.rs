//! A call's media: joins `/ws/call/{id}/`, negotiates an [`AudioPeer`] over SPEC §4's
//! grammar, and runs until either side hangs up.
//!
//! Roles (glare-free, as seed 002's client): the member already in the room when the other
//! joins gets `user_joined` and offers; the newcomer waits for the offer and answers. The
//! server announces a join under one lock, so exactly one side offers even when both join
//! at once. Candidates trickle both ways; the peer queues those that come early.

use crate::api::Api;
use crate::error::ClientError;
use crate::events::Event;
use crate::meter::{CallQuality, QualityMeter};
pub use crate::room::MediaOptions;
use crate::room::{self, Ws, description, send};
use futures::StreamExt;
use std::time::{Duration, Instant};
use switchboard_media::audio::{AudioSink, AudioSource};
use switchboard_media::{AudioPeer, Candidate};
use switchboard_protocol::api::CallSession;
use switchboard_protocol::signal::{ClientSignal, ServerSignal, SessionDescription, raw_payload};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;

/// How a call's media ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaEnd {
    /// The other side hung up (`leave-call`).
    RemoteLeft,
    /// The connection to the other side failed (its app or network went away).
    MediaLost,
}

/// A running call's media.
pub struct MediaCall {
    peer: std::sync::Arc<AudioPeer>,
    ended: watch::Receiver<Option<MediaEnd>>,
    leave: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    reports: Option<tokio::task::JoinHandle<()>>,
    started: Instant,
}

/// How often levels and quality go out as events.
const LEVEL_EVERY: Duration = Duration::from_millis(100);
const QUALITY_EVERY: Duration = Duration::from_secs(1);

fn media_error(e: impl std::fmt::Display) -> ClientError {
    ClientError::Protocol(format!("media: {e}"))
}

impl MediaCall {
    /// Joins the call's room and starts negotiating; returns at once.
    pub async fn start(
        api: &Api,
        me: i64,
        call: &CallSession,
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
        options: MediaOptions,
    ) -> Result<MediaCall, ClientError> {
        let peer_id = call.peer_of(me).id;
        let config = room::peer_config(api, &options).await?;
        let (peer, candidates) = AudioPeer::new(config, source, sink)
            .await
            .map_err(media_error)?;
        let peer = std::sync::Arc::new(peer);
        let url = api.ws_url(&format!("/ws/call/{}/", call.id))?;
        let ws = room::connect(api, &url, "the call's signaling socket").await?;
        let (ended_tx, ended) = watch::channel(None);
        let (leave, leave_rx) = oneshot::channel();
        let task = tokio::spawn(signal(
            ws,
            url,
            peer.clone(),
            peer_id,
            candidates,
            ended_tx,
            leave_rx,
        ));
        Ok(MediaCall {
            peer,
            ended,
            leave: Some(leave),
            task,
            reports: None,
            started: Instant::now(),
        })
    }

    /// Waits until audio flows both ways (ICE and DTLS up).
    pub async fn connected(&self, within: Duration) -> Result<Duration, ClientError> {
        self.peer.connected(within).await.map_err(media_error)?;
        Ok(self.started.elapsed())
    }

    pub fn set_muted(&self, muted: bool) {
        self.peer.set_muted(muted);
    }

    /// Quality over the whole call so far.
    pub async fn quality(&self) -> CallQuality {
        QualityMeter::new(self.started).measure(Instant::now(), self.peer.stats().await)
    }

    /// Sends [`Event::AudioLevel`] ten times a second and [`Event::Quality`] every second
    /// into `events` (the engine's stream) until the call ends.
    pub fn report_to(&mut self, call_id: i64, events: broadcast::Sender<Event>) {
        let peer = self.peer.clone();
        let started = self.started;
        let task = tokio::spawn(async move {
            let mut meter = QualityMeter::new(started);
            let mut levels = tokio::time::interval(LEVEL_EVERY);
            let mut quality = tokio::time::interval(QUALITY_EVERY);
            quality.tick().await;
            loop {
                let event = tokio::select! {
                    _ = levels.tick() => {
                        let (input, output) = peer.levels();
                        Event::AudioLevel { call_id, input, output }
                    }
                    _ = quality.tick() => {
                        let stats = peer.stats().await;
                        Event::Quality { call_id, quality: meter.measure(Instant::now(), stats) }
                    }
                };
                // No subscriber is fine: nobody is looking at the call view.
                let _ = events.send(event);
            }
        });
        if let Some(old) = self.reports.replace(task) {
            old.abort();
        }
    }

    /// Resolves when the other side hangs up or the connection to it fails. A lost
    /// signaling socket alone does not end the call: it reconnects while the media flows.
    pub async fn remote_end(&mut self) -> MediaEnd {
        let peer = self.peer.clone();
        tokio::select! {
            end = self.ended.wait_for(Option::is_some) => match end {
                Ok(end) => end.clone().unwrap_or(MediaEnd::RemoteLeft),
                Err(_) => MediaEnd::MediaLost,
            },
            _ = peer.lost() => MediaEnd::MediaLost,
        }
    }

    /// Tells the room we leave (the other side hears it at once) and stops the media.
    pub async fn hang_up(mut self) {
        if let Some(reports) = self.reports.take() {
            reports.abort();
        }
        if let Some(leave) = self.leave.take() {
            let _ = leave.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.task).await;
        self.task.abort();
        self.peer.close().await;
    }
}

impl Drop for MediaCall {
    fn drop(&mut self) {
        if let Some(reports) = self.reports.take() {
            reports.abort();
        }
        self.task.abort();
    }
}

/// How one signaling connection ended.
enum Link {
    /// We hung up: stop.
    Left,
    /// The socket went away (a server restart, a network blip): reconnect; the media
    /// flows peer to peer meanwhile.
    Lost(String),
}

/// The signaling side of one call: reconnects the room socket until we hang up.
async fn signal(
    mut ws: Ws,
    url: String,
    peer: std::sync::Arc<AudioPeer>,
    peer_id: i64,
    mut candidates: mpsc::UnboundedReceiver<Candidate>,
    ended: watch::Sender<Option<MediaEnd>>,
    mut leave: oneshot::Receiver<()>,
) {
    let mut negotiated = false;
    loop {
        let link = session(
            &mut ws,
            &peer,
            peer_id,
            &mut candidates,
            &ended,
            &mut leave,
            &mut negotiated,
        )
        .await;
        match link {
            Link::Left => return,
            Link::Lost(why) => tracing::info!(%why, "call signaling lost; reconnecting"),
        }
        match room::reconnect(&url, &mut leave).await {
            Some(socket) => ws = socket,
            None => return,
        }
    }
}

/// One connection to the call room.
async fn session(
    ws: &mut Ws,
    peer: &AudioPeer,
    peer_id: i64,
    candidates: &mut mpsc::UnboundedReceiver<Candidate>,
    ended: &watch::Sender<Option<MediaEnd>>,
    leave: &mut oneshot::Receiver<()>,
    negotiated: &mut bool,
) -> Link {
    let _ = send(ws, &ClientSignal::JoinCall).await;
    let mut ping = tokio::time::interval(Duration::from_secs(20));
    loop {
        tokio::select! {
            _ = &mut *leave => {
                let _ = send(ws, &ClientSignal::LeaveCall).await;
                let _ = ws.close(None).await;
                return Link::Left;
            }
            Some(candidate) = candidates.recv() => {
                let candidate = raw_payload(&candidate);
                let message = ClientSignal::IceCandidate { candidate: &candidate, target_id: Some(peer_id) };
                if !send(ws, &message).await {
                    return Link::Lost("send failed".into());
                }
            }
            _ = ping.tick() => {
                let _ = send(ws, &ClientSignal::Ping).await;
            }
            message = ws.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None => return Link::Lost("the server closed the call room".into()),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Link::Lost(e.to_string()),
                };
                let signal = match ServerSignal::parse(&text) {
                    Ok(signal) => signal,
                    Err(e) => {
                        tracing::debug!(error = %e, "unreadable signaling message");
                        continue;
                    }
                };
                if signal.sender().is_some_and(|from| from != peer_id) {
                    continue;
                }
                match signal {
                    // We were here first: we offer (once: a rejoin after a server restart
                    // finds the media already flowing).
                    ServerSignal::UserJoined(_) if !*negotiated => match peer.create_offer().await {
                        Ok(sdp) => {
                            let offer = raw_payload(&SessionDescription::offer(sdp));
                            let _ = send(ws, &ClientSignal::Offer { offer: &offer, target_id: Some(peer_id) }).await;
                        }
                        Err(e) => tracing::warn!(error = %e, "cannot create an offer"),
                    },
                    ServerSignal::WebrtcOffer { offer, .. } if !*negotiated => {
                        let Some(offer) = description(offer) else { continue };
                        match peer.accept_offer(offer.sdp).await {
                            Ok(answer) => {
                                *negotiated = true;
                                let answer = raw_payload(&SessionDescription::answer(answer));
                                let _ = send(ws, &ClientSignal::Answer { answer: &answer, target_id: peer_id }).await;
                            }
                            Err(e) => tracing::warn!(error = %e, "cannot answer the offer"),
                        }
                    }
                    ServerSignal::WebrtcAnswer { answer, .. } if !*negotiated => {
                        if let Some(answer) = description(answer) {
                            match peer.accept_answer(answer.sdp).await {
                                Ok(()) => *negotiated = true,
                                Err(e) => tracing::warn!(error = %e, "cannot take the answer"),
                            }
                        }
                    }
                    ServerSignal::IceCandidate { candidate, .. } => match serde_json::from_str::<Candidate>(candidate.get()) {
                        Ok(candidate) => {
                            if let Err(e) = peer.add_remote_candidate(candidate).await {
                                tracing::debug!(error = %e, "candidate refused");
                            }
                        }
                        Err(e) => tracing::debug!(error = %e, "malformed candidate"),
                    },
                    // Only an explicit leave is a hang-up: a socket that dropped (user_left)
                    // may be a server restart while the media goes on.
                    ServerSignal::CallLeft(_) => {
                        let _ = ended.send(Some(MediaEnd::RemoteLeft));
                    }
                    ServerSignal::Error { message } => tracing::warn!(%message, "signaling error"),
                    _ => {}
                }
            }
        }
    }
}
