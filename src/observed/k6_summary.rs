//! k6's end-of-test summary as JSON, in either of its shapes:
//!
//! - `handleSummary(data)`'s `data` (written with `JSON.stringify`): each
//!   metric `{"type":"trend","contains":"time","values":{"avg":…,"med":…,
//!   "p(95)":…}}` (`exportMetric` / `summarizeMetrics` in grafana/k6
//!   internal/js/summary.go);
//! - `k6 run --summary-export=FILE` (the legacy export): each metric's
//!   values directly, `{"avg":…,"p(95)":…}`, a rate's as `value`
//!   (`expectedOldJSONExportResult` in internal/js/summary_test.go).
//!
//! Totals over the whole test, ramp-up included, as Locust's `*_stats.csv`.
//! Percentiles are those of `summaryTrendStats`: by default avg, min, med,
//! max, p(90), p(95) (no p(99) unless the script asks for it).

use std::path::Path;

use serde_json::{Map, Value};

use super::error::ObservedError;
use super::input::Input;
use super::noise::{FigureNoise, QuantileTable};
use super::{Figures, Format, Load, Observed, Window};

/// The latency of successful requests: k6 adds this submetric itself (since 0.31).
const SUCCESS_DURATION: &str = "http_req_duration{expected_response:true}";

/// Reads the summary; a `window` is an error (it holds totals, no time).
pub fn parse(input: Input<'_>, window: Window) -> Result<Observed, ObservedError> {
    let path = input.path();
    if window.is_set() {
        return Err(ObservedError::MismatchHint {
            message: format!(
                "{}: k6's end-of-test summary holds totals over the whole test, so it cannot be cut to a window ({})",
                path.display(),
                window.describe()
            ),
            hint: "compare the samples k6 writes with `--out csv=FILE` or `--out json=FILE` with the same window".into(),
        });
    }
    let summary: Value = serde_json::from_reader(input.open()?)
        .map_err(|error| ObservedError::json(path, &error))?;
    let Some(metrics) = summary.get("metrics").and_then(Value::as_object) else {
        return Err(ObservedError::at(
            path,
            1,
            1,
            "no `metrics` object: expected k6's summary (`--summary-export`, or `handleSummary`'s data)",
        ));
    };
    let Some(requests) = metric(metrics, "http_reqs") else {
        return Err(missing(path, "http_reqs", "the test made no HTTP requests"));
    };
    let (count, rate) = (number(requests, "count"), number(requests, "rate"));
    let (Some(count), Some(rate)) = (count, rate) else {
        let absent = if count.is_none() { "count" } else { "rate" };
        return Err(ObservedError::Nothing {
            path: path.to_path_buf(),
            message: format!(
                "`metrics.http_reqs` in the k6 summary has no `{absent}`: expected its `count` and `rate`"
            ),
        });
    };
    let mut notes = vec![
        "k6's summary covers the whole test, ramp-up included: the samples of `--out csv` or `--out json` give a window at the full population".to_string(),
    ];
    let duration = match metric(metrics, SUCCESS_DURATION) {
        Some(values) => Some(values),
        None => {
            let all = metric(metrics, "http_req_duration");
            if all.is_some() {
                notes.push(format!(
                    "no `{SUCCESS_DURATION}` in the summary: latencies include failed requests"
                ));
            }
            all
        }
    };
    let error_rate = metric(metrics, "http_req_failed")
        .and_then(|failed| number(failed, "rate").or_else(|| number(failed, "value")));
    let figures = figures(count, rate, error_rate, duration, &mut notes);
    if let Some(users) = metric(metrics, "vus").and_then(|vus| number(vus, "max")) {
        notes.push(format!("k6 ran up to {users} virtual users"));
    }
    Ok(Observed {
        path: path.to_path_buf(),
        format: Format::K6,
        figures,
        classes: Default::default(),
        utilization: Default::default(),
        tier_throughput_rps: Default::default(),
        load: Load::AsModelled,
        window: "the whole test (k6's end-of-test summary, ramp-up included)".into(),
        notes,
    })
}

/// The figures of `count` requests at `rate` per second.
fn figures(
    count: f64,
    rate: f64,
    error_rate: Option<f64>,
    duration: Option<&Map<String, Value>>,
    notes: &mut Vec<String>,
) -> Figures {
    let get = |name: &str| duration.and_then(|d| number(d, name));
    let p99_ms = get("p(99)");
    if duration.is_some() && p99_ms.is_none() {
        notes.push(
            "no p(99) in the summary: add `p(99)` to the script's `summaryTrendStats`".into(),
        );
    }
    let failures = count * error_rate.unwrap_or(0.0);
    // A table of the quantiles the summary gives, for their noise.
    let levels = [
        (0.0, "min"),
        (0.5, "med"),
        (0.9, "p(90)"),
        (0.95, "p(95)"),
        (0.99, "p(99)"),
        (1.0, "max"),
    ];
    let table = QuantileTable::new(
        levels
            .iter()
            .filter_map(|&(level, name)| Some((level, get(name)?)))
            .collect(),
    );
    Figures {
        throughput_rps: Some(rate * (1.0 - error_rate.unwrap_or(0.0))),
        mean_ms: get("avg"),
        p50_ms: get("med"),
        p95_ms: get("p(95)"),
        p99_ms,
        error_rate,
        noise: FigureNoise::of_counts(
            count,
            failures,
            (rate > 0.0).then(|| count / rate),
            table.as_ref(),
            get("avg"),
        ),
    }
}

/// A metric's values, in either shape (`values` inside, or directly).
fn metric<'a>(metrics: &'a Map<String, Value>, name: &str) -> Option<&'a Map<String, Value>> {
    let entry = metrics.get(name)?.as_object()?;
    match entry.get("values").and_then(Value::as_object) {
        Some(values) => Some(values),
        None => Some(entry),
    }
}

fn number(values: &Map<String, Value>, name: &str) -> Option<f64> {
    values.get(name)?.as_f64().filter(|x| x.is_finite())
}

fn missing(path: &Path, metric: &str, why: &str) -> ObservedError {
    ObservedError::Nothing {
        path: path.to_path_buf(),
        message: format!("no `metrics.{metric}` in the k6 summary: {why}"),
    }
}
