//! Calls through Debian's coturn on 127.0.0.1, with TURN credentials minted by the server's
//! own `use-auth-secret` code: relay-only calls connect over a relay pair and carry audio,
//! also through a lossy link (5 % loss, 80 ms delay: a userspace proxy, since this kernel
//! has no netem), and when the DTLS handshake's last flights are lost.

mod common;

use common::relay::{Direction, Lose, coturn, impairment_proxy, relayed_payload, turn_config};
use common::{A_TONE, B_TONE, connect, tally};
use rand::Rng;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_media::quality::{interval_loss, quality};

/// Whether a relayed datagram starts with a DTLS ChangeCipherSpec record: the start of a
/// side's last handshake flight (ChangeCipherSpec, then Finished).
fn starts_last_dtls_flight(packet: &[u8]) -> bool {
    relayed_payload(packet).is_some_and(|inner| inner.first() == Some(&20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_only_call_goes_through_coturn_and_carries_audio() {
    let turn = coturn().await;
    let pair = connect(turn_config(turn.port, 1), turn_config(turn.port, 2)).await;
    eprintln!("relay-only call set up in {:?}", pair.setup);
    let types = pair.a.selected_pair_types().await;
    assert_eq!(
        types,
        Some(("relay".to_owned(), "relay".to_owned())),
        "the selected pair is a relay pair"
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for (log, tone, own) in [
        (&pair.heard_by_a, B_TONE, A_TONE),
        (&pair.heard_by_b, A_TONE, B_TONE),
    ] {
        let (with, wrong, n) = tally(log, window, tone, own);
        assert!(
            n >= 100 && with * 10 >= n * 9,
            "tone in {with} of {n} frames"
        );
        assert_eq!(wrong, 0);
    }
}

/// The DTLS server's lost Finished (webrtc-rs/rtc#243, fixed in vendor/dtls): the first
/// datagram of each side's last flight is dropped, so the client must repeat its flight
/// and the server must answer it again after its own handshake has finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_dtls_finished_is_sent_again_and_the_call_connects() {
    let turn = coturn().await;
    let dropped: Arc<std::sync::Mutex<Vec<Direction>>> = Arc::default();
    let seen = dropped.clone();
    let lose: Lose = Arc::new(move |direction, packet| {
        let mut dropped = seen.lock().expect("lock");
        let first = !dropped.contains(&direction);
        if first && starts_last_dtls_flight(packet) {
            dropped.push(direction);
            return true;
        }
        false
    });
    let link = impairment_proxy(
        SocketAddr::from(([127, 0, 0, 1], turn.port)),
        lose,
        Duration::ZERO,
    )
    .await;
    // Peer a offers, so it is the DTLS server; its last flight goes out through the link.
    let pair = connect(turn_config(link.port(), 1), turn_config(turn.port, 2)).await;
    eprintln!(
        "call with the DTLS server's last flight lost once set up in {:?}",
        pair.setup
    );
    let dropped = dropped.lock().expect("lock").clone();
    assert!(
        dropped.contains(&Direction::ToTurn),
        "the DTLS server's last flight was dropped once (dropped: {dropped:?})"
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (log, tone, own) in [
        (&pair.heard_by_a, B_TONE, A_TONE),
        (&pair.heard_by_b, A_TONE, B_TONE),
    ] {
        let (with, wrong, n) = tally(log, window, tone, own);
        assert!(
            n >= 50 && with * 10 >= n * 9,
            "tone in {with} of {n} frames"
        );
        assert_eq!(wrong, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_lossy_slow_link_the_call_connects_and_the_tone_gets_through() {
    let turn = coturn().await;
    // Every datagram alike, DTLS handshake included, both ways.
    let lose: Lose = Arc::new(|_, _| rand::rng().random_bool(0.05));
    let lossy = impairment_proxy(
        SocketAddr::from(([127, 0, 0, 1], turn.port)),
        lose,
        Duration::from_millis(80),
    )
    .await;
    // Peer a reaches coturn only through the impaired link.
    let pair = connect(turn_config(lossy.port(), 1), turn_config(turn.port, 2)).await;
    eprintln!("lossy relay call set up in {:?}", pair.setup);

    tokio::time::sleep(Duration::from_millis(1000)).await;
    let window = Instant::now();
    let span = Duration::from_secs(4);
    tokio::time::sleep(span).await;
    let expected = (span.as_millis() / 20) as usize;
    for (who, log, tone, own) in [
        ("a", &pair.heard_by_a, B_TONE, A_TONE),
        ("b", &pair.heard_by_b, A_TONE, B_TONE),
    ] {
        let (with, wrong, n) = tally(log, window, tone, own);
        eprintln!("{who}: tone in {with} of {expected} expected frames ({n} arrived or rebuilt)");
        // Against the frames that should have arrived, not just those that did.
        assert!(
            with * 100 >= expected * 85,
            "{who}: tone in {with} of {expected} expected frames ({n} arrived)"
        );
        assert_eq!(wrong, 0);
    }

    // The call's own measurements see the link: about 5 % lost each way (random: ~15 of
    // ~300 packets, so the bound is loose), a round trip of at least the 2 × 80 ms of
    // added delay, and a MOS below a clean link's (4.4 on loopback).
    for (who, peer) in [("a", &pair.a), ("b", &pair.b)] {
        let stats = peer.stats().await;
        let loss = interval_loss(&Default::default(), &stats.received);
        let rtt = stats.rtt.expect("a round-trip time from RTCP");
        let q = quality(rtt, stats.received.jitter(), loss);
        eprintln!(
            "{who}: loss {loss:.3}, rtt {rtt:?}, jitter {:?}, {q:?}",
            stats.received.jitter()
        );
        assert!((0.01..0.12).contains(&loss), "{who}: loss {loss}");
        assert!(
            (Duration::from_millis(150)..Duration::from_millis(500)).contains(&rtt),
            "{who}: rtt {rtt:?}"
        );
        assert!(q.mos < 4.3, "{who}: {q:?}");
    }
}
