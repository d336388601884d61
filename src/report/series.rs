//! The time series as CSV: one row per window and replication, replications
//! in order, a `replication` column first, then the series' own columns
//! (`time_s`, `warmup`, …). Undefined figures (NaN) are empty fields. Rows
//! are streamed to the file, not built in memory first.

use std::io::Write;
use std::path::Path;

use crate::stats::{RunResult, Series, csv_number as number};

use super::ReportError;

/// Writes the series of every run in `runs` to `path`.
pub fn write(path: &Path, runs: &[RunResult]) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    render_into(&mut out, runs)?;
    out.flush().map_err(io)
}

/// The CSV bytes of every run's series. Runs without a series add no rows;
/// all series must have the same columns (runs of one model do).
pub fn render(runs: &[RunResult]) -> Result<Vec<u8>, ReportError> {
    let mut bytes = Vec::new();
    render_into(&mut bytes, runs)?;
    Ok(bytes)
}

/// Writes the CSV of every run's series into `sink`.
fn render_into(sink: &mut impl Write, runs: &[RunResult]) -> Result<(), ReportError> {
    let series: Vec<(u32, &Series)> = runs
        .iter()
        .filter_map(|run| Some((run.replication, run.series.as_ref()?)))
        .collect();
    let Some(&(_, first)) = series.first() else {
        return Err(ReportError::NoSeries);
    };
    let mut out = csv::Writer::from_writer(sink);
    out.write_record(
        std::iter::once("replication").chain(first.columns.iter().map(String::as_str)),
    )?;
    let mut record = Vec::with_capacity(first.columns.len() + 1);
    for &(replication, run_series) in &series {
        if run_series.columns != first.columns {
            return Err(ReportError::SeriesColumns { replication });
        }
        for row in &run_series.rows {
            record.clear();
            record.push(replication.to_string());
            record.extend(row.iter().map(|&value| number(value)));
            out.write_record(&record)?;
        }
    }
    out.flush().map_err(|error| ReportError::Csv(error.into()))
}
