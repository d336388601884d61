//! k6's results, in the three files it writes (k6 documentation,
//! "Results output"; checked against grafana/k6's `internal/output/csv`,
//! `internal/output/json` and `internal/js/summary.go`):
//!
//! - `k6 run --out csv=FILE`: a row per metric sample (`k6_csv`);
//! - `k6 run --out json=FILE`: the same samples as JSON lines (`k6_json`);
//! - `k6 run --summary-export=FILE`, or `handleSummary`'s `data` written
//!   with `JSON.stringify`: the end-of-test totals (`k6_summary`).
//!
//! Each HTTP request is one `http_req_duration` sample (ms), stamped with
//! the request's end (`Time: tr.EndTime`, lib/netext/httpext/tracer.go)
//! and tagged with `expected_response` (false for a failure, by default a
//! status outside 200–399) and `name` (the URL, unless the script names
//! it): so the samples give real percentiles, classes and errors. The `vus`
//! gauge, sampled every second, gives the users of a closed load test.

pub use crate::trace::k6::{bad_time, time_s};

use super::error::ObservedError;
use super::input::Input;
use super::requests;
use super::{Format, Observed, Window};

/// What a k6 file of samples holds, for the message about one without requests.
const SAMPLES: &str =
    "k6 `http_req_duration` samples (`k6 run --out csv=FILE` or `--out json=FILE`)";

/// Reads a k6 file: its CSV or JSON samples, or its end-of-test summary.
pub fn parse(input: Input<'_>, head: &str, window: Window) -> Result<Observed, ObservedError> {
    match kind(head) {
        Kind::Csv => requests::reduce(input, Format::K6, super::k6_csv::read, window, SAMPLES),
        Kind::Json => requests::reduce(input, Format::K6, super::k6_json::read, window, SAMPLES),
        Kind::Summary => super::k6_summary::parse(input, window),
    }
}

/// The three k6 files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Json,
    Summary,
}

/// Which k6 file `head` (the start of a file) is, if it is one: the CSV
/// header, a JSON line of type `Metric` or `Point`, or a summary's `metrics`.
pub fn looks_like(head: &str) -> Option<Kind> {
    let start = head.trim_start_matches('\u{feff}').trim_start();
    let first_line = start.lines().next().unwrap_or("");
    if first_line.starts_with("metric_name,timestamp,metric_value") {
        Some(Kind::Csv)
    } else if first_line.starts_with('{')
        && (first_line.contains(r#""type":"Metric""#) || first_line.contains(r#""type":"Point""#))
    {
        Some(Kind::Json)
    } else if start.starts_with('{')
        && start.contains(r#""metrics""#)
        && [
            "root_group",
            "http_reqs",
            "http_req_duration",
            "iterations",
            "vus",
        ]
        .iter()
        .any(|name| start.contains(&format!("\"{name}\"")))
    {
        Some(Kind::Summary)
    } else {
        None
    }
}

fn kind(head: &str) -> Kind {
    // Given `--format k6`, a file that looks like none of the three is read
    // as the summary, whose errors (JSON, with a position) say most.
    looks_like(head).unwrap_or(if head.trim_start().starts_with('{') {
        Kind::Summary
    } else {
        Kind::Csv
    })
}

/// Whether a request failed, from its `expected_response` tag (k6 ≥ 0.31),
/// else its `status` (k6's default expectation: 200–399; `0`, no response).
pub fn failed(expected_response: Option<&str>, status: Option<&str>) -> Option<bool> {
    match expected_response {
        Some("true") => Some(false),
        Some("false") => Some(true),
        _ => {
            let status: u16 = status?.parse().ok()?;
            Some(!(200..400).contains(&status))
        }
    }
}

/// The message for an `http_req_duration` sample that says neither whether
/// it failed nor its status.
pub const NO_OUTCOME: &str = "an `http_req_duration` sample without an `expected_response` or `status` tag: capsim cannot tell a failure (keep k6's default `systemTags`)";
