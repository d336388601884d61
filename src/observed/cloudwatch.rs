//! The output of `aws cloudwatch get-metric-data` (JSON, the AWS CLI's
//! default output): `{"MetricDataResults": [{"Id", "Label", "Timestamps",
//! "Values", "StatusCode"}], "Messages": []}` (CloudWatch API Reference,
//! `GetMetricData` and `MetricDataResult`). Timestamps come newest first
//! (`ScanBy` `TimestampDescending`, the default), written by the CLI as
//! ISO 8601 with an offset (`2024-05-01T12:05:00+00:00`); each value
//! covers the period that starts at its timestamp.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::Deserialize;

use super::error::ObservedError;
use super::input::io_error;

/// One `MetricDataResult`, its points in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct Result {
    /// `Id`, as the query named it.
    pub id: String,
    /// `(seconds since 1970, value)`, oldest first.
    pub points: Vec<(f64, f64)>,
    /// False when `StatusCode` is `PartialData` (more pages behind a `NextToken`).
    pub complete: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    metric_data_results: Vec<RawResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", try_from = "RawFields")]
struct RawResult(Result);

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawFields {
    id: String,
    timestamps: Vec<Timestamp>,
    values: Vec<f64>,
    #[serde(default)]
    status_code: Option<String>,
}

/// A timestamp read, seconds since 1970; serde reports a bad one with its position.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Timestamp(f64);

impl TryFrom<String> for Timestamp {
    type Error = String;

    fn try_from(text: String) -> std::result::Result<Self, String> {
        let (seconds, nanos) = crate::trace::parse_rfc3339(&text).ok_or_else(|| {
            format!("expected a time such as 2024-05-01T12:05:00+00:00, found `{text}`")
        })?;
        Ok(Timestamp(seconds as f64 + f64::from(nanos) / 1e9))
    }
}

impl TryFrom<RawFields> for RawResult {
    type Error = String;

    fn try_from(raw: RawFields) -> std::result::Result<Self, String> {
        if raw.timestamps.len() != raw.values.len() {
            return Err(format!(
                "result `{}` has {} `Timestamps` but {} `Values`: expected one value a timestamp",
                raw.id,
                raw.timestamps.len(),
                raw.values.len()
            ));
        }
        let mut points: Vec<(f64, f64)> = raw
            .timestamps
            .iter()
            .map(|t| t.0)
            .zip(raw.values.iter().copied())
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(RawResult(Result {
            id: raw.id,
            points,
            complete: raw.status_code.as_deref() != Some("PartialData"),
        }))
    }
}

/// Reads a `get-metric-data` output file, streamed through serde.
pub fn read_output(path: &Path) -> std::result::Result<Vec<Result>, ObservedError> {
    let file = File::open(path).map_err(|source| io_error(path, source))?;
    let output: Output = serde_json::from_reader(BufReader::new(file))
        .map_err(|error| ObservedError::json(path, &error))?;
    Ok(output
        .metric_data_results
        .into_iter()
        .map(|r| r.0)
        .collect())
}
