//! `k6 run --out json=FILE`: one JSON object a line, `{"type":"Metric",…}`
//! the first time a metric is seen, then `{"type":"Point","data":{"time":
//! "2021-02-24T13:37:10Z","value":1,"tags":{…}},"metric":"…"}` per sample
//! (`sampleEnvelope` and `metricEnvelope` in grafana/k6
//! internal/output/json/wrapper.go; times are Go's `time.Time` in JSON,
//! RFC 3339 with nanoseconds).

use std::io::BufRead;
use std::path::Path;

use crate::trace::k6::Envelope;

use super::error::ObservedError;
use super::input::TextLines;
use super::k6;
use super::requests::Recorded;

/// Reads every `http_req_duration` and `vus` point, in file order.
pub fn read(
    path: &Path,
    input: &mut dyn BufRead,
    visit: &mut dyn FnMut(Recorded<'_>),
) -> Result<(), ObservedError> {
    let mut lines = TextLines::new(path, input);
    while let Some((line, text)) = lines.next_line()? {
        let envelope: Envelope = serde_json::from_str(text).map_err(|error| {
            let at = ObservedError::json(path, &error);
            match at {
                ObservedError::At {
                    column, message, ..
                } => ObservedError::at(path, line, column, message),
                other => other,
            }
        })?;
        let metric = envelope.metric.as_deref().unwrap_or("");
        if envelope.kind != "Point" || !(metric == "http_req_duration" || metric == "vus") {
            continue;
        }
        let at = |message: String| ObservedError::at(path, line, 1, message);
        let data = envelope.data.ok_or_else(|| {
            at(format!("a `{metric}` point without `data`: expected {{\"time\":…,\"value\":…,\"tags\":{{…}}}}"))
        })?;
        let time = data.time.as_deref().unwrap_or("");
        let at_s =
            k6::time_s(time).ok_or_else(|| at(format!("`data.time`: {}", k6::bad_time(time))))?;
        let value = data
            .value
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| at(format!("a `{metric}` point needs a `data.value` ≥ 0")))?;
        if metric == "vus" {
            let users = value.round().min(f64::from(u32::MAX)) as u32;
            visit(Recorded::Users { at_s, users });
            continue;
        }
        let tags = data.tags.as_ref();
        let failed = k6::failed(
            tags.and_then(|t| t.expected_response.as_deref()),
            tags.and_then(|t| t.status.as_deref()),
        )
        .ok_or_else(|| at(k6::NO_OUTCOME.to_string()))?;
        visit(Recorded::Request {
            at_s,
            latency_ms: Some(value),
            failed,
            class: tags
                .and_then(|t| t.name.as_deref())
                .filter(|n| !n.is_empty()),
        });
    }
    Ok(())
}
