//! The relay rig shared by the media tests: Debian's coturn on a loopback port, ICE
//! configuration exactly as the server hands it out, and an impaired link (loss, delay:
//! a userspace proxy, since this kernel has no netem) between one peer and the relay.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use switchboard_media::{IceServer, PeerConfig};
use switchboard_server::rtc::{RtcSettings, config_for};
use tokio::net::UdpSocket;

const SECRET: &str = "turn-test-secret";

/// A coturn on a free loopback port, stopped on drop.
pub struct Coturn {
    child: Child,
    pub port: u16,
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

pub async fn coturn() -> Coturn {
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
pub fn turn_config(turn_port: u16, user_id: i64) -> PeerConfig {
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

/// The datagram a client and its TURN server exchange for one peer datagram: the payload
/// of TURN ChannelData, or the DATA attribute of a Send/Data indication; `None` for TURN's
/// own messages.
pub fn relayed_payload(packet: &[u8]) -> Option<&[u8]> {
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

/// Decides, per datagram and direction, whether the link loses it.
pub type Lose = Arc<dyn Fn(Direction, &[u8]) -> bool + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ToTurn,
    FromTurn,
}

/// One end of an impaired link: the address a peer sends to instead of the relay's, and
/// the bytes the link has carried (after its losses) each way.
pub struct Link {
    pub addr: SocketAddr,
    pub to_turn: Arc<AtomicU64>,
    pub from_turn: Arc<AtomicU64>,
}

impl Link {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Bytes carried so far: (towards the relay, from the relay).
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.to_turn.load(Ordering::Relaxed),
            self.from_turn.load(Ordering::Relaxed),
        )
    }
}

/// Forwards UDP between one client and `upstream`, delaying every datagram by `delay`
/// and dropping those `lose` picks, both ways.
pub async fn impairment_proxy(upstream: SocketAddr, lose: Lose, delay: Duration) -> Link {
    shaped_proxy(upstream, lose, delay, None).await
}

/// A narrow way out: what the client sends towards the relay drains through a queue at
/// `kbps`, as a home or office uplink does; a datagram that would wait longer than
/// `buffer` in it is dropped (the buffer is full).
#[derive(Clone, Copy, Debug)]
pub struct Bottleneck {
    pub kbps: u32,
    pub buffer: Duration,
}

/// `impairment_proxy` with a `bottleneck` on the way to the relay.
pub async fn shaped_proxy(
    upstream: SocketAddr,
    lose: Lose,
    delay: Duration,
    bottleneck: Option<Bottleneck>,
) -> Link {
    let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("bind"));
    let back = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("bind"));
    back.connect(upstream).await.expect("connect upstream");
    let link = Link {
        addr: front.local_addr().expect("addr"),
        to_turn: Arc::default(),
        from_turn: Arc::default(),
    };
    let client: Arc<tokio::sync::Mutex<Option<SocketAddr>>> = Arc::default();
    let (f, b, c, lose_up) = (front.clone(), back.clone(), client.clone(), lose.clone());
    let carried = link.to_turn.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        // When the bottleneck's queue has drained all it holds.
        let mut free_at = tokio::time::Instant::now();
        while let Ok((n, from)) = f.recv_from(&mut buf).await {
            *c.lock().await = Some(from);
            if lose_up(Direction::ToTurn, &buf[..n]) {
                continue;
            }
            let mut leaves = tokio::time::Instant::now();
            if let Some(neck) = bottleneck {
                let start = free_at.max(leaves);
                if start - leaves > neck.buffer {
                    continue; // the queue is full
                }
                free_at =
                    start + Duration::from_secs_f64(n as f64 * 8.0 / f64::from(neck.kbps) / 1000.0);
                leaves = free_at;
            }
            carried.fetch_add(n as u64, Ordering::Relaxed);
            let (b, packet) = (b.clone(), buf[..n].to_vec());
            tokio::spawn(async move {
                tokio::time::sleep_until(leaves + delay).await;
                let _ = b.send(&packet).await;
            });
        }
    });
    let carried = link.from_turn.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok(n) = back.recv(&mut buf).await {
            let Some(to) = *client.lock().await else {
                continue;
            };
            if lose(Direction::FromTurn, &buf[..n]) {
                continue;
            }
            carried.fetch_add(n as u64, Ordering::Relaxed);
            let (f, packet) = (front.clone(), buf[..n].to_vec());
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = f.send_to(&packet, to).await;
            });
        }
    });
    link
}
