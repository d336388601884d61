//! The complete result as JSON: whether the run was unstable, the summary
//! over replications, the offered load, and every run.

use std::path::Path;

use serde::Serialize;

use crate::analytic::NodeLoad;
use crate::stats::{RunResult, Summary};

use super::ReportError;

/// Whether the system kept up, as `capsim run` judges it (exit code 3).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Stability<'a> {
    /// A replication stopped as unstable, or the offered load reaches
    /// capacity somewhere (`saturated`).
    pub unstable: bool,
    /// Nodes whose offered load reaches or exceeds their capacity.
    pub saturated: &'a [&'a str],
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    stability: Stability<'a>,
    summary: &'a Summary,
    offered_load: Option<&'a [NodeLoad]>,
    runs: &'a [RunResult],
}

/// Writes `stability`, `summary` and `runs` to `path` (NaN figures become `null`).
pub fn write(
    path: &Path,
    summary: &Summary,
    stability: Stability<'_>,
    offered_load: Option<&[NodeLoad]>,
    runs: &[RunResult],
) -> Result<(), ReportError> {
    let json = serde_json::to_string_pretty(&Document {
        stability,
        summary,
        offered_load,
        runs,
    })?;
    std::fs::write(path, json).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
