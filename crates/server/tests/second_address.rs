//! Limits per network address, seen from a second address: a network namespace joined to
//! this one by a veth pair, as a teammate's machine on the office network would be. The
//! clients there are real processes (curl, and Python opening WebSockets by hand); the
//! server listens on every address, so 127.0.0.1 (never limited) sees it too.
//!
//! Needs root and `ip netns`: ignored in plain `cargo test`, run by scripts/test.

use crate::common;
#[path = "../../../tests/support/netns.rs"]
mod netns;

use netns::SecondAddress;

use reqwest::StatusCode;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use switchboard_server::{Server, ServerConfig};

/// A server on every address (plain HTTP: this is a private link), with accounts.
async fn server_on_all_addresses(
    names: &[&str],
    tune: impl FnOnce(&mut ServerConfig),
) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ServerConfig::new(dir.path().to_path_buf());
    config.database = common::fresh_database();
    tune(&mut config);
    common::seed_users(&config, names);
    let any = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
    let server = Server::bind(any, config).await.expect("server");
    (server, dir)
}

/// Wrong passwords from one address, each for another name: after thirty the address
/// waits (429, `Retry-After`), while sign-ins from another address go on, and the
/// right password there still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root and ip netns: run by scripts/test"]
async fn one_address_trying_many_names_waits_and_others_do_not() {
    let peer = SecondAddress::new();
    let (server, _dir) = server_on_all_addresses(&["alice", "bob"], |_| {}).await;
    let port = server.local_addr().port();
    let remote = format!("http://{}:{port}", peer.host);
    let mut statuses = Vec::new();
    for n in 0..40 {
        let body = format!(r#"{{"username":"name{n}","password":"wrong password"}}"#);
        let out = peer.run(
            "curl",
            &[
                "-s",
                "-o",
                "/dev/null",
                "-D",
                "-",
                "-H",
                "Content-Type: application/json",
                "-d",
                &body,
                &format!("{remote}/api/login/"),
            ],
        );
        let head = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0);
        if status == 429 {
            assert!(head.contains("retry-after:"), "{head}");
        }
        statuses.push(status);
    }
    let first_wait = statuses.iter().position(|s| *s == 429);
    assert!(
        first_wait.is_some_and(|n| n >= 30),
        "thirty wrong names are free, then the address waits: {statuses:?}"
    );
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    // Another address (this machine's own) is not held up, for any name.
    let local = format!("http://127.0.0.1:{port}");
    let anon = common::Client::anonymous_at(&local);
    let (s, _) = anon
        .post(
            "/api/login/",
            serde_json::json!({"username": "name3", "password": "wrong password"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    common::login_at(&local, "alice").await;
    server.shutdown().await.expect("shutdown");
}

/// Python opening WebSocket upgrades by hand from the second address: one per token,
/// all held open until the last answer; prints each status code.
const OPEN_SOCKETS: &str = r#"
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
held = []
for pair in sys.argv[3:]:
    user, token = pair.split(":", 1)
    s = socket.create_connection((host, port), timeout=10)
    s.sendall((f"GET /api/ws/{user}/?token={token} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    print(head.split()[1].decode())
    held.append(s)
"#;

/// Sockets per address: three from the second address over three accounts, the fourth
/// refused with 429 whoever's it is; from loopback the same account opens more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root and ip netns: run by scripts/test"]
async fn one_address_holds_at_most_its_socket_cap() {
    let peer = SecondAddress::new();
    let (server, _dir) = server_on_all_addresses(&["ann", "ben", "cat", "dan"], |c| {
        c.sockets_per_address = 3;
    })
    .await;
    let port = server.local_addr().port();
    let local = format!("http://127.0.0.1:{port}");
    let mut pairs = Vec::new();
    for name in ["ann", "ben", "cat", "dan"] {
        let client = common::login_at(&local, name).await;
        pairs.push(format!(
            "{}:{}",
            client.id,
            client.token.clone().unwrap_or_default()
        ));
    }
    let mut args = vec![
        "-c".to_owned(),
        OPEN_SOCKETS.to_owned(),
        peer.host.to_string(),
        port.to_string(),
    ];
    args.extend(pairs.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = peer.run("python3", &args);
    let codes = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        codes.split_whitespace().collect::<Vec<_>>(),
        ["101", "101", "101", "429"],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Loopback is never capped: dan (refused above) connects from here.
    let dan = common::login_at(&local, "dan").await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(common::ws::notifications(&dan).await);
    }
    drop(held);
    server.shutdown().await.expect("shutdown");
}
