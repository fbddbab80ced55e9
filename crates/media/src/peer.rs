//! One WebRTC peer (webrtc-rs 0.17.2): Opus 48 kHz audio in 20 ms frames (and, with
//! [`VideoOptions`], a VP8 video track: see `video.rs`), trickle ICE with candidates
//! queued until the remote description is set, mute that sends silence.
//!
//! Signaling is the caller's job: this type produces and consumes SDP strings and
//! candidate JSON in the browser's shape (`candidate`, `sdpMid`, `sdpMLineIndex`), so the
//! same values travel over SPEC §4's grammar to a Rust or a browser peer.

use crate::audio::{AudioSink, AudioSource};
use crate::codec::Decoder;
pub use crate::error::MediaError;
pub use crate::hold::Hold;
use crate::offered_codecs::register_codecs;
use crate::quality::{ReceiveCounters, round_trip_from_report};
use crate::send_times::{SendLog, configure_twcc};
use crate::tone::{FRAME_SAMPLES, HoldTone, rms};
use crate::uplink::Uplink;
use crate::video::{
    self, SharedCounters, VideoOptions, VideoOut, VideoSource, VideoStats, video_track,
};
use crate::video_coding::rtcp_unreadable;
use crate::video_uplink::VideoAttachment;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{Mutex, mpsc, watch};
use webrtc::api::APIBuilder;
use webrtc::api::interceptor_registry::{configure_nack, configure_rtcp_reports};
use webrtc::api::media_engine::{MIME_TYPE_OPUS, MediaEngine};
use webrtc::api::setting_engine::SettingEngine;
use webrtc::ice::mdns::MulticastDnsMode;
use webrtc::ice_transport::ice_candidate::{RTCIceCandidate, RTCIceCandidateInit};
use webrtc::ice_transport::ice_server::RTCIceServer;
use webrtc::interceptor::registry::Registry;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::peer_connection_state::RTCPeerConnectionState;
use webrtc::peer_connection::policy::ice_transport_policy::RTCIceTransportPolicy;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::rtcp::receiver_report::ReceiverReport;
use webrtc::rtp_transceiver::RTCRtpTransceiverInit;
use webrtc::rtp_transceiver::rtp_codec::{RTCRtpCodecCapability, RTPCodecType};
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::track::track_local::TrackLocal;
use webrtc::track::track_local::track_local_static_sample::TrackLocalStaticSample;

/// An ICE server as the backend hands it out (`GET /api/rtc/config`).
#[derive(Clone, Debug, Default)]
pub struct IceServer {
    pub urls: Vec<String>,
    pub username: Option<String>,
    pub credential: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct PeerConfig {
    pub ice_servers: Vec<IceServer>,
    /// Use only TURN relays (tests of the relay path; strict networks).
    pub relay_only: bool,
    /// Offer loopback candidates: needed when peers share a machine with no other network.
    pub include_loopback: bool,
}

/// Longest gap (in 20 ms frames) filled by concealment; past it, audio resumes as is.
const MAX_CONCEALED: u16 = 5;

/// A local ICE candidate to send to the other side.
pub type Candidate = RTCIceCandidateInit;

/// What a peer has measured so far; the call turns two of these into rates and a score.
#[derive(Clone, Debug, Default)]
pub struct PeerStats {
    pub received: ReceiveCounters,
    /// From the far end's RTCP receiver reports; `None` before the first (~1 s in).
    pub rtt: Option<Duration>,
    pub packets_sent: u64,
    pub bytes_sent: u64,
    /// RMS (0–1) of the last frame captured (before mute) and the last frame played.
    pub input_level: f32,
    pub output_level: f32,
}

pub struct AudioPeer {
    pc: Arc<RTCPeerConnection>,
    /// [`Hold`], as a number the receiving task reads for every packet.
    hold: Arc<AtomicU8>,
    received: Arc<std::sync::Mutex<ReceiveCounters>>,
    output_level: Arc<AtomicU32>,
    /// Latest round trip from RTCP, in µs; 0 until the first report.
    round_trip: Arc<AtomicU64>,
    uplink: Arc<Uplink>,
    track: Arc<TrackLocalStaticSample>,
    video: SharedCounters,
    /// When each video packet went, for the far end's congestion feedback (`None`
    /// without video).
    send_log: Option<SendLog>,
    /// The video this side sends, once it has a track (kept when the source stops, so
    /// the next one goes out on it without renegotiating).
    video_out: std::sync::Mutex<Option<VideoOut>>,
    /// Or what a meeting's shared [`crate::VideoUplink`] codes, sent on this peer's track.
    video_shared: std::sync::Mutex<Option<VideoAttachment>>,
    /// One change of video source at a time (adding a track awaits).
    video_change: Mutex<()>,
    /// Candidates that arrived before the remote description.
    early_candidates: Mutex<Option<Vec<Candidate>>>,
    /// Our renegotiation offer, applied locally only with its answer (see
    /// [`AudioPeer::create_offer`]).
    unapplied_offer: Mutex<Option<RTCSessionDescription>>,
    state: watch::Receiver<RTCPeerConnectionState>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl AudioPeer {
    /// A peer that sends `source` and plays what it receives into `sink`. Local ICE
    /// candidates come out of the returned channel as they are gathered.
    pub async fn new(
        config: PeerConfig,
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
    ) -> Result<(AudioPeer, mpsc::UnboundedReceiver<Candidate>), MediaError> {
        Self::on_uplink(config, Arc::new(Uplink::start(source)), sink).await
    }

    /// A peer that sends what `uplink` captures (shared by every peer of a meeting).
    pub async fn on_uplink(
        config: PeerConfig,
        uplink: Arc<Uplink>,
        sink: Box<dyn AudioSink>,
    ) -> Result<(AudioPeer, mpsc::UnboundedReceiver<Candidate>), MediaError> {
        Self::with_video(config, uplink, sink, VideoOptions::default()).await
    }

    /// A peer with audio and, as `video` says, a VP8 video track sent and/or received.
    pub async fn with_video(
        config: PeerConfig,
        uplink: Arc<Uplink>,
        sink: Box<dyn AudioSink>,
        video: VideoOptions,
    ) -> Result<(AudioPeer, mpsc::UnboundedReceiver<Candidate>), MediaError> {
        let mut media = MediaEngine::default();
        register_codecs(&mut media)?;
        // RTCP sender/receiver reports only (RTT, jitter and loss for the call's stats):
        // the default set also runs NACK and transport-wide congestion feedback, which an
        // audio-only call with Opus FEC does not use, at a cost in timers and wake-ups.
        // Video needs NACK (a lost packet of a picture is asked for again) and the
        // transport-wide feedback its delay-based bitrate estimate reads.
        let registry = configure_rtcp_reports(Registry::new());
        let send_log = video.is_on().then(SendLog::new);
        let registry = match &send_log {
            Some(log) => configure_nack(configure_twcc(registry, &mut media, log)?, &mut media),
            None => registry,
        };
        let mut settings = SettingEngine::default();
        settings.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
        settings.set_include_loopback_candidate(config.include_loopback);
        // A pair learned from the other side's checks before its candidate arrived over
        // signaling (peer-reflexive) would otherwise wait 1 s before use: audio starts
        // on the first pair that works; ICE can still move to a better one.
        if !config.relay_only {
            settings.set_prflx_acceptance_min_wait(Some(Duration::ZERO));
        }
        if config.relay_only {
            // Otherwise relay pairs wait 2 s for better ones that will never come.
            settings.set_relay_acceptance_min_wait(Some(Duration::ZERO));
        }
        let api = APIBuilder::new()
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(settings)
            .build();
        let rtc_config = RTCConfiguration {
            ice_servers: config
                .ice_servers
                .iter()
                .map(|s| RTCIceServer {
                    urls: s.urls.clone(),
                    username: s.username.clone().unwrap_or_default(),
                    credential: s.credential.clone().unwrap_or_default(),
                })
                .collect(),
            ice_transport_policy: if config.relay_only {
                RTCIceTransportPolicy::Relay
            } else {
                RTCIceTransportPolicy::All
            },
            ..Default::default()
        };
        let pc = Arc::new(api.new_peer_connection(rtc_config).await?);

        let track = Arc::new(TrackLocalStaticSample::new(
            RTCRtpCodecCapability {
                mime_type: MIME_TYPE_OPUS.to_owned(),
                clock_rate: 48_000,
                channels: 2,
                ..Default::default()
            },
            "audio".to_owned(),
            "switchboard".to_owned(),
        ));
        let sender = pc
            .add_track(Arc::clone(&track) as Arc<dyn TrackLocal + Send + Sync>)
            .await?;
        let video_counters = SharedCounters::default();
        let VideoOptions {
            source: video_source,
            uplink: video_uplink,
            receive: video_receive,
            later: video_later,
            sink: video_sink,
        } = video;
        let video_decode = video_receive || video_later;
        let video_send = match video_source {
            Some(source) => {
                let video_track = video_track();
                let video_sender = pc
                    .add_track(Arc::clone(&video_track) as Arc<dyn TrackLocal + Send + Sync>)
                    .await?;
                Some((source, video_track, video_sender))
            }
            None if video_uplink.is_some() => None,
            None if video_receive => {
                pc.add_transceiver_from_kind(
                    RTPCodecType::Video,
                    Some(RTCRtpTransceiverInit {
                        direction: RTCRtpTransceiverDirection::Recvonly,
                        send_encodings: Vec::new(),
                    }),
                )
                .await?;
                None
            }
            None => None,
        };

        let video_shared = match video_uplink {
            Some(video_uplink) if video_send.is_none() => {
                let track = video_track();
                let sender = pc
                    .add_track(Arc::clone(&track) as Arc<dyn TrackLocal + Send + Sync>)
                    .await?;
                Some(video_uplink.attach(track, sender, video_counters.clone(), send_log.clone()))
            }
            _ => None,
        };

        let (candidates_tx, candidates_rx) = mpsc::unbounded_channel();
        pc.on_ice_candidate(Box::new(move |candidate: Option<RTCIceCandidate>| {
            let tx = candidates_tx.clone();
            Box::pin(async move {
                if let Some(init) = candidate.and_then(|c| c.to_json().ok()) {
                    let _ = tx.send(init);
                }
            })
        }));

        let (state_tx, state) = watch::channel(RTCPeerConnectionState::New);
        pc.on_peer_connection_state_change(Box::new(move |s| {
            let _ = state_tx.send(s);
            Box::pin(async {})
        }));

        let sink = Arc::new(std::sync::Mutex::new(sink));
        let hold = Arc::new(AtomicU8::new(Hold::Off.to_u8()));
        let held = hold.clone();
        let received = Arc::new(std::sync::Mutex::new(ReceiveCounters::default()));
        let output_level = Arc::new(AtomicU32::new(0));
        let origin = Instant::now();
        let (counters, level) = (received.clone(), output_level.clone());
        let video_sink = std::sync::Mutex::new(video_sink);
        let (pc_weak, video_seen) = (Arc::downgrade(&pc), video_counters.clone());
        pc.on_track(Box::new(move |remote, receiver, _transceiver| {
            if remote.kind() == RTPCodecType::Video {
                let (pc, counters) = (pc_weak.clone(), video_seen.clone());
                let sink = video_sink.lock().ok().and_then(|mut s| s.take());
                return Box::pin(async move {
                    tokio::spawn(async move { while receiver.read_rtcp().await.is_ok() {} });
                    if video_decode {
                        tokio::spawn(async move {
                            if let Err(e) = video::receive(remote, pc, sink, counters).await {
                                tracing::warn!(error = %e, "cannot receive the far end's video");
                            }
                        });
                    }
                });
            }
            let sink = sink.clone();
            let (counters, level, held) = (counters.clone(), level.clone(), held.clone());
            Box::pin(async move {
                // The far end's sender reports must be read for our receiver reports to
                // carry their timing back, from which the far end gets its round trip.
                tokio::spawn(async move { while receiver.read_rtcp().await.is_ok() {} });
                tokio::spawn(async move {
                    let mut decoder = match Decoder::new() {
                        Ok(d) => d,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot decode incoming audio");
                            return;
                        }
                    };
                    let mut last_seq: Option<u16> = None;
                    let mut hold_tone = HoldTone::default();
                    while let Ok((packet, _)) = remote.read_rtp().await {
                        if packet.payload.is_empty() {
                            continue;
                        }
                        let seq = packet.header.sequence_number;
                        if let Ok(mut counters) = counters.lock() {
                            counters.on_packet(
                                seq,
                                packet.header.timestamp,
                                packet.payload.len(),
                                origin.elapsed(),
                            );
                        }
                        // Packets missing since the last one: conceal all but the last,
                        // which this packet's FEC data rebuilds.
                        let missing =
                            last_seq.map_or(0, |last| seq.wrapping_sub(last).wrapping_sub(1));
                        if missing > 0x8000 {
                            continue; // late or duplicate: already concealed
                        }
                        last_seq = Some(seq);
                        let mut pcm = Vec::new();
                        for n in 0..missing.min(MAX_CONCEALED) {
                            let fec = (n + 1 == missing).then_some(&packet.payload[..]);
                            match decoder.decode_lost(fec) {
                                Ok(frame) => pcm.extend(frame),
                                Err(e) => tracing::debug!(error = %e, "lost audio not recovered"),
                            }
                        }
                        match decoder.decode(&packet.payload) {
                            Ok(frame) => pcm.extend(frame),
                            Err(e) => tracing::debug!(error = %e, "undecodable audio packet"),
                        }
                        // On hold, what the far end sends (silence: it holds too) is not
                        // played; its packets still pace what is.
                        match Hold::from_u8(held.load(Ordering::Relaxed)) {
                            Hold::Off => {}
                            Hold::ByUs => pcm.fill(0),
                            Hold::ByThem => pcm
                                .chunks_mut(FRAME_SAMPLES)
                                .for_each(|frame| hold_tone.fill(frame)),
                        }
                        if let Some(last) = pcm.rchunks(FRAME_SAMPLES).next() {
                            level.store((rms(last) as f32).to_bits(), Ordering::Relaxed);
                        }
                        if let Ok(mut sink) = sink.lock() {
                            for frame in pcm.chunks(FRAME_SAMPLES) {
                                sink.push(frame);
                            }
                        }
                    }
                });
            })
        }));

        let mut tasks = Vec::new();
        let video_out = video_send.map(|(source, track, sender)| {
            let mut out = VideoOut {
                track,
                sender,
                task: None,
                hold: hold.clone(),
                send_log: send_log.clone(),
            };
            out.start(source, &video_counters);
            out
        });
        // RTCP from the far end must be read for the interceptors to work. Its receiver
        // reports also give the round trip (RFC 3550 §6.4.1), computed here because
        // webrtc-rs 0.17's stats report one up to a report interval (1 s) too long.
        let rtt_micros = Arc::new(AtomicU64::new(0));
        let round_trip = rtt_micros.clone();
        tasks.push(tokio::spawn(async move {
            let mut buf = vec![0u8; 1500];
            loop {
                let packets = match sender.read(&mut buf).await {
                    Ok((packets, _)) => packets,
                    Err(e) if rtcp_unreadable(&e) => continue,
                    Err(_) => break,
                };
                for packet in &packets {
                    let Some(rr) = packet.as_any().downcast_ref::<ReceiverReport>() else {
                        continue;
                    };
                    let now = SystemTime::now();
                    if let Some(rtt) = rr
                        .reports
                        .iter()
                        .find_map(|r| round_trip_from_report(now, r.last_sender_report, r.delay))
                    {
                        rtt_micros.store(rtt.as_micros() as u64, Ordering::Relaxed);
                    }
                }
            }
        }));
        uplink.attach(track.clone());

        Ok((
            AudioPeer {
                pc,
                hold,
                received,
                output_level,
                round_trip,
                uplink,
                track,
                video: video_counters,
                send_log,
                video_out: std::sync::Mutex::new(video_out),
                video_shared: std::sync::Mutex::new(video_shared),
                video_change: Mutex::new(()),
                early_candidates: Mutex::new(Some(Vec::new())),
                unapplied_offer: Mutex::new(None),
                state,
                tasks: std::sync::Mutex::new(tasks),
            },
            candidates_rx,
        ))
    }

    /// Creates an offer: the first one (this side calls), or one that renegotiates a
    /// call already set up (video turned on).
    ///
    /// A renegotiation offer is applied locally only when its answer comes. Until then
    /// this peer stays stable, so if the other side's offer crosses ours ("glare"), the
    /// polite side can still answer it: webrtc-rs 0.17 has no rollback, and this is the
    /// one it would need. (The first offer is applied at once: that starts gathering
    /// candidates, and there is nothing negotiated yet for an offer to cross.)
    pub async fn create_offer(&self) -> Result<String, MediaError> {
        let offer = self.pc.create_offer(None).await?;
        if self.pc.current_remote_description().await.is_some() {
            *self.unapplied_offer.lock().await = Some(offer.clone());
        } else {
            self.pc.set_local_description(offer.clone()).await?;
        }
        Ok(offer.sdp)
    }

    /// Takes the other side's offer and returns the answer. An unapplied renegotiation
    /// offer of ours is dropped (the other side gave way or will; ours is made again
    /// once this settles). Not while our first offer is out: that one is applied.
    pub async fn accept_offer(&self, sdp: String) -> Result<String, MediaError> {
        self.unapplied_offer.lock().await.take();
        self.pc
            .set_remote_description(RTCSessionDescription::offer(sdp)?)
            .await?;
        self.flush_early_candidates().await?;
        let answer = self.pc.create_answer(None).await?;
        self.pc.set_local_description(answer.clone()).await?;
        Ok(answer.sdp)
    }

    /// Takes the other side's answer to our offer (applying our offer first if it was a
    /// renegotiation).
    pub async fn accept_answer(&self, sdp: String) -> Result<(), MediaError> {
        let answer = RTCSessionDescription::answer(sdp)?;
        if let Some(offer) = self.unapplied_offer.lock().await.take() {
            self.pc.set_local_description(offer).await?;
        }
        self.pc.set_remote_description(answer).await?;
        self.flush_early_candidates().await
    }

    /// A remote candidate; kept until the remote description is set (webrtc-rs refuses
    /// candidates before it).
    pub async fn add_remote_candidate(&self, candidate: Candidate) -> Result<(), MediaError> {
        {
            let mut early = self.early_candidates.lock().await;
            if let Some(queue) = early.as_mut() {
                queue.push(candidate);
                return Ok(());
            }
        }
        self.pc.add_ice_candidate(candidate).await?;
        Ok(())
    }

    async fn flush_early_candidates(&self) -> Result<(), MediaError> {
        let queued = self
            .early_candidates
            .lock()
            .await
            .take()
            .unwrap_or_default();
        for candidate in queued {
            self.pc.add_ice_candidate(candidate).await?;
        }
        Ok(())
    }

    /// Muted, only silence is encoded: no captured sound leaves the machine. (On a
    /// shared uplink this mutes every peer on it.)
    pub fn set_muted(&self, muted: bool) {
        self.uplink.set_muted(muted);
    }

    pub fn is_muted(&self) -> bool {
        self.uplink.is_muted()
    }

    /// What this side plays while the call is on hold (see [`Hold`]). On hold no picture
    /// is sent either; the sound sent is the caller's to stop (mute).
    pub fn set_hold(&self, hold: Hold) {
        self.hold.store(hold.to_u8(), Ordering::Relaxed);
    }

    /// Waits until the peer connection is connected.
    pub async fn connected(&self, within: Duration) -> Result<(), MediaError> {
        let mut state = self.state.clone();
        let wait = state.wait_for(|s| {
            matches!(
                s,
                RTCPeerConnectionState::Connected
                    | RTCPeerConnectionState::Failed
                    | RTCPeerConnectionState::Closed
            )
        });
        match tokio::time::timeout(within, wait).await {
            Ok(Ok(s)) if *s == RTCPeerConnectionState::Connected => Ok(()),
            Ok(_) => Err(MediaError::Failed),
            Err(_) => Err(MediaError::ConnectTimeout(within)),
        }
    }

    /// The candidate types (`host`, `srflx`, `relay`, ...) of the nominated pair in use,
    /// local then remote, once ICE has chosen one.
    pub async fn selected_pair_types(&self) -> Option<(String, String)> {
        use webrtc::stats::StatsReportType;
        let report = self.pc.get_stats().await;
        let kind = |id: &str| match report.reports.get(id) {
            Some(StatsReportType::LocalCandidate(c))
            | Some(StatsReportType::RemoteCandidate(c)) => Some(c.candidate_type.to_string()),
            _ => None,
        };
        report.reports.values().find_map(|r| match r {
            StatsReportType::CandidatePair(p) if p.nominated => {
                Some((kind(&p.local_candidate_id)?, kind(&p.remote_candidate_id)?))
            }
            _ => None,
        })
    }

    /// Microphone and speaker levels (RMS, 0–1) of the last frames: cheap, for meters.
    pub fn levels(&self) -> (f32, f32) {
        (
            self.uplink.level(),
            f32::from_bits(self.output_level.load(Ordering::Relaxed)),
        )
    }

    /// Counters, round-trip time and levels, as of now.
    pub async fn stats(&self) -> PeerStats {
        use webrtc::stats::StatsReportType;
        let report = self.pc.get_stats().await;
        let mut stats = PeerStats {
            received: self.received.lock().map(|c| c.clone()).unwrap_or_default(),
            input_level: self.uplink.level(),
            output_level: f32::from_bits(self.output_level.load(Ordering::Relaxed)),
            ..PeerStats::default()
        };
        let rtt = self.round_trip.load(Ordering::Relaxed);
        stats.rtt = (rtt > 0).then(|| Duration::from_micros(rtt));
        for r in report.reports.values() {
            if let StatsReportType::OutboundRTP(o) = r {
                stats.packets_sent += o.packets_sent;
                stats.bytes_sent += o.bytes_sent;
            }
        }
        stats
    }

    /// Sends `source`'s pictures from now on, in place of any before; `None` stops sending
    /// (the source is dropped: a camera's light goes off). Returns whether the far end
    /// must be offered again: the first video this side sends in a call needs a track of
    /// its own, which only a new offer and answer carry. Other changes do not
    /// renegotiate: the far end sees the pictures change, or stop.
    pub async fn set_video_source(
        &self,
        source: Option<Box<dyn VideoSource>>,
    ) -> Result<bool, MediaError> {
        let _one_at_a_time = self.video_change.lock().await;
        if self.video_shared.lock().is_ok_and(|s| s.is_some()) {
            return Err(MediaError::Video(
                "this peer sends a meeting's shared video: change the source on its uplink".into(),
            ));
        }
        let first_source = {
            let mut out = self.video_out.lock().map_err(|_| MediaError::Failed)?;
            match (out.as_mut(), source) {
                (Some(out), Some(source)) => {
                    out.start(source, &self.video);
                    return Ok(false);
                }
                (Some(out), None) => {
                    out.stop();
                    return Ok(false);
                }
                (None, None) => return Ok(false),
                (None, Some(source)) => source,
            }
        };
        let track = video_track();
        let sender = self
            .pc
            .add_track(Arc::clone(&track) as Arc<dyn TrackLocal + Send + Sync>)
            .await?;
        let mut out = VideoOut {
            track,
            sender,
            task: None,
            hold: self.hold.clone(),
            send_log: self.send_log.clone(),
        };
        out.start(first_source, &self.video);
        if let Ok(mut slot) = self.video_out.lock() {
            *slot = Some(out);
        }
        Ok(true)
    }

    /// What the call's video did so far (all zero without video).
    pub fn video_stats(&self) -> VideoStats {
        self.video
            .lock()
            .map(|c| c.stats.clone())
            .unwrap_or_default()
    }

    /// Resolves when the connection fails for good (ICE timed out, or closed): the far end
    /// is gone even if nobody said goodbye.
    pub async fn lost(&self) {
        let mut state = self.state.clone();
        let _ = state
            .wait_for(|s| {
                matches!(
                    s,
                    RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed
                )
            })
            .await;
    }

    /// Stops sending and closes the connection.
    pub async fn close(&self) {
        self.stop();
        if let Err(e) = self.pc.close().await {
            tracing::debug!(error = %e, "closing the peer connection");
        }
    }

    fn stop(&self) {
        self.uplink.detach(&self.track);
        if let Ok(mut out) = self.video_out.lock()
            && let Some(out) = out.as_mut()
        {
            out.stop();
        }
        if let Ok(mut shared) = self.video_shared.lock() {
            shared.take();
        }
        if let Ok(mut tasks) = self.tasks.lock() {
            for task in tasks.drain(..) {
                task.abort();
            }
        }
    }
}

impl Drop for AudioPeer {
    fn drop(&mut self) {
        self.stop();
    }
}
