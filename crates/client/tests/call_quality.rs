//! A call's levels and quality reach the engine's one event stream: real server, real
//! webrtc-rs peers on loopback.

use crate::common::{Host, PASSWORD, next};
use std::time::{Duration, Instant};
use switchboard_client::call::{MediaCall, MediaEnd, MediaOptions};
use switchboard_client::{Engine, EngineConfig, Event};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_protocol::{CallAction, CallType};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn levels_and_quality_come_out_of_the_engine_during_a_call() {
    let host = Host::start(&["ann", "bob"]).await;
    let url = host.url();
    let mut ann = host.api();
    let ann_id = ann.login("ann", PASSWORD).await.expect("login").user.id;
    let mut bob = host.api();
    let bob_id = bob.login("bob", PASSWORD).await.expect("login").user.id;
    let engine = Engine::start(bob.clone(), EngineConfig::default())
        .await
        .expect("engine");
    let mut events = engine.events();

    let call = ann
        .initiate_call(bob_id, CallType::Audio)
        .await
        .expect("call");
    let call = bob
        .update_call(call.id, CallAction::Answer)
        .await
        .expect("answer");
    let options = MediaOptions::for_server(&url);
    let (a, b) = tokio::join!(
        MediaCall::start(
            &ann,
            ann_id,
            &call,
            Box::new(ToneSource::new(440.0)),
            Box::new(FrameLog::default()),
            options.clone()
        ),
        MediaCall::start(
            &bob,
            bob_id,
            &call,
            Box::new(ToneSource::new(1000.0)),
            Box::new(FrameLog::default()),
            options
        ),
    );
    let (a, mut b) = (a.expect("ann's media"), b.expect("bob's media"));
    b.connected(Duration::from_secs(10))
        .await
        .expect("connected");
    b.report_to(call.id, engine.emitter());

    // Both meters move: bob's microphone (his tone) and his speaker (ann's tone).
    let (input, output) = next(&mut events, Duration::from_secs(3), |e| match e {
        Event::AudioLevel {
            call_id,
            input,
            output,
        } if *call_id == call.id && *output > 0.1 => Some((*input, *output)),
        _ => None,
    })
    .await;
    assert!(input > 0.1 && output > 0.1, "{input} {output}");

    // Quality every second: on loopback, excellent.
    let started = Instant::now();
    let mut reports = Vec::new();
    while reports.len() < 2 {
        reports.push(
            next(&mut events, Duration::from_secs(3), |e| match e {
                Event::Quality { call_id, quality } if *call_id == call.id => Some(quality.clone()),
                _ => None,
            })
            .await,
        );
    }
    assert!(started.elapsed() < Duration::from_millis(2500));
    let last = reports.last().expect("a report");
    assert_eq!(last.score, 5, "{last:?}");
    assert_eq!(last.loss_pct, 0.0, "{last:?}");
    assert!(last.rtt_ms.is_some_and(|r| r < 50.0), "{last:?}");
    assert!((20.0..60.0).contains(&last.recv_kbps), "{last:?}");
    assert!((20.0..60.0).contains(&last.send_kbps), "{last:?}");

    // Ann mutes: bob's speaker meter falls to silence; his microphone does not.
    a.set_muted(true);
    let muted = Instant::now();
    let input = next(&mut events, Duration::from_secs(2), |e| match e {
        Event::AudioLevel { input, output, .. } if *output < 1e-3 => Some(*input),
        _ => None,
    })
    .await;
    assert!(muted.elapsed() < Duration::from_secs(1));
    assert!(input > 0.1);

    // The call ends on the server (here over HTTP, with both peers still up and no
    // leave-call sent): the room's sockets close with 1000 and both sides take that as the
    // end, instead of reconnecting to a room that now refuses them.
    let mut a = a;
    ann.update_call(call.id, CallAction::End)
        .await
        .expect("end");
    for (who, media) in [("ann", &mut a), ("bob", &mut b)] {
        let end = tokio::time::timeout(Duration::from_secs(3), media.remote_end())
            .await
            .unwrap_or_else(|_| panic!("{who}'s media did not end with the call"));
        assert_eq!(end, MediaEnd::Closed("the call ended".into()), "{who}");
    }
    a.hang_up().await;
    b.hang_up().await;
    host.server.shutdown().await.expect("shutdown");
}
