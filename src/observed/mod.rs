//! Metrics measured on a real system, and the model held against them:
//! readers of Locust CSVs, Prometheus range-query responses and a plain long
//! CSV, all into one [`Observed`]; `compare` (predicted against observed,
//! with the error of each figure) and `calibrate` (service demands from
//! utilization and throughput, or a service mean fitted to latency).
//!
//! ```text
//!  locust / prometheus / csv ──► Observed ──► drive (model follows the observed load)
//!                                   │              │ simulate
//!                                   └──────────────┴──► Comparison (figure, predicted, observed, error)
//! ```
//!
//! **Invariants:** the only I/O is reading the observed files named on the
//! command line (and those a Prometheus config lists); the model arrives as
//! JSON and leaves as JSON, so everything written in it is kept. Every
//! problem in a file names the file, the line and the column.

mod alb_log;
mod calibrate;
mod cloudwatch;
mod cloudwatch_config;
mod compare;
mod csv_stream;
mod detect;
mod drive;
mod error;
mod input;
mod jmeter;
mod k6;
mod k6_csv;
mod k6_json;
mod k6_summary;
mod latencies;
mod locust;
mod locust_window;
mod long_csv;
mod nginx_log;
pub mod noise;
mod prometheus;
mod prometheus_config;
mod quantile;
mod requests;
mod table;
mod window;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use calibrate::{Calibration, Method, TierFit, calibrate, scale_service};
pub use compare::{
    Comparison, Figure, FigureRow, Options, Tolerance, compare, error_of, relative_error, rows,
};
pub use drive::{compile, drive};
pub use error::ObservedError;
use input::Input;
pub use locust_window::HistoryRow;
pub use noise::{FigureNoise, Noise, NoiseBasis};
pub use prometheus::{Sample, Series, parse_response};
pub use quantile::histogram_quantile;
pub use window::{LOCUST_ROLLING_S, full_population};

pub use detect::Format;

/// The part of an observed time series to compare, in seconds after its
/// first row (or sample). An end left `None` is the reader's choice: the
/// full population of a load test, else the file's first or last row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Window {
    /// Start, seconds after the first row.
    pub from_s: Option<f64>,
    /// End, seconds after the first row.
    pub to_s: Option<f64>,
}

impl Window {
    /// True if either end was given.
    pub fn is_set(&self) -> bool {
        self.from_s.is_some() || self.to_s.is_some()
    }

    /// True if `at_s` (seconds after the first row) is inside, ends included.
    pub fn contains(&self, at_s: f64) -> bool {
        self.from_s.is_none_or(|from| at_s >= from) && self.to_s.is_none_or(|to| at_s <= to)
    }

    /// Ends that make no window are an error: negative, not finite, or a
    /// start not before the end.
    fn check(&self, path: &Path) -> Result<(), ObservedError> {
        let bad = |message: String| ObservedError::Nothing {
            path: path.to_path_buf(),
            message,
        };
        for (name, end) in [("start", self.from_s), ("end", self.to_s)] {
            if let Some(x) = end.filter(|x| !(x.is_finite() && *x >= 0.0)) {
                return Err(bad(format!(
                    "the window's {name} is {x} s: expected a number of seconds ≥ 0 after the first row"
                )));
            }
        }
        if let (Some(from), Some(to)) = (self.from_s, self.to_s)
            && from >= to
        {
            return Err(bad(format!(
                "the window starts at {from} s and ends at {to} s: its start must come before its end"
            )));
        }
        Ok(())
    }

    /// `30–60 s`, `from 30 s`, `to 60 s`, for messages.
    pub fn describe(&self) -> String {
        match (self.from_s, self.to_s) {
            (Some(from), Some(to)) => format!("{from}–{to} s"),
            (Some(from), None) => format!("from {from} s"),
            (None, Some(to)) => format!("up to {to} s"),
            (None, None) => "the whole file".into(),
        }
    }
}

/// End-to-end figures over the comparison window; `None` where not observed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Successful requests per second (all requests × (1 − error rate)), as
    /// capsim's `req/s`.
    pub throughput_rps: Option<f64>,
    /// Mean latency, ms.
    pub mean_ms: Option<f64>,
    /// Median, ms.
    pub p50_ms: Option<f64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Failed requests / requests, 0 to 1.
    pub error_rate: Option<f64>,
    /// The 95% interval of each figure from the requests behind it, where
    /// the file allows one (see `noise`).
    pub noise: FigureNoise,
}

/// How the observed system was loaded, and so how the model is driven.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Load {
    /// Nothing observed about the load over time: the model's own traffic.
    AsModelled,
    /// Arrival rates over time: the model's traffic becomes a rate profile.
    Rates {
        /// `(seconds from the window's start, requests per second)`, each
        /// holding until the next.
        points: Vec<(f64, f64)>,
        /// Length of the observed window, seconds.
        span_s: f64,
    },
    /// A closed population (load-test users): the model's users become this.
    Users(u32),
}

/// Metrics observed on a real system, reduced to what capsim predicts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observed {
    /// The file read (a Prometheus config for that format).
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// End-to-end figures.
    pub figures: Figures,
    /// Figures per request class (a Locust row or CSV `class` label named
    /// after a class of the model), where observed.
    pub classes: BTreeMap<String, Figures>,
    /// Busy vCPUs / vCPUs per tier (node name), 0 to 1.
    pub utilization: BTreeMap<String, f64>,
    /// Requests per second into a tier (node name), where observed.
    pub tier_throughput_rps: BTreeMap<String, f64>,
    /// How the system was loaded.
    pub load: Load,
    /// Which part of the file the figures cover, in words.
    pub window: String,
    /// What the reader could not compare or doubts, in words (e.g. Locust
    /// percentiles that cover more than the window).
    pub notes: Vec<String>,
}

/// Reads observed metrics from `path`, in `format` or the guessed one,
/// over the reader's own window.
pub fn load(path: &Path, format: Option<Format>) -> Result<Observed, ObservedError> {
    load_window(path, format, Window::default())
}

/// Reads observed metrics from `path` over `window`. The per-request
/// formats (k6 samples, JMeter, access logs) are streamed, never loaded whole.
pub fn load_window(
    path: &Path,
    format: Option<Format>,
    window: Window,
) -> Result<Observed, ObservedError> {
    read_input(Input::File(path), format, window)
}

/// Parses observed metrics already in memory (`path` names them in messages).
pub fn parse(path: &Path, text: &str, format: Format) -> Result<Observed, ObservedError> {
    parse_as(path, text, Some(format), Window::default())
}

/// Parses `text` in `format` (or the guessed one) over `window`. When the
/// format was given and the file looks like another, an error in reading
/// it says so.
pub fn parse_as(
    path: &Path,
    text: &str,
    format: Option<Format>,
    window: Window,
) -> Result<Observed, ObservedError> {
    read_input(Input::Text(path, text), format, window)
}

fn read_input(
    input: Input<'_>,
    format: Option<Format>,
    window: Window,
) -> Result<Observed, ObservedError> {
    let path = input.path();
    window.check(path)?;
    let head = input.head()?;
    detect::refuse_compressed(path, &head)?;
    let looks_like = Format::looks_like(path, &head);
    let chosen = format.or(looks_like).unwrap_or(Format::Csv);
    let result = read_as(input, &head, chosen, window);
    match (result, format) {
        (Err(error @ (ObservedError::At { .. } | ObservedError::Nothing { .. })), Some(given))
            if looks_like != Some(given) =>
        {
            Err(ObservedError::WrongFormat {
                hint: detect::wrong_format_hint(given, looks_like, &head),
                inner: Box::new(error),
            })
        }
        (result, _) => result,
    }
}

/// Reads `input` in `format`: the per-request formats streamed, the others
/// (a few thousand rows, or a config) as text.
fn read_as(
    input: Input<'_>,
    head: &str,
    format: Format,
    window: Window,
) -> Result<Observed, ObservedError> {
    let reduce =
        |read: requests::ReadFn, what: &str| requests::reduce(input, format, read, window, what);
    match format {
        Format::K6 => k6::parse(input, head, window),
        Format::Jmeter => reduce(jmeter::read, jmeter::SAMPLES),
        Format::Nginx => reduce(nginx_log::read, nginx_log::LINES),
        Format::Alb => reduce(alb_log::read, alb_log::LINES),
        Format::Cloudwatch => cloudwatch_config::parse_config(input, &read, window),
        Format::Locust | Format::Prometheus | Format::Csv => {
            let owned;
            let text = match input {
                Input::Text(_, text) => text,
                Input::File(path) => {
                    owned = read(path)?;
                    &owned
                }
            };
            let path = input.path();
            match format {
                Format::Locust if locust::is_history(text) => {
                    locust::parse_history(path, text, window)
                }
                Format::Locust => locust::parse_stats(path, text, window),
                Format::Prometheus => prometheus_config::parse_config(path, text, &read, window),
                _ => long_csv::parse(path, text, window),
            }
        }
    }
}

fn read(path: &Path) -> Result<String, ObservedError> {
    std::fs::read_to_string(path).map_err(|source| input::io_error(path, source))
}
