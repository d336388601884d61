//! Locust's CSV files, as `locust --csv PREFIX` writes them (checked against
//! Locust 2.47): `PREFIX_stats.csv`, totals per endpoint and an `Aggregated`
//! row, and `PREFIX_stats_history.csv`, one `Aggregated` row a second (more
//! with `--csv-full-history`). Times are milliseconds; `N/A` marks a
//! percentile with no request behind it; a failed request counts in
//! `Request Count` too.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::ObservedError;
use super::table::{Row, Table};
use super::window::{self, HistoryRow};
use super::{Figures, Format, Load, Observed};

/// The header of `*_stats.csv`, for messages.
pub const STATS_HEADER: &str = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";

/// The header of `*_stats_history.csv`, for messages.
pub const HISTORY_HEADER: &str = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size";

/// The name Locust gives the row that sums every endpoint.
const AGGREGATED: &str = "Aggregated";

/// True if a Locust header names the history file (it starts with `Timestamp`).
pub fn is_history(text: &str) -> bool {
    text.trim_start().starts_with("Timestamp,")
}

/// Reads `*_stats.csv`: the `Aggregated` row's totals over the whole test.
pub fn parse_stats(path: &Path, text: &str) -> Result<Observed, ObservedError> {
    let table = Table::parse(path, text, STATS_HEADER)?;
    let [
        kind,
        name,
        requests,
        failures,
        mean,
        rps,
        fps,
        p50,
        p95,
        p99,
    ] = [
        "Type",
        "Name",
        "Request Count",
        "Failure Count",
        "Average Response Time",
        "Requests/s",
        "Failures/s",
        "50%",
        "95%",
        "99%",
    ]
    .map(|column| table.column(column));
    let (kind, name) = (kind?, name?);
    let (requests, failures, mean, rps, fps) = (requests?, failures?, mean?, rps?, fps?);
    let (p50, p95, p99) = (p50?, p95?, p99?);
    let figures_of = |row: &Row| -> Result<Figures, ObservedError> {
        let requests = table.number(row, requests)?;
        let failures = table.number(row, failures)?;
        Ok(Figures {
            // capsim counts successful completions; Locust's Requests/s counts failures too.
            throughput_rps: Some(table.number(row, rps)? - table.number(row, fps)?),
            mean_ms: table.optional_number(row, mean)?,
            p50_ms: table.optional_number(row, p50)?,
            p95_ms: table.optional_number(row, p95)?,
            p99_ms: table.optional_number(row, p99)?,
            error_rate: (requests > 0.0).then(|| failures / requests),
        })
    };
    let figures = figures_of(aggregated_row(&table, kind, name)?)?;
    // Every other row is one endpoint (Locust's `name=`), compared with the
    // class of that name if the model has one.
    let mut classes = BTreeMap::new();
    for row in &table.rows {
        if !row.cells[kind].is_empty() {
            classes.insert(row.cells[name].clone(), figures_of(row)?);
        }
    }
    Ok(Observed {
        path: path.to_path_buf(),
        format: Format::Locust,
        figures,
        classes,
        utilization: Default::default(),
        tier_throughput_rps: Default::default(),
        load: Load::AsModelled,
        window: "the whole test (Locust's totals, ramp-up included)".to_string(),
    })
}

/// The row whose `Type` is empty and `Name` is `Aggregated`.
fn aggregated_row(table: &Table, kind: usize, name: usize) -> Result<&Row, ObservedError> {
    table
        .rows
        .iter()
        .find(|row| row.cells[kind].is_empty() && row.cells[name] == AGGREGATED)
        .ok_or_else(|| {
            let line = table.rows.last().map_or(2, |row| row.line + 1);
            ObservedError::at(
                &table.path,
                line,
                name as u64 + 1,
                "no `Aggregated` row (Locust writes it last, with an empty `Type`)",
            )
        })
}

/// Reads `*_stats_history.csv`: the `Aggregated` rows in time order, then
/// the figures over the comparison window (see `window::locust`).
pub fn parse_history(path: &Path, text: &str) -> Result<Observed, ObservedError> {
    let table = Table::parse(path, text, HISTORY_HEADER)?;
    let columns = [
        "Timestamp",
        "User Count",
        "Type",
        "Name",
        "Requests/s",
        "Failures/s",
        "50%",
        "95%",
        "99%",
        "Total Request Count",
        "Total Failure Count",
        "Total Average Response Time",
    ]
    .map(|column| table.column(column));
    let mut index = [0; 12];
    for (slot, column) in index.iter_mut().zip(columns) {
        *slot = column?;
    }
    let [
        time,
        users,
        kind,
        name,
        rps,
        fps,
        p50,
        p95,
        p99,
        total,
        failed,
        total_mean,
    ] = index;
    let mut rows: Vec<HistoryRow> = Vec::new();
    for row in &table.rows {
        if !(row.cells[kind].is_empty() && row.cells[name] == AGGREGATED) {
            continue;
        }
        let time_s = table.number(row, time)?;
        if let Some(before) = rows.last()
            && time_s <= before.time_s
        {
            return Err(table.error(
                row,
                time,
                format!(
                    "timestamp {time_s} is not after the previous `Aggregated` row's {} (line {}): rows must be in time order",
                    before.time_s, before.line
                ),
            ));
        }
        let count = |index: usize| -> Result<u64, ObservedError> {
            let x = table.number(row, index)?;
            if x < 0.0 || x.fract() != 0.0 {
                return Err(table.error(
                    row,
                    index,
                    format!(
                        "`{}`: expected a whole number ≥ 0, found `{}`",
                        table.header[index], row.cells[index]
                    ),
                ));
            }
            Ok(x as u64)
        };
        rows.push(HistoryRow {
            line: row.line,
            time_s,
            users: count(users)? as u32,
            requests_per_s: table.number(row, rps)?,
            failures_per_s: table.number(row, fps)?,
            p50_ms: table.optional_number(row, p50)?,
            p95_ms: table.optional_number(row, p95)?,
            p99_ms: table.optional_number(row, p99)?,
            total_requests: count(total)?,
            total_failures: count(failed)?,
            total_mean_ms: table.number(row, total_mean)?,
        });
    }
    // Said here, where the columns are known; `window` only checks again.
    let next_line = table.rows.last().map_or(2, |row| row.line + 1);
    if rows.is_empty() {
        return Err(ObservedError::at(
            path,
            next_line,
            name as u64 + 1,
            "no `Aggregated` rows (Locust writes one a second, with an empty `Type`)",
        ));
    }
    if rows.iter().all(|row| row.users == 0) {
        return Err(ObservedError::at(
            path,
            rows[0].line,
            users as u64 + 1,
            "`User Count` is 0 in every row: no users ran, so there is no load to compare",
        ));
    }
    window::locust(path, &rows)
}
