//! Call quality, pure: receive-side counters (RFC 3550 loss and interarrival jitter) and a
//! 1–5 score from round-trip time, jitter and loss (a reduced ITU-T G.107 E-model).
//!
//! The counters are ours rather than webrtc-rs's because its inbound stats carry neither
//! jitter nor loss; round-trip time comes from the RTCP receiver reports.

use std::time::Duration;

/// RTP clock rate of Opus.
const CLOCK_RATE: f64 = 48_000.0;

/// What the receive path has seen so far. Feed it every packet in arrival order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReceiveCounters {
    /// Highest sequence number seen, extended past wrap-arounds.
    highest: Option<u64>,
    first: u64,
    /// Packets that arrived (duplicates included, as RFC 3550 counts them).
    pub received: u64,
    pub bytes: u64,
    /// Interarrival jitter in RTP clock units (RFC 3550 §6.4.1).
    jitter: f64,
    /// Transit time of the previous packet, in RTP clock units.
    last_transit: Option<f64>,
}

impl ReceiveCounters {
    /// One packet: its sequence number, RTP timestamp, payload size, and arrival time
    /// (any monotonic clock, as a duration since a fixed origin).
    pub fn on_packet(&mut self, seq: u16, rtp_timestamp: u32, bytes: usize, arrival: Duration) {
        self.received += 1;
        self.bytes += bytes as u64;
        let extended = match self.highest {
            None => {
                self.first = u64::from(seq);
                u64::from(seq)
            }
            Some(highest) => {
                // The candidate nearest to the highest seen, across a wrap either way.
                let base = highest & !0xffff;
                [base.wrapping_sub(0x1_0000), base, base + 0x1_0000]
                    .into_iter()
                    .map(|b| b.wrapping_add(u64::from(seq)))
                    .filter(|c| *c < u64::MAX / 2)
                    .min_by_key(|c| c.abs_diff(highest))
                    .unwrap_or(highest)
            }
        };
        if self.highest.is_none_or(|h| extended > h) {
            self.highest = Some(extended);
        }
        let transit = arrival.as_secs_f64() * CLOCK_RATE - f64::from(rtp_timestamp);
        if let Some(last) = self.last_transit {
            // RTP timestamps wrap at 2^32: take the difference modulo that.
            let mut d = (transit - last).abs();
            if d > f64::from(u32::MAX) / 2.0 {
                d = (d - f64::from(u32::MAX) - 1.0).abs();
            }
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.last_transit = Some(transit);
    }

    /// Packets the sender sent so far, judged by sequence numbers.
    pub fn expected(&self) -> u64 {
        self.highest.map_or(0, |h| h - self.first + 1)
    }

    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.received)
    }

    pub fn jitter(&self) -> Duration {
        Duration::from_secs_f64(self.jitter / CLOCK_RATE)
    }
}

/// Seconds from 1900 (NTP's epoch) to 1970.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// The round trip from a receiver report about our stream (RFC 3550 §6.4.1): now, less
/// the far end's hold time (`dlsr`), less when we sent the sender report it acknowledges
/// (`lsr`), all as the middle 32 bits of NTP timestamps. `None` before the far end has
/// seen a sender report (`lsr` 0), or if the clock went backwards.
pub fn round_trip_from_report(now: std::time::SystemTime, lsr: u32, dlsr: u32) -> Option<Duration> {
    if lsr == 0 {
        return None;
    }
    let since_unix = now.duration_since(std::time::UNIX_EPOCH).ok()?;
    let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
    let fraction = u64::from(since_unix.subsec_nanos()) * 65_536 / 1_000_000_000;
    let now_mid = ((seconds << 16) | fraction) as u32;
    let rtt = now_mid.wrapping_sub(dlsr).wrapping_sub(lsr);
    // More than a minute is a stale or corrupt report, not a round trip.
    (rtt < 60 << 16).then(|| Duration::from_secs_f64(f64::from(rtt) / 65_536.0))
}

/// Loss over an interval: the share of the packets expected in it that did not come.
pub fn interval_loss(before: &ReceiveCounters, now: &ReceiveCounters) -> f64 {
    let expected = now.expected().saturating_sub(before.expected());
    let received = now.received.saturating_sub(before.received);
    if expected == 0 {
        return 0.0;
    }
    (expected.saturating_sub(received) as f64 / expected as f64).clamp(0.0, 1.0)
}

/// A call's quality as the UI shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quality {
    /// Mean opinion score, 1.0–4.5 (the E-model's scale).
    pub mos: f64,
    /// 1 (bad) to 5 (excellent): bars in the call view.
    pub score: u8,
}

/// The E-model reduced to what a call can measure: mouth-to-ear delay from the round
/// trip, a jitter buffer of twice the jitter and one Opus frame; loss weighed by Opus
/// with in-band FEC (packet-loss robustness Bpl ≈ 20). `loss` is a share, 0–1.
pub fn quality(rtt: Duration, jitter: Duration, loss: f64) -> Quality {
    let delay_ms = rtt.as_secs_f64() * 1000.0 / 2.0 + 2.0 * jitter.as_secs_f64() * 1000.0 + 20.0;
    let id = 0.024 * delay_ms + 0.11 * (delay_ms - 177.3).max(0.0);
    let ppl = loss.clamp(0.0, 1.0) * 100.0;
    let ie_eff = 95.0 * ppl / (ppl + 20.0);
    let r = (93.2 - id - ie_eff).clamp(0.0, 100.0);
    let mos = if r <= 0.0 {
        1.0
    } else {
        (1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)).clamp(1.0, 4.5)
    };
    let score = match mos {
        m if m >= 4.0 => 5,
        m if m >= 3.6 => 4,
        m if m >= 3.1 => 3,
        m if m >= 2.6 => 2,
        _ => 1,
    };
    Quality {
        mos: (mos * 100.0).round() / 100.0,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Duration = Duration::from_millis(20);

    /// Packets every 20 ms with RTP timestamps 960 apart, arriving `delays[i]` late.
    fn stream(seqs: &[u16], delays_ms: &[u64]) -> ReceiveCounters {
        let mut c = ReceiveCounters::default();
        for (i, seq) in seqs.iter().enumerate() {
            let n = u32::from(seq.wrapping_sub(seqs[0]));
            let arrival = FRAME * n + Duration::from_millis(delays_ms[i % delays_ms.len()]);
            c.on_packet(*seq, 1_000 + n * 960, 80, arrival);
        }
        c
    }

    #[test]
    fn a_steady_stream_has_no_loss_and_no_jitter() {
        let seqs: Vec<u16> = (100..400).collect();
        let c = stream(&seqs, &[5]);
        assert_eq!((c.expected(), c.received, c.lost()), (300, 300, 0));
        assert!(c.jitter() < Duration::from_micros(1));
        assert_eq!(c.bytes, 300 * 80);
    }

    #[test]
    fn gaps_count_as_loss_across_the_sequence_wrap() {
        let seqs: Vec<u16> = (65_500..=65_535)
            .chain(0..100)
            .filter(|s| s % 10 != 3)
            .collect();
        let c = stream(&seqs, &[5]);
        assert_eq!(c.expected(), 136);
        assert_eq!(c.lost(), 136 - seqs.len() as u64);
        assert_eq!(c.lost(), 14);
    }

    #[test]
    fn a_late_packet_is_not_loss_and_does_not_move_the_highest() {
        let c = stream(&[10, 12, 11, 13], &[0]);
        assert_eq!((c.expected(), c.lost()), (4, 0));
    }

    #[test]
    fn alternating_delays_converge_to_their_difference() {
        // Transit alternates 0 / 10 ms: |D| = 10 ms each packet, so J → 10 ms.
        let seqs: Vec<u16> = (0..2_000).collect();
        let c = stream(&seqs, &[0, 10]);
        let j = c.jitter().as_secs_f64() * 1000.0;
        assert!((j - 10.0).abs() < 0.1, "{j}");
    }

    #[test]
    fn interval_loss_counts_only_the_interval() {
        let first: Vec<u16> = (0..100).collect();
        let before = stream(&first, &[0]);
        let more: Vec<u16> = (0..200).filter(|s| *s < 100 || s % 4 != 0).collect();
        let now = stream(&more, &[0]);
        assert!((interval_loss(&before, &now) - 0.25).abs() < 1e-9);
        assert_eq!(interval_loss(&now, &now), 0.0);
    }

    #[test]
    fn round_trip_follows_rfc_3550s_example() {
        // RFC 3550 §6.4.1: A = 0xb710:8000, DLSR = 0x0005:4000, LSR = 0xb705:2000 → 6.125 s.
        // A is 46864.5 s into some NTP era; any era gives the same middle bits.
        let era = 2_208_988_800u64 - (2_208_988_800u64 % 65_536);
        let a = era + 0xb710;
        let now = std::time::UNIX_EPOCH
            + Duration::from_secs(a - NTP_UNIX_OFFSET)
            + Duration::from_millis(500);
        let rtt = round_trip_from_report(now, 0xb705_2000, 0x0005_4000).expect("rtt");
        assert!((rtt.as_secs_f64() - 6.125).abs() < 1e-3, "{rtt:?}");
        assert_eq!(
            round_trip_from_report(now, 0, 0),
            None,
            "no sender report seen yet"
        );
        assert_eq!(
            round_trip_from_report(now, 0xb711_0000, 0),
            None,
            "from the future"
        );
    }

    #[test]
    fn scores_follow_the_network() {
        let ms = Duration::from_millis;
        let perfect = quality(ms(1), ms(0), 0.0);
        assert_eq!(perfect.score, 5);
        assert!(perfect.mos > 4.3);
        // Typical office VPN: 80 ms each way, a little jitter, a little loss.
        assert!(quality(ms(160), ms(5), 0.01).score >= 4);
        // The lossy test link: 5 % loss, 80 ms each way.
        let lossy = quality(ms(160), ms(10), 0.05);
        assert!((2..=4).contains(&lossy.score), "{lossy:?}");
        assert!(quality(ms(100), ms(10), 0.25).score <= 2);
        assert!(quality(ms(1200), ms(50), 0.0).score <= 2);
        assert_eq!(quality(ms(5000), ms(500), 1.0).score, 1);
        // More of any impairment never scores better.
        for loss in [0.0, 0.02, 0.05, 0.1, 0.2] {
            for rtt in [0, 50, 150, 300, 600] {
                let q = quality(ms(rtt), ms(5), loss);
                assert!(quality(ms(rtt + 100), ms(5), loss).mos <= q.mos);
                assert!(quality(ms(rtt), ms(5), loss + 0.05).mos <= q.mos);
                assert!(quality(ms(rtt), ms(30), loss).mos <= q.mos);
            }
        }
    }
}
