//! What k6's outputs share: its time stamps, and a line of `--out json`
//! (`{"type":"Point","data":{"time":…,"value":…,"tags":{…}},"metric":"…"}`,
//! `sampleEnvelope` in grafana/k6 internal/output/json/wrapper.go), read by
//! the observation (`observed::k6_json`) and by trace replay alike.

use serde::Deserialize;

/// A k6 time as its outputs write it: the CSV's Unix time in seconds (the
/// default `time_format`), milliseconds, microseconds or nanoseconds (told
/// apart by their digits), or RFC 3339 (the CSV's `rfc3339`, the JSON's).
pub fn time_s(text: &str) -> Option<f64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let value: f64 = text.parse().ok()?;
        let per_second = match text.len() {
            0..=11 => 1.0,
            12..=14 => 1e3,
            15..=17 => 1e6,
            _ => 1e9,
        };
        return Some(value / per_second);
    }
    let (seconds, nanos) = super::parse_rfc3339(text)?;
    Some(seconds as f64 + f64::from(nanos) / 1e9)
}

/// As [`time_s`], in whole nanoseconds since 1970, exactly (no float).
pub fn time_ns(text: &str) -> Option<u64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let value: u64 = text.parse().ok()?;
        let ns_per_unit: u64 = match text.len() {
            0..=11 => 1_000_000_000,
            12..=14 => 1_000_000,
            15..=17 => 1_000,
            _ => 1,
        };
        return value.checked_mul(ns_per_unit);
    }
    let (seconds, nanos) = super::parse_rfc3339(text)?;
    u64::try_from(seconds)
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(u64::from(nanos))
}

/// The message for a time that is none of k6's formats.
pub fn bad_time(text: &str) -> String {
    format!(
        "expected a time as k6 writes it (Unix seconds such as 1614173830, or RFC 3339 such as 2021-02-24T13:37:10Z), found `{text}`"
    )
}

/// One line, with only the fields read.
#[derive(Deserialize)]
pub struct Envelope {
    /// `Metric` or `Point`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    /// The metric's name (`http_req_duration`, `vus`, …).
    pub metric: Option<String>,
    #[serde(default)]
    /// A point's sample.
    pub data: Option<Data>,
}

/// A point's `data`.
#[derive(Deserialize)]
pub struct Data {
    #[serde(default)]
    /// RFC 3339, to the nanosecond.
    pub time: Option<String>,
    #[serde(default)]
    /// The sample (ms for `http_req_duration`).
    pub value: Option<f64>,
    #[serde(default)]
    /// The sample's tags.
    pub tags: Option<Tags>,
}

/// The tags read.
#[derive(Default, Deserialize)]
pub struct Tags {
    #[serde(default)]
    /// `true` or `false`: whether the response was the expected one.
    pub expected_response: Option<String>,
    #[serde(default)]
    /// The HTTP status.
    pub status: Option<String>,
    #[serde(default)]
    /// The request's name (its URL unless the script names it).
    pub name: Option<String>,
    #[serde(default)]
    /// The HTTP method.
    pub method: Option<String>,
    #[serde(default)]
    /// The URL requested.
    pub url: Option<String>,
}
