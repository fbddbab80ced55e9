//! A delay-based estimate of the bitrate the path to the far end carries, from the far
//! end's transport-wide congestion control feedback (TWCC,
//! draft-holmer-rmcat-transport-wide-cc-extensions-01): the delay-based half of Google's
//! congestion control (draft-ietf-rmcat-gcc-02 §5), with the trendline filter libwebrtc
//! uses in place of the draft's Kalman filter.
//!
//! Why: a narrow link (office Wi-Fi, a home uplink) queues what it cannot carry. Packets
//! then arrive later and later against when they were sent, seconds before its buffer
//! overflows and anything is lost; the loss-based half alone (rate.rs) goes on sending
//! until the buffer is full, and every picture waits in it.
//!
//! No IO: told when each packet went and when it arrived, it answers with an estimate.

use std::collections::VecDeque;
use webrtc::rtcp::transport_feedbacks::transport_layer_cc::{
    PacketStatusChunk, SymbolTypeTcc, TransportLayerCc,
};

/// What the far end reported of one packet: its transport-wide sequence number and, if
/// it arrived, when (µs, on the far end's clock: only differences mean anything).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub sequence: u16,
    pub at_us: Option<i64>,
}

/// Every packet one feedback message reports on, in sequence order.
pub fn arrivals(feedback: &TransportLayerCc) -> Vec<Arrival> {
    let count = usize::from(feedback.packet_status_count);
    let mut symbols = Vec::with_capacity(count);
    for chunk in &feedback.packet_chunks {
        match chunk {
            PacketStatusChunk::RunLengthChunk(run) => symbols.extend(std::iter::repeat_n(
                run.packet_status_symbol,
                usize::from(run.run_length),
            )),
            PacketStatusChunk::StatusVectorChunk(vector) => {
                symbols.extend(vector.symbol_list.iter().copied())
            }
        }
        if symbols.len() >= count {
            break;
        }
    }
    symbols.truncate(count);
    let mut at = i64::from(feedback.reference_time) * 64_000;
    let mut deltas = feedback.recv_deltas.iter();
    symbols
        .into_iter()
        .enumerate()
        .map(|(i, symbol)| {
            let at_us = match symbol {
                SymbolTypeTcc::PacketReceivedSmallDelta
                | SymbolTypeTcc::PacketReceivedLargeDelta => deltas.next().map(|d| {
                    at += d.delta;
                    at
                }),
                // Not received, or received with no time given: nothing to measure.
                _ => None,
            };
            Arrival {
                sequence: feedback.base_sequence_number.wrapping_add(i as u16),
                at_us,
            }
        })
        .collect()
}

/// How long sent packets are remembered: feedback comes every 100 ms, so a few seconds
/// of video (at most a few hundred packets a second) is plenty.
const REMEMBERED: usize = 4096;

/// When each packet with a transport-wide sequence number was sent, and its size, until
/// the far end's feedback on it comes.
#[derive(Debug, Default)]
pub struct SentPackets {
    /// Indexed by the unwrapped sequence number less `first`; `None` for a number not seen.
    packets: VecDeque<Option<Sent>>,
    first: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    pub at_us: i64,
    pub bytes: u32,
}

/// `sequence` as the 64-bit number nearest to `near`.
fn unwrap(near: i64, sequence: u16) -> i64 {
    near + i64::from(sequence.wrapping_sub(near as u16) as i16)
}

impl SentPackets {
    pub fn on_sent(&mut self, sequence: u16, at_us: i64, bytes: usize) {
        let sent = Some(Sent {
            at_us,
            bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
        });
        let Some(newest) = self.newest() else {
            self.first = i64::from(sequence);
            self.packets.push_back(sent);
            return;
        };
        let number = unwrap(newest, sequence);
        if number > newest + REMEMBERED as i64 {
            // A jump no sender makes: start again rather than fill the gap.
            self.packets.clear();
            self.first = number;
            self.packets.push_back(sent);
            return;
        }
        let Ok(index) = usize::try_from(number - self.first) else {
            return; // older than anything remembered
        };
        while self.packets.len() <= index {
            self.packets.push_back(None);
        }
        self.packets[index] = sent;
        while self.packets.len() > REMEMBERED {
            self.packets.pop_front();
            self.first += 1;
        }
    }

    /// When `sequence` was sent, if it is remembered.
    pub fn get(&self, sequence: u16) -> Option<Sent> {
        let number = unwrap(self.newest()?, sequence);
        let index = usize::try_from(number - self.first).ok()?;
        self.packets.get(index).copied().flatten()
    }

    fn newest(&self) -> Option<i64> {
        (!self.packets.is_empty()).then(|| self.first + self.packets.len() as i64 - 1)
    }
}

/// One packet's journey, as the feedback and the sent log tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acked {
    pub sent_us: i64,
    pub arrived_us: i64,
    pub bytes: u32,
}

/// What the delay trend says about the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A queue is building: send less.
    Over,
    /// Steady: room to try more.
    Normal,
    /// A queue is draining: hold until it has.
    Under,
}

/// Packets sent within this of a group's first go as one group (a picture's packets leave
/// together; their spacing says nothing about the path).
const GROUP_US: i64 = 5_000;
/// Groups the trend line is fitted over.
const TREND_WINDOW: usize = 20;
const SMOOTHING: f64 = 0.9;
const TREND_GAIN: f64 = 4.0;
/// How the detector's threshold follows the trend (per ms): up slowly, down fast.
const THRESHOLD_UP: f64 = 0.0087;
const THRESHOLD_DOWN: f64 = 0.039;
/// How long the trend must stay over the threshold before it counts.
const OVERUSE_MS: f64 = 10.0;
/// The window the far end's receiving rate is measured over.
const ACKED_WINDOW_US: i64 = 500_000;
/// Growth a second while the path is steady, and the cut (of what arrives) on overuse.
const GROWTH_PER_SECOND: f64 = 1.08;
const CUT: f64 = 0.85;
/// An arrival this much later or earlier than its sending explains is the far end's
/// clock jumping (its 24-bit reference time wraps every 12 days; a device resumed from
/// sleep), not the path: what was measured is dropped and measuring starts again.
const ARRIVAL_JUMP_US: i64 = 3_000_000;
/// The deepest cut: to half of what arrives, when the queue is a second or more.
const DEEPEST_CUT: f64 = 0.5;
/// How far back the emptiest the queue has been is looked for.
const QUEUE_BASE_US: i64 = 10_000_000;
/// After a congestion that cut the estimate, growth is this fast a second until it is
/// back to `RECOVERY_SHARE` of what the link carried before. libwebrtc sends a probe of
/// padding at 85 % of the rate before a drop, and takes it if it gets through; ours
/// sends nothing but media (webrtc-rs's sample track owns the sequence numbers padding
/// would take), so the media itself grows back quickly, and a queue met on the way means
/// the link really narrowed: growing back stops there, for the rest of that congestion.
const RECOVERY_GROWTH_PER_SECOND: f64 = 1.5;
/// How much of what the link carried before a congestion is grown back to quickly (as
/// libwebrtc's probe after a drop).
const RECOVERY_SHARE: f64 = 0.85;
/// How long after a congestion's first cut growing back quickly may start: later, the
/// link's state before says little about now.
const RECOVERY_US: i64 = 10_000_000;
/// What the link carried before a congestion is the most that arrived at steady reports
/// over this long: the reports just before a queue is noticed already see less.
const DELIVERED_PEAK_US: i64 = 2_000_000;

#[derive(Clone, Copy, Debug)]
struct Group {
    first_sent_us: i64,
    last_sent_us: i64,
    last_arrived_us: i64,
}

/// The trendline filter and overuse detector (libwebrtc's `TrendlineEstimator`).
#[derive(Clone, Debug)]
struct Trendline {
    accumulated_ms: f64,
    smoothed_ms: f64,
    first_arrival_us: Option<i64>,
    /// (arrival ms since the first, smoothed accumulated delay ms)
    window: VecDeque<(f64, f64)>,
    deltas: u32,
    trend: f64,
    previous_trend: f64,
    threshold: f64,
    threshold_updated_ms: Option<f64>,
    over_for_ms: Option<f64>,
    over_count: u32,
    usage: Usage,
    /// (arrival µs, accumulated delay ms) over the last `QUEUE_BASE_US`: the lowest is
    /// the queue at its emptiest, so the newest less it is how much has built up since.
    history: VecDeque<(i64, f64)>,
}

impl Trendline {
    fn new() -> Trendline {
        Trendline {
            accumulated_ms: 0.0,
            smoothed_ms: 0.0,
            first_arrival_us: None,
            window: VecDeque::with_capacity(TREND_WINDOW + 1),
            deltas: 0,
            trend: 0.0,
            previous_trend: 0.0,
            threshold: 12.5,
            threshold_updated_ms: None,
            over_for_ms: None,
            over_count: 0,
            usage: Usage::Normal,
            history: VecDeque::new(),
        }
    }

    /// How much longer packets wait now than at the emptiest of the last 10 s (ms): the
    /// queue built up, if it was ever empty in that time.
    fn queue_ms(&self) -> f64 {
        let lowest = self
            .history
            .iter()
            .map(|(_, d)| *d)
            .fold(f64::INFINITY, f64::min);
        (self.accumulated_ms - lowest).max(0.0)
    }

    /// One group against the one before: it arrived `delay_ms` later (or earlier) than
    /// it was sent after that one.
    fn update(&mut self, delay_ms: f64, send_delta_ms: f64, arrived_us: i64) -> Usage {
        let first = *self.first_arrival_us.get_or_insert(arrived_us);
        let arrived_ms = (arrived_us - first) as f64 / 1000.0;
        self.deltas = (self.deltas + 1).min(1000);
        self.accumulated_ms += delay_ms;
        self.history.push_back((arrived_us, self.accumulated_ms));
        while self
            .history
            .front()
            .is_some_and(|(at, _)| arrived_us - at > QUEUE_BASE_US)
        {
            self.history.pop_front();
        }
        self.smoothed_ms = SMOOTHING * self.smoothed_ms + (1.0 - SMOOTHING) * self.accumulated_ms;
        self.window.push_back((arrived_ms, self.smoothed_ms));
        if self.window.len() > TREND_WINDOW {
            self.window.pop_front();
        }
        if self.window.len() == TREND_WINDOW
            && let Some(slope) = slope(&self.window)
        {
            self.trend = slope;
        }
        self.detect(send_delta_ms, arrived_ms)
    }

    fn detect(&mut self, send_delta_ms: f64, now_ms: f64) -> Usage {
        if self.deltas < 2 {
            return Usage::Normal;
        }
        let modified = f64::from(self.deltas.min(60)) * self.trend * TREND_GAIN;
        if modified > self.threshold {
            let over_for = match self.over_for_ms {
                None => send_delta_ms / 2.0,
                Some(t) => t + send_delta_ms,
            };
            self.over_for_ms = Some(over_for);
            self.over_count += 1;
            if over_for > OVERUSE_MS && self.over_count > 1 && self.trend >= self.previous_trend {
                self.over_for_ms = Some(0.0);
                self.over_count = 0;
                self.usage = Usage::Over;
            }
        } else if modified < -self.threshold {
            self.over_for_ms = None;
            self.over_count = 0;
            self.usage = Usage::Under;
        } else {
            self.over_for_ms = None;
            self.over_count = 0;
            self.usage = Usage::Normal;
        }
        self.previous_trend = self.trend;
        self.adapt_threshold(modified, now_ms);
        self.usage
    }

    /// The threshold follows the trend, so that a path whose delay always wobbles (Wi-Fi)
    /// is not read as always overused, while a real queue still crosses it.
    fn adapt_threshold(&mut self, modified: f64, now_ms: f64) {
        let last = *self.threshold_updated_ms.get_or_insert(now_ms);
        self.threshold_updated_ms = Some(now_ms);
        if modified.abs() > self.threshold + 15.0 {
            return; // a spike: not what the threshold should learn from
        }
        let k = if modified.abs() < self.threshold {
            THRESHOLD_DOWN
        } else {
            THRESHOLD_UP
        };
        let elapsed = (now_ms - last).clamp(0.0, 100.0);
        self.threshold += k * (modified.abs() - self.threshold) * elapsed;
        self.threshold = self.threshold.clamp(6.0, 600.0);
    }
}

/// The least-squares slope of y over x.
fn slope(points: &VecDeque<(f64, f64)>) -> Option<f64> {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    (den > 0.0).then(|| num / den)
}

/// The delay-based estimate: grows while the path is steady, drops to just under what
/// arrives when a queue builds, holds while it drains.
#[derive(Clone, Debug)]
pub struct DelayBasedEstimate {
    kbps: f64,
    min_kbps: f64,
    max_kbps: f64,
    group: Option<Group>,
    previous: Option<Group>,
    trendline: Trendline,
    holding: bool,
    /// Arrivals over the last `ACKED_WINDOW_US`: (arrived µs, bytes).
    acked: VecDeque<(i64, u32)>,
    last_grown_us: Option<i64>,
    /// The last packet measured: (sent µs, arrived µs).
    last_packet: Option<(i64, i64)>,
    /// The congestion the estimate is growing back from, if any.
    recovery: Option<Recovery>,
    /// The most that arrived at a steady report in the last `DELIVERED_PEAK_US`:
    /// (when, kbit/s).
    delivered_peak: Option<(i64, f64)>,
}

/// What the link carried before a congestion's cuts, and since when (µs of the far
/// end's clock); `growing` once the estimate grows back toward it.
#[derive(Clone, Copy, Debug)]
struct Recovery {
    carried_kbps: f64,
    since_us: i64,
    growing: bool,
}

impl DelayBasedEstimate {
    pub fn new(start_kbps: u32, min_kbps: u32, max_kbps: u32) -> DelayBasedEstimate {
        let max_kbps = max_kbps.max(min_kbps);
        DelayBasedEstimate {
            kbps: f64::from(start_kbps.clamp(min_kbps, max_kbps)),
            min_kbps: f64::from(min_kbps),
            max_kbps: f64::from(max_kbps),
            group: None,
            previous: None,
            trendline: Trendline::new(),
            holding: false,
            acked: VecDeque::new(),
            last_grown_us: None,
            last_packet: None,
            recovery: None,
            delivered_peak: None,
        }
    }

    /// Forgets every measurement (not the estimate): the far end's clock jumped.
    fn start_measuring_again(&mut self) {
        self.group = None;
        self.previous = None;
        self.trendline = Trendline::new();
        self.acked.clear();
        self.last_grown_us = None;
        self.holding = false;
        self.recovery = None;
        self.delivered_peak = None;
    }

    pub fn kbps(&self) -> u32 {
        self.kbps.round() as u32
    }

    /// What arrived at the far end over the last half second, once there is that much.
    pub fn acked_kbps(&self) -> Option<f64> {
        let (first, last) = (self.acked.front()?.0, self.acked.back()?.0);
        if last - first < ACKED_WINDOW_US / 2 {
            return None;
        }
        let bytes: u64 = self.acked.iter().map(|(_, b)| u64::from(*b)).sum();
        Some(bytes as f64 * 8.0 / ((last - first).max(1) as f64 / 1000.0))
    }

    /// One feedback message's packets that arrived, in the order they were sent. Returns
    /// the new estimate and what the trend said.
    pub fn on_feedback(&mut self, packets: &[Acked]) -> (u32, Usage) {
        let mut overused = false;
        for packet in packets {
            if let Some((sent, arrived)) = self
                .last_packet
                .replace((packet.sent_us, packet.arrived_us))
                && ((packet.arrived_us - arrived) - (packet.sent_us - sent)).abs() > ARRIVAL_JUMP_US
            {
                self.start_measuring_again();
                overused = false;
            }
            self.count_arrival(packet);
            if let Some(usage) = self.group_packet(packet) {
                overused |= usage == Usage::Over;
            }
        }
        let usage = if overused {
            Usage::Over
        } else {
            self.trendline.usage
        };
        if let Some((_, now)) = self.last_packet.filter(|_| !packets.is_empty()) {
            self.steer(usage, now);
        }
        (self.kbps(), usage)
    }

    fn count_arrival(&mut self, packet: &Acked) {
        self.acked.push_back((packet.arrived_us, packet.bytes));
        let newest = packet.arrived_us;
        while self
            .acked
            .front()
            .is_some_and(|(at, _)| newest - at > ACKED_WINDOW_US)
        {
            self.acked.pop_front();
        }
    }

    /// Adds the packet to the group it was sent in; a group completed by it goes to the
    /// trend line, whose verdict is returned.
    fn group_packet(&mut self, packet: &Acked) -> Option<Usage> {
        let Some(group) = self.group.as_mut() else {
            self.group = Some(Group {
                first_sent_us: packet.sent_us,
                last_sent_us: packet.sent_us,
                last_arrived_us: packet.arrived_us,
            });
            return None;
        };
        if packet.sent_us < group.first_sent_us {
            return None; // sent before this group began: reordered, already counted
        }
        if packet.sent_us - group.first_sent_us <= GROUP_US {
            group.last_sent_us = group.last_sent_us.max(packet.sent_us);
            group.last_arrived_us = group.last_arrived_us.max(packet.arrived_us);
            return None;
        }
        let done = *group;
        self.group = Some(Group {
            first_sent_us: packet.sent_us,
            last_sent_us: packet.sent_us,
            last_arrived_us: packet.arrived_us,
        });
        let previous = self.previous.replace(done)?;
        let send_delta_ms = (done.last_sent_us - previous.last_sent_us) as f64 / 1000.0;
        let arrival_delta_ms = (done.last_arrived_us - previous.last_arrived_us) as f64 / 1000.0;
        Some(self.trendline.update(
            arrival_delta_ms - send_delta_ms,
            send_delta_ms,
            done.last_arrived_us,
        ))
    }

    /// The rate controller (additive-increase's cousin: multiplicative increase,
    /// multiplicative decrease).
    fn steer(&mut self, usage: Usage, now_us: i64) {
        let acked = self.acked_kbps();
        match usage {
            Usage::Over => {
                // Under what gets through, so the queue drains: by more the longer it is,
                // so that a second's backlog (a call that started above what the link
                // carries) drains in seconds, not tens of them.
                let congestion_begins = !self.holding;
                self.recovery = match self.recovery {
                    // Growing back met a queue: the link is narrower now.
                    Some(recovery) if recovery.growing => None,
                    // Cut again before growing back: keep what it carried before.
                    Some(recovery) if now_us - recovery.since_us <= RECOVERY_US => Some(recovery),
                    // A congestion begins: what to grow back to (never more than the
                    // estimate, which may not have been sent in full).
                    _ if congestion_begins => Some(Recovery {
                        carried_kbps: self
                            .delivered_peak
                            .map_or(self.kbps, |(_, kbps)| kbps.min(self.kbps)),
                        since_us: now_us,
                        growing: false,
                    }),
                    // Still the congestion whose growing back met a queue.
                    _ => None,
                };
                let cut = (1.0 - self.trendline.queue_ms() / 1000.0).clamp(DEEPEST_CUT, CUT);
                self.kbps = acked.map_or(self.kbps * cut, |acked| (acked * cut).min(self.kbps));
                self.holding = true;
                self.last_grown_us = None;
            }
            Usage::Under => {
                self.holding = true;
                self.last_grown_us = None;
            }
            Usage::Normal => {
                if let Some(acked) = acked {
                    self.delivered_peak = match self.delivered_peak {
                        Some((at, peak)) if now_us - at <= DELIVERED_PEAK_US && peak >= acked => {
                            Some((at, peak))
                        }
                        _ => Some((now_us, acked)),
                    };
                }
                let last = self.last_grown_us.replace(now_us);
                if std::mem::take(&mut self.holding) {
                    // Steady again after a hold: grow from the next report on.
                } else if let Some(last) = last {
                    let seconds = ((now_us - last) as f64 / 1e6).clamp(0.0, 1.0);
                    let mut grown = self.kbps * GROWTH_PER_SECOND.powf(seconds);
                    if let Some(target) = self.grow_back_to(now_us) {
                        let fast = self.kbps * RECOVERY_GROWTH_PER_SECOND.powf(seconds);
                        grown = grown.max(fast.min(target));
                    }
                    // Not far past what is actually sent: an encoder that codes a still
                    // picture in a fraction of its budget would otherwise bank growth
                    // that the first busy scene spends all at once.
                    self.kbps = match acked {
                        Some(acked) => grown.min((1.5 * acked + 10.0).max(self.kbps)),
                        None => grown,
                    };
                }
            }
        }
        self.kbps = self.kbps.clamp(self.min_kbps, self.max_kbps);
    }

    /// The rate to grow back to quickly, while a recent congestion's cut is being grown
    /// back from; it marks the recovery as growing. Once there, or too long after the
    /// cut, the recovery ends and this says `None`.
    fn grow_back_to(&mut self, now_us: i64) -> Option<f64> {
        let recovery = self.recovery.as_mut()?;
        let target = RECOVERY_SHARE * recovery.carried_kbps;
        if now_us - recovery.since_us <= RECOVERY_US && self.kbps < target {
            recovery.growing = true;
            Some(target)
        } else {
            self.recovery = None;
            None
        }
    }
}

#[cfg(test)]
#[path = "congestion_tests.rs"]
mod tests;
