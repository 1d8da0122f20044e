//! Observability: a request id on every request (an incoming `X-Request-Id` kept when it is sane, else ours; sent
//! back, on every log line of the request, and carried into the jobs it queues), the access log through `tracing`
//! (so `log_format = "json"` applies), Prometheus metrics (requests by route and status with latency histograms,
//! in-flight requests; job runs, queue depth and age, storage by tier, the database pool), and the metrics
//! listener `GET /metrics` on its own address, for `serve` and `worker` alike.

use crate::config::LogFormat;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use meridian_service::Services;
use meridian_service::observe::{is_request_id, with_request_id};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tracing::Instrument as _;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Connections the metrics listener serves at once.
const MAX_SCRAPERS: usize = 8;
/// A rendering of the metrics is reused this long.
const RENDER_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Histogram buckets (seconds), from a fast API call to a long job.
const BUCKETS: [f64; 14] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// The process's metrics recorder (installed on first use).
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed already; /metrics stays empty");
        }
        // Histogram samples are folded into their buckets at upkeep: every few seconds, scraped or not (without it
        // they would pile up in memory while nobody scrapes).
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(5));
                upkeep.run_upkeep();
            }
        });
        metrics::gauge!("meridian_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        // Counters a dashboard plots from the start, not from their first increment.
        for limiter in ["public", "accounts"] {
            metrics::counter!("meridian_rate_limited_total", "limiter" => limiter).absolute(0);
        }
        handle
    })
}

/// Sets up logging once: `filter` is an `EnvFilter` directive such as `info`.
pub fn init_tracing(filter: &str, format: LogFormat) {
    drop(init_tracing_with(filter, format, ""));
}

/// Holds the trace exporter while the process runs; dropping it sends the spans still buffered.
#[derive(Debug, Default)]
pub struct TraceExport(Option<opentelemetry_sdk::trace::SdkTracerProvider>);

impl Drop for TraceExport {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("sending the last traces failed: {e}");
        }
    }
}

/// Logging, and when `otlp_endpoint` is set (`http://collector:4318/v1/traces`), every span (requests, jobs and
/// what they call) exported over OTLP/HTTP as well. Once per process.
pub fn init_tracing_with(filter: &str, format: LogFormat, otlp_endpoint: &str) -> TraceExport {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let (text, json) = match format {
        LogFormat::Text => (Some(tracing_subscriber::fmt::layer().with_target(false)), None),
        // Every enclosing span's fields (request_id, a job's kind and id, and those of the spans inside them) on
        // every line, flat.
        LogFormat::Json => (None, Some(crate::json_log::layer(std::io::stdout))),
    };
    let (provider, otel) = match trace_provider(otlp_endpoint.trim()) {
        Ok(Some(provider)) => {
            use opentelemetry::trace::TracerProvider as _;
            let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("meridian"));
            (Some(provider), Some(layer))
        }
        Ok(None) => (None, None),
        Err(e) => {
            eprintln!("otlp_endpoint: {e}; traces are not exported");
            (None, None)
        }
    };
    let _ = tracing_subscriber::registry().with(filter).with(text).with(json).with(otel).try_init();
    if provider.is_some() {
        // Not the URL: it may hold credentials.
        tracing::info!("exporting traces over OTLP/HTTP (otlp_endpoint)");
    }
    TraceExport(provider)
}

fn trace_provider(endpoint: &str) -> anyhow::Result<Option<opentelemetry_sdk::trace::SdkTracerProvider>> {
    use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
    if endpoint.is_empty() {
        return Ok(None);
    }
    let url = url_of(endpoint)?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .with_timeout(std::time::Duration::from_secs(10))
        .with_headers(std::collections::HashMap::new())
        .build()?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("meridian")
        .with_attribute(opentelemetry::KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(Some(
        opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build(),
    ))
}

/// An OTLP endpoint must be an http(s) URL.
fn url_of(endpoint: &str) -> anyhow::Result<String> {
    if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
        Ok(endpoint.to_owned())
    } else {
        anyhow::bail!("not an http:// or https:// URL")
    }
}

fn new_request_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The request's route for the metrics: the pattern it matched (`/api/v1/workspaces/{slug}/datasets`), so the
/// label set stays bounded whatever paths clients send.
fn route_of(res: &ServiceResponse<impl MessageBody>) -> String {
    res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned())
}

/// The request's method for the metrics: the standard ones by name, anything else `other` (a client may send any
/// token as a method, and each distinct label value would be a new series kept for ever).
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts a request in flight while alive: a request whose future is dropped (the client went away, a shutdown
/// timed out) is counted out too.
struct InFlight(metrics::Gauge);

impl InFlight {
    fn start() -> Self {
        let gauge = metrics::gauge!("meridian_http_requests_in_flight");
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// The middleware: request id, access log line, metrics.
pub async fn observe_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_request_id(v))
        .map_or_else(new_request_id, str::to_owned);
    let method = method_label(req.method());
    let quiet = matches!(req.path(), "/healthz" | "/readyz");
    let line = crate::request_line_for_log(&req);
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let in_flight = InFlight::start();
    let result = with_request_id(id.clone(), next.call(req).instrument(span.clone())).await;
    drop(in_flight);
    let seconds = started.elapsed().as_secs_f64();
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let route = route_of(&res);
            metrics::counter!("meridian_http_requests_total", "method" => method, "route" => route.clone(),
                "status" => status.to_string())
            .increment(1);
            metrics::histogram!("meridian_http_request_duration_seconds", "method" => method, "route" => route)
                .record(seconds);
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            if !quiet {
                tracing::info!(status, ms = (seconds * 1000.0).round(), request = %line, "request");
            }
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(error = %e, request = %line, "request failed");
            Err(e)
        }
    }
}

/// Updates the figures read from the database and renders every metric in Prometheus's text format.
pub async fn render(services: &Services) -> String {
    let handle = metrics();
    match services.instance_figures().await {
        Ok(figures) => {
            for q in &figures.queue {
                let kind = q.kind.clone();
                #[expect(clippy::cast_precision_loss, reason = "a count for a gauge")]
                {
                    metrics::gauge!("meridian_jobs_waiting", "kind" => kind.clone()).set(q.waiting as f64);
                    metrics::gauge!("meridian_jobs_running", "kind" => kind.clone()).set(q.running as f64);
                }
                metrics::gauge!("meridian_jobs_oldest_waiting_seconds", "kind" => kind).set(q.oldest_due_secs);
            }
            // Kinds with nothing queued any more read 0, not their last value.
            for kind in meridian_service::jobs::KINDS {
                if !figures.queue.iter().any(|q| q.kind == *kind) {
                    metrics::gauge!("meridian_jobs_waiting", "kind" => *kind).set(0.0);
                    metrics::gauge!("meridian_jobs_running", "kind" => *kind).set(0.0);
                    metrics::gauge!("meridian_jobs_oldest_waiting_seconds", "kind" => *kind).set(0.0);
                }
            }
            for (tier, bytes) in ["hot", "cool", "cold"].into_iter().zip(figures.storage_bytes) {
                #[expect(clippy::cast_precision_loss, reason = "bytes for a gauge")]
                metrics::gauge!("meridian_storage_bytes", "tier" => tier).set(bytes as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e.chain(), "reading the queue and storage figures for /metrics failed"),
    }
    if let Some(pool) = services.pool_use() {
        let in_use = pool.open.saturating_sub(pool.idle);
        metrics::gauge!("meridian_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
        metrics::gauge!("meridian_db_pool_connections", "state" => "in_use").set(f64::from(in_use));
        metrics::gauge!("meridian_db_pool_max").set(f64::from(pool.max));
    }
    handle.run_upkeep();
    handle.render()
}

/// Binds the metrics listener (a taken address stops start-up, like the main one).
pub async fn bind_metrics(bind: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    use anyhow::Context as _;
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding metrics.bind {bind}"))?;
    tracing::info!(%bind, "metrics on /metrics");
    metrics();
    Ok(listener)
}

/// Serves `GET /metrics` (and `GET /healthz`, a liveness check that needs no database) until the process ends: a
/// minimal HTTP/1.1 responder (one request per connection), so the worker, which runs no web server, has them too.
pub async fn serve_metrics(listener: tokio::net::TcpListener, services: Services) {
    // At most a few scrapers at once (more are turned away at once), and one rendering per couple of seconds
    // whoever asks: the figures read the database.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_SCRAPERS));
    // Connections open at once, whatever they ask (a probe's is answered without the database).
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(2 * MAX_SCRAPERS));
    let cache: std::sync::Arc<tokio::sync::Mutex<Option<(Instant, String)>>> = std::sync::Arc::default();
    loop {
        let (mut stream, _) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "metrics listener: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        // A liveness probe must not wait behind scrapers (a render can wait on a database that is down, which
        // must not restart the process): without a scraper's slot it is still answered, and only it.
        let permit = permits.clone().try_acquire_owned().ok();
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let cache = cache.clone();
        let services = services.clone();
        tokio::spawn(async move {
            let mut head = Vec::with_capacity(1024);
            let mut buf = [0_u8; 1024];
            // The request head, at most 8 KiB, within 5 s.
            let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return false,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                true
            })
            .await;
            if !matches!(read, Ok(true)) {
                return;
            }
            let line = head.split(|b| *b == b'\r').next().unwrap_or_default();
            let liveness = line.starts_with(b"GET /healthz ") || line == b"GET /healthz";
            if permit.is_none() && !liveness {
                return;
            }
            let (status, body) = if liveness {
                // Liveness of a worker (which has no web server): the process answers; no database involved.
                ("200 OK", "ok\n".to_owned())
            } else if line.starts_with(b"GET /metrics ") || line == b"GET /metrics" {
                let mut cached = cache.lock().await;
                let fresh = cached.as_ref().filter(|(at, _)| at.elapsed() < RENDER_EVERY).map(|(_, text)| text.clone());
                let text = match fresh {
                    Some(text) => text,
                    None => {
                        let text = render(&services).await;
                        *cached = Some((Instant::now(), text.clone()));
                        text
                    }
                };
                ("200 OK", text)
            } else {
                ("404 Not Found", "GET /metrics or /healthz\n".to_owned())
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
            drop((permit, slot));
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_from_outside_are_kept_only_when_sane() {
        use meridian_service::observe::is_request_id as ok;
        assert!(ok("3f2a9c1e-7b44-4e0a-9d1a-5b2c8e6f0a11"));
        assert!(ok("req_01HZX.42:a"));
        assert!(!ok(""));
        assert!(!ok(&"a".repeat(65)));
        assert!(!ok("x\nforged log line"));
        assert!(!ok("a b"));
    }
}
