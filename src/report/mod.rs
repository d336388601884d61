//! Rendering results: the terminal table and JSON files. The only layer of
//! the library that writes files.

pub mod json;
pub mod table;

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
    /// Serialization failed.
    #[error("cannot encode results: {0}")]
    Json(#[from] serde_json::Error),
}
