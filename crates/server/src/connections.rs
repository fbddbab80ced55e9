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
//! sent a byte at a time, so each request's body ends with [`BodyTooSlow`] once its
//! deadline passes, whoever reads it, and a stop waits at most [`STOP_GRACE`] for
//! requests in flight before it closes what is left.

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::response::Response;
use axum::serve::Listener;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tower::{Service, ServiceExt};

/// How long a stop waits for requests in flight before it closes their connections,
/// cancelling any handler still running (a write it handed to the store still commits;
/// what it would have done after, such as telling the sockets, does not). With the head
/// and body limits no request should need it; it bounds what they do not cover (a stuck
/// handler, an answer larger than the kernel's send buffer to a client that does not
/// read it).
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// The time limits of one connection's requests.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// For a request's head, from the accept or the previous answer.
    pub head: Duration,
    /// For a request's body, from the end of its head.
    pub body: Duration,
}

/// The error a request body ends with once its deadline has passed: the body reader
/// (`http::body::JsonObject`) answers 408 for it.
#[derive(Debug)]
pub struct BodyTooSlow;

impl std::fmt::Display for BodyTooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive within its time limit")
    }
}

impl std::error::Error for BodyTooSlow {}

/// A request body with a deadline for all of it, counted from when the head was read.
/// tower-http's `RequestBodyTimeout` restarts its timer at every frame, which a byte
/// now and then would pass.
struct DeadlineBody {
    inner: Incoming,
    /// `None`: no limit (a deadline past what the clock can count).
    deadline: Option<Instant>,
    /// Made the first time the body has to wait for bytes: most bodies have arrived
    /// with their head, and never need a timer.
    timer: Option<Pin<Box<Sleep>>>,
}

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        let Some(deadline) = self.deadline else {
            return Poll::Pending;
        };
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTooSlow)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `app` on the connections `listener` accepts until `shutdown` resolves, then
/// lets each open connection finish its request in flight, for up to [`STOP_GRACE`],
/// and returns once all have closed. Upgraded connections (WebSockets) are the caller's
/// to close. A connection that has not sent a whole request head `limits.head` after the
/// accept, or after its previous answer, is closed; a request's body has `limits.body`
/// from the end of its head.
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
            "closing connections still busy when the stop's grace ran out"
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
        let deadline = Instant::now().checked_add(limits.body);
        app.clone().oneshot(request.map(|inner| {
            Body::new(DeadlineBody {
                inner,
                deadline,
                timer: None,
            })
        }))
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
