//! The phone runs a user's calls end to end against the real server with real webrtc-rs
//! peers: media starts on answer and carries each side's tone, mute reaches the far end,
//! either side's hang-up ends both within a second, a busy user is told so, a second call
//! works, an unanswered call counts as missed, and a call grows into a meeting without
//! the voices stopping for long.

use crate::common::{Host, PASSWORD, next};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_client::call::MediaOptions;
use switchboard_client::meeting::MeetingMedia;
use switchboard_client::phone::{CallAudio, OpenAudio, Phone};
use switchboard_client::{EndReason, Engine, EngineConfig, Event, MediaState};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_media::tone::{energy_share, has_tone, rms};
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

/// Hold (issue 24): bob holds; neither hears the other, ann hears the soft hold beep from
/// her own app (bob hears nothing), ann cannot resume bob's hold; bob resumes and both
/// hear each other again. Ann's mute survives the hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_call_is_silent_both_ways_with_a_beep_for_the_held_and_resumes() {
    use switchboard_media::tone::HOLD_TONE_HZ;
    let host = Host::start(&["ann", "bob"]).await;
    let mut ann = handset(&host, "ann", ANN_TONE).await;
    let mut bob = handset(&host, "bob", BOB_TONE).await;
    let refused = bob.phone.set_held(true).await.expect_err("no call yet");
    assert!(
        refused.to_string().contains("no call in progress"),
        "{refused}"
    );
    let call = ann.phone.call(bob.id).await.expect("call");
    let call_id = next(&mut bob.events, Duration::from_secs(5), |e| match e {
        Event::IncomingCall { call_id, .. } => Some(*call_id),
        _ => None,
    })
    .await;
    assert_eq!(call_id, call.id);
    bob.phone.answer(call_id).await.expect("answer");
    for side in [&mut ann, &mut bob] {
        let state = next(&mut side.events, Duration::from_secs(10), |e| {
            media_of(call_id)(e).filter(|m| !matches!(m, MediaState::Connecting))
        })
        .await;
        assert!(matches!(state, MediaState::Connected { .. }), "{state:?}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let held = bob.phone.set_held(true).await.expect("hold");
    assert_eq!(held.on_hold_by, Some(bob.id));
    let told = next(&mut ann.events, Duration::from_secs(2), |e| match e {
        Event::CallUpdated { call } if call.id == call_id => call.on_hold_by,
        _ => None,
    })
    .await;
    assert_eq!(told, bob.id, "ann is told at once who holds the call");
    let refused = ann.phone.set_held(false).await.expect_err("not ann's hold");
    assert!(
        refused.to_string().contains("Only the person who put"),
        "{refused}"
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (bob_at_ann, n_ann) = share_with(&ann.heard, window, BOB_TONE);
    let (ann_at_bob, n_bob) = share_with(&bob.heard, window, ANN_TONE);
    let (beep_at_ann, _) = share_with(&ann.heard, window, HOLD_TONE_HZ);
    let (beep_at_bob, _) = share_with(&bob.heard, window, HOLD_TONE_HZ);
    eprintln!(
        "on hold: ann heard bob in {bob_at_ann} of {n_ann}, the beep in {beep_at_ann}; \
         bob heard ann in {ann_at_bob} of {n_bob}, the beep in {beep_at_bob}"
    );
    assert!(
        n_ann >= 120 && n_bob >= 120,
        "the line stays up: {n_ann}, {n_bob}"
    );
    assert_eq!((bob_at_ann, ann_at_bob), (0, 0), "no sound either way");
    // One or two 300 ms beeps (15 frames each) in 3.1 s, at most a frame cut at each end.
    assert!(
        (13..=32).contains(&beep_at_ann),
        "ann hears the hold beep: {beep_at_ann}"
    );
    assert_eq!(beep_at_bob, 0, "the one who holds hears nothing");

    ann.phone.set_muted(true).await;
    let resumed = bob.phone.set_held(false).await.expect("resume");
    assert_eq!(resumed.on_hold_by, None);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (bob_at_ann, n) = share_with(&ann.heard, window, BOB_TONE);
    assert!(
        n >= 60 && bob_at_ann * 10 >= n * 9,
        "ann hears bob again: {bob_at_ann} of {n}"
    );
    let (ann_at_bob, _) = share_with(&bob.heard, window, ANN_TONE);
    assert_eq!(ann_at_bob, 0, "ann's own mute outlasts the hold");
    assert_eq!(
        share_with(&ann.heard, window, HOLD_TONE_HZ).0,
        0,
        "no beep after"
    );
    ann.phone.set_muted(false).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (ann_at_bob, n) = share_with(&bob.heard, window, ANN_TONE);
    assert!(
        n >= 40 && ann_at_bob * 10 >= n * 9,
        "bob hears ann: {ann_at_bob} of {n}"
    );
    ann.phone.hang_up().await.expect("hang up");
}

/// A blind transfer (issue 24) through three phones: ann calls bob, bob puts her through
/// to cat. Bob's call ends at once; ann's phone now calls cat (without ann doing
/// anything); cat answers, and ann and cat hear each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transferred_caller_is_put_through_and_talks_to_the_colleague() {
    const CAT_TONE: f64 = 1500.0;
    let host = Host::start(&["ann", "bob", "cat"]).await;
    let mut ann = handset(&host, "ann", ANN_TONE).await;
    let mut bob = handset(&host, "bob", BOB_TONE).await;
    let mut cat = handset(&host, "cat", CAT_TONE).await;
    let refused = bob.phone.transfer(cat.id).await.expect_err("no call yet");
    assert!(
        refused.to_string().contains("no call in progress"),
        "{refused}"
    );

    let first = ann.phone.call(bob.id).await.expect("call");
    let first_id = first.id;
    next(&mut bob.events, Duration::from_secs(5), |e| match e {
        Event::IncomingCall { call_id, .. } if *call_id == first_id => Some(()),
        _ => None,
    })
    .await;
    bob.phone.answer(first_id).await.expect("answer");
    for side in [&mut ann, &mut bob] {
        let state = next(&mut side.events, Duration::from_secs(10), |e| {
            media_of(first_id)(e).filter(|m| !matches!(m, MediaState::Connecting))
        })
        .await;
        assert!(matches!(state, MediaState::Connected { .. }), "{state:?}");
    }

    let ringing = bob.phone.transfer(cat.id).await.expect("transfer");
    assert_eq!((ringing.initiator, ringing.recipient), (ann.id, cat.id));
    assert_eq!(ringing.transferred_from, Some(first_id));
    let ended = next(&mut bob.events, Duration::from_secs(3), |e| {
        media_of(first_id)(e).filter(|m| matches!(m, MediaState::Ended { .. }))
    })
    .await;
    assert!(
        matches!(&ended, MediaState::Ended { reason: EndReason::Local, message: Some(m) } if m.contains("Transferred to")),
        "{ended:?}"
    );
    assert!(bob.phone.current_call().await.is_none(), "bob is free");

    let incoming = next(&mut cat.events, Duration::from_secs(5), |e| match e {
        Event::IncomingCall { call_id, .. } => Some(*call_id),
        _ => None,
    })
    .await;
    assert_eq!(incoming, ringing.id);
    // Ann's phone took the new call as its own.
    let mut waited = Duration::ZERO;
    while ann.phone.current_call().await.map(|c| c.id) != Some(ringing.id) {
        assert!(
            waited < Duration::from_secs(3),
            "ann's phone adopts the transferred call"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    cat.phone.answer(ringing.id).await.expect("cat answers");
    for side in [&mut ann, &mut cat] {
        let state = next(&mut side.events, Duration::from_secs(10), |e| {
            media_of(ringing.id)(e).filter(|m| !matches!(m, MediaState::Connecting))
        })
        .await;
        assert!(matches!(state, MediaState::Connected { .. }), "{state:?}");
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (cat_at_ann, n) = share_with(&ann.heard, window, CAT_TONE);
    assert!(
        n >= 50 && cat_at_ann * 10 >= n * 9,
        "ann hears cat: {cat_at_ann} of {n}"
    );
    let (ann_at_cat, n) = share_with(&cat.heard, window, ANN_TONE);
    assert!(
        n >= 50 && ann_at_cat * 10 >= n * 9,
        "cat hears ann: {ann_at_cat} of {n}"
    );
    assert_eq!(share_with(&ann.heard, window, BOB_TONE).0, 0, "bob is gone");
    ann.phone.hang_up().await.expect("hang up");
}

/// Share of `frames` where `tone` is at least a fifth of the sound: one voice of a mix.
fn in_mix(frame: &[i16], tone: f64) -> bool {
    rms(frame) > 0.01 && energy_share(frame, tone) > 0.2
}

/// What the app does with a call that grew into a meeting: once the phone has let go of
/// it, joins the meeting's audio (sending `tone`, heard in the handset's log).
async fn follow_into(
    side: &Handset,
    call_id: i64,
    meeting_id: i64,
    tone: f64,
    url: &str,
) -> MeetingMedia {
    assert!(
        side.phone.released(call_id, Duration::from_secs(3)).await,
        "the phone let go of the call"
    );
    MeetingMedia::join(
        side.phone.engine().api(),
        side.id,
        meeting_id,
        Box::new(ToneSource::new(tone)),
        Box::new(side.heard.clone()),
        MediaOptions::for_server(url),
    )
    .await
    .expect("join the meeting")
}

/// Ann adds Cat to her call with Bob (issue 24): the call ends pointing at a meeting of the
/// three, both phones let go of it, and their meeting audio starts; Bob hears Ann again
/// within a second of the switch, and then everyone hears the other two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_grows_into_a_meeting_and_the_voices_carry_on() {
    const CAT_TONE: f64 = 1500.0;
    let host = Host::start(&["ann", "bob", "cat"]).await;
    let url = host.url();
    let mut ann = handset(&host, "ann", ANN_TONE).await;
    let mut bob = handset(&host, "bob", BOB_TONE).await;
    let mut cat = handset(&host, "cat", CAT_TONE).await;
    let call = ann.phone.call(bob.id).await.expect("call");
    let call_id = call.id;
    next(&mut bob.events, Duration::from_secs(5), |e| match e {
        Event::IncomingCall { call_id: id, .. } if *id == call_id => Some(()),
        _ => None,
    })
    .await;
    bob.phone.answer(call_id).await.expect("answer");
    for side in [&mut ann, &mut bob] {
        let state = next(&mut side.events, Duration::from_secs(10), |e| {
            media_of(call_id)(e).filter(|m| !matches!(m, MediaState::Connecting))
        })
        .await;
        assert!(matches!(state, MediaState::Connected { .. }), "{state:?}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The switch: each side follows its call into the meeting as the app does.
    let switched = Instant::now();
    let added = ann.phone.add_participant(cat.id).await.expect("add cat");
    let meeting_id = added.meeting.id;
    assert_eq!(added.call_session.escalated_to_meeting, Some(meeting_id));
    let (ann_meeting, bob_meeting) = tokio::join!(
        follow_into(&ann, call_id, meeting_id, ANN_TONE, &url),
        follow_into(&bob, call_id, meeting_id, BOB_TONE, &url)
    );
    let started = next(&mut cat.events, Duration::from_secs(5), |e| match e {
        Event::MeetingStarted {
            meeting,
            added_to_call,
            ..
        } => Some((
            meeting.id,
            added_to_call.as_ref().map(|a| (a.call_id, a.with.id)),
        )),
        _ => None,
    })
    .await;
    assert_eq!(
        started,
        (meeting_id, Some((call_id, bob.id))),
        "cat is offered the meeting, as ann's call with bob"
    );
    let cat_meeting = MeetingMedia::join(
        cat.phone.engine().api(),
        cat.id,
        meeting_id,
        Box::new(ToneSource::new(CAT_TONE)),
        Box::new(cat.heard.clone()),
        MediaOptions::for_server(&host.url()),
    )
    .await
    .expect("cat joins");
    for media in [&ann_meeting, &bob_meeting, &cat_meeting] {
        media
            .connected_with(2, Duration::from_secs(20))
            .await
            .expect("a mesh of three");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Bob's ear across the switch: the longest time without Ann's voice.
    let ann_at_bob: Vec<Instant> = bob
        .heard
        .frames()
        .into_iter()
        .filter(|(at, f)| *at >= switched - Duration::from_millis(300) && in_mix(f, ANN_TONE))
        .map(|(at, _)| at)
        .collect();
    let gap = ann_at_bob
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or(Duration::MAX);
    println!(
        "bob lost ann's voice for at most {} ms over the switch",
        gap.as_millis()
    );
    assert!(
        gap < Duration::from_secs(1),
        "a gap of {gap:?} in ann's voice at bob"
    );
    for (who, log, others) in [
        ("ann", &ann.heard, [BOB_TONE, CAT_TONE]),
        ("bob", &bob.heard, [ANN_TONE, CAT_TONE]),
        ("cat", &cat.heard, [ANN_TONE, BOB_TONE]),
    ] {
        let frames: Vec<Vec<i16>> = log
            .frames()
            .into_iter()
            .filter(|(at, _)| *at >= window)
            .map(|(_, f)| f)
            .collect();
        for tone in others {
            let with = frames.iter().filter(|f| in_mix(f, tone)).count();
            assert!(
                frames.len() >= 50 && with * 10 >= frames.len() * 9,
                "{who} hears {tone} Hz in {with} of {} frames",
                frames.len()
            );
        }
    }
    for media in [ann_meeting, bob_meeting, cat_meeting] {
        media.leave().await;
    }
}

/// Waits until `side`'s phone has `call_id` as its current call.
async fn current_is(side: &Handset, call_id: i64) {
    let mut waited = Duration::ZERO;
    while side.phone.current_call().await.map(|c| c.id) != Some(call_id) {
        assert!(
            waited < Duration::from_secs(5),
            "call {call_id} never became current"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
}

/// Frames since `since` in `log` with `tone` in them, and all of them.
fn heard_since(log: &FrameLog, since: Instant, tone: f64) -> (usize, usize) {
    let frames: Vec<Vec<i16>> = log
        .frames()
        .into_iter()
        .filter(|(at, _)| *at >= since)
        .map(|(_, f)| f)
        .collect();
    (
        frames.iter().filter(|f| in_mix(f, tone)).count(),
        frames.len(),
    )
}

/// An attended transfer through three phones (issue 24): Bob holds Ann and consults Cat
/// (Ann hears no Bob meanwhile), goes back to Ann once, consults again, then joins Ann and
/// Cat: their phones take the new call as theirs and they hear each other, not Bob.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attended_transfer_consults_goes_back_and_then_joins_the_two() {
    const CAT_TONE: f64 = 1500.0;
    let host = Host::start(&["ann", "bob", "cat"]).await;
    let mut ann = handset(&host, "ann", ANN_TONE).await;
    let mut bob = handset(&host, "bob", BOB_TONE).await;
    let mut cat = handset(&host, "cat", CAT_TONE).await;
    let first = ann.phone.call(bob.id).await.expect("call").id;
    next(&mut bob.events, Duration::from_secs(5), |e| match e {
        Event::IncomingCall { call_id, .. } if *call_id == first => Some(()),
        _ => None,
    })
    .await;
    bob.phone.answer(first).await.expect("answer");
    for side in [&mut ann, &mut bob] {
        next(&mut side.events, Duration::from_secs(10), |e| {
            media_of(first)(e).filter(|m| matches!(m, MediaState::Connected { .. }))
        })
        .await;
    }
    let refused = bob
        .phone
        .complete_transfer()
        .await
        .expect_err("nothing to join");
    assert!(refused.to_string().contains("no consultation"), "{refused}");

    // Consult Cat, then go back to Ann.
    let cat_id = cat.id;
    let consultation = bob.phone.consult(cat_id).await.expect("consult").id;
    assert_eq!(bob.phone.held_call().await.map(|c| c.id), Some(first));
    let answer_cat = async |cat: &mut Handset, call_id: i64| {
        next(&mut cat.events, Duration::from_secs(5), |e| match e {
            Event::IncomingCall { call_id: id, .. } if *id == call_id => Some(()),
            _ => None,
        })
        .await;
        cat.phone.answer(call_id).await.expect("cat answers");
        next(&mut cat.events, Duration::from_secs(10), |e| {
            media_of(call_id)(e).filter(|m| matches!(m, MediaState::Connected { .. }))
        })
        .await;
    };
    answer_cat(&mut cat, consultation).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        heard_since(&ann.heard, window, BOB_TONE).0,
        0,
        "ann hears no bob while held"
    );
    let (bob_at_cat, n) = heard_since(&cat.heard, window, BOB_TONE);
    assert!(
        n >= 40 && bob_at_cat * 10 >= n * 9,
        "cat hears bob: {bob_at_cat} of {n}"
    );
    let back = bob.phone.back_to_held().await.expect("back to ann");
    assert_eq!((back.id, back.on_hold_by), (first, None));
    assert!(bob.phone.held_call().await.is_none());
    tokio::time::sleep(Duration::from_millis(600)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (bob_at_ann, n) = heard_since(&ann.heard, window, BOB_TONE);
    assert!(
        n >= 40 && bob_at_ann * 10 >= n * 9,
        "ann hears bob again: {bob_at_ann} of {n}"
    );

    // Consult again, and join them.
    let consultation = bob.phone.consult(cat_id).await.expect("consult again").id;
    answer_cat(&mut cat, consultation).await;
    let joined = bob.phone.complete_transfer().await.expect("join them");
    assert_eq!(
        (
            joined.initiator,
            joined.recipient,
            joined.status,
            joined.transferred_from
        ),
        (ann.id, cat.id, CallStatus::Active, Some(first))
    );
    assert!(bob.phone.current_call().await.is_none(), "bob is free");
    assert!(bob.phone.held_call().await.is_none());
    current_is(&ann, joined.id).await;
    current_is(&cat, joined.id).await;
    for side in [&mut ann, &mut cat] {
        next(&mut side.events, Duration::from_secs(10), |e| {
            media_of(joined.id)(e).filter(|m| matches!(m, MediaState::Connected { .. }))
        })
        .await;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (who, log, hears, not) in [
        ("ann", &ann.heard, CAT_TONE, BOB_TONE),
        ("cat", &cat.heard, ANN_TONE, BOB_TONE),
    ] {
        let (with, n) = heard_since(log, window, hears);
        assert!(
            n >= 50 && with * 10 >= n * 9,
            "{who} hears {hears} Hz in {with} of {n}"
        );
        assert_eq!(heard_since(log, window, not).0, 0, "{who} hears no bob");
    }
    ann.phone.hang_up().await.expect("hang up");
}
