//! Stopping without failing a request (a rolling update's SIGTERM).
//!
//! actix runs every HTTP worker on a tokio runtime of its own, and a database connection belongs to the runtime
//! that opened it (its socket is registered with that runtime's I/O driver). actix's own graceful stop ends each
//! worker as soon as *its* connections are done, so an idle worker's runtime could end while a busy worker was
//! still serving, and a pooled connection the idle worker had opened then failed inside the busy worker's request
//! (answered 503; scale-out phase 7 saw it in one run in 4 to 20). So the server handles the signal itself:
//!
//! 1. it stops taking connections at once: the listener is paused and shut (new connections are refused, ones the
//!    kernel had queued are reset unanswered; a load balancer sends both elsewhere);
//! 2. requests already taken go on, on every worker, and their responses say `Connection: close`;
//! 3. when no request is in flight on any worker (counted here, across workers, until each response's body is
//!    sent) and the in-process job worker has stopped, or when [`GRACE`] has passed, the server closes: a request
//!    that still arrives on a connection already open is answered 503 (`Retry-After`, `Connection: close`) without
//!    touching a pool; once those in flight at that moment are done, actix is told to stop.
//!
//! Only then does any worker's runtime end, so no request and no job is left using a connection whose runtime is
//! gone. (A request counts itself before it looks whether the server has closed, and the server closes before it
//! waits for the count the second time: each such request is either refused or waited for.)

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web;
use bytes::Bytes;

/// How long requests in flight may go on after SIGTERM before they are cut. With a second for a late request and
/// [`LINGER_SECS`] this bounds the stop: the chart's `web.terminationGracePeriodSeconds` must exceed
/// `web.preStopSleepSeconds` + 36 s.
pub const GRACE: Duration = Duration::from_secs(30);

/// How long actix waits, once nothing is in flight, for its connections to end (a response's last bytes still
/// being written; idle keep-alive connections are closed at once).
pub const LINGER_SECS: u64 = 5;

/// The count of requests in flight across all workers, and whether the server is stopping.
#[derive(Debug, Clone, Default)]
pub struct Drain(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    in_flight: AtomicUsize,
    stopping: AtomicBool,
    closed: AtomicBool,
    idle: tokio::sync::Notify,
}

impl Drain {
    /// Requests being served now (from the middleware's start until the response's body is sent or dropped).
    pub fn in_flight(&self) -> usize {
        self.0.in_flight.load(Ordering::SeqCst)
    }

    /// From now on every response closes its connection.
    pub fn begin(&self) {
        self.0.stopping.store(true, Ordering::SeqCst);
    }

    fn stopping(&self) -> bool {
        self.0.stopping.load(Ordering::SeqCst)
    }

    /// From now on a request is answered 503 without being served; then wait for [`Drain::idle`] once more.
    pub fn close(&self) {
        self.0.closed.store(true, Ordering::SeqCst);
    }

    fn closed(&self) -> bool {
        self.0.closed.load(Ordering::SeqCst)
    }

    /// Resolves when no request is in flight.
    pub async fn idle(&self) {
        loop {
            // Registered before the check, so a last request ending between the two still wakes this.
            let notified = self.0.idle.notified();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }

    fn start(&self) -> Guard {
        self.0.in_flight.fetch_add(1, Ordering::SeqCst);
        Guard(self.0.clone())
    }
}

/// One request in flight; counted down when dropped.
#[derive(Debug)]
struct Guard(Arc<Inner>);

impl Drop for Guard {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// The middleware: counts each request until its response's body has been sent, and while stopping asks the
/// client to close the connection (its next request then goes to a replica that is not stopping); once the server
/// has closed, answers 503 without serving. Wrap it outermost, with the [`Drain`] as app data.
pub async fn count_requests(
    drain: web::Data<Drain>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<Counted>, actix_web::Error> {
    // Counted first, then the flag read (see the module's note).
    let guard = drain.start();
    let mut res = if drain.closed() {
        let refused = meridian_http::problem::ApiError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this server is stopping; send the request again",
        )
        .retry_after(1);
        tracing::debug!(path = req.path(), "refused a request: the server is stopping");
        req.into_response(actix_web::ResponseError::error_response(&refused))
    } else {
        // (An `Err` from the services inside, which answer their errors as responses, passes through uncounted
        // and without `Connection: close`: the request is no longer at hand to make a response of it.)
        next.call(req).await?.map_into_boxed_body()
    };
    if drain.stopping() && !res.response().head().upgrade() {
        res.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    }
    Ok(res.map_body(|_, body| Counted { body, _guard: guard }))
}

/// A response body that holds its request's place in the count until it is sent or dropped.
#[derive(Debug)]
pub struct Counted {
    body: BoxBody,
    _guard: Guard,
}

impl MessageBody for Counted {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }

    /// A body already in memory is handed over whole: the request's work is done, and actix's own graceful stop
    /// waits for its connection while the bytes are written.
    fn try_into_bytes(self) -> Result<Bytes, Self> {
        let Counted { body, _guard } = self;
        body.try_into_bytes().map_err(|body| Counted { body, _guard })
    }
}

/// Binds the server's listener, keeping a second handle on the same socket so that [`Closer::close`] can stop it
/// taking connections while actix still runs (actix owns the first).
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<(std::net::TcpListener, Closer)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As actix binds: on Windows the flag would let a second process take the port.
    #[cfg(not(windows))]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    // actix's own backlog for the listeners it binds.
    socket.listen(1024)?;
    let listener = std::net::TcpListener::from(socket);
    let closer = Closer(listener.try_clone()?);
    Ok((listener, closer))
}

/// A second handle on the server's listening socket.
#[derive(Debug)]
pub struct Closer(std::net::TcpListener);

impl Closer {
    /// Stops the socket listening: on Linux, `shutdown` of a listening socket refuses new connections and resets
    /// the ones queued and not yet accepted. Call it after actix's accept loop has paused (it would otherwise be
    /// woken with an error it logs). Elsewhere it may fail; then new connections wait unanswered until the process
    /// exits.
    pub fn close(&self) {
        if let Err(e) = socket2::SockRef::from(&self.0).shutdown(std::net::Shutdown::Both) {
            tracing::debug!(error = %e, "could not shut the listening socket; new connections wait until the exit");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_waits_for_the_last_request_in_flight() {
        let drain = Drain::default();
        drain.idle().await;
        let (a, b) = (drain.start(), drain.start());
        assert_eq!(drain.in_flight(), 2);
        let waiting = tokio::spawn({
            let drain = drain.clone();
            async move { drain.idle().await }
        });
        drop(a);
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "one request is still in flight");
        drop(b);
        tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("idle after the last").expect("task");
        assert_eq!(drain.in_flight(), 0);
    }

    #[actix_web::test]
    async fn while_stopping_answers_close_their_connection_and_once_closed_requests_are_refused() {
        use actix_web::{App, HttpResponse, test};
        let drain = Drain::default();
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(drain.clone()))
                .wrap(actix_web::middleware::from_fn(count_requests))
                .route("/ok", web::get().to(|| async { HttpResponse::Ok().body("served") }))
                .route(
                    "/err",
                    web::get().to(|| async { Err::<HttpResponse, _>(actix_web::error::ErrorBadRequest("no")) }),
                ),
        )
        .await;
        let res = test::call_service(&app, test::TestRequest::get().uri("/ok").to_request()).await;
        assert_eq!(res.status(), 200);
        assert!(res.response().head().connection_type() != ConnectionType::Close, "kept alive normally");
        assert_eq!(drain.in_flight(), 1, "counted until the body is sent");
        assert_eq!(test::read_body(res).await, "served");
        assert_eq!(drain.in_flight(), 0);

        drain.begin();
        for uri in ["/ok", "/err", "/missing"] {
            let res = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(res.response().head().connection_type(), ConnectionType::Close, "{uri} closes");
        }
        drain.close();
        let res = test::call_service(&app, test::TestRequest::get().uri("/ok").to_request()).await;
        assert_eq!(res.status(), 503, "not served once closed");
        assert_eq!(res.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
        assert_eq!(res.response().head().connection_type(), ConnectionType::Close);
        drop(res);
        assert_eq!(drain.in_flight(), 0);
    }

    #[test]
    fn a_closed_listener_refuses_new_connections_and_resets_queued_ones() {
        use std::io::Read as _;
        let (listener, closer) = listen("127.0.0.1:0".parse().expect("addr")).expect("listen");
        let addr = listener.local_addr().expect("addr");
        let mut queued = std::net::TcpStream::connect(addr).expect("a connection the kernel queues");
        closer.close();
        let mut buf = [0_u8; 1];
        assert!(
            matches!(queued.read(&mut buf), Err(_) | Ok(0)),
            "a queued connection is reset or closed, never answered"
        );
        assert!(std::net::TcpStream::connect(addr).is_err(), "new connections are refused");
    }
}
