//! Calls through Debian's coturn on 127.0.0.1, with TURN credentials minted by the server's
//! own `use-auth-secret` code: relay-only calls connect over a relay pair and carry audio,
//! also through a lossy link (5 % loss, 80 ms delay: a userspace proxy, since this kernel
//! has no netem), and when the DTLS handshake's last flights are lost.

mod common;

use common::{A_TONE, B_TONE, connect, tally};
use rand::Rng;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_media::quality::{interval_loss, quality};
use switchboard_media::{IceServer, PeerConfig};
use switchboard_server::rtc::{RtcSettings, config_for};
use tokio::net::UdpSocket;

const SECRET: &str = "turn-test-secret";

/// A coturn on a free loopback port, stopped on drop.
struct Coturn {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn coturn() -> Coturn {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_udp_port();
    let relay_base = 40_000 + (port % 200) * 100;
    let child = Command::new("turnserver")
        .args([
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            &format!("--listening-port={port}"),
            &format!("--min-port={relay_base}"),
            &format!("--max-port={}", relay_base + 99),
            "--use-auth-secret",
            &format!("--static-auth-secret={SECRET}"),
            "--realm=switchboard.test",
            // Only for tests: both peers and the relay share 127.0.0.1.
            "--allow-loopback-peers",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--fingerprint",
            "--no-stdout-log",
            &format!("--log-file={}", dir.path().join("turn.log").display()),
            &format!("--pidfile={}", dir.path().join("turn.pid").display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start turnserver (apt package coturn): {e}"));
    // Ready once it answers on its port: give it a moment.
    tokio::time::sleep(Duration::from_millis(700)).await;
    Coturn {
        child,
        port,
        _dir: dir,
    }
}

/// ICE config for `user_id`, exactly as `GET /api/rtc/config` would hand it out.
fn turn_config(turn_port: u16, user_id: i64) -> PeerConfig {
    let settings = RtcSettings {
        stun_urls: Vec::new(),
        turn_urls: vec![format!("turn:127.0.0.1:{turn_port}?transport=udp")],
        turn_secret: Some(SECRET.into()),
        turn_ttl: Duration::from_secs(600),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let config = config_for(&settings, user_id, now);
    PeerConfig {
        ice_servers: config
            .ice_servers
            .into_iter()
            .map(|s| IceServer {
                urls: s.urls,
                username: s.username,
                credential: s.credential,
            })
            .collect(),
        relay_only: true,
        include_loopback: true,
    }
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

/// The datagram a client and its TURN server exchange for one peer datagram: the payload
/// of TURN ChannelData, or the DATA attribute of a Send/Data indication; `None` for TURN's
/// own messages.
fn relayed_payload(packet: &[u8]) -> Option<&[u8]> {
    if packet.len() >= 4 && packet[0] & 0xC0 == 0x40 {
        return Some(&packet[4..]); // ChannelData: 4-byte header, then the datagram
    }
    let method = packet.get(..2).map(|m| u16::from_be_bytes([m[0], m[1]]));
    if !matches!(method, Some(0x0016) | Some(0x0017)) {
        return None; // not a Send or Data indication
    }
    let mut at = 20; // STUN header
    while at + 4 <= packet.len() {
        let kind = u16::from_be_bytes([packet[at], packet[at + 1]]);
        let len = usize::from(u16::from_be_bytes([packet[at + 2], packet[at + 3]]));
        if kind == 0x0013 {
            return packet.get(at + 4..); // DATA attribute
        }
        at += 4 + len.div_ceil(4) * 4;
    }
    None
}

/// Whether a relayed datagram starts with a DTLS ChangeCipherSpec record: the start of a
/// side's last handshake flight (ChangeCipherSpec, then Finished).
fn starts_last_dtls_flight(packet: &[u8]) -> bool {
    relayed_payload(packet).is_some_and(|inner| inner.first() == Some(&20))
}

/// Decides, per datagram and direction, whether the link loses it.
type Lose = Arc<dyn Fn(Direction, &[u8]) -> bool + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    ToTurn,
    FromTurn,
}

/// Forwards UDP between one client and `upstream`, delaying every datagram by `delay`
/// and dropping those `lose` picks, both ways.
async fn impairment_proxy(upstream: SocketAddr, lose: Lose, delay: Duration) -> SocketAddr {
    let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("bind"));
    let back = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("bind"));
    back.connect(upstream).await.expect("connect upstream");
    let addr = front.local_addr().expect("addr");
    let client: Arc<tokio::sync::Mutex<Option<SocketAddr>>> = Arc::default();
    let (f, b, c, lose_up) = (front.clone(), back.clone(), client.clone(), lose.clone());
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok((n, from)) = f.recv_from(&mut buf).await {
            *c.lock().await = Some(from);
            if lose_up(Direction::ToTurn, &buf[..n]) {
                continue;
            }
            let (b, packet) = (b.clone(), buf[..n].to_vec());
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = b.send(&packet).await;
            });
        }
    });
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok(n) = back.recv(&mut buf).await {
            let Some(to) = *client.lock().await else {
                continue;
            };
            if lose(Direction::FromTurn, &buf[..n]) {
                continue;
            }
            let (f, packet) = (front.clone(), buf[..n].to_vec());
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = f.send_to(&packet, to).await;
            });
        }
    });
    addr
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
