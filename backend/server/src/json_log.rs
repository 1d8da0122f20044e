//! `log_format = "json"`: one flat JSON object per line. The fields of every span the event is inside (outermost
//! first; an inner span's field wins over an outer one's of the same name) and then the event's own fields stand
//! at the top level beside `timestamp`, `level`, `target` and `span` (the innermost span's name), so a line
//! written deep inside a request (the mailer's `send` span inside the request's span) or a job still carries the
//! request's `request_id` and the job's kind and id where a log collector looks for them.
//! (tracing-subscriber's own JSON format shows only the innermost span's fields, or every span as a list.)

use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime as _, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The JSON log layer writing to `writer` (stdout in the server).
pub fn layer<S, W>(writer: W) -> impl tracing_subscriber::Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + 'static,
{
    tracing_subscriber::fmt::layer().fmt_fields(JsonFields::new()).event_format(FlatJson).with_writer(writer)
}

/// The event formatter of [`layer`].
#[derive(Debug)]
pub struct FlatJson;

impl<S> FormatEvent<S, JsonFields> for FlatJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = serde_json::Map::new();
        let mut timestamp = String::new();
        if SystemTime.format_time(&mut Writer::new(&mut timestamp)).is_ok() {
            line.insert("timestamp".into(), timestamp.into());
        }
        let meta = event.metadata();
        line.insert("level".into(), meta.level().as_str().into());
        line.insert("target".into(), meta.target().into());
        if let Some(scope) = ctx.event_scope() {
            let mut innermost = None;
            for span in scope.from_root() {
                let extensions = span.extensions();
                // JsonFields keeps each span's fields as the text of a JSON object.
                if let Some(fields) = extensions.get::<FormattedFields<JsonFields>>()
                    && let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(fields.as_str())
                {
                    line.extend(fields);
                }
                innermost = Some(span.name());
            }
            if let Some(name) = innermost {
                line.insert("span".into(), name.into());
            }
        }
        event.record(&mut Fields(&mut line));
        let text = serde_json::to_string(&serde_json::Value::Object(line)).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

/// An event's fields into the line (a field of a span with the same name is overwritten: the event's is nearer).
struct Fields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt as _;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines(buffer: &Buffer) -> Vec<serde_json::Value> {
        let bytes = buffer.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8(bytes)
            .expect("utf-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("every line is one JSON object"))
            .collect()
    }

    #[test]
    fn a_line_deep_inside_a_request_or_a_job_carries_every_enclosing_spans_fields() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::registry().with(layer(buffer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let request = tracing::info_span!("request", request_id = "req-7", route = "/api/v1/me");
            let _request = request.enter();
            let send = tracing::info_span!("send", kind = "verify_email", attempt = 2u64);
            let _send = send.enter();
            let error = std::io::Error::other("connection refused");
            tracing::warn!(error = &error as &dyn std::error::Error, "mail not sent \"yet\"");
            drop(_send);
            drop(_request);
            let job = tracing::info_span!("job", kind = "ingest", job_id = "01J", request_id = "req-8");
            job.in_scope(|| {
                tracing::info_span!("inner", kind = "fits").in_scope(|| tracing::info!(bytes = 42u64, "read"));
            });
            tracing::info!("outside every span");
        });
        let lines = lines(&buffer);
        assert_eq!(lines.len(), 3, "{lines:?}");
        let mail = &lines[0];
        assert_eq!(mail["request_id"], "req-7");
        assert_eq!(mail["route"], "/api/v1/me");
        assert_eq!(mail["kind"], "verify_email");
        assert_eq!(mail["attempt"], 2);
        assert_eq!(mail["span"], "send");
        assert_eq!(mail["level"], "WARN");
        assert_eq!(mail["message"], "mail not sent \"yet\"");
        assert_eq!(mail["error"], "connection refused");
        assert!(mail["timestamp"].as_str().is_some_and(|t| t.len() >= 20), "{mail}");
        let read = &lines[1];
        assert_eq!(read["request_id"], "req-8");
        assert_eq!(read["job_id"], "01J");
        assert_eq!(read["kind"], "fits", "the inner span's field wins");
        assert_eq!(read["bytes"], 42);
        assert_eq!(read["span"], "inner");
        let outside = &lines[2];
        assert!(outside.get("request_id").is_none() && outside.get("span").is_none(), "{outside}");
        assert_eq!(outside["message"], "outside every span");
    }
}
