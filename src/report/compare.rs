//! Comparisons and calibrations: the terminal tables of `capsim compare`
//! and `capsim calibrate`, their JSON, and the calibrated model's file.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::ReportError;
use super::table::{number, write_rows};
use crate::observed::{Calibration, Comparison, FigureRow, Method};

/// A value of a row in its unit (fractions shown in percent).
fn shown(row: &FigureRow, value: f64) -> f64 {
    if row.figure.is_percent() {
        value * 100.0
    } else {
        value
    }
}

fn predicted(row: &FigureRow) -> String {
    match row.predicted_ci95 {
        Some(half) => format!(
            "{}±{}",
            number(shown(row, row.predicted)),
            number(shown(row, half))
        ),
        None => number(shown(row, row.predicted)),
    }
}

/// `+4.2%`, or `-0.3 pp` for the error rate.
pub fn error_cell(row: &FigureRow) -> String {
    // Rounded before formatting, so a tiny negative error reads `+0.0%`, not `-0.0%`.
    let rounded = |x: f64, decimals: i32| {
        let p = 10f64.powi(decimals);
        (x * p).round() / p + 0.0
    };
    if row.figure.error_in_points() {
        format!("{:+.2} pp", rounded(row.error, 2))
    } else if row.error.is_infinite() {
        format!("{}∞", if row.error > 0.0 { "+" } else { "-" })
    } else {
        format!("{:+.1}%", rounded(row.error * 100.0, 1))
    }
}

/// The figure's name, with its class if it has one: `p99 ms [checkout]`.
pub fn label(row: &FigureRow) -> String {
    match &row.class {
        Some(class) => format!("{} [{class}]", row.figure.label()),
        None => row.figure.label(),
    }
}

/// The observation's own 95% interval, `6.21–6.67`, or `-` where the file
/// gives nothing to size it by.
fn observed_noise(row: &FigureRow) -> String {
    match row.observed_ci95 {
        Some(noise) => format!(
            "{}–{}",
            number(shown(row, noise.low)),
            number(shown(row, noise.high))
        ),
        None => "-".into(),
    }
}

/// `ok`, `OVER`, or `OVER (noise)` when the prediction lies inside the
/// observation's own interval: outside the tolerance, but no further from
/// the observation than its noise.
fn verdict(row: &FigureRow) -> String {
    match (row.within_tolerance, row.within_observed_noise) {
        (Some(true), _) => "ok".into(),
        (Some(false), Some(true)) => "OVER (noise)".into(),
        (Some(false), _) => "OVER".into(),
        (None, _) => String::new(),
    }
}

/// Writes the header lines and the table of a comparison.
pub fn write_comparison(out: &mut impl Write, comparison: &Comparison) -> io::Result<()> {
    write_heading(out, comparison)?;
    let checked = comparison.rows.iter().any(|r| r.within_tolerance.is_some());
    let mut rows = vec![vec![
        "figure".to_string(),
        "predicted".into(),
        "observed".into(),
        "observed 95%".into(),
        "error".into(),
    ]];
    if checked {
        rows[0].push("tolerance".into());
    }
    for row in &comparison.rows {
        let mut cells = vec![
            label(row),
            predicted(row),
            number(shown(row, row.observed)),
            observed_noise(row),
            error_cell(row),
        ];
        if checked {
            cells.push(verdict(row));
        }
        rows.push(cells);
    }
    write_rows(out, &rows)?;
    if !comparison.unmatched_classes.is_empty() {
        writeln!(
            out,
            "not compared: {} (no class of that name in the model; name Locust requests after classes with `name=`)",
            comparison.unmatched_classes.join(", ")
        )?;
    }
    if let Some(unstable) = &comparison.unstable {
        writeln!(
            out,
            "UNSTABLE: {unstable}; the predictions describe a growing backlog"
        )?;
    }
    Ok(())
}

fn write_heading(out: &mut impl Write, comparison: &Comparison) -> io::Result<()> {
    let replications = comparison.options.replications;
    writeln!(
        out,
        "model `{}` against `{}` ({})",
        comparison.model,
        comparison.observed.display(),
        comparison.format
    )?;
    writeln!(out, "window: {}", comparison.window)?;
    for note in &comparison.notes {
        writeln!(out, "note: {note}")?;
    }
    if let Some(traffic) = &comparison.traffic {
        writeln!(out, "{traffic}")?;
    }
    writeln!(
        out,
        "simulated: seed {}, {replications} replication{}\n",
        comparison.options.seed,
        if replications == 1 { "" } else { "s" }
    )
}

/// Writes the tiers calibrated and the figures before and after.
pub fn write_calibration(out: &mut impl Write, calibration: &Calibration) -> io::Result<()> {
    write_heading(out, &calibration.after)?;
    let mut tiers = vec![vec![
        "tier".to_string(),
        "method".into(),
        "demand ms before".into(),
        "after".into(),
        "× service".into(),
        "from".into(),
    ]];
    for tier in &calibration.tiers {
        let (method, from) = match &tier.method {
            Method::DemandLaw {
                utilization,
                throughput_rps,
                throughput_from,
            } => (
                "D = U/X",
                format!(
                    "util {}%, {} req/s ({throughput_from})",
                    number(utilization * 100.0),
                    number(*throughput_rps)
                ),
            ),
            Method::LatencyFit {
                target_mean_ms,
                fitted_mean_ms,
            } => (
                "latency fit",
                format!(
                    "mean {} ms observed, {} ms simulated",
                    number(*target_mean_ms),
                    number(*fitted_mean_ms)
                ),
            ),
        };
        tiers.push(vec![
            tier.node.clone(),
            method.into(),
            number(tier.demand_ms_before),
            number(tier.demand_ms_after),
            format!("{:.4}", tier.factor),
            from,
        ]);
    }
    write_rows(out, &tiers)?;
    for skipped in &calibration.skipped {
        writeln!(out, "not calibrated: {skipped}")?;
    }
    for note in &calibration.notes {
        writeln!(out, "note: {note}")?;
    }
    writeln!(out)?;
    let mut rows = vec![vec![
        "figure".to_string(),
        "observed".into(),
        "observed 95%".into(),
        "before".into(),
        "error".into(),
        "after".into(),
        "error".into(),
    ]];
    for (before, after) in calibration.before.rows.iter().zip(&calibration.after.rows) {
        rows.push(vec![
            label(before),
            number(shown(before, before.observed)),
            observed_noise(before),
            predicted(before),
            error_cell(before),
            predicted(after),
            error_cell(after),
        ]);
    }
    write_rows(out, &rows)
}

/// Writes `value` as pretty JSON to `path` (NaN figures become `null`).
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<(), ReportError> {
    let mut json = serde_json::to_string_pretty(value)?;
    json.push('\n');
    std::fs::write(path, json).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
