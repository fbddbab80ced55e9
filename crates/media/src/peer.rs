//! One WebRTC audio peer (webrtc-rs 0.17.2): Opus 48 kHz in 20 ms frames, trickle ICE
//! with candidates queued until the remote description is set, mute that sends silence.
//!
//! Signaling is the caller's job: this type produces and consumes SDP strings and
//! candidate JSON in the browser's shape (`candidate`, `sdpMid`, `sdpMLineIndex`), so the
//! same values travel over SPEC §4's grammar to a Rust or a browser peer.

use crate::audio::{AudioSink, AudioSource};
use crate::codec::Decoder;
use crate::tone::FRAME_SAMPLES;
use crate::uplink::Uplink;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, watch};
use webrtc::api::APIBuilder;
use webrtc::api::interceptor_registry::configure_rtcp_reports;
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
use webrtc::rtp_transceiver::rtp_codec::RTCRtpCodecCapability;
use webrtc::track::track_local::TrackLocal;
use webrtc::track::track_local::track_local_static_sample::TrackLocalStaticSample;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("WebRTC: {0}")]
    WebRtc(#[from] webrtc::Error),
    #[error("{0}")]
    Codec(#[from] crate::codec::CodecError),
    #[error("the call did not connect within {0:?}")]
    ConnectTimeout(Duration),
    #[error("the connection failed")]
    Failed,
}

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

pub struct AudioPeer {
    pc: Arc<RTCPeerConnection>,
    uplink: Arc<Uplink>,
    track: Arc<TrackLocalStaticSample>,
    /// Candidates that arrived before the remote description.
    early_candidates: Mutex<Option<Vec<Candidate>>>,
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
        let mut media = MediaEngine::default();
        media.register_default_codecs()?;
        // RTCP sender/receiver reports only (RTT, jitter and loss for the call's stats):
        // the default set also runs NACK and transport-wide congestion feedback, which an
        // audio-only call with Opus FEC does not use, at a cost in timers and wake-ups.
        let registry = configure_rtcp_reports(Registry::new());
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
        pc.on_track(Box::new(move |remote, _receiver, _transceiver| {
            let sink = sink.clone();
            Box::pin(async move {
                tokio::spawn(async move {
                    let mut decoder = match Decoder::new() {
                        Ok(d) => d,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot decode incoming audio");
                            return;
                        }
                    };
                    let mut last_seq: Option<u16> = None;
                    while let Ok((packet, _)) = remote.read_rtp().await {
                        if packet.payload.is_empty() {
                            continue;
                        }
                        let seq = packet.header.sequence_number;
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
        // RTCP from the far end must be read for the interceptors (NACK, reports) to work.
        tasks.push(tokio::spawn(async move {
            let mut buf = vec![0u8; 1500];
            while sender.read(&mut buf).await.is_ok() {}
        }));
        uplink.attach(track.clone());

        Ok((
            AudioPeer {
                pc,
                uplink,
                track,
                early_candidates: Mutex::new(Some(Vec::new())),
                state,
                tasks: std::sync::Mutex::new(tasks),
            },
            candidates_rx,
        ))
    }

    /// Creates the offer (this side calls).
    pub async fn create_offer(&self) -> Result<String, MediaError> {
        let offer = self.pc.create_offer(None).await?;
        self.pc.set_local_description(offer.clone()).await?;
        Ok(offer.sdp)
    }

    /// Takes the other side's offer and returns the answer.
    pub async fn accept_offer(&self, sdp: String) -> Result<String, MediaError> {
        self.pc
            .set_remote_description(RTCSessionDescription::offer(sdp)?)
            .await?;
        self.flush_early_candidates().await?;
        let answer = self.pc.create_answer(None).await?;
        self.pc.set_local_description(answer.clone()).await?;
        Ok(answer.sdp)
    }

    /// Takes the other side's answer to our offer.
    pub async fn accept_answer(&self, sdp: String) -> Result<(), MediaError> {
        self.pc
            .set_remote_description(RTCSessionDescription::answer(sdp)?)
            .await?;
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
