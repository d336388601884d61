//! The complete result as JSON: the summary over replications and every run.

use std::path::Path;

use serde::Serialize;

use crate::analytic::NodeLoad;
use crate::stats::{RunResult, Summary};

use super::ReportError;

#[derive(Serialize)]
struct Document<'a> {
    summary: &'a Summary,
    offered_load: Option<&'a [NodeLoad]>,
    runs: &'a [RunResult],
}

/// Writes `summary` and `runs` to `path` (NaN figures become `null`).
pub fn write(
    path: &Path,
    summary: &Summary,
    offered_load: Option<&[NodeLoad]>,
    runs: &[RunResult],
) -> Result<(), ReportError> {
    let json = serde_json::to_string_pretty(&Document {
        summary,
        offered_load,
        runs,
    })?;
    std::fs::write(path, json).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
