//! A video call whose one side sends through a narrow uplink with a deep buffer (the
//! bufferbloat of a busy home or office link): nothing is lost, packets only wait. Real
//! webrtc-rs peers, Debian's coturn, and a userspace proxy that drains what peer a sends
//! at a fixed rate.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_media::video::{PatternSource, VideoOptions, VideoSink, clock_ms};
use switchboard_media::{AudioPeer, PeerConfig, Uplink};
use switchboard_video::frame::Frame;
use switchboard_video::pattern::{STAMP_MODULUS, read_stamp};
use switchboard_video::vp8::EncoderSettings;

mod common;

use common::relay::{Bottleneck, coturn, shaped_proxy, turn_config};
use common::{A_TONE, B_TONE, negotiate};

/// Each picture shown: when, and how long after it was drawn at the sender (ms).
#[derive(Clone, Default)]
struct Delays(Arc<Mutex<Vec<(Instant, u32)>>>);

impl VideoSink for Delays {
    fn show(&mut self, frame: &Frame) {
        if let Some(stamp) = read_stamp(frame) {
            let delay = (clock_ms() + STAMP_MODULUS - stamp.stamp) % STAMP_MODULUS;
            if let Ok(mut shown) = self.0.lock() {
                shown.push((Instant::now(), delay));
            }
        }
    }
}

impl Delays {
    /// The pictures shown since `since`, and the median of their delays.
    fn since(&self, since: Instant) -> (usize, Option<u32>) {
        let mut delays: Vec<u32> = self
            .0
            .lock()
            .map(|s| {
                s.iter()
                    .filter(|(at, _)| *at >= since)
                    .map(|(_, d)| *d)
                    .collect()
            })
            .unwrap_or_default();
        delays.sort_unstable();
        (delays.len(), delays.get(delays.len() / 2).copied())
    }
}

async fn peer(
    config: PeerConfig,
    tone: f64,
    sink: Option<Delays>,
) -> (
    AudioPeer,
    tokio::sync::mpsc::UnboundedReceiver<switchboard_media::Candidate>,
) {
    let uplink = Arc::new(Uplink::start(Box::new(ToneSource::new(tone))));
    let video = VideoOptions {
        source: Some(Box::new(
            PatternSource::new(EncoderSettings::VGA).expect("a pattern"),
        )),
        receive: true,
        sink: sink.map(|s| Box::new(s) as Box<dyn VideoSink>),
        ..Default::default()
    };
    AudioPeer::with_video(config, uplink, Box::new(FrameLog::default()), video)
        .await
        .expect("a peer")
}

/// Peer a codes 640×480 video, starting at 600 kbit/s, and sends it (and its voice)
/// through a 350 kbit/s link that can queue 2 s. Coded at 600, the queue would fill in
/// under 3 s and every picture would arrive about 2 s late, with the voice as late beside
/// it; the loss-based control alone sees nothing until then, since a queue loses
/// nothing. The far end's transport-wide feedback shows the queue building; a must code
/// under what the link carries, and b must see a's pictures fresh and still many a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_narrow_uplink_the_sender_codes_under_its_capacity_and_pictures_stay_fresh() {
    let turn = coturn().await;
    let neck = Bottleneck {
        kbps: 350,
        buffer: Duration::from_secs(2),
    };
    let link = shaped_proxy(
        SocketAddr::from(([127, 0, 0, 1], turn.port)),
        Arc::new(|_, _| false),
        Duration::from_millis(20),
        Some(neck),
    )
    .await;
    let seen_by_b = Delays::default();
    let (a, mut a_candidates) = peer(turn_config(link.port(), 1), A_TONE, None).await;
    let (b, mut b_candidates) =
        peer(turn_config(turn.port, 2), B_TONE, Some(seen_by_b.clone())).await;
    negotiate(
        &a,
        &mut a_candidates,
        &b,
        &mut b_candidates,
        Duration::from_secs(20),
    )
    .await;

    let started = Instant::now();
    let mut trace = Vec::new();
    for second in 1..=16 {
        tokio::time::sleep_until((started + Duration::from_secs(second)).into()).await;
        let (_, median) = seen_by_b.since(Instant::now() - Duration::from_secs(1));
        trace.push((a.video_stats().send_kbps, median));
    }
    eprintln!(
        "each second: (a codes at kbit/s, median delay of what b was shown in ms): {trace:?}"
    );
    let window = started + Duration::from_secs(10);
    let (shown, median) = seen_by_b.since(window);
    let mut coded: Vec<u32> = trace[10..].iter().map(|(kbps, _)| *kbps).collect();
    coded.sort_unstable();
    let coded = coded[coded.len() / 2];
    eprintln!(
        "last 6 s: b was shown {shown} of a's pictures, median {median:?} ms after they were drawn; a coded at a median {coded} kbit/s"
    );
    // It probes above the link now and then, and backs off when the queue shows.
    assert!(
        coded < neck.kbps,
        "a codes under the link's {} kbit/s: {coded} in the last 6 s",
        neck.kbps
    );
    let median = median.expect("b was shown a's pictures");
    assert!(
        median < 400,
        "a's pictures reach b {median} ms after they were drawn (the link adds 20 ms and a queue)"
    );
    assert!(
        shown >= 6 * 15,
        "b was shown {shown} of a's pictures in 6 s"
    );
    a.close().await;
    b.close().await;
}
