//! Turns a peer's running counters into what a call view shows: rates and loss over the
//! last interval, and a 1–5 score. Pure: the caller supplies the clock.

use serde::Serialize;
use std::time::Instant;
use switchboard_media::peer::PeerStats;
use switchboard_media::quality::{interval_loss, quality};

/// A call's quality over an interval (the last second, or the whole call).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallQuality {
    /// Round-trip time; `None` until the first RTCP report or ICE check answer.
    pub rtt_ms: Option<f64>,
    pub jitter_ms: f64,
    /// Packets from the other side that never came, as a percentage.
    pub loss_pct: f64,
    pub send_kbps: f64,
    pub recv_kbps: f64,
    pub packets_received: u64,
    pub packets_lost: u64,
    /// Mean opinion score, 1.0–4.5.
    pub mos: f64,
    /// 1 (bad) to 5 (excellent).
    pub score: u8,
}

/// Remembers the previous sample so each measurement covers one interval.
pub struct QualityMeter {
    last_at: Instant,
    last: PeerStats,
}

impl QualityMeter {
    /// A meter whose first interval starts at `started` with nothing sent or received.
    pub fn new(started: Instant) -> QualityMeter {
        QualityMeter {
            last_at: started,
            last: PeerStats::default(),
        }
    }

    /// Quality since the previous measurement (or since `started`).
    pub fn measure(&mut self, now: Instant, stats: PeerStats) -> CallQuality {
        let seconds = now.duration_since(self.last_at).as_secs_f64().max(1e-3);
        let kbps = |bytes: u64| ((bytes as f64 * 8.0 / seconds / 1000.0) * 10.0).round() / 10.0;
        let loss = interval_loss(&self.last.received, &stats.received);
        let jitter = stats.received.jitter();
        let q = quality(stats.rtt.unwrap_or_default(), jitter, loss);
        let measured = CallQuality {
            rtt_ms: stats
                .rtt
                .map(|r| (r.as_secs_f64() * 10_000.0).round() / 10.0),
            jitter_ms: (jitter.as_secs_f64() * 10_000.0).round() / 10.0,
            loss_pct: (loss * 1000.0).round() / 10.0,
            send_kbps: kbps(stats.bytes_sent.saturating_sub(self.last.bytes_sent)),
            recv_kbps: kbps(
                stats
                    .received
                    .bytes
                    .saturating_sub(self.last.received.bytes),
            ),
            packets_received: stats.received.received,
            packets_lost: stats.received.lost(),
            mos: q.mos,
            score: q.score,
        };
        self.last_at = now;
        self.last = stats;
        measured
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A peer's counters after `packets` packets of 80 bytes, skipping every `gap`th.
    fn after(packets: u16, gap: u16) -> PeerStats {
        let mut stats = PeerStats::default();
        for seq in (0..packets).filter(|s| gap == 0 || s % gap != gap - 1) {
            let at = Duration::from_millis(20 * u64::from(seq));
            stats.received.on_packet(seq, u32::from(seq) * 960, 80, at);
        }
        stats.bytes_sent = u64::from(packets) * 80;
        stats.rtt = Some(Duration::from_millis(40));
        stats
    }

    #[test]
    fn each_measurement_covers_its_own_interval() {
        let t0 = Instant::now();
        let mut meter = QualityMeter::new(t0);
        let first = meter.measure(t0 + Duration::from_secs(1), after(50, 0));
        assert_eq!(first.loss_pct, 0.0);
        assert_eq!(first.recv_kbps, 32.0, "50 × 80 bytes in 1 s");
        assert_eq!(first.send_kbps, 32.0);
        assert_eq!(first.rtt_ms, Some(40.0));
        assert_eq!(first.score, 5);
        // The next second loses every 5th packet: 20 %, and only that second counts.
        let mut second_stats = after(50, 0);
        for seq in (50..100u16).filter(|s| s % 5 != 2) {
            second_stats.received.on_packet(
                seq,
                u32::from(seq) * 960,
                80,
                Duration::from_millis(20 * u64::from(seq)),
            );
        }
        second_stats.bytes_sent = 100 * 80;
        let second = meter.measure(t0 + Duration::from_secs(2), second_stats);
        assert_eq!(second.loss_pct, 20.0);
        assert_eq!(second.packets_lost, 10);
        assert_eq!(second.recv_kbps, 25.6);
        assert!(second.score <= 2, "{second:?}");
    }

    #[test]
    fn no_round_trip_yet_is_reported_as_unknown() {
        let t0 = Instant::now();
        let mut stats = after(10, 0);
        stats.rtt = None;
        let q = QualityMeter::new(t0).measure(t0 + Duration::from_millis(200), stats);
        assert_eq!(q.rtt_ms, None);
        assert_eq!(q.score, 5);
    }
}
