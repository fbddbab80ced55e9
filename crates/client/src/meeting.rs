//! A small meeting's audio (and video): a full mesh over `/ws/meeting/{id}/`, one [`AudioPeer`] per
//! other participant, up to [`MAX_MESH_PEERS`].
//!
//! Roles follow seed 002's client, as each member's [`Negotiator`] applies them: a member
//! already in the room gets `user_joined` for a newcomer and offers to it; the newcomer
//! answers every offer it gets. The microphone is
//! captured and encoded once for all peers ([`Uplink`]); what they send is mixed into one
//! output ([`Mixer`]).
//!
//! A peer is rebuilt whenever its user (re)joins: `user_joined` or an offer from a user we
//! already have replaces the old connection, since that user's app may have restarted
//! and its old connection is dead. After a server restart every member rejoins, so the
//! mesh renegotiates once (a short gap in the audio), then carries on.

use crate::api::Api;
use crate::error::ClientError;
use crate::negotiator::{Action, Negotiator, Policy};
use crate::room::{self, Dial, MediaOptions, Ws, send};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_media::audio::{AudioSink, AudioSource};
use switchboard_media::peer::PeerStats;
use switchboard_media::video::{VideoOptions, VideoSink, VideoSource, VideoStats};
use switchboard_media::{AudioPeer, Candidate, Mixer, PeerConfig, Uplink, VideoUplink};
use switchboard_protocol::signal::{ClientSignal, ServerSignal, raw_payload};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;

/// A mesh sends the local audio once per peer: past six people, uplink bandwidth and
/// CPU on a desktop make an SFU the right tool, not a bigger mesh.
pub const MAX_MESH_PEERS: usize = 5;

/// Where the connection to one other participant stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerState {
    Connecting,
    /// Audio flows; set up this long after the negotiation began.
    Connected(Duration),
}

/// Where one member's decoded pictures go, asked for each peer made with that member.
pub type VideoSinkFor = Arc<dyn Fn(i64) -> Option<Box<dyn VideoSink>> + Send + Sync>;

/// A meeting with video: every peer carries a video track each way from the start, so a
/// camera turned on or off later needs no renegotiation with anyone.
pub struct MeetingVideo {
    /// What this member sends at first (`None`: the camera starts off).
    pub source: Option<Box<dyn VideoSource>>,
    /// Where each other member's pictures go.
    pub sink_for: VideoSinkFor,
}

/// Each other participant's media peer, shared with the mesh task for [`MeetingMedia::stats`].
type Connections = Arc<std::sync::Mutex<BTreeMap<i64, Arc<AudioPeer>>>>;

/// A meeting's audio while we are in it.
pub struct MeetingMedia {
    uplink: Arc<Uplink>,
    /// This member's pictures, coded once for every peer (a meeting joined with video).
    video: Option<Arc<VideoUplink>>,
    mixer: Arc<Mixer>,
    peers: watch::Receiver<BTreeMap<i64, PeerState>>,
    connections: Connections,
    closed: watch::Receiver<Option<String>>,
    leave: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl MeetingMedia {
    /// Joins the meeting's room with audio only; peers are set up as the others are met.
    pub async fn join(
        api: &Api,
        me: i64,
        meeting_id: i64,
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
        options: MediaOptions,
    ) -> Result<MeetingMedia, ClientError> {
        Self::join_with_video(api, me, meeting_id, source, sink, options, None).await
    }

    /// Joins the meeting's room, with `video` when given.
    pub async fn join_with_video(
        api: &Api,
        me: i64,
        meeting_id: i64,
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
        options: MediaOptions,
        video: Option<MeetingVideo>,
    ) -> Result<MeetingMedia, ClientError> {
        // Says "no such meeting" or "not invited" in words, where the room would only
        // close the socket.
        api.meeting(meeting_id).await?;
        let config = room::peer_config(api, &options).await?;
        let dial = Dial::new(api, &format!("/ws/meeting/{meeting_id}/"))?;
        let ws = room::connect(api, &dial, "the meeting's signaling socket").await?;
        let uplink = Arc::new(Uplink::start(source));
        let mixer = Arc::new(Mixer::start(sink));
        let video = video.map(|video| {
            let uplink = VideoUplink::new();
            uplink.set_source(video.source);
            (uplink, video.sink_for)
        });
        let (peers_tx, peers) = watch::channel(BTreeMap::new());
        let (leave, leave_rx) = oneshot::channel();
        let connections = Connections::default();
        let mesh = Mesh {
            me,
            config,
            uplink: uplink.clone(),
            video: video.clone(),
            mixer: mixer.clone(),
            peers: BTreeMap::new(),
            connections: connections.clone(),
            states: peers_tx,
            generation: 0,
            negotiators: BTreeMap::new(),
        };
        let (closed_tx, closed) = watch::channel(None);
        let task = tokio::spawn(run(ws, dial, mesh, leave_rx, closed_tx));
        Ok(MeetingMedia {
            uplink,
            video: video.map(|(uplink, _)| uplink),
            mixer,
            peers,
            connections,
            closed,
            leave: Some(leave),
            task,
        })
    }

    /// Each other participant we have a connection with, and where it stands.
    pub fn peers(&self) -> BTreeMap<i64, PeerState> {
        self.peers.borrow().clone()
    }

    /// Follows the peers as they connect and leave.
    pub fn watch(&self) -> watch::Receiver<BTreeMap<i64, PeerState>> {
        self.peers.clone()
    }

    /// Set, with the reason, when the server closed the meeting for good (its host deleted
    /// it): every peer is closed then and there is nothing to rejoin.
    pub fn closed(&self) -> watch::Receiver<Option<String>> {
        self.closed.clone()
    }

    /// Waits until audio flows with at least `count` others.
    pub async fn connected_with(
        &self,
        count: usize,
        within: Duration,
    ) -> Result<BTreeMap<i64, PeerState>, ClientError> {
        let mut peers = self.peers.clone();
        let wait = peers.wait_for(|p| {
            p.values()
                .filter(|s| matches!(s, PeerState::Connected(_)))
                .count()
                >= count
        });
        match tokio::time::timeout(within, wait).await {
            Ok(Ok(p)) => Ok(p.clone()),
            _ => Err(ClientError::Protocol(format!(
                "the meeting's audio did not connect with {count} others within {} s",
                within.as_secs()
            ))),
        }
    }

    pub fn set_muted(&self, muted: bool) {
        self.uplink.set_muted(muted);
    }

    /// Sends `source`'s pictures to everyone from now on, in place of any before; `None`
    /// turns the camera off (the source is dropped). No one is offered again.
    pub fn set_video(&self, source: Option<Box<dyn VideoSource>>) -> Result<(), ClientError> {
        match &self.video {
            Some(uplink) => {
                uplink.set_source(source);
                Ok(())
            }
            None => Err(ClientError::Protocol(
                "this meeting was joined without video: leave and join again with a camera".into(),
            )),
        }
    }

    /// Whether this member's pictures are being sent.
    pub fn is_sending_video(&self) -> bool {
        self.video.as_ref().is_some_and(|v| v.is_sending())
    }

    /// What each connection's video did so far, by participant (all zero without video).
    pub fn video_stats(&self) -> BTreeMap<i64, VideoStats> {
        match self.connections.lock() {
            Ok(c) => c
                .iter()
                .map(|(user, peer)| (*user, peer.video_stats()))
                .collect(),
            Err(_) => BTreeMap::new(),
        }
    }

    /// Each connection's counters as of now (for its quality), by participant.
    pub async fn stats(&self) -> BTreeMap<i64, PeerStats> {
        let peers: Vec<(i64, Arc<AudioPeer>)> = match self.connections.lock() {
            Ok(c) => c.iter().map(|(user, peer)| (*user, peer.clone())).collect(),
            Err(_) => Vec::new(),
        };
        let mut stats = BTreeMap::new();
        for (user, peer) in peers {
            stats.insert(user, peer.stats().await);
        }
        stats
    }

    /// My microphone's level (0–1) in the last frame; 0 while muted.
    pub fn my_level(&self) -> f32 {
        self.uplink.level()
    }

    /// Who is speaking: each participant's level (0–1) in the last frame.
    pub fn levels(&self) -> Vec<(i64, f32)> {
        self.mixer.levels()
    }

    /// Tells the room we leave and closes every peer.
    pub async fn leave(mut self) {
        if let Some(leave) = self.leave.take() {
            let _ = leave.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.task).await;
        self.task.abort();
    }
}

/// One other participant's connection.
struct Slot {
    generation: u64,
    peer: Arc<AudioPeer>,
    /// Forwards its candidates and reports its state; stopped when the slot goes.
    watcher: tokio::task::JoinHandle<()>,
}

/// What a peer's watcher reports to the signaling loop.
enum PeerNews {
    Candidate(i64, Candidate),
    Connected(i64, u64, Duration),
    Lost(i64, u64),
}

struct Mesh {
    me: i64,
    config: PeerConfig,
    uplink: Arc<Uplink>,
    video: Option<(Arc<VideoUplink>, VideoSinkFor)>,
    mixer: Arc<Mixer>,
    peers: BTreeMap<i64, Slot>,
    connections: Connections,
    states: watch::Sender<BTreeMap<i64, PeerState>>,
    generation: u64,
    /// Offer/answer with each other member, kept across reconnects of the room socket.
    negotiators: BTreeMap<i64, Negotiator>,
}

impl Mesh {
    fn negotiator(&mut self, user: i64) -> &mut Negotiator {
        let me = self.me;
        self.negotiators
            .entry(user)
            .or_insert_with(|| Negotiator::new(me, user, Policy::Renegotiate))
    }

    /// A negotiation with `user` failed: its media peer may be stuck half way, so it goes,
    /// and the next offer or join starts with a fresh one.
    async fn failed(&mut self, user: i64) {
        self.drop_peer(user).await;
        self.negotiator(user).media_failed();
    }

    /// `user`'s media peer, made now if there is none yet.
    async fn peer_for(
        &mut self,
        user: i64,
        news: &mpsc::UnboundedSender<PeerNews>,
    ) -> Option<Arc<AudioPeer>> {
        match self.peers.get(&user) {
            Some(slot) => Some(slot.peer.clone()),
            None => self.fresh_peer(user, news).await,
        }
    }

    /// A fresh peer for `user`, replacing any old one. `None` when the mesh is full.
    async fn fresh_peer(
        &mut self,
        user: i64,
        news: &mpsc::UnboundedSender<PeerNews>,
    ) -> Option<Arc<AudioPeer>> {
        if !self.peers.contains_key(&user) && self.peers.len() >= MAX_MESH_PEERS {
            tracing::warn!(
                user,
                "meeting mesh is full ({} others): not connecting",
                MAX_MESH_PEERS
            );
            return None;
        }
        self.drop_peer(user).await;
        let sink = Box::new(self.mixer.input(user));
        let video = match &self.video {
            Some((uplink, sink_for)) => VideoOptions {
                uplink: Some(uplink.clone()),
                receive: true,
                sink: sink_for(user),
                ..Default::default()
            },
            None => VideoOptions::default(),
        };
        let made = AudioPeer::with_video(self.config.clone(), self.uplink.clone(), sink, video);
        let (peer, mut candidates) = match made.await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(user, error = %e, "cannot set up a meeting peer");
                return None;
            }
        };
        let peer = Arc::new(peer);
        self.generation += 1;
        let generation = self.generation;
        let started = Instant::now();
        let watched = peer.clone();
        let news = news.clone();
        let watcher = tokio::spawn(async move {
            let connected = async {
                if watched.connected(Duration::from_secs(30)).await.is_ok() {
                    let _ = news.send(PeerNews::Connected(user, generation, started.elapsed()));
                    watched.lost().await;
                }
                let _ = news.send(PeerNews::Lost(user, generation));
            };
            let forward = async {
                while let Some(candidate) = candidates.recv().await {
                    let _ = news.send(PeerNews::Candidate(user, candidate));
                }
                std::future::pending::<()>().await
            };
            tokio::select! {
                _ = connected => {}
                _ = forward => {}
            }
        });
        self.peers.insert(
            user,
            Slot {
                generation,
                peer: peer.clone(),
                watcher,
            },
        );
        self.states.send_modify(|s| {
            s.insert(user, PeerState::Connecting);
        });
        if let Ok(mut connections) = self.connections.lock() {
            connections.insert(user, peer.clone());
        }
        Some(peer)
    }

    async fn drop_peer(&mut self, user: i64) {
        if let Ok(mut connections) = self.connections.lock() {
            connections.remove(&user);
        }
        if let Some(slot) = self.peers.remove(&user) {
            slot.watcher.abort();
            slot.peer.close().await;
        }
        self.mixer.remove(user);
        self.states.send_modify(|s| {
            s.remove(&user);
        });
    }

    async fn close_all(&mut self) {
        let users: Vec<i64> = self.peers.keys().copied().collect();
        for user in users {
            self.drop_peer(user).await;
        }
    }
}

/// How one connection to the meeting room ended.
enum Link {
    /// We left.
    Left,
    /// The socket was lost: reconnect.
    Lost,
    /// The server closed the room for good (the meeting was deleted).
    Ended(String),
}

/// The meeting's signaling: reconnects the room socket until we leave or the server
/// closes the room for good (`closed` then says why).
async fn run(
    mut ws: Ws,
    dial: Dial,
    mut mesh: Mesh,
    mut leave: oneshot::Receiver<()>,
    closed: watch::Sender<Option<String>>,
) {
    let (news_tx, mut news) = mpsc::unbounded_channel();
    loop {
        match session(&mut ws, &mut mesh, &news_tx, &mut news, &mut leave).await {
            Link::Left => break,
            Link::Ended(why) => {
                tracing::info!(%why, "the server closed the meeting room");
                mesh.close_all().await;
                closed.send_replace(Some(why));
                return;
            }
            Link::Lost => {}
        }
        match room::reconnect(&dial, &mut leave).await {
            Some(socket) => ws = socket,
            None => break,
        }
    }
    mesh.close_all().await;
}

/// One connection to the meeting room.
async fn session(
    ws: &mut Ws,
    mesh: &mut Mesh,
    news_tx: &mpsc::UnboundedSender<PeerNews>,
    news: &mut mpsc::UnboundedReceiver<PeerNews>,
    leave: &mut oneshot::Receiver<()>,
) -> Link {
    let _ = send(ws, &ClientSignal::JoinCall).await;
    let mut ping = tokio::time::interval(Duration::from_secs(20));
    loop {
        let due = room::due(
            mesh.negotiators
                .values()
                .filter_map(Negotiator::poll_timeout)
                .min(),
        );
        let (user, actions) = tokio::select! {
            _ = &mut *leave => {
                let _ = send(ws, &ClientSignal::LeaveCall).await;
                let _ = ws.close(None).await;
                return Link::Left;
            }
            Some(item) = news.recv() => match item {
                PeerNews::Candidate(user, candidate) => {
                    (user, mesh.negotiator(user).local_candidate(raw_payload(&candidate).get().to_owned()))
                }
                PeerNews::Connected(user, generation, after) => {
                    if mesh.peers.get(&user).is_some_and(|s| s.generation == generation) {
                        mesh.states.send_modify(|s| {
                            s.insert(user, PeerState::Connected(after));
                        });
                    }
                    continue;
                }
                PeerNews::Lost(user, generation) => {
                    if mesh.peers.get(&user).is_some_and(|s| s.generation == generation) {
                        tracing::info!(user, "meeting peer lost");
                        mesh.drop_peer(user).await;
                        // Ready for its next offer or join.
                        mesh.negotiator(user).media_failed();
                    }
                    continue;
                }
            },
            _ = ping.tick() => {
                let _ = send(ws, &ClientSignal::Ping).await;
                continue;
            }
            _ = due => {
                let now = Instant::now();
                let due: Vec<i64> = mesh
                    .negotiators
                    .iter()
                    .filter(|(_, n)| n.poll_timeout().is_some_and(|at| at <= now))
                    .map(|(user, _)| *user)
                    .collect();
                for user in due {
                    let actions = mesh.negotiator(user).on_timeout(now);
                    if !act(ws, mesh, news_tx, user, actions).await {
                        return Link::Lost;
                    }
                }
                continue;
            }
            message = ws.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(frame))) => {
                        return match room::closed(frame, "the server closed the meeting room") {
                            Ok(why) => Link::Ended(why),
                            Err(why) => {
                                tracing::info!(%why, "meeting signaling lost; reconnecting");
                                Link::Lost
                            }
                        };
                    }
                    None => return Link::Lost,
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        tracing::info!(error = %e, "meeting signaling lost; reconnecting");
                        return Link::Lost;
                    }
                };
                match ServerSignal::parse(&text) {
                    Ok(ServerSignal::Error { message }) => {
                        tracing::warn!(%message, "meeting signaling error");
                        continue;
                    }
                    Ok(signal) => match signal.sender() {
                        Some(from) if from != mesh.me => (from, mesh.negotiator(from).on_signal(&signal)),
                        _ => continue,
                    },
                    Err(e) => {
                        tracing::debug!(error = %e, "unreadable meeting signaling message");
                        continue;
                    }
                }
            }
        };
        if !act(ws, mesh, news_tx, user, actions).await {
            return Link::Lost;
        }
    }
}

/// Does what `user`'s negotiator asked, feeding back what the media peer made; false when
/// the room socket failed.
async fn act(
    ws: &mut Ws,
    mesh: &mut Mesh,
    news_tx: &mpsc::UnboundedSender<PeerNews>,
    user: i64,
    actions: Vec<Action>,
) -> bool {
    // After a failure, the rest of the queue is dropped (as in a call: call.rs).
    let mut queue = std::collections::VecDeque::from(actions);
    while let Some(action) = queue.pop_front() {
        match action {
            Action::ResetPeer => {
                if mesh.fresh_peer(user, news_tx).await.is_none() {
                    mesh.negotiator(user).media_failed();
                    return true;
                }
            }
            Action::CreateOffer => {
                let Some(peer) = mesh.peer_for(user, news_tx).await else {
                    mesh.negotiator(user).media_failed();
                    return true;
                };
                match peer.create_offer().await {
                    Ok(sdp) => {
                        queue.extend(mesh.negotiator(user).offer_created(sdp, Instant::now()))
                    }
                    Err(e) => {
                        tracing::warn!(user, error = %e, "cannot create an offer");
                        mesh.failed(user).await;
                        queue.clear();
                    }
                }
            }
            Action::AcceptOffer(sdp) => {
                let Some(peer) = mesh.peer_for(user, news_tx).await else {
                    mesh.negotiator(user).media_failed();
                    return true;
                };
                match peer.accept_offer(sdp).await {
                    Ok(answer) => queue.extend(mesh.negotiator(user).answer_created(answer)),
                    Err(e) => {
                        tracing::warn!(user, error = %e, "cannot answer the offer");
                        mesh.failed(user).await;
                        queue.clear();
                    }
                }
            }
            Action::AcceptAnswer(sdp) => {
                if let Some(slot) = mesh.peers.get(&user)
                    && let Err(e) = slot.peer.accept_answer(sdp).await
                {
                    tracing::warn!(user, error = %e, "cannot take the answer");
                    mesh.failed(user).await;
                    queue.clear();
                }
            }
            Action::AddCandidate(json) => {
                if let Some(slot) = mesh.peers.get(&user) {
                    room::add_candidate(&slot.peer, &json).await;
                }
            }
            Action::Send(outgoing) => {
                if !room::send_to(ws, user, outgoing).await {
                    return false;
                }
            }
            // Left the call, or its socket closed: seed 002 drops that peer.
            Action::PeerLeft { .. } => mesh.drop_peer(user).await,
        }
    }
    true
}
