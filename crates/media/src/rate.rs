//! The bitrate a video track is coded at, following what the far end reports: the loss in
//! its receiver reports (the loss-based half of Google's congestion control,
//! draft-ietf-rmcat-gcc-02 §6), the delay-based estimate made from its transport-wide
//! feedback (congestion.rs) and its REMB estimate when it sends one. The lowest wins.
//! No IO: told what arrived, it answers with the new target.

use crate::congestion::{Acked, DelayBasedEstimate};

/// Loss above this is the network saying "too much": back off.
const BACK_OFF_ABOVE: f64 = 0.10;
/// Loss below this is room to grow.
const GROW_BELOW: f64 = 0.02;
/// Growth per report with little loss (reports come about once a second).
const GROWTH: f64 = 1.08;

#[derive(Clone, Debug)]
pub struct RateControl {
    target_kbps: f64,
    min_kbps: u32,
    max_kbps: u32,
    /// The far end's latest estimate of what reaches it, if it sends one.
    remb_kbps: Option<u32>,
    /// What the delay trend of our packets allows, once the far end reports arrivals.
    delay: DelayBasedEstimate,
    delay_reported: bool,
}

impl RateControl {
    /// Starts at `start_kbps`, and never leaves `min_kbps..=max_kbps`.
    pub fn new(start_kbps: u32, min_kbps: u32, max_kbps: u32) -> RateControl {
        let max_kbps = max_kbps.max(min_kbps);
        RateControl {
            target_kbps: f64::from(start_kbps.clamp(min_kbps, max_kbps)),
            min_kbps,
            max_kbps,
            remb_kbps: None,
            delay: DelayBasedEstimate::new(start_kbps, min_kbps, max_kbps),
            delay_reported: false,
        }
    }

    /// The bitrate to code at now.
    pub fn target_kbps(&self) -> u32 {
        let delay = self.delay_reported.then(|| self.delay.kbps());
        let ceiling = [self.remb_kbps, delay]
            .into_iter()
            .flatten()
            .fold(self.max_kbps, u32::min);
        (self.target_kbps.round() as u32).clamp(self.min_kbps, ceiling.max(self.min_kbps))
    }

    /// A receiver report on our stream said this share of packets (0–1) was lost since
    /// the last one.
    pub fn on_loss(&mut self, lost: f64) -> u32 {
        let lost = lost.clamp(0.0, 1.0);
        // Grow from what is actually used, so a REMB ceiling does not bank growth.
        let current = f64::from(self.target_kbps());
        if lost > BACK_OFF_ABOVE {
            self.target_kbps = current * (1.0 - 0.5 * lost);
        } else if lost < GROW_BELOW {
            self.target_kbps = current * GROWTH;
        } else {
            self.target_kbps = current;
        }
        self.target_kbps = self
            .target_kbps
            .clamp(f64::from(self.min_kbps), f64::from(self.max_kbps));
        self.target_kbps()
    }

    /// The far end reported when these packets of ours arrived (transport-wide feedback,
    /// in the order they were sent).
    pub fn on_arrivals(&mut self, packets: &[Acked]) -> u32 {
        if !packets.is_empty() {
            self.delay.on_feedback(packets);
            self.delay_reported = true;
        }
        self.target_kbps()
    }

    /// The far end estimates it receives at most `bits_per_second`.
    pub fn on_remb(&mut self, bits_per_second: f32) -> u32 {
        self.remb_kbps = Some((f64::from(bits_per_second) / 1000.0).round() as u32);
        self.target_kbps()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heavy_loss_backs_off_by_half_the_loss_and_little_loss_grows_eight_percent() {
        let mut rate = RateControl::new(600, 100, 1200);
        assert_eq!(rate.on_loss(0.30), 510, "600 × (1 − 0.15)");
        assert_eq!(rate.on_loss(0.05), 510, "between 2 and 10 %: hold");
        assert_eq!(rate.on_loss(0.0), 551, "510 × 1.08");
        assert_eq!(rate.on_loss(0.10), 551, "10 % exactly: hold");
    }

    #[test]
    fn it_stays_between_its_bounds_however_the_reports_go() {
        let mut rate = RateControl::new(600, 100, 1200);
        for _ in 0..50 {
            rate.on_loss(1.0);
        }
        assert_eq!(rate.target_kbps(), 100);
        for _ in 0..100 {
            rate.on_loss(0.0);
        }
        assert_eq!(rate.target_kbps(), 1200);
        assert_eq!(RateControl::new(5000, 100, 1200).target_kbps(), 1200);
        assert_eq!(RateControl::new(10, 100, 1200).target_kbps(), 100);
    }

    #[test]
    fn the_far_ends_estimate_is_a_ceiling_and_growth_resumes_from_it() {
        let mut rate = RateControl::new(600, 100, 1200);
        assert_eq!(rate.on_remb(300_000.0), 300);
        assert_eq!(
            rate.on_loss(0.0),
            300,
            "grows from 300, capped by REMB again"
        );
        assert_eq!(
            rate.on_remb(2_000_000.0),
            324,
            "the ceiling lifts: 300 × 1.08"
        );
        assert_eq!(rate.on_remb(50_000.0), 100, "never below the floor");
    }

    #[test]
    fn arrivals_that_show_a_queue_cap_what_the_loss_reports_would_allow() {
        let mut rate = RateControl::new(600, 100, 1200);
        assert_eq!(rate.on_arrivals(&[]), 600, "no feedback: no ceiling");
        assert_eq!(rate.on_loss(0.0), 648);
        // Each 10 ms of sending arrives 40 ms apart: a queue that only grows.
        let queueing: Vec<Acked> = (0..200)
            .map(|i| Acked {
                sent_us: i * 10_000,
                arrived_us: i * 40_000,
                bytes: 1000,
            })
            .collect();
        let mut target = 0;
        for report in queueing.chunks(10) {
            target = rate.on_arrivals(report);
        }
        // What arrives is 1,000 bytes per 40 ms, 200 kbit/s: the cut goes under it.
        assert!(target < 200, "{target}");
        assert!(
            rate.on_loss(0.0) < 200,
            "loss-based growth stays under the ceiling"
        );
    }
}
