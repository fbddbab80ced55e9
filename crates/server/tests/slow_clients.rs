//! Connections that never finish a request head are closed, whether they send nothing
//! or a byte now and then (slowloris), and so are kept-alive connections left idle; a
//! client that sends its requests within the limit is served on one connection as long
//! as it likes. The limit counts from the accept or from the previous answer. A body
//! has its own limit, from the end of the head, and a stop waits only so long for a
//! request in flight.

use crate::common::{TestServer, while_time_stands_still};
use std::time::Duration;
use switchboard_server::connections::STOP_GRACE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The servers here give a connection this long to send a request's head.
const LIMIT: Duration = Duration::from_secs(3);

async fn start() -> (TestServer, String) {
    let server = TestServer::start_in_simulated_time(&[], |c| c.request_head_timeout = LIMIT).await;
    let authority = server.url.trim_start_matches("http://").to_owned();
    (server, authority)
}

/// A connection to the server at `authority`.
async fn connect(authority: &str) -> TcpStream {
    while_time_stands_still(TcpStream::connect(authority))
        .await
        .expect("connects")
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

/// Everything `stream` reads until the server closes it, and whether it did (end of file
/// or a reset) with no new byte for half a simulated second.
async fn read_until_closed(stream: &mut TcpStream) -> (bool, Vec<u8>) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return (true, seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => return (false, seen),
        }
    }
}

/// Whether the server has sent something on `stream` (or closed it) within half a
/// simulated second: checked before [`answer`], which would wait for ever.
async fn answered(stream: &TcpStream) -> bool {
    tokio::time::timeout(Duration::from_millis(500), stream.readable())
        .await
        .is_ok()
}

/// One `GET /api/health/` on `stream`: the answer's status line.
async fn health(stream: &mut TcpStream, authority: &str) -> String {
    let request = format!("GET /api/health/ HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    while_time_stands_still(stream.write_all(request.as_bytes()))
        .await
        .expect("sent");
    answer(stream).await.0
}

/// The next answer on `stream`: its status line and its body.
async fn answer(stream: &mut TcpStream) -> (String, String) {
    while_time_stands_still(async {
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
                    let status = text.lines().next().unwrap_or_default().to_owned();
                    return (status, text[end + 4..].to_owned());
                }
            }
        }
    })
    .await
}

/// Sends `byte` on `stream` every half second until `until`.
async fn dribble(stream: &mut TcpStream, byte: u8, until: tokio::time::Instant) {
    while tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stream.write_all(&[byte]).await.expect("sent");
    }
}

/// Sends the head of a sign-in whose body is announced as `length` bytes, and the body's
/// first byte.
async fn begin_sign_in(stream: &mut TcpStream, authority: &str, length: usize) {
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {authority}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{"
    );
    while_time_stands_still(stream.write_all(head.as_bytes()))
        .await
        .expect("sent");
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_never_finishes_a_request_head_is_closed() {
    let (server, authority) = start().await;
    let silent = connect(&authority).await;
    let mut dribbling = connect(&authority).await;
    dribbling
        .write_all(b"GET /api/health/ HTTP/1.1\r\n")
        .await
        .expect("sent");
    // A header byte every half second keeps it busy, but never finishes the head: the
    // limit counts from the accept, not from the last byte.
    let started = tokio::time::Instant::now();
    let half_second = Duration::from_millis(500);
    dribble(&mut dribbling, b'X', started + LIMIT - half_second).await;
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
    let mut fresh = connect(&authority).await;
    assert_eq!(health(&mut fresh, &authority).await, "HTTP/1.1 200 OK");
    drop(server);
}

#[tokio::test(start_paused = true)]
async fn a_kept_alive_connection_lives_while_used_and_closes_when_idle() {
    let (server, authority) = start().await;
    let mut stream = connect(&authority).await;
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

#[tokio::test(start_paused = true)]
async fn a_body_sent_too_slowly_is_answered_408_and_its_connection_closed() {
    // Longer than the head's limit: the body has its own.
    const BODY_LIMIT: Duration = Duration::from_secs(5);
    let server = TestServer::start_in_simulated_time(&[], |c| {
        c.request_head_timeout = LIMIT;
        c.request_body_timeout = BODY_LIMIT;
    })
    .await;
    let authority = server.url.trim_start_matches("http://").to_owned();
    // One stops sending before the limit, the other is still sending past it.
    let mut stream = connect(&authority).await;
    let mut sending = connect(&authority).await;
    begin_sign_in(&mut stream, &authority, 100).await;
    begin_sign_in(&mut sending, &authority, 100).await;
    // A byte every half second: never 100 of them before the limit.
    let started = tokio::time::Instant::now();
    let half_second = Duration::from_millis(500);
    while started.elapsed() < BODY_LIMIT - half_second {
        tokio::time::sleep(half_second).await;
        stream.write_all(b" ").await.expect("sent");
        sending.write_all(b" ").await.expect("sent");
    }
    assert!(
        !closed(&stream) && !closed(&sending),
        "the connections are open, unanswered, until the body's limit"
    );
    while started.elapsed() < BODY_LIMIT + half_second {
        tokio::time::sleep(half_second).await;
        // Refused once the server has closed it.
        let _ = sending.write_all(b" ").await;
    }
    assert!(answered(&stream).await, "answered at the body's limit");
    let (status, body) = answer(&mut stream).await;
    assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    assert!(
        body.contains(r#""error":"The request body did not arrive in time"#),
        "the answer says what went wrong: {body}"
    );
    assert!(
        closes(&mut stream).await,
        "the connection, its body unread, is closed"
    );
    // Closed too; the 408 may be lost to the reset that closing with bytes unread sends.
    let (closed_at_last, seen) = read_until_closed(&mut sending).await;
    assert!(closed_at_last, "the connection still sending is closed");
    assert!(
        seen.is_empty() || seen.starts_with(b"HTTP/1.1 408 "),
        "and it read nothing or the 408: {}",
        String::from_utf8_lossy(&seen)
    );
    // A body that arrives in time is read as usual.
    let mut prompt = connect(&authority).await;
    begin_sign_in(&mut prompt, &authority, 2).await;
    while_time_stands_still(prompt.write_all(b"]"))
        .await
        .expect("sent");
    let (status, body) = answer(&mut prompt).await;
    assert_eq!(status, "HTTP/1.1 400 Bad Request", "{body}");
    assert!(body.contains("not valid JSON"), "{body}");
    drop(server);
}

#[tokio::test(start_paused = true)]
async fn a_stop_lets_requests_in_flight_finish_but_waits_only_so_long() {
    let mut server = TestServer::start_in_simulated_time(&[], |_| {}).await;
    let authority = server.url.trim_start_matches("http://").to_owned();
    let mut finishing = connect(&authority).await;
    let mut stalled = connect(&authority).await;
    begin_sign_in(&mut finishing, &authority, 2).await;
    begin_sign_in(&mut stalled, &authority, 100).await;
    let mut idle = connect(&authority).await;
    assert_eq!(health(&mut idle, &authority).await, "HTTP/1.1 200 OK");
    // Let both heads be read before the stop begins.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopped_at = tokio::time::Instant::now();
    let instance = server.server.take().expect("a server");
    let stopping = tokio::spawn(async move {
        instance.shutdown().await.expect("stops");
        stopped_at.elapsed()
    });
    // The idle connection is closed at once; the stop waits for the two in flight.
    assert!(closes(&mut idle).await, "an idle connection closes at once");
    tokio::time::sleep(Duration::from_secs(2)).await;
    while_time_stands_still(finishing.write_all(b"]"))
        .await
        .expect("sent");
    assert!(
        answered(&finishing).await,
        "the finished request is answered"
    );
    let (status, _) = answer(&mut finishing).await;
    assert_eq!(
        status, "HTTP/1.1 400 Bad Request",
        "answered during the stop"
    );
    assert!(
        closes(&mut finishing).await,
        "and closed once answered: the server is stopping"
    );
    assert!(
        !closed(&stalled),
        "the stalled request still holds its connection"
    );
    let took = stopping.await.expect("the stop's task");
    assert!(
        took >= STOP_GRACE && took < STOP_GRACE + Duration::from_secs(1),
        "the stop waited its grace ({STOP_GRACE:?}) for the stalled request, not its body's 60 s: {took:?}"
    );
    assert!(closes(&mut stalled).await, "and then closed it");
}
