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

mod calibrate;
mod compare;
mod drive;
mod error;
mod locust;
mod long_csv;
mod prometheus;
mod prometheus_config;
mod quantile;
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
pub use prometheus::{Sample, Series, parse_response};
pub use quantile::histogram_quantile;
pub use window::{HistoryRow, LOCUST_ROLLING_S, full_population};

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
}

impl Format {
    /// The format a file's name and first characters suggest: Locust's names
    /// and headers, a Prometheus config's JSON, else the long CSV.
    pub fn guess(path: &Path, text: &str) -> Format {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let start = text.trim_start();
        if name.ends_with("_stats.csv")
            || name.ends_with("_stats_history.csv")
            || start.starts_with("Type,Name,")
            || start.starts_with("Timestamp,User Count,")
        {
            Format::Locust
        } else if start.starts_with('{') {
            Format::Prometheus
        } else {
            Format::Csv
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
}

/// Reads observed metrics from `path`, in `format` or the guessed one.
pub fn load(path: &Path, format: Option<Format>) -> Result<Observed, ObservedError> {
    let text = read(path)?;
    match format.unwrap_or_else(|| Format::guess(path, &text)) {
        Format::Locust if locust::is_history(&text) => locust::parse_history(path, &text),
        Format::Locust => locust::parse_stats(path, &text),
        Format::Prometheus => prometheus_config::parse_config(path, &text, &read),
        Format::Csv => long_csv::parse(path, &text),
    }
}

/// Parses observed metrics already in memory (`path` names them in messages).
pub fn parse(path: &Path, text: &str, format: Format) -> Result<Observed, ObservedError> {
    match format {
        Format::Locust if locust::is_history(text) => locust::parse_history(path, text),
        Format::Locust => locust::parse_stats(path, text),
        Format::Prometheus => prometheus_config::parse_config(path, text, &read),
        Format::Csv => long_csv::parse(path, text),
    }
}

fn read(path: &Path) -> Result<String, ObservedError> {
    std::fs::read_to_string(path).map_err(|source| ObservedError::Io {
        path: path.to_path_buf(),
        source,
    })
}
