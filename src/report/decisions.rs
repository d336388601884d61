//! The autoscaling decision log as CSV: one row per rule evaluation, runs in
//! replication order: `replication, time_s, pool, rule, metric, value,
//! target, current, desired, reason`.

use std::path::Path;

use crate::stats::RunResult;

use super::ReportError;
use crate::stats::csv_number as number;

/// Writes every run's decisions to `path` (a header only if there were none).
pub fn write(path: &Path, runs: &[RunResult]) -> Result<(), ReportError> {
    std::fs::write(path, render(runs)?).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The CSV bytes.
pub fn render(runs: &[RunResult]) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "replication",
        "time_s",
        "pool",
        "rule",
        "metric",
        "value",
        "target",
        "current",
        "desired",
        "reason",
    ])?;
    for run in runs {
        for d in run.decisions.iter().flatten() {
            out.write_record([
                run.replication.to_string(),
                number(d.time_s),
                d.pool.clone(),
                d.rule.clone(),
                d.metric.clone(),
                number(d.value),
                number(d.target),
                d.current.to_string(),
                d.desired.to_string(),
                d.reason.clone(),
            ])?;
        }
    }
    out.into_inner()
        .map_err(|error| ReportError::Csv(error.into_error().into()))
}
