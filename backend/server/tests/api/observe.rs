//! Observability through the real middleware: every response names its request (an incoming sane
//! `X-Request-Id` is kept, anything else replaced), the jobs a request queues carry its id, and the metrics count
//! requests by route pattern (never by raw path) and report the queue, storage and the database pool.

use crate::helpers::TestApp;
use actix_web::http::StatusCode;
use sea_orm::ConnectionTrait as _;
use serde_json::json;

#[actix_web::test]
async fn responses_name_their_request_and_jobs_carry_it() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.extra_headers.push(("x-request-id".into(), "req-observe-1".into()));
    let r = client
        .post(
            "/api/v1/accounts",
            json!({"email": "ada@example.org", "password": crate::helpers::PASSWORD, "display_name": "Ada"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.headers.get("x-request-id").and_then(|v| v.to_str().ok()), Some("req-observe-1"));

    // The confirmation mail's job names the request that queued it (and still reads as a job: it runs).
    let backend = app.conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT convert_from(job, 'UTF8') AS job FROM apalis.jobs",
        _ => "SELECT CAST(job AS TEXT) AS job FROM Jobs",
    };
    let rows = app.conn.query_all_raw(sea_orm::Statement::from_string(backend, sql)).await.expect("jobs");
    let jobs: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.try_get::<String>("", "job").expect("job")).expect("json"))
        .collect();
    let mail = jobs.iter().find(|j| j["kind"] == "send_mail").expect("a mail job");
    assert_eq!(mail["request_id"], "req-observe-1", "{mail}");
    app.run_jobs().await;
    assert_eq!(app.services.jobs().counts().await.expect("counts").failed, 0);

    // A forged id (a line break would forge a log line) is replaced by one of ours.
    let mut forger = app.client();
    forger.extra_headers.push(("x-request-id".into(), "x\tfake entry".into()));
    let r = forger.get("/api/v1/satellites/catalog/status").await;
    let id = r.headers.get("x-request-id").and_then(|v| v.to_str().ok()).expect("an id").to_owned();
    assert!(id != "x\tfake entry" && id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_report_the_instance() {
    // The recorder, as `serve` installs it at start when metrics are on (each test runs in its own process).
    meridian_server::observe::metrics();
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    app.run_jobs().await;
    app.sign_up("Bo", "bo@example.org").await;
    let r = owner.post("/api/v1/workspaces", json!({"slug": "obs-metrics", "name": "Obs"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for _ in 0..3 {
        assert_eq!(owner.get("/api/v1/workspaces/obs-metrics").await.status, StatusCode::OK);
    }
    assert_eq!(owner.get("/api/v1/workspaces/no-such-place").await.status, StatusCode::NOT_FOUND);
    // A made-up method is counted as `other`: clients cannot mint label values.
    let odd = actix_web::http::Method::from_bytes(b"XQ1").expect("a method token");
    owner.request(odd, "/api/v1/workspaces/obs-metrics", None, None).await;
    let text = meridian_server::observe::render(&app.services).await;
    assert!(!text.contains("XQ1") && text.contains(r#"method="other""#), "{text}");
    let line = |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).map(str::to_owned);
    let ok = line(r#"meridian_http_requests_total{method="GET",route="/api/v1/workspaces/{slug}",status="200"}"#);
    assert_eq!(ok.as_deref().and_then(|l| l.rsplit(' ').next()), Some("3"), "{text}");
    assert!(
        line(r#"meridian_http_requests_total{method="GET",route="/api/v1/workspaces/{slug}",status="404"}"#).is_some(),
        "{text}"
    );
    assert!(!text.contains("no-such-place") && !text.contains("obs-metrics"), "paths never become labels");
    assert!(line(r#"meridian_http_request_duration_seconds_bucket{method="GET",route="/api/v1/workspaces/{slug}",le="0.005"}"#).is_some(), "{text}");
    // Bo's confirmation mail waits (no worker ran since): the queue reports it.
    assert_eq!(
        line(r#"meridian_jobs_waiting{kind="send_mail"}"#).as_deref(),
        Some(r#"meridian_jobs_waiting{kind="send_mail"} 1"#),
        "{text}"
    );
    assert!(line(r#"meridian_storage_bytes{tier="hot"} "#).is_some(), "{text}");
    assert!(line("meridian_db_pool_max ").is_some(), "{text}");
    assert!(line(r#"meridian_build_info{version=""#).is_some(), "{text}");
}

/// The metrics listener (`metrics.bind`, the only HTTP a `meridian worker` serves): `/metrics` in Prometheus'
/// text format, `/healthz` for a liveness probe (the chart's worker pods use it), anything else 404.
#[actix_web::test]
async fn the_metrics_listener_serves_metrics_and_liveness() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    meridian_server::observe::metrics();
    let app = TestApp::new().await;
    let listener = meridian_server::observe::bind_metrics("127.0.0.1:0".parse().expect("address")).await.expect("bind");
    let address = listener.local_addr().expect("address");
    actix_web::rt::spawn(meridian_server::observe::serve_metrics(listener, app.services.clone()));
    let get = |path: &'static str| async move {
        let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
        stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("read");
        answer
    };
    let metrics = get("/metrics").await;
    assert!(metrics.starts_with("HTTP/1.1 200 OK\r\n"), "{metrics}");
    assert!(metrics.contains("meridian_build_info{"), "{metrics}");
    let live = get("/healthz").await;
    assert!(live.starts_with("HTTP/1.1 200 OK\r\n") && live.ends_with("\r\n\r\nok\n"), "{live}");
    let other = get("/readyz").await;
    assert!(other.starts_with("HTTP/1.1 404 Not Found\r\n"), "{other}");
}
