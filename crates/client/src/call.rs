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
use crate::negotiator::{Action, Negotiator, Policy};
pub use crate::room::MediaOptions;
use crate::room::{self, Dial, Ws, send};
use futures::StreamExt;
use std::time::{Duration, Instant};
use switchboard_media::audio::{AudioSink, AudioSource};
use switchboard_media::video::{VideoOptions, VideoSource, VideoStats};
use switchboard_media::{AudioPeer, Candidate, Hold, Uplink};
use switchboard_protocol::api::CallSession;
use switchboard_protocol::signal::{ClientSignal, ServerSignal, raw_payload};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;

/// How a call's media ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaEnd {
    /// The other side hung up (`leave-call`).
    RemoteLeft,
    /// The connection to the other side failed (its app or network went away).
    MediaLost,
    /// The server closed the call's room for good, for this reason: "the call ended" (by
    /// the other side, or on the server), or a refusal to let us back in.
    Closed(String),
}

/// A running call's media.
pub struct MediaCall {
    peer: std::sync::Arc<AudioPeer>,
    ended: watch::Receiver<Option<MediaEnd>>,
    leave: Option<oneshot::Sender<()>>,
    /// Asks the signaling task to offer again (this side's media changed).
    renegotiate: mpsc::UnboundedSender<()>,
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
        let no_video = VideoOptions::default();
        Self::start_with_video(api, me, call, source, sink, options, no_video).await
    }

    /// [`start`](Self::start), with video as `video` says.
    pub async fn start_with_video(
        api: &Api,
        me: i64,
        call: &CallSession,
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
        options: MediaOptions,
        video: VideoOptions,
    ) -> Result<MediaCall, ClientError> {
        let peer_id = call.peer_of(me).id;
        let config = room::peer_config(api, &options).await?;
        let uplink = std::sync::Arc::new(Uplink::start(source));
        let (peer, candidates) = AudioPeer::with_video(config, uplink, sink, video)
            .await
            .map_err(media_error)?;
        let peer = std::sync::Arc::new(peer);
        let dial = Dial::new(api, &format!("/ws/call/{}/", call.id))?;
        let ws = room::connect(api, &dial, "the call's signaling socket").await?;
        let (ended_tx, ended) = watch::channel(None);
        let (leave, leave_rx) = oneshot::channel();
        let (renegotiate, renegotiations) = mpsc::unbounded_channel();
        let task = tokio::spawn(signal(
            ws,
            dial,
            peer.clone(),
            (me, peer_id),
            candidates,
            renegotiations,
            ended_tx,
            leave_rx,
        ));
        Ok(MediaCall {
            peer,
            ended,
            leave: Some(leave),
            renegotiate,
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

    /// What this side plays while the call is on hold (its sending is stopped by muting).
    pub fn set_hold(&self, hold: Hold) {
        self.peer.set_hold(hold);
    }

    /// Sends `source`'s pictures from now on (`None`: stops sending video). The first
    /// video this side sends in a call is offered to the other side again; later changes
    /// go out on the same track.
    pub async fn set_video(&self, source: Option<Box<dyn VideoSource>>) -> Result<(), ClientError> {
        if self
            .peer
            .set_video_source(source)
            .await
            .map_err(media_error)?
        {
            // The signaling task outlives the media; if it is gone, so is the call.
            let _ = self.renegotiate.send(());
        }
        Ok(())
    }

    /// What the call's video did so far (all zero in an audio call).
    pub fn video_stats(&self) -> VideoStats {
        self.peer.video_stats()
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
    /// The server closed the room to us for good (the call ended; see `room::closed`).
    Ended(String),
}

/// The signaling side of one call: reconnects the room socket until we hang up. The
/// negotiation outlives the socket: a rejoin finds the media already flowing.
#[allow(clippy::too_many_arguments)]
async fn signal(
    mut ws: Ws,
    dial: Dial,
    peer: std::sync::Arc<AudioPeer>,
    (me, peer_id): (i64, i64),
    mut candidates: mpsc::UnboundedReceiver<Candidate>,
    mut renegotiations: mpsc::UnboundedReceiver<()>,
    ended: watch::Sender<Option<MediaEnd>>,
    mut leave: oneshot::Receiver<()>,
) {
    let mut negotiator = Negotiator::new(me, peer_id, Policy::KeepMedia);
    loop {
        let link = session(
            &mut ws,
            &peer,
            &mut negotiator,
            (&mut candidates, &mut renegotiations),
            &ended,
            &mut leave,
        )
        .await;
        match link {
            Link::Left => return,
            Link::Ended(why) => {
                tracing::info!(%why, "the server closed the call room");
                // A `leave-call` heard just before keeps its reason.
                ended.send_if_modified(|end| {
                    let first = end.is_none();
                    if first {
                        *end = Some(MediaEnd::Closed(why));
                    }
                    first
                });
                return;
            }
            Link::Lost(why) => tracing::info!(%why, "call signaling lost; reconnecting"),
        }
        match room::reconnect(&dial, &mut leave).await {
            Some(socket) => ws = socket,
            None => return,
        }
    }
}

/// One connection to the call room.
async fn session(
    ws: &mut Ws,
    peer: &AudioPeer,
    negotiator: &mut Negotiator,
    (candidates, renegotiations): (
        &mut mpsc::UnboundedReceiver<Candidate>,
        &mut mpsc::UnboundedReceiver<()>,
    ),
    ended: &watch::Sender<Option<MediaEnd>>,
    leave: &mut oneshot::Receiver<()>,
) -> Link {
    let _ = send(ws, &ClientSignal::JoinCall).await;
    let mut ping = tokio::time::interval(Duration::from_secs(20));
    loop {
        let due = room::due(negotiator.poll_timeout());
        let actions = tokio::select! {
            _ = &mut *leave => {
                let _ = send(ws, &ClientSignal::LeaveCall).await;
                let _ = ws.close(None).await;
                return Link::Left;
            }
            Some(candidate) = candidates.recv() => {
                negotiator.local_candidate(raw_payload(&candidate).get().to_owned())
            }
            Some(()) = renegotiations.recv() => negotiator.renegotiate(),
            _ = ping.tick() => {
                let _ = send(ws, &ClientSignal::Ping).await;
                continue;
            }
            _ = due => negotiator.on_timeout(std::time::Instant::now()),
            message = ws.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(frame))) => return room::closed(frame, "the server closed the call room").map_or_else(Link::Lost, Link::Ended),
                    None => return Link::Lost("the call room's socket closed".into()),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Link::Lost(e.to_string()),
                };
                match ServerSignal::parse(&text) {
                    Ok(ServerSignal::Error { message }) => {
                        tracing::warn!(%message, "signaling error");
                        continue;
                    }
                    // Only the other participant's messages concern this call.
                    Ok(signal) if signal.sender() == Some(negotiator.peer()) => negotiator.on_signal(&signal),
                    Ok(_) => continue,
                    Err(e) => {
                        tracing::debug!(error = %e, "unreadable signaling message");
                        continue;
                    }
                }
            }
        };
        if let Err(why) = act(ws, peer, negotiator, actions, ended).await {
            return Link::Lost(why);
        }
    }
}

/// Does what the negotiator asked, feeding back what the media peer made.
async fn act(
    ws: &mut Ws,
    peer: &AudioPeer,
    negotiator: &mut Negotiator,
    actions: Vec<Action>,
    ended: &watch::Sender<Option<MediaEnd>>,
) -> Result<(), String> {
    let mut queue = std::collections::VecDeque::from(actions);
    while let Some(action) = queue.pop_front() {
        match action {
            // After a failure the rest of the queue was planned for a negotiation that is
            // gone (an offer made then would go unsent, or leave the peer with an offer
            // applied that the negotiator knows nothing of): it is dropped.
            Action::CreateOffer => match peer.create_offer().await {
                Ok(sdp) => queue.extend(negotiator.offer_created(sdp, std::time::Instant::now())),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot create an offer");
                    negotiator.media_failed();
                    queue.clear();
                }
            },
            Action::AcceptOffer(sdp) => match peer.accept_offer(sdp).await {
                Ok(answer) => queue.extend(negotiator.answer_created(answer)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot answer the offer");
                    negotiator.media_failed();
                    queue.clear();
                }
            },
            Action::AcceptAnswer(sdp) => {
                if let Err(e) = peer.accept_answer(sdp).await {
                    tracing::warn!(error = %e, "cannot take the answer");
                    negotiator.media_failed();
                    queue.clear();
                }
            }
            Action::AddCandidate(json) => room::add_candidate(peer, &json).await,
            // A call keeps its one media peer (Policy::KeepMedia never asks for another).
            Action::ResetPeer => {}
            Action::Send(outgoing) => {
                if !room::send_to(ws, negotiator.peer(), outgoing).await {
                    return Err("send failed".into());
                }
            }
            // Only an explicit leave is a hang-up: a socket that dropped may be a server
            // restart while the media goes on.
            Action::PeerLeft { hung_up } => {
                if hung_up {
                    let _ = ended.send(Some(MediaEnd::RemoteLeft));
                }
            }
        }
    }
    Ok(())
}
