//! Trace export: with `otlp_endpoint` set, the real binary sends its spans over OTLP/HTTP (protobuf), here to a
//! receiver on loopback that decodes them with the exporter's own message types (no collector runs on these
//! machines), and a request's span carries the request's id. What is still buffered is sent when the server stops
//! on SIGTERM.

use crate::harness::{Instance, Server};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message as _;
use std::io::{Read as _, Write as _};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the receiver was sent: each request's path and body.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// An OTLP/HTTP receiver: every POSTed body kept, each answered 200 with an empty export response.
fn receiver() -> (String, Received) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let kept = kept.clone();
            std::thread::spawn(move || serve(stream, &kept));
        }
    });
    (base, bodies)
}

fn serve(mut stream: std::net::TcpStream, kept: &Mutex<Vec<(String, Vec<u8>)>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 8192];
    loop {
        // One request: the head, then Content-Length bytes of body (the exporter sends no chunked bodies).
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let path = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
        let length: usize = head
            .lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end..head_end + length].to_vec();
        buf.drain(..head_end + length);
        kept.lock().expect("lock").push((path, body));
        let reply = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n";
        if stream.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn spans_are_exported_over_otlp_with_the_request_id() {
    let (base, bodies) = receiver();
    let instance = Instance::new("otlp").await;
    let mut env = instance.env.clone();
    env.push(("MERIDIAN_OTLP_ENDPOINT".to_owned(), format!("{base}/v1/traces")));
    let mut server = Server::start(&env, instance.dir.path().join("server.log")).await;
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/satellites/catalog/status", server.base))
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let status = server.terminate();
    assert!(status.success(), "a graceful stop: {status}\n{}", server.log_tail());

    let bodies = bodies.lock().expect("lock").clone();
    assert!(!bodies.is_empty(), "nothing exported:\n{}", server.log_tail());
    let mut request_spans = Vec::new();
    for (path, body) in &bodies {
        assert_eq!(path, "/v1/traces");
        let export = ExportTraceServiceRequest::decode(body.as_slice()).expect("an OTLP trace export");
        for resource in &export.resource_spans {
            let service = resource
                .resource
                .as_ref()
                .and_then(|r| r.attributes.iter().find(|a| a.key == "service.name").and_then(|a| a.value.clone()));
            assert_eq!(service.and_then(|v| v.value), Some(AnyValue::StringValue("meridian".into())));
            for scope in &resource.scope_spans {
                request_spans.extend(scope.spans.iter().filter(|s| s.name == "request").cloned());
            }
        }
    }
    let ours = request_spans.iter().find(|s| {
        s.attributes.iter().any(|a| {
            a.key == "request_id"
                && a.value.as_ref().and_then(|v| v.value.clone()) == Some(AnyValue::StringValue("trace-me-1".into()))
        })
    });
    let span = ours.unwrap_or_else(|| panic!("no request span with the request id among {request_spans:?}"));
    assert_eq!(span.trace_id.len(), 16);
    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
}
