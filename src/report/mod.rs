//! Rendering results: the terminal table, JSON files and the time series as
//! CSV, comparisons with observed metrics. The only layer of the library that
//! writes files.

pub mod analysis;
mod clusters_table;
pub mod compare;
pub mod decisions;
mod groups_table;
pub mod html;
pub mod json;
pub mod loadtest;
pub mod openmetrics;
pub mod plot;
pub mod series;
pub mod sweep;
pub mod sweep_merge;
pub mod table;
mod table_admission;
mod table_bill;
mod table_by_class;
mod table_credits;
mod table_fleet;

/// Why a report could not be written. Fatal for that report only.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing failed.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Reading failed.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Sweep files that cannot be used as they are: a stale partial file,
    /// shards that are missing, duplicated or malformed. Says which and why.
    #[error("{0}")]
    Sweep(String),
    /// Serialization failed.
    #[error("cannot encode results: {0}")]
    Json(#[from] serde_json::Error),
    /// CSV encoding failed.
    #[error("cannot encode results as CSV: {0}")]
    Csv(#[from] csv::Error),
    /// A sweep part has columns different from the first part's.
    #[error("`{path}` has different columns from the first file: not a part of the same sweep")]
    Mismatch {
        /// The file.
        path: std::path::PathBuf,
    },
    /// A time series was to be written, but no run recorded one.
    #[error("no run recorded a time series (set `RunOptions::series_window_s`)")]
    NoSeries,
    /// Runs to be written in one CSV had different series columns.
    #[error("replication {replication} has different series columns from the first")]
    SeriesColumns {
        /// The first replication that differs.
        replication: u32,
    },
}
