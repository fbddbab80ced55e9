//! The connection loop: axum's `serve`, narrowed to HTTP/1.1. axum serves through
//! hyper-util's protocol detection, which (with HTTP/2 compiled in by other crates of
//! the tree) first reads the 24 bytes of HTTP/2's preface on every connection and then
//! hands them back through a wrapper: a read more per connection, for a protocol this
//! server does not offer. Everything else is as axum does it: each request carries the
//! peer's address (`ConnectInfo`), upgrades (WebSockets) are served, and a shutdown
//! stops accepting, asks every connection to finish its request in flight and waits for
//! them. Unlike axum's, each connection has a time limit for sending a request's head
//! (hyper enforces it only with a timer, which axum does not give it): without one, a
//! client that connects and sends nothing, or a header byte a minute, holds its
//! connection, task and descriptor for as long as it likes. The same holds for a body
//! sent a byte at a time, so each request also carries a deadline for its body
//! ([`BodyDeadline`], which the body reader applies), and a stop waits at most
//! [`STOP_GRACE`] for requests in flight before it closes what is left.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::Response;
use axum::serve::Listener;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tower::{Service, ServiceExt};

/// How long a stop waits for requests in flight before it closes their connections.
/// With the head and body limits no request should need it; it bounds what they do not
/// cover (a handler stuck, an answer to a client that does not read it).
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// The time limits of one connection's requests.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// For a request's head, from the accept or the previous answer.
    pub head: Duration,
    /// For a request's body, from the end of its head.
    pub body: Duration,
}

/// When a request's body must have arrived in full, in the request's extensions. Set
/// when its head has been read; the body reader answers 408 past it.
#[derive(Clone, Copy, Debug)]
pub struct BodyDeadline(pub Instant);

/// Serves `app` on the connections `listener` accepts until `shutdown` resolves, then
/// lets each open connection finish its request in flight, for up to [`STOP_GRACE`],
/// and returns once all have closed. Upgraded connections (WebSockets) are the caller's
/// to close. A connection that has not sent a whole request head `limits.head` after the
/// accept, or after its previous answer, is closed.
pub async fn serve<L, A>(
    mut listener: L,
    app: A,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    L: Listener<Addr = SocketAddr>,
    A: Service<axum::http::Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    A::Future: Send + 'static,
{
    // Sent (dropped) once the shutdown begins; each connection watches it.
    let (stopping, stop_seen) = watch::channel(());
    // Dropped once the grace is over: connections still open then are closed.
    let (giving_up, give_up_seen) = watch::channel(());
    // Each connection holds a receiver: once all are dropped, all have closed.
    let (all_closed, open) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        tokio::spawn(serve_connection(
            io,
            peer,
            app.clone(),
            limits,
            Stop {
                begun: stop_seen.clone(),
                grace_over: give_up_seen.clone(),
            },
            open.clone(),
        ));
    }
    drop(listener);
    drop(stop_seen);
    drop(give_up_seen);
    drop(stopping);
    drop(open);
    if tokio::time::timeout(STOP_GRACE, all_closed.closed())
        .await
        .is_err()
    {
        tracing::warn!(
            open = all_closed.receiver_count(),
            "closing connections whose requests did not finish within the stop's grace"
        );
        drop(giving_up);
        all_closed.closed().await;
    }
}

/// What a connection watches to stop: each fires when its sender is dropped.
struct Stop {
    /// The server is stopping: finish the request in flight, then close.
    begun: watch::Receiver<()>,
    /// The grace for that is over: close now.
    grace_over: watch::Receiver<()>,
}

async fn serve_connection<I, A>(
    io: I,
    peer: SocketAddr,
    app: A,
    limits: Limits,
    mut stop: Stop,
    _open: watch::Receiver<()>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    A: Service<axum::http::Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    A::Future: Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        // Sign-in throttles and socket quotas count per address.
        request.extensions_mut().insert(ConnectInfo(peer));
        let deadline = BodyDeadline(Instant::now() + limits.body);
        request.extensions_mut().insert(deadline);
        app.clone().oneshot(request.map(Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.head)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    let mut connection = pin!(connection);
    let finished = tokio::select! {
        finished = connection.as_mut() => finished,
        // Err: the sender is gone, which is the signal.
        _ = stop.begun.changed() => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                finished = connection.as_mut() => finished,
                _ = stop.grace_over.changed() => Ok(()),
            }
        }
    };
    match finished {
        Err(e) if e.is_timeout() => {
            tracing::debug!(%peer, "connection closed: no request head within the time limit");
        }
        Err(e) => tracing::trace!(%peer, error = %e, "connection ended with an error"),
        Ok(()) => {}
    }
}
