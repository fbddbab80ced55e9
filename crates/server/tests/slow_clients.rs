//! Connections that never finish a request head are closed, whether they send nothing
//! or a byte now and then (slowloris), and so are kept-alive connections left idle; a
//! client that sends its requests within the limit is served on one connection as long
//! as it likes. The limit counts from the accept or from the previous answer.

use crate::common::{TestServer, while_time_stands_still};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The servers here give a connection this long to send a request's head.
const LIMIT: Duration = Duration::from_secs(3);

async fn start() -> (TestServer, String) {
    let server = TestServer::start_in_simulated_time(&[], |c| c.request_head_timeout = LIMIT).await;
    let authority = server.url.trim_start_matches("http://").to_owned();
    (server, authority)
}

/// Whether the peer has closed `stream`, without waiting: end of file (or a reset) is
/// closed; nothing to read yet is open.
fn closed(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 256];
    match stream.try_read(&mut buf) {
        Ok(0) => true,
        Ok(n) => panic!(
            "unexpected bytes from the server: {}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
        Err(_) => true,
    }
}

/// Waits (at most half a simulated second) for the server to close `stream`.
async fn closes(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    matches!(
        tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// One `GET /api/health/` on `stream`: the answer's status line.
async fn health(stream: &mut TcpStream, authority: &str) -> String {
    while_time_stands_still(async {
        let request = format!("GET /api/health/ HTTP/1.1\r\nHost: {authority}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("sent");
        let mut answer = Vec::new();
        let mut buf = [0u8; 1024];
        // The head, then as many bytes as it says the body has.
        loop {
            let n = stream.read(&mut buf).await.expect("read");
            assert_ne!(n, 0, "the server closed the connection mid-answer");
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .expect("a content-length");
                if answer.len() >= end + 4 + length {
                    return text.lines().next().unwrap_or_default().to_owned();
                }
            }
        }
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_never_finishes_a_request_head_is_closed() {
    let (server, authority) = start().await;
    let addr = authority.clone();
    let connect = || async { while_time_stands_still(TcpStream::connect(addr.clone())).await };
    let silent = connect().await.expect("connects");
    let mut dribbling = connect().await.expect("connects");
    dribbling
        .write_all(b"GET /api/health/ HTTP/1.1\r\n")
        .await
        .expect("sent");
    // A header byte every half second keeps it busy, but never finishes the head: the
    // limit counts from the accept, not from the last byte.
    let started = tokio::time::Instant::now();
    let half_second = Duration::from_millis(500);
    while started.elapsed() < LIMIT - half_second {
        tokio::time::sleep(half_second).await;
        dribbling.write_all(b"X").await.expect("sent");
    }
    assert!(
        !closed(&silent),
        "the silent connection is still open before the limit"
    );
    assert!(!closed(&dribbling), "so is the dribbling one");
    while started.elapsed() < LIMIT + half_second {
        tokio::time::sleep(half_second).await;
        // Refused once the server has closed it.
        let _ = dribbling.write_all(b"X").await;
    }
    let mut silent = silent;
    assert!(
        closes(&mut silent).await,
        "the silent connection is closed at the limit"
    );
    assert!(closes(&mut dribbling).await, "and so is the dribbling one");
    // The server still serves everyone else.
    let mut fresh = connect().await.expect("connects");
    assert_eq!(health(&mut fresh, &authority).await, "HTTP/1.1 200 OK");
    drop(server);
}

#[tokio::test(start_paused = true)]
async fn a_kept_alive_connection_lives_while_used_and_closes_when_idle() {
    let (server, authority) = start().await;
    let mut stream = while_time_stands_still(TcpStream::connect(authority.clone()))
        .await
        .expect("connects");
    // Requests a little under the limit apart, on one connection, for three limits.
    let started = tokio::time::Instant::now();
    while started.elapsed() < LIMIT * 3 {
        assert_eq!(health(&mut stream, &authority).await, "HTTP/1.1 200 OK");
        tokio::time::sleep(LIMIT - Duration::from_secs(1)).await;
    }
    assert_eq!(health(&mut stream, &authority).await, "HTTP/1.1 200 OK");
    tokio::time::sleep(LIMIT + Duration::from_millis(500)).await;
    assert!(
        closes(&mut stream).await,
        "a connection idle past the limit is closed"
    );
    drop(server);
}
