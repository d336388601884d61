//! Which format an observed file is in, told from its name and its first
//! kilobytes (a header, a first line, the keys of a JSON object), for
//! reading it when `--format` is not given and for saying, when it is given
//! wrongly, which format the file looks like.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::trace::{looks_like_alb, parse_access_log_line};

use super::error::ObservedError;
use super::k6;

/// Where observed metrics come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Locust's `*_stats.csv` or `*_stats_history.csv`.
    Locust,
    /// A config (JSON) naming Prometheus range-query responses per figure.
    Prometheus,
    /// The long CSV `time_s,metric,value,labels`.
    Csv,
    /// k6's `--out csv`, `--out json` or end-of-test summary JSON.
    K6,
    /// A JMeter results file (`.jtl`) in CSV.
    Jmeter,
    /// A config (JSON) naming the results of `aws cloudwatch get-metric-data`.
    Cloudwatch,
    /// An nginx access log with `$request_time`.
    Nginx,
    /// An AWS Application Load Balancer access log.
    Alb,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 8] = [
        Format::Locust,
        Format::Prometheus,
        Format::Csv,
        Format::K6,
        Format::Jmeter,
        Format::Cloudwatch,
        Format::Nginx,
        Format::Alb,
    ];

    /// The format a file's name and first characters show; `None` if none.
    pub fn looks_like(path: &Path, head: &str) -> Option<Format> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let start = head.trim_start_matches('\u{feff}').trim_start();
        let first_line = start.lines().next().unwrap_or("");
        if k6::looks_like(start).is_some() {
            Some(Format::K6)
        } else if first_line.starts_with("timeStamp,")
            || (first_line.contains("timeStamp") && first_line.contains(",elapsed"))
        {
            Some(Format::Jmeter)
        } else if name.ends_with("_stats.csv")
            || name.ends_with("_stats_history.csv")
            || start.starts_with("Type,Name,")
            || start.starts_with("Timestamp,User Count,")
        {
            Some(Format::Locust)
        } else if start.starts_with('{') {
            Some(json_format(start))
        } else if start.starts_with("time_s,") {
            Some(Format::Csv)
        } else if looks_like_alb(first_line) {
            Some(Format::Alb)
        } else if parse_access_log_line(first_line).is_ok() {
            Some(Format::Nginx)
        } else {
            None
        }
    }

    /// The format to read a file in when none is given: what it looks
    /// like, else the long CSV (whose errors then say what is missing).
    pub fn guess(path: &Path, text: &str) -> Format {
        Format::looks_like(path, text).unwrap_or(Format::Csv)
    }

    /// What a file of this format is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Locust => "a Locust CSV (`*_stats.csv` or `*_stats_history.csv`)",
            Format::Prometheus => "a Prometheus config (JSON naming range-query responses)",
            Format::Csv => "the long CSV (`time_s,metric,value,labels`)",
            Format::K6 => "k6 results (`--out csv`, `--out json`, or the summary JSON)",
            Format::Jmeter => "a JMeter results file (CSV `.jtl`)",
            Format::Cloudwatch => "a CloudWatch config (JSON naming `get-metric-data` results)",
            Format::Nginx => "an nginx access log with `$request_time`",
            Format::Alb => "an AWS ALB access log",
        }
    }
}

/// A JSON object's format: CloudWatch's (its config names a `cloudwatch`
/// file; its output has `MetricDataResults`), else a Prometheus config.
fn json_format(start: &str) -> Format {
    if start.contains("\"MetricDataResults\"") || start.contains("\"cloudwatch\"") {
        Format::Cloudwatch
    } else {
        Format::Prometheus
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Locust => "locust",
            Format::Prometheus => "prometheus",
            Format::Csv => "csv",
            Format::K6 => "k6",
            Format::Jmeter => "jmeter",
            Format::Cloudwatch => "cloudwatch",
            Format::Nginx => "nginx",
            Format::Alb => "alb",
        })
    }
}

/// A gzip file (k6 writes one for a `.gz` name, AWS delivers its logs so)
/// is refused with what to do, rather than read as text.
pub fn refuse_compressed(path: &Path, head: &str) -> Result<(), ObservedError> {
    // `head` is lossy UTF-8: gzip's magic 0x1f 0x8b arrives as 0x1f and U+FFFD.
    if head.starts_with("\u{1f}\u{fffd}") {
        return Err(ObservedError::at(
            path,
            1,
            1,
            format!(
                "the file is gzip-compressed: decompress it first (`gunzip -k {}`)",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// The hint for a file read in a format it does not look like.
pub fn wrong_format_hint(given: Format, looks_like: Option<Format>, head: &str) -> String {
    // Names only: eight descriptions would bury the one that matters.
    let formats: Vec<String> = Format::ALL.iter().map(|f| format!("`{f}`")).collect();
    let seen = match looks_like {
        Some(other) => format!(
            "the file looks like {}: try `--format {other}`, or leave `--format` out",
            other.describe()
        ),
        None => {
            let first: String = head.lines().next().unwrap_or("").chars().take(60).collect();
            format!("the file looks like none of them (its first line: `{first}`)")
        }
    };
    format!(
        "it was read as `--format {given}`, and {seen}; the formats are {} (`capsim compare --help` says what each reads)",
        formats.join(", ")
    )
}
