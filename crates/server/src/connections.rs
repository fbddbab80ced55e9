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
//! connection, task and descriptor for as long as it likes.

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
use tower::{Service, ServiceExt};

/// Serves `app` on the connections `listener` accepts until `shutdown` resolves, then
/// lets each open connection finish its request in flight and returns once all have
/// closed. Upgraded connections (WebSockets) are the caller's to close. A connection
/// that has not sent a whole request head `head_timeout` after the accept, or after its
/// previous answer, is closed.
pub async fn serve<L, A>(
    mut listener: L,
    app: A,
    head_timeout: Duration,
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
            head_timeout,
            stop_seen.clone(),
            open.clone(),
        ));
    }
    drop(listener);
    drop(stop_seen);
    drop(stopping);
    drop(open);
    all_closed.closed().await;
}

async fn serve_connection<I, A>(
    io: I,
    peer: SocketAddr,
    app: A,
    head_timeout: Duration,
    mut stop: watch::Receiver<()>,
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
        app.clone().oneshot(request.map(Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    let mut connection = pin!(connection);
    let finished = tokio::select! {
        finished = connection.as_mut() => finished,
        // Err: the sender is gone, which is the signal.
        _ = stop.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
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
