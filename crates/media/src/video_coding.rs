//! What sending video needs, shared by a call's own track (`video`) and a meeting's
//! shared uplink (`video_uplink`): the encoder's thread, the far end's feedback read
//! back, and the counters both sides keep. Apart from `video` so that the uplink, which
//! `video::VideoOptions` names, does not import from it.

use crate::congestion::{Acked, SentPackets, arrivals};
use crate::hold::Hold;
use crate::rate::RateControl;
use crate::send_times::SendLog;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_video::Frame;
use switchboard_video::pattern::{STAMP_MODULUS, read_stamp};
use switchboard_video::source::{VideoSource, clock_ms};
use switchboard_video::vp8::{EncodedFrame, Vp8Encoder};
use webrtc::media::Sample;
use webrtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
use webrtc::rtcp::receiver_report::ReceiverReport;
use webrtc::rtcp::transport_feedbacks::transport_layer_cc::TransportLayerCc;
use webrtc::rtp_transceiver::rtp_sender::RTCRtpSender;
use webrtc::track::track_local::track_local_static_sample::TrackLocalStaticSample;

/// Aborts a task when dropped: a task that spawned it and is itself aborted takes it along.
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a call's video did, each side counting its own.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct VideoStats {
    pub frames_sent: u64,
    pub frames_decoded: u64,
    /// Pictures decoded per second, from the first to the last.
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    /// Test pattern pictures among those decoded, and how many came after a later one.
    pub pattern_frames: u64,
    pub out_of_order: u64,
    /// Capture to decoded picture, mean and most, from the pattern's stamps (one clock:
    /// both ends on one machine).
    pub glass_to_glass_ms: Option<f64>,
    pub glass_to_glass_max_ms: Option<f64>,
    /// Keyframes the far end asked this side for, and this side asked the far end for.
    pub keyframes_asked_of_us: u64,
    pub keyframes_we_asked: u64,
    /// The bitrate this side codes its video at now (kbit/s), as the far end's reports
    /// steer it; 0 while it sends none.
    pub send_kbps: u32,
}

/// The receiving side's running figures.
#[derive(Default)]
pub(crate) struct VideoCounters {
    pub(crate) stats: VideoStats,
    first: Option<Instant>,
    last_number: Option<u32>,
    delay_sum_ms: f64,
    delays: u64,
}

impl VideoCounters {
    pub(crate) fn decoded(&mut self, frame: &Frame, now: Instant) {
        let s = &mut self.stats;
        s.frames_decoded += 1;
        (s.width, s.height) = (frame.width(), frame.height());
        let first = *self.first.get_or_insert(now);
        let span = now.duration_since(first).as_secs_f64();
        if span > 0.0 {
            s.fps = ((s.frames_decoded - 1) as f64 / span * 10.0).round() / 10.0;
        }
        if let Some(stamp) = read_stamp(frame) {
            s.pattern_frames += 1;
            if self.last_number.is_some_and(|last| stamp.number < last) {
                s.out_of_order += 1;
            }
            self.last_number = Some(stamp.number);
            let delay = (clock_ms() + STAMP_MODULUS - stamp.stamp) % STAMP_MODULUS;
            self.delay_sum_ms += f64::from(delay);
            self.delays += 1;
            s.glass_to_glass_ms =
                Some((self.delay_sum_ms / self.delays as f64 * 10.0).round() / 10.0);
            s.glass_to_glass_max_ms =
                Some(s.glass_to_glass_max_ms.unwrap_or(0.0).max(f64::from(delay)));
        }
    }
}

pub(crate) type SharedCounters = Arc<Mutex<VideoCounters>>;

/// Reads the far end's RTCP about our video on `sender` until the track ends: a lost
/// picture it reports makes the next one a keyframe, and the loss it reports (or its
/// REMB) steers `rate`, whose every new target goes to `steer`.
pub(crate) async fn read_feedback(
    sender: Arc<RTCRtpSender>,
    Steering {
        mut rate,
        send_log,
        scale,
    }: Steering,
    keyframe: Arc<AtomicBool>,
    counters: SharedCounters,
    steer: impl Fn(u32) + Send,
) {
    let ours = sender
        .get_parameters()
        .await
        .encodings
        .first()
        .map(|e| e.ssrc);
    // What was measured in real bits, in the rate's units.
    let in_units = |real: f64| {
        scale.as_ref().map_or(real, |s| {
            real * f64::from(s.load(Ordering::Relaxed)) / 1000.0
        })
    };
    let mut buf = vec![0u8; 1500];
    loop {
        let packets = match sender.read(&mut buf).await {
            Ok((packets, _)) => packets,
            // One message that does not parse: the next may (stopping here would leave
            // the rest of the call deaf to lost pictures and congestion).
            Err(e) if rtcp_unreadable(&e) => continue,
            Err(_) => return, // the track or the call ended
        };
        for packet in &packets {
            let any = packet.as_any();
            if any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>() {
                keyframe.store(true, Ordering::Relaxed);
                if let Ok(mut c) = counters.lock() {
                    c.stats.keyframes_asked_of_us += 1;
                }
                continue;
            }
            let target = if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
                rr.reports
                    .iter()
                    .find(|r| ours.is_none_or(|ssrc| r.ssrc == ssrc))
                    .map(|r| rate.on_loss(f64::from(r.fraction_lost) / 256.0))
            } else if let Some(twcc) = any.downcast_ref::<TransportLayerCc>() {
                send_log
                    .as_ref()
                    .and_then(|log| log.with(|sent| acked(twcc, sent, &in_units)))
                    .map(|packets| rate.on_arrivals(&packets))
            } else {
                any.downcast_ref::<ReceiverEstimatedMaximumBitrate>()
                    .map(|remb| rate.on_remb(in_units(f64::from(remb.bitrate)) as f32))
            };
            if let Some(kbps) = target {
                steer(kbps);
                if let Ok(mut c) = counters.lock() {
                    c.stats.send_kbps = kbps;
                }
            }
        }
    }
}

/// What a feedback reader steers and measures with.
pub(crate) struct Steering {
    pub(crate) rate: RateControl,
    /// When each packet went, for transport-wide feedback (`None`: not negotiated).
    pub(crate) send_log: Option<SendLog>,
    /// The rate's units per 1,000 of real kbit/s, when they are not kbit/s: a meeting
    /// member's rate is reckoned for a VGA camera whatever the source (video_uplink.rs),
    /// so what arrives (and a REMB) is scaled the same way before it steers.
    pub(crate) scale: Option<Arc<AtomicU32>>,
}

/// Whether a failed RTCP read was one message that did not parse (the next may), rather
/// than the end of the track or call.
pub(crate) fn rtcp_unreadable(e: &webrtc::Error) -> bool {
    matches!(
        e,
        webrtc::Error::Rtcp(_) | webrtc::Error::Interceptor(webrtc::interceptor::Error::Rtcp(_))
    )
}

/// The packets of ours a transport-wide feedback message says arrived, with when they
/// were sent, in the order they were sent.
fn acked(
    feedback: &TransportLayerCc,
    sent: &SentPackets,
    in_units: &impl Fn(f64) -> f64,
) -> Vec<Acked> {
    let mut packets: Vec<Acked> = arrivals(feedback)
        .into_iter()
        .filter_map(|a| {
            let arrived_us = a.at_us?;
            let sent = sent.get(a.sequence)?;
            Some(Acked {
                sent_us: sent.at_us,
                arrived_us,
                bytes: in_units(f64::from(sent.bytes)).round() as u32,
            })
        })
        .collect();
    packets.sort_by_key(|p| p.sent_us);
    packets
}

/// The encoder's thread: a picture every `period`, coded and handed over, until the
/// sending side is gone. A picture that is late is skipped, not sent in a burst; none is
/// taken while the call is on hold.
pub(crate) fn encode(
    mut source: Box<dyn VideoSource>,
    period: Duration,
    controls: &EncodeControls,
    out: &tokio::sync::mpsc::Sender<Vec<EncodedFrame>>,
) {
    let EncodeControls {
        keyframe,
        bitrate,
        hold,
        wanted,
    } = controls;
    let mut encoder = match Vp8Encoder::new(source.settings()) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "cannot encode outgoing video");
            return;
        }
    };
    let mut next = Instant::now();
    let mut failing = false;
    let mut asked_kbps = encoder.settings().bitrate_kbps;
    let mut held = false;
    loop {
        if out.is_closed() {
            // The call is over, or another source took over: checked here and not only
            // when a picture is handed over, since a source that fails every time (a
            // shared window closed) hands nothing over.
            return;
        }
        if Hold::from_u8(hold.load(Ordering::Relaxed)) != Hold::Off {
            if !std::mem::replace(&mut held, true) {
                source.pause(); // a camera closes: its light goes off while on hold
            }
            std::thread::sleep(period);
            next = Instant::now();
            continue;
        }
        if std::mem::take(&mut held) {
            if let Err(e) = source.resume() {
                tracing::warn!(error = %e, "the video source did not come back after the hold");
            }
            // The far end may have dropped what it had while nothing came.
            keyframe.store(true, Ordering::Relaxed);
        }
        let kbps = bitrate.load(Ordering::Relaxed);
        if kbps != asked_kbps {
            asked_kbps = kbps;
            if let Err(e) = encoder.set_bitrate(kbps) {
                tracing::debug!(error = %e, kbps, "the encoder kept its bitrate");
            }
        }
        if !wanted.load(Ordering::Relaxed) {
            // Nobody to send to: the picture is still taken (a preview shows it), and
            // the first one coded once someone is there is a keyframe.
            let _ = source.capture();
            keyframe.store(true, Ordering::Relaxed);
            next += period;
            sleep_until_next(&mut next, period);
            continue;
        }
        let coded = source
            .capture()
            .and_then(|frame| encoder.encode(&frame, keyframe.swap(false, Ordering::Relaxed)));
        match coded {
            Ok(coded) => {
                if out.blocking_send(coded).is_err() {
                    return; // the call is over
                }
                failing = false;
            }
            Err(e) if !failing => {
                // Said once per run of failures, not thirty times a second.
                tracing::warn!(error = %e, "video picture not sent");
                failing = true;
            }
            Err(_) => {}
        }
        next += period;
        sleep_until_next(&mut next, period);
    }
}

/// Sleeps until `next`; a thread that fell more than a period behind starts again from
/// now instead of coding pictures in a burst.
fn sleep_until_next(next: &mut Instant, period: Duration) {
    let now = Instant::now();
    if *next > now {
        std::thread::sleep(*next - now);
    } else if now - *next > period {
        *next = now;
    }
}

/// What steers the encoder's thread from outside it.
#[derive(Clone)]
pub(crate) struct EncodeControls {
    /// Code the next picture as a keyframe (a loss reported, a newcomer).
    pub(crate) keyframe: Arc<AtomicBool>,
    pub(crate) bitrate: Arc<AtomicU32>,
    /// The call's [`Hold`]: nothing taken or coded, and the source paused.
    pub(crate) hold: Arc<AtomicU8>,
    /// Whether anyone receives the pictures (a meeting's uplink with no member attached
    /// has no one): without, pictures are taken but not coded.
    pub(crate) wanted: Arc<AtomicBool>,
}

/// The least a video track is coded at, whatever the reports say: below it a picture is
/// mush, and the call is better served by the voice alone.
pub(crate) const MIN_KBPS: u32 = 100;

/// Runs `f` when dropped: on every way out of a task, aborts included.
pub(crate) fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}

/// Sends one coded picture on `track` and counts it (a picture that cannot be sent is
/// said in the log and not counted).
pub(crate) async fn send_picture(
    track: &TrackLocalStaticSample,
    data: bytes::Bytes,
    duration: Duration,
    counters: &SharedCounters,
) {
    let sample = Sample {
        data,
        timestamp: std::time::SystemTime::now(),
        duration,
        ..Default::default()
    };
    if let Err(e) = track.write_sample(&sample).await {
        tracing::debug!(error = %e, "video frame not sent");
        return;
    }
    if let Ok(mut c) = counters.lock() {
        c.stats.frames_sent += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_video::pattern::TestPattern;

    #[test]
    fn the_counters_read_order_rate_and_delay_from_the_pattern() {
        let mut pattern = TestPattern::new(640, 480).expect("a size");
        let mut counters = VideoCounters::default();
        let start = Instant::now();
        let frames: Vec<Frame> = (0..4).map(|_| pattern.next_frame(clock_ms())).collect();
        for (i, n) in [0usize, 1, 3, 2].into_iter().enumerate() {
            counters.decoded(&frames[n], start + Duration::from_millis(100 * i as u64));
        }
        let s = &counters.stats;
        assert_eq!(
            (s.frames_decoded, s.pattern_frames, s.out_of_order),
            (4, 4, 1)
        );
        assert_eq!((s.width, s.height), (640, 480));
        assert_eq!(s.fps, 10.0, "four pictures over 300 ms");
        let delay = s.glass_to_glass_ms.expect("a delay");
        assert!((0.0..1000.0).contains(&delay), "{delay}");
    }

    /// Records what the encoder's thread asks of its source.
    struct Recording(
        switchboard_video::source::PatternSource,
        Arc<Mutex<Vec<&'static str>>>,
    );

    impl VideoSource for Recording {
        fn settings(&self) -> switchboard_video::vp8::EncoderSettings {
            self.0.settings()
        }
        fn capture(&mut self) -> Result<Frame, switchboard_video::frame::VideoError> {
            self.1.lock().expect("log").push("capture");
            self.0.capture()
        }
        fn pause(&mut self) {
            self.1.lock().expect("log").push("pause");
        }
        fn resume(&mut self) -> Result<(), switchboard_video::frame::VideoError> {
            self.1.lock().expect("log").push("resume");
            Ok(())
        }
    }

    /// On hold the source is paused once (a camera closes, its light off) and nothing is
    /// taken; on resume it is resumed once and the next picture is a keyframe.
    #[test]
    fn a_hold_pauses_the_source_and_the_first_picture_after_is_a_keyframe() {
        let settings = switchboard_video::vp8::EncoderSettings::sized(160, 120);
        let log: Arc<Mutex<Vec<&'static str>>> = Arc::default();
        let source = Recording(
            switchboard_video::source::PatternSource::new(settings).expect("a pattern"),
            log.clone(),
        );
        let controls = EncodeControls {
            keyframe: Arc::new(AtomicBool::new(false)),
            bitrate: Arc::new(AtomicU32::new(settings.bitrate_kbps)),
            hold: Arc::new(AtomicU8::new(Hold::Off.to_u8())),
            wanted: Arc::new(AtomicBool::new(true)),
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let thread_controls = controls.clone();
        let period = Duration::from_millis(10);
        let thread =
            std::thread::spawn(move || encode(Box::new(source), period, &thread_controls, &tx));
        let next = |rx: &mut tokio::sync::mpsc::Receiver<Vec<EncodedFrame>>| {
            rx.blocking_recv()
                .expect("a picture")
                .iter()
                .any(|f| f.keyframe)
        };
        assert!(next(&mut rx), "the first picture is a keyframe");
        assert!(!next(&mut rx));
        controls.hold.store(Hold::ByUs.to_u8(), Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(100));
        while rx.try_recv().is_ok() {}
        let before = log.lock().expect("log").len();
        std::thread::sleep(Duration::from_millis(100));
        assert!(rx.try_recv().is_err(), "nothing coded on hold");
        let on_hold: Vec<_> = log.lock().expect("log")[before..].to_vec();
        assert!(
            on_hold.is_empty(),
            "nothing asked of the source on hold: {on_hold:?}"
        );
        controls.hold.store(Hold::Off.to_u8(), Ordering::Relaxed);
        assert!(
            next(&mut rx),
            "the first picture after the hold is a keyframe"
        );
        drop(rx);
        thread.join().expect("the thread ends with the call");
        let log = log.lock().expect("log");
        let count = |what| log.iter().filter(|w| **w == what).count();
        assert_eq!((count("pause"), count("resume")), (1, 1), "{log:?}");
        let paused = log.iter().position(|w| *w == "pause").expect("paused");
        assert_eq!(log[paused + 1], "resume", "nothing taken between: {log:?}");
    }

    /// A meeting member's rate is reckoned for a VGA camera: what arrives is scaled into
    /// those units before it steers (a 720p source's kbit/s count for a third).
    #[test]
    fn what_arrives_is_counted_in_the_rates_units() {
        let mut sent = SentPackets::default();
        sent.on_sent(1, 0, 1200);
        sent.on_sent(2, 10_000, 900);
        sent.on_sent(3, 20_000, 600);
        let mut far_end = webrtc::interceptor::twcc::Recorder::new(1);
        far_end.record(5, 1, 100_000);
        far_end.record(5, 3, 121_000);
        let feedback = far_end.build_feedback_packet();
        let twcc = feedback[0]
            .as_any()
            .downcast_ref::<TransportLayerCc>()
            .expect("TWCC");
        let third = |real: f64| real / 3.0;
        let packets = acked(twcc, &sent, &third);
        let seen: Vec<(i64, u32)> = packets.iter().map(|p| (p.sent_us, p.bytes)).collect();
        assert_eq!(
            seen,
            [(0, 400), (20_000, 200)],
            "2 was lost; bytes in thirds"
        );
        assert_eq!(packets[1].arrived_us - packets[0].arrived_us, 21_000);
    }
}
