//! The phone runs a user's calls end to end against the real server with real webrtc-rs
//! peers: media starts on answer and carries each side's tone, mute reaches the far end,
//! either side's hang-up ends both within a second, a busy user is told so, a second call
//! works, and an unanswered call counts as missed.

mod common;

use common::{Host, PASSWORD, next};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_client::phone::{CallAudio, OpenAudio, Phone};
use switchboard_client::{EndReason, Engine, EngineConfig, Event, MediaState};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_media::tone::has_tone;
use switchboard_protocol::CallStatus;
use tokio::sync::broadcast;

const ANN_TONE: f64 = 440.0;
const BOB_TONE: f64 = 1000.0;

/// A phone whose calls send `tone` and log what they hear.
struct Handset {
    phone: Phone,
    events: broadcast::Receiver<Event>,
    heard: FrameLog,
    id: i64,
}

async fn handset(host: &Host, name: &str, tone: f64) -> Handset {
    let mut api = host.api();
    let id = api.login(name, PASSWORD).await.expect("login").user.id;
    let engine = Arc::new(
        Engine::start(api, EngineConfig::default())
            .await
            .expect("engine"),
    );
    let events = engine.events();
    let heard = FrameLog::default();
    let log = heard.clone();
    let open: OpenAudio = Arc::new(move || {
        Ok(CallAudio {
            source: Box::new(ToneSource::new(tone)),
            sink: Box::new(log.clone()),
            keep: Box::new(()),
        })
    });
    Handset {
        phone: Phone::new(engine, open),
        events,
        heard,
        id,
    }
}

fn media_of(call_id: i64) -> impl FnMut(&Event) -> Option<MediaState> {
    move |event| match event {
        Event::Media { call_id: id, media } if *id == call_id => Some(media.clone()),
        _ => None,
    }
}

/// Share of frames since `since` that carry `tone`.
fn share_with(log: &FrameLog, since: Instant, tone: f64) -> (usize, usize) {
    let frames: Vec<_> = log
        .frames()
        .into_iter()
        .filter(|(at, _)| *at >= since)
        .collect();
    let with = frames.iter().filter(|(_, f)| has_tone(f, tone)).count();
    (with, frames.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_phones_call_talk_mute_hang_up_and_call_again() {
    let host = Host::start_with(&["ann", "bob", "cat"], |config| {
        config.ring_timeout = Duration::from_secs(2);
    })
    .await;
    let mut ann = handset(&host, "ann", ANN_TONE).await;
    let mut bob = handset(&host, "bob", BOB_TONE).await;
    let mut cat = handset(&host, "cat", 1500.0).await;

    for round in 0..2 {
        let call = ann.phone.call(bob.id).await.expect("call");
        let call_id = next(&mut bob.events, Duration::from_secs(5), |e| match e {
            Event::IncomingCall { call_id, .. } => Some(*call_id),
            _ => None,
        })
        .await;
        assert_eq!(
            call_id, call.id,
            "round {round}: bob is rung for ann's call"
        );

        // A third user cannot reach bob while he is rung, nor can ann call twice.
        let refused = ann.phone.call(cat.id).await.expect_err("ann is in a call");
        assert!(
            refused.to_string().contains("already in a call"),
            "{refused}"
        );

        bob.phone.answer(call_id).await.expect("answer");
        for side in [&mut ann, &mut bob] {
            let state = next(&mut side.events, Duration::from_secs(10), |e| {
                media_of(call_id)(e).filter(|m| !matches!(m, MediaState::Connecting))
            })
            .await;
            assert!(
                matches!(state, MediaState::Connected { .. }),
                "round {round}: {state:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
        let window = Instant::now();
        tokio::time::sleep(Duration::from_millis(2000)).await;
        for (who, log, tone, own) in [
            ("ann", &ann.heard, BOB_TONE, ANN_TONE),
            ("bob", &bob.heard, ANN_TONE, BOB_TONE),
        ] {
            let (with, n) = share_with(log, window, tone);
            assert!(n >= 80 && with * 10 >= n * 9, "{who} heard {with} of {n}");
            assert_eq!(share_with(log, window, own).0, 0, "{who} hears itself");
        }

        // Mute: the event says so, and bob stops hearing ann after a guard.
        ann.phone.set_muted(true).await;
        let muted = next(&mut ann.events, Duration::from_secs(1), |e| match e {
            Event::Muted { call_id: id, muted } if *id == call_id => Some(*muted),
            _ => None,
        })
        .await;
        assert!(muted && ann.phone.muted().await);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let window = Instant::now();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (with, n) = share_with(&bob.heard, window, ANN_TONE);
        assert!(
            n >= 40 && with == 0,
            "muted ann still heard in {with} of {n}"
        );
        ann.phone.set_muted(false).await;

        // The hang-up alternates sides; the other side learns within a second.
        let (hanger, other) = if round == 0 {
            (&mut ann, &mut bob)
        } else {
            (&mut bob, &mut ann)
        };
        let hung_up = Instant::now();
        hanger.phone.hang_up().await.expect("hang up");
        let ended = next(&mut other.events, Duration::from_secs(3), |e| {
            media_of(call_id)(e).filter(|m| matches!(m, MediaState::Ended { .. }))
        })
        .await;
        assert!(
            hung_up.elapsed() < Duration::from_secs(1),
            "the other side learned after {:?}",
            hung_up.elapsed()
        );
        assert_eq!(
            ended,
            MediaState::Ended {
                reason: EndReason::Remote,
                message: None
            }
        );
        let own = next(&mut hanger.events, Duration::from_secs(3), |e| {
            media_of(call_id)(e).filter(|m| matches!(m, MediaState::Ended { .. }))
        })
        .await;
        assert!(
            matches!(
                own,
                MediaState::Ended {
                    reason: EndReason::Local,
                    ..
                }
            ),
            "{own:?}"
        );
        let record = ann
            .phone
            .engine()
            .api()
            .call(call_id)
            .await
            .expect("record");
        assert_eq!(record.status, CallStatus::Completed);
        assert!(ann.phone.current_call().await.is_none());
        assert!(bob.phone.current_call().await.is_none());
    }

    // Nobody answers cat's call: after the ring timeout bob has one missed call.
    let call = cat.phone.call(bob.id).await.expect("call");
    let count = next(&mut bob.events, Duration::from_secs(6), |e| match e {
        Event::MissedCalls { count } => Some(*count),
        _ => None,
    })
    .await;
    assert_eq!(count, 1);
    assert_eq!(bob.phone.missed_calls(), 1);
    let record = cat
        .phone
        .engine()
        .api()
        .call(call.id)
        .await
        .expect("record");
    assert_eq!(record.status, CallStatus::Missed);
    bob.phone.reset_missed();
    assert_eq!(bob.phone.missed_calls(), 0);
    // The caller's phone let go of the missed call: it can call again.
    next(&mut cat.events, Duration::from_secs(2), |e| match e {
        Event::CallUpdated { call } if call.status == CallStatus::Missed => Some(()),
        _ => None,
    })
    .await;
    assert!(cat.phone.current_call().await.is_none());
}
