use super::*;
use webrtc::interceptor::twcc::Recorder;
use webrtc::util::{Marshal, Unmarshal};

/// The far end's feedback on these (sequence, arrival µs) packets, as webrtc-rs's own
/// TWCC receiver builds it, over the wire and back.
fn feedback_on(received: &[(u16, i64)]) -> Vec<TransportLayerCc> {
    let mut recorder = Recorder::new(1);
    for (sequence, at) in received {
        recorder.record(7, *sequence, *at);
    }
    recorder
        .build_feedback_packet()
        .iter()
        .map(|p| {
            let p = p
                .as_any()
                .downcast_ref::<TransportLayerCc>()
                .expect("a TWCC packet");
            let wire = p.marshal().expect("marshal");
            TransportLayerCc::unmarshal(&mut wire.as_ref()).expect("unmarshal")
        })
        .collect()
}

#[test]
fn arrivals_reads_back_what_the_far_ends_recorder_wrote_losses_included() {
    let received = [(65_534, 1_000_000), (65_535, 1_004_000), (2, 1_030_250)];
    let messages = feedback_on(&received);
    let all: Vec<Arrival> = messages.iter().flat_map(arrivals).collect();
    let sequences: Vec<u16> = all.iter().map(|a| a.sequence).collect();
    assert_eq!(sequences, [65_534, 65_535, 0, 1, 2], "across the wrap");
    let lost: Vec<u16> = all
        .iter()
        .filter(|a| a.at_us.is_none())
        .map(|a| a.sequence)
        .collect();
    assert_eq!(lost, [0, 1]);
    // Times are coded in 250 µs steps from a 64 ms reference: the differences survive.
    let at = |s: u16| {
        all.iter()
            .find(|a| a.sequence == s)
            .and_then(|a| a.at_us)
            .expect("received")
    };
    assert_eq!(at(65_535) - at(65_534), 4_000);
    assert_eq!(at(2) - at(65_534), 30_250);
}

#[test]
fn sent_packets_are_found_by_sequence_across_the_wrap_and_forgotten_in_time() {
    let mut sent = SentPackets::default();
    sent.on_sent(65_535, 10, 1200);
    sent.on_sent(1, 30, 900); // 0 not recorded yet: it comes late
    sent.on_sent(0, 20, 1000);
    assert_eq!(
        sent.get(65_535),
        Some(Sent {
            at_us: 10,
            bytes: 1200
        })
    );
    assert_eq!(
        sent.get(0),
        Some(Sent {
            at_us: 20,
            bytes: 1000
        })
    );
    assert_eq!(
        sent.get(1),
        Some(Sent {
            at_us: 30,
            bytes: 900
        })
    );
    assert_eq!(sent.get(2), None, "not sent yet");
    for i in 2..(REMEMBERED as u16 + 10) {
        sent.on_sent(i, i64::from(i) * 10, 100);
    }
    assert_eq!(sent.get(65_535), None, "forgotten");
    assert_eq!(sent.get(500).map(|s| s.at_us), Some(5_000));
    assert_eq!(sent.packets.len(), REMEMBERED);
}

/// A path with a bottleneck: one queue drained at `kbps`, then `propagation`. Its buffer
/// never overflows, so nothing is lost and only delay tells.
struct Bottleneck {
    kbps: f64,
    propagation_us: i64,
    free_at_us: i64,
    jitter: Lcg,
    jitter_us: i64,
}

impl Bottleneck {
    fn new(kbps: f64) -> Bottleneck {
        Bottleneck {
            kbps,
            propagation_us: 20_000,
            free_at_us: 0,
            jitter: Lcg(7),
            jitter_us: 0,
        }
    }

    fn carry(&mut self, sent_us: i64, bytes: u32) -> i64 {
        let start = sent_us.max(self.free_at_us);
        self.free_at_us = start + (f64::from(bytes) * 8.0 / self.kbps * 1000.0) as i64;
        let jitter = if self.jitter_us > 0 {
            (self.jitter.next() % self.jitter_us as u64) as i64
        } else {
            0
        };
        self.free_at_us + self.propagation_us + jitter
    }

    fn queued_ms(&self, now_us: i64) -> f64 {
        (self.free_at_us - now_us).max(0) as f64 / 1000.0
    }
}

/// A small deterministic random source, so the runs are the same every time.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// What a run saw each 100 ms feedback: (time s, estimate kbps, queue ms, usage).
type Trace = Vec<(f64, u32, f64, Usage)>;

/// Video at 30 pictures a second, each coded at the estimate and sent at once in packets
/// of at most 1,200 bytes, over `path`, whose capacity `capacity_at` may change; the far
/// end reports every 100 ms what arrived by then.
fn simulate(path: &mut Bottleneck, seconds: f64, capacity_at: impl Fn(f64) -> f64) -> Trace {
    simulate_watching(path, seconds, capacity_at, |_| {})
}

/// As [`simulate`], showing `watch` the estimate after each report.
fn simulate_watching(
    path: &mut Bottleneck,
    seconds: f64,
    capacity_at: impl Fn(f64) -> f64,
    mut watch: impl FnMut(&DelayBasedEstimate),
) -> Trace {
    let mut estimate = DelayBasedEstimate::new(600, 100, 1200);
    let mut in_flight: Vec<Acked> = Vec::new();
    let mut trace = Vec::new();
    let (picture_us, report_us) = (33_333, 100_000);
    let (mut next_picture, mut next_report) = (0i64, report_us);
    let end = (seconds * 1e6) as i64;
    while next_picture < end || next_report < end {
        if next_picture <= next_report {
            let now = next_picture;
            path.kbps = capacity_at(now as f64 / 1e6);
            let mut left = (f64::from(estimate.kbps()) * 1000.0 / 30.0 / 8.0) as u32;
            while left > 0 {
                let bytes = left.min(1200);
                left -= bytes;
                let arrived_us = path.carry(now, bytes);
                in_flight.push(Acked {
                    sent_us: now,
                    arrived_us,
                    bytes,
                });
            }
            next_picture += picture_us;
        } else {
            let now = next_report;
            let (arrived, still): (Vec<Acked>, Vec<Acked>) =
                in_flight.into_iter().partition(|p| p.arrived_us <= now);
            in_flight = still;
            let (kbps, usage) = estimate.on_feedback(&arrived);
            watch(&estimate);
            trace.push((now as f64 / 1e6, kbps, path.queued_ms(now), usage));
            next_report += report_us;
        }
    }
    trace
}

fn after(trace: &Trace, from_s: f64) -> impl Iterator<Item = &(f64, u32, f64, Usage)> {
    trace.iter().filter(move |(t, ..)| *t >= from_s)
}

#[test]
fn on_a_narrow_link_it_settles_under_the_capacity_and_the_queue_stays_short() {
    let mut path = Bottleneck::new(300.0);
    let trace = simulate(&mut path, 30.0, |_| 300.0);
    let worst_queue = after(&trace, 5.0).map(|s| s.2).fold(0.0, f64::max);
    let mean_kbps = after(&trace, 10.0).map(|s| f64::from(s.1)).sum::<f64>()
        / after(&trace, 10.0).count() as f64;
    // Sent at its start of 600 kbit/s for 30 s, the queue would hold 30 s of video.
    assert!(
        worst_queue < 250.0,
        "queue after 5 s at most {worst_queue:.0} ms"
    );
    assert!(
        (180.0..=330.0).contains(&mean_kbps),
        "mean estimate {mean_kbps:.0} kbit/s on a 300 kbit/s link"
    );
    assert!(after(&trace, 0.0).any(|s| s.3 == Usage::Over));
}

#[test]
fn on_a_wide_link_with_jitter_it_grows_to_the_ceiling_without_seeing_a_queue() {
    let mut path = Bottleneck::new(20_000.0);
    path.jitter_us = 4_000;
    let trace = simulate(&mut path, 20.0, |_| 20_000.0);
    let overuses = trace.iter().filter(|s| s.3 == Usage::Over).count();
    assert_eq!(overuses, 0, "no queue to see: {trace:?}");
    let last = trace.last().expect("reports").1;
    assert_eq!(last, 1200, "grown to the ceiling");
}

#[test]
fn when_the_link_narrows_mid_call_the_queue_is_drained_within_seconds() {
    let mut path = Bottleneck::new(2_000.0);
    let trace = simulate(&mut path, 30.0, |t| if t < 12.0 { 2_000.0 } else { 350.0 });
    let before = after(&trace, 11.0).next().expect("a report at 11 s").1;
    assert!(before >= 1000, "grown on the wide link: {before}");
    let peak = after(&trace, 12.0).map(|s| s.2).fold(0.0, f64::max);
    let settled = after(&trace, 17.0).map(|s| s.2).fold(0.0, f64::max);
    assert!(
        settled < 250.0,
        "queue from 5 s after the drop at most {settled:.0} ms (peak {peak:.0} ms)"
    );
    let late = after(&trace, 20.0).map(|s| s.1).max().unwrap_or(0);
    assert!(late <= 420, "estimate {late} kbit/s on a 350 kbit/s link");
}

/// When the estimate first reaches `share` of `kbps` from `from_s` on (s).
fn back_to(trace: &Trace, from_s: f64, kbps: u32, share: f64) -> Option<f64> {
    after(trace, from_s)
        .find(|s| f64::from(s.1) >= share * f64::from(kbps))
        .map(|s| s.0)
}

#[test]
fn after_a_passing_dip_it_grows_back_within_seconds() {
    // 1 Mbit/s, but only 300 kbit/s for two seconds from 10 s (someone else's download).
    let dip = |t: f64| {
        if (10.0..12.0).contains(&t) {
            300.0
        } else {
            1_000.0
        }
    };
    let mut path = Bottleneck::new(1_000.0);
    let trace = simulate(&mut path, 30.0, dip);
    let before = after(&trace, 9.9).next().expect("a report at 9.9 s").1;
    assert!(before >= 700, "grown on the link first: {before}");
    let lowest = after(&trace, 10.0)
        .take_while(|s| s.0 < 14.0)
        .map(|s| s.1)
        .min()
        .unwrap_or(0);
    assert!(lowest <= 300, "cut during the dip: {lowest}");
    // The queue the dip left takes until 13 s to drain, and the estimate holds a second
    // more. At 8 % a second alone, it was not back at 80 % by the end of the run (30 s).
    let back = back_to(&trace, 12.0, before, 0.8).expect("grows back");
    assert!(
        back <= 19.0,
        "back to 80 % of {before} kbit/s at {back} s, the dip ended at 12 s: {trace:?}"
    );
    let queue = after(&trace, 15.0).map(|s| s.2).fold(0.0, f64::max);
    assert!(queue < 250.0, "queue from 15 s at most {queue:.0} ms");
}

#[test]
fn when_the_link_narrows_for_good_growing_back_stops_at_the_first_queue() {
    // 1 Mbit/s, then 300 kbit/s from 10 s on.
    let mut path = Bottleneck::new(1_000.0);
    // Per report: (growing back, something to grow back to, holding).
    let mut states = Vec::new();
    let trace = simulate_watching(
        &mut path,
        30.0,
        |t| if t < 10.0 { 1_000.0 } else { 300.0 },
        |e| {
            let growing = e.recovery.is_some_and(|r| r.growing);
            states.push((growing, e.recovery.is_some(), e.holding));
        },
    );
    // It grows back after the first cut and meets a queue. For the rest of that
    // congestion (however many reports it holds) and the steady growth after it, there
    // is nothing to grow back to, until another congestion begins.
    let met_queue = (1..states.len())
        .find(|&i| states[i - 1].0 && trace[i].3 == Usage::Over)
        .expect("growing back met a queue");
    assert!(trace[met_queue].0 > 10.0, "{trace:?}");
    let mut held_since = false;
    for (i, &(_, to_grow_back_to, holding)) in states.iter().enumerate().skip(met_queue) {
        if held_since && trace[i].3 == Usage::Over {
            break; // another congestion
        }
        held_since |= !holding;
        assert!(!to_grow_back_to, "growing back again at {} s", trace[i].0);
    }
    // And it settles under the new capacity.
    let late = after(&trace, 20.0).map(|s| s.1).max().unwrap_or(0);
    assert!(late <= 360, "estimate {late} kbit/s on a 300 kbit/s link");
    let queue = after(&trace, 20.0).map(|s| s.2).fold(0.0, f64::max);
    assert!(queue < 250.0, "queue from 20 s at most {queue:.0} ms");
}

#[test]
fn it_never_leaves_its_bounds() {
    let mut estimate = DelayBasedEstimate::new(5_000, 100, 1200);
    assert_eq!(estimate.kbps(), 1200);
    // A path that gets slower and slower: every group arrives 30 ms later than the last.
    let packets: Vec<Acked> = (0..400)
        .map(|i| Acked {
            sent_us: i * 10_000,
            arrived_us: i * 40_000,
            bytes: 200,
        })
        .collect();
    for chunk in packets.chunks(10) {
        estimate.on_feedback(chunk);
    }
    assert_eq!(estimate.kbps(), 100);
}

/// The far end's clock jumps back by the 24-bit reference time's whole range (it wraps
/// every 12 days; libwebrtc counts from its own clock, so a call can span a wrap):
/// measuring starts again, with no cut, and the arrival window stays bounded.
#[test]
fn a_jump_in_the_far_ends_clock_starts_measuring_again_without_a_cut() {
    let mut estimate = DelayBasedEstimate::new(600, 100, 1200);
    let wrap = (1i64 << 24) * 64_000;
    for report in 0..100i64 {
        let jump = if report >= 50 { -wrap } else { 0 };
        let packets: Vec<Acked> = (0..3)
            .map(|i| {
                let sent = report * 100_000 + i * 33_333;
                Acked {
                    sent_us: sent,
                    arrived_us: sent + 20_000 + jump,
                    bytes: 1000,
                }
            })
            .collect();
        let (kbps, usage) = estimate.on_feedback(&packets);
        assert_ne!(usage, Usage::Over, "report {report}");
        assert!(kbps >= 600, "report {report}: {kbps}");
    }
    assert!(
        estimate.acked.len() <= 20,
        "{} arrivals kept",
        estimate.acked.len()
    );
    assert!(estimate.acked_kbps().is_some(), "measuring again");
}
