//! Accepting and serving HTTP/1 connections with limits a slow or greedy client cannot get
//! around (`axum::serve` sets none): a cap on open connections, a deadline for a request's
//! header (which also closes a keep-alive connection that sends nothing), an idle timeout for a
//! connection with no request running, and graceful shutdown. The request-body and whole-request
//! timeouts are layers of the router ([`crate::server`]).
//!
//! A response to a request whose body was not read to its end (a refusal before the handler
//! ran, a body over the limit) says `Connection: close`: the connection cannot carry another
//! request, and a client told so opens a new one instead of failing its next request on this.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, header};
use hyper::body::{Body as _, Bytes, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

use crate::config::HttpConfig;

/// Serves `app` on `listener` until `shutdown` resolves, then lets running requests finish and
/// returns once every connection has closed.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Past the cap, a new connection waits in the kernel's backlog until one closes.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let app = app.clone();
        let stop = stop_rx.clone();
        connections.spawn(async move {
            serve_one(stream, peer, app, limits, stop).await;
            drop(slot);
        });
        // Reap the connections that ended, so the set does not grow with every one served.
        while connections.try_join_next().is_some() {}
    }
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// One connection, until the client closes it, a timeout does, or shutdown.
async fn serve_one(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: HttpConfig,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let tracked = activity.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        // Handlers see the peer as with `into_make_service_with_connect_info`.
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        let running = tracked.start();
        let (parts, body) = req.into_parts();
        let (req, ended) = if body.is_end_stream() {
            (hyper::Request::from_parts(parts, Body::new(body)), None)
        } else {
            let ended = Arc::new(AtomicBool::new(false));
            let body = ReadToEnd {
                inner: body,
                ended: ended.clone(),
            };
            (
                hyper::Request::from_parts(parts, Body::new(body)),
                Some(ended),
            )
        };
        async move {
            let mut response = app
                .oneshot(req)
                .await
                .unwrap_or_else(|never| match never {});
            if ended.is_some_and(|ended| !ended.load(Ordering::Acquire)) {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            drop(running);
            Ok::<_, Infallible>(response)
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    let idle = idle_for(&activity, limits.idle_timeout);
    let mut idle = std::pin::pin!(idle);
    let closing = tokio::select! {
        result = connection.as_mut() => {
            log_end(result);
            return;
        }
        () = &mut idle => "idle",
        _ = stop.wait_for(|stopping| *stopping) => "shutdown",
    };
    tracing::debug!(%peer, reason = closing, "closing the connection");
    connection.as_mut().graceful_shutdown();
    log_end(connection.await);
}

/// A request body that records whether it was read to its end.
struct ReadToEnd {
    inner: Incoming,
    ended: Arc<AtomicBool>,
}

impl hyper::body::Body for ReadToEnd {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn log_end(result: Result<(), hyper::Error>) {
    if let Err(err) = result {
        // Timeouts and clients that go away end here; nothing for the operator to act on.
        tracing::debug!(error = %err, "connection ended with an error");
    }
}

/// Resolves once no request has run on the connection for `idle`.
async fn idle_for(activity: &Activity, idle: Duration) {
    loop {
        let last = activity.last();
        let deadline = last + idle;
        tokio::time::sleep_until(deadline).await;
        if activity.running() == 0 && activity.last() == last {
            return;
        }
        if activity.running() > 0 {
            // A long request: look again once it could have become idle.
            tokio::time::sleep(idle.min(Duration::from_secs(1))).await;
        }
    }
}

/// When the connection last finished a request, and how many run now.
struct Activity {
    running: AtomicUsize,
    last: std::sync::Mutex<Instant>,
}

impl Activity {
    fn new() -> Self {
        Self {
            running: AtomicUsize::new(0),
            last: std::sync::Mutex::new(Instant::now()),
        }
    }

    fn start(self: &Arc<Self>) -> Running {
        self.running.fetch_add(1, Ordering::SeqCst);
        Running(self.clone())
    }

    fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    fn last(&self) -> Instant {
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A request running on the connection; dropping it marks the connection active now.
struct Running(Arc<Activity>);

impl Drop for Running {
    fn drop(&mut self) {
        *self
            .0
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}
