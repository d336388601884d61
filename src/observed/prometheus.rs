//! Prometheus range-query responses (`/api/v1/query_range`, as `curl` saves
//! them and Grafana's query inspector shows them): series of `[time, "value"]`
//! samples, checked in time order as they are read, so every error carries
//! the line and column.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::error::ObservedError;

/// One series of a range-query response: labels and samples in time order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Its labels (`__name__` included when the query kept it).
    pub labels: BTreeMap<String, String>,
    /// Its samples.
    pub samples: Vec<Sample>,
}

/// One sample: Unix time in seconds and the value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// Unix time, seconds.
    pub time_s: f64,
    /// The value (`NaN`, `+Inf` as Prometheus writes them).
    pub value: f64,
}

#[derive(Deserialize)]
struct Response {
    status: Status,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Status {
    Success,
    Error,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    _result_type: ResultType,
    result: Vec<RawSeries>,
}

/// Only a range query's `matrix`: an instant query's `vector` has one
/// sample per series, no time series to compare over.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ResultType {
    Matrix,
}

#[derive(Deserialize)]
struct RawSeries {
    metric: BTreeMap<String, String>,
    values: Samples,
}

/// `[[time, "value"], …]`, checked in time order as it is read, so an error
/// carries serde_json's line and column.
struct Samples(Vec<Sample>);

impl<'de> Deserialize<'de> for Samples {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(SamplesVisitor)
    }
}

struct SamplesVisitor;

impl<'de> Visitor<'de> for SamplesVisitor {
    type Value = Samples;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of [time, \"value\"] pairs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Samples, A::Error> {
        let mut samples: Vec<Sample> = Vec::new();
        while let Some((time_s, text)) = seq.next_element::<(f64, String)>()? {
            let value = parse_value(&text).ok_or_else(|| {
                de::Error::custom(format!(
                    "expected a sample value as a string such as \"0.5\", \"NaN\" or \"+Inf\", found \"{text}\""
                ))
            })?;
            if let Some(before) = samples.last()
                && time_s <= before.time_s
            {
                return Err(de::Error::custom(format!(
                    "timestamp {time_s} is not after the previous sample's {}: samples must be in time order",
                    before.time_s
                )));
            }
            samples.push(Sample { time_s, value });
        }
        Ok(Samples(samples))
    }
}

/// A sample value as Prometheus writes it (Go's float formatting).
pub(super) fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse().ok().filter(|x: &f64| x.is_finite()),
    }
}

/// Parses one range-query response (the contents of `path`).
pub fn parse_response(path: &Path, text: &str) -> Result<Vec<Series>, ObservedError> {
    if text.trim().is_empty() {
        return Err(ObservedError::at(
            path,
            1,
            1,
            "the file is empty: expected a Prometheus range-query response `{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",…}}`",
        ));
    }
    let response: Response = serde_json::from_str(text).map_err(|error| {
        let mut error = ObservedError::json(path, &error);
        // An instant query's `vector` is the likely mix-up: say which API to use.
        if let ObservedError::At { message, .. } = &mut error
            && message.ends_with("expected `matrix`")
        {
            message.push_str(" (a range query's result: `/api/v1/query_range`)");
        }
        error
    })?;
    if response.status == Status::Error {
        return Err(ObservedError::at(
            path,
            1,
            1,
            format!(
                "Prometheus answered an error ({}): {}",
                response.error_type.as_deref().unwrap_or("no type"),
                response.error.as_deref().unwrap_or("no message")
            ),
        ));
    }
    let Some(data) = response.data else {
        return Err(ObservedError::at(
            path,
            1,
            1,
            "no `data` in a successful response",
        ));
    };
    Ok(data
        .result
        .into_iter()
        .map(|raw| Series {
            labels: raw.metric,
            samples: raw.values.0,
        })
        .collect())
}

/// Line and column of the `index`-th series' `"metric"` key in `text`, so an
/// error about a series' labels points at them.
pub(super) fn series_position(text: &str, index: usize) -> (u64, u64) {
    let offset = text
        .match_indices("\"metric\"")
        .nth(index)
        .map_or(0, |(offset, _)| offset);
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}
