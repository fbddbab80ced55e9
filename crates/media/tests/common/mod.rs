//! Shared by the media tests: connecting two peers with in-process signaling, and
//! counting tone frames.
#![allow(dead_code)]

pub mod relay;

use std::time::{Duration, Instant};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_media::tone::has_tone;
use switchboard_media::{AudioPeer, Candidate, PeerConfig};
use tokio::sync::mpsc;

pub const A_TONE: f64 = 440.0;
pub const B_TONE: f64 = 1000.0;

pub struct Pair {
    pub a: AudioPeer,
    pub heard_by_a: FrameLog,
    pub b: AudioPeer,
    pub heard_by_b: FrameLog,
    pub setup: Duration,
}

/// Connects two peers: `a` offers, `b` answers; candidates trickle both ways.
pub async fn connect(config_a: PeerConfig, config_b: PeerConfig) -> Pair {
    connect_within(config_a, config_b, Duration::from_secs(15)).await
}

/// [`connect`] with a time budget.
pub async fn connect_within(config_a: PeerConfig, config_b: PeerConfig, budget: Duration) -> Pair {
    let (heard_by_a, heard_by_b) = (FrameLog::default(), FrameLog::default());
    let started = Instant::now();
    let (a, mut a_candidates) = AudioPeer::new(
        config_a,
        Box::new(ToneSource::new(A_TONE)),
        Box::new(heard_by_a.clone()),
    )
    .await
    .expect("peer a");
    let (b, mut b_candidates) = AudioPeer::new(
        config_b,
        Box::new(ToneSource::new(B_TONE)),
        Box::new(heard_by_b.clone()),
    )
    .await
    .expect("peer b");
    negotiate(&a, &mut a_candidates, &b, &mut b_candidates, budget).await;
    Pair {
        a,
        heard_by_a,
        b,
        heard_by_b,
        setup: started.elapsed(),
    }
}

/// `a` offers, `b` answers, candidates trickle both ways until both are connected.
pub async fn negotiate(
    a: &AudioPeer,
    a_candidates: &mut mpsc::UnboundedReceiver<Candidate>,
    b: &AudioPeer,
    b_candidates: &mut mpsc::UnboundedReceiver<Candidate>,
    budget: Duration,
) {
    let offer = a.create_offer().await.expect("offer");
    // Candidates may arrive before the answer is set: the peer must queue them.
    let answer = b.accept_offer(offer).await.expect("answer");
    a.accept_answer(answer).await.expect("accept answer");
    let deadline = Instant::now() + budget;
    loop {
        tokio::select! {
            Some(c) = a_candidates.recv() => b.add_remote_candidate(c).await.expect("candidate to b"),
            Some(c) = b_candidates.recv() => a.add_remote_candidate(c).await.expect("candidate to a"),
            result = async { tokio::join!(a.connected(budget), b.connected(budget)) } => {
                result.0.expect("a connects");
                result.1.expect("b connects");
                break;
            }
        }
        assert!(Instant::now() < deadline, "no connection within {budget:?}");
    }
}

/// Frames received after `since`: (with `tone`, with `other`, count).
pub fn tally(log: &FrameLog, since: Instant, tone: f64, other: f64) -> (usize, usize, usize) {
    let frames: Vec<Vec<i16>> = log
        .frames()
        .into_iter()
        .filter(|(at, _)| *at >= since)
        .map(|(_, f)| f)
        .collect();
    let with = frames.iter().filter(|f| has_tone(f, tone)).count();
    let wrong = frames.iter().filter(|f| has_tone(f, other)).count();
    (with, wrong, frames.len())
}
