//! Locust's CSV files, as `locust --csv PREFIX` writes them (checked against
//! Locust 2.47's `StatsCSVFileWriter` in locust/stats.py): `PREFIX_stats.csv`,
//! totals per endpoint and an `Aggregated` row, and `PREFIX_stats_history.csv`,
//! one `Aggregated` row a second, and with `--csv-full-history` one row per
//! endpoint too. Times are milliseconds; `N/A` marks a percentile with no
//! request behind it; a failed request counts in `Request Count` too.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::ObservedError;
use super::locust_window::{self, History, HistoryRow, quantile_table};
use super::noise::FigureNoise;
use super::table::{Row, Table};
use super::{Figures, Format, Load, Observed, Window};

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

/// The percentile columns of a Locust header (`50%` … `100%`): each
/// column's index and level (0 to 1), in header order.
pub fn percentile_columns(header: &[String]) -> Vec<(usize, f64)> {
    header
        .iter()
        .enumerate()
        .filter_map(|(index, name)| {
            let level = name.strip_suffix('%')?.parse::<f64>().ok()? / 100.0;
            (0.0..=1.0).contains(&level).then_some((index, level))
        })
        .collect()
}

/// Reads `*_stats.csv`: the `Aggregated` row's totals over the whole test.
/// A `window` is an error: the file holds totals, no time.
pub fn parse_stats(path: &Path, text: &str, window: Window) -> Result<Observed, ObservedError> {
    let table = Table::parse(path, text, STATS_HEADER)?;
    if window.is_set() {
        return Err(ObservedError::MismatchHint {
            message: format!(
                "{}: Locust's `*_stats.csv` holds totals over the whole test, so it cannot be cut to a window ({})",
                path.display(),
                window.describe()
            ),
            hint: "compare the `*_stats_history.csv` Locust writes beside it (a row a second) with the same window".into(),
        });
    }
    let [
        kind,
        name,
        requests,
        failures,
        mean,
        min,
        max,
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
        "Min Response Time",
        "Max Response Time",
        "Requests/s",
        "Failures/s",
        "50%",
        "95%",
        "99%",
    ]
    .map(|column| table.column(column));
    let (kind, name) = (kind?, name?);
    let (requests, failures, mean, min, max, rps, fps) =
        (requests?, failures?, mean?, min?, max?, rps?, fps?);
    let (p50, p95, p99) = (p50?, p95?, p99?);
    let percentiles = percentile_columns(&table.header);
    let levels: Vec<f64> = percentiles.iter().map(|p| p.1).collect();
    let figures_of = |row: &Row| -> Result<Figures, ObservedError> {
        let requests = table.number(row, requests)?;
        let failures = table.number(row, failures)?;
        let rps = table.number(row, rps)?;
        let mean_ms = table.optional_number(row, mean)?;
        let values = percentiles
            .iter()
            .map(|&(index, _)| table.optional_number(row, index))
            .collect::<Result<Vec<_>, _>>()?;
        let spread = quantile_table(
            &levels,
            &values,
            table.number(row, min)?,
            table.number(row, max)?,
        );
        // Requests/s is Request Count over the time from the first to the
        // last request (`StatsEntry.total_rps`): that time is the span.
        let span_s = (rps > 0.0).then(|| requests / rps);
        Ok(Figures {
            // capsim counts successful completions; Locust's Requests/s counts failures too.
            throughput_rps: Some(rps - table.number(row, fps)?),
            mean_ms,
            p50_ms: table.optional_number(row, p50)?,
            p95_ms: table.optional_number(row, p95)?,
            p99_ms: table.optional_number(row, p99)?,
            error_rate: (requests > 0.0).then(|| failures / requests),
            noise: FigureNoise::of_counts(requests, failures, span_s, spread.as_ref(), mean_ms),
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
        window: WHOLE_TEST.to_string(),
        notes: Vec::new(),
    })
}

/// The window of `*_stats.csv`, as `Observed::window` says it.
pub const WHOLE_TEST: &str = "the whole test (Locust's totals, ramp-up included)";

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
/// the figures over the comparison window (see `locust_window`).
pub fn parse_history(path: &Path, text: &str, window: Window) -> Result<Observed, ObservedError> {
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
        "Total Min Response Time",
        "Total Max Response Time",
    ]
    .map(|column| table.column(column));
    let mut index = [0; 14];
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
        total_min,
        total_max,
    ] = index;
    let percentiles = percentile_columns(&table.header);
    let mut rows: Vec<HistoryRow> = Vec::new();
    // Locust writes endpoint rows only with `--csv-full-history`, and then
    // every row's percentiles are the last 10 s's, not the cumulative ones
    // (`_stats_history_data_rows` passes `use_current=self.full_history`
    // to `_percentile_fields`, locust/stats.py).
    let mut full_history = false;
    for row in &table.rows {
        if !(row.cells[kind].is_empty() && row.cells[name] == AGGREGATED) {
            full_history = true;
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
            if x < 0.0 || x.fract() != 0.0 || x > 1e15 {
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
            users: count(users)?.min(u64::from(u32::MAX)) as u32,
            requests_per_s: table.number(row, rps)?,
            failures_per_s: table.number(row, fps)?,
            p50_ms: table.optional_number(row, p50)?,
            p95_ms: table.optional_number(row, p95)?,
            p99_ms: table.optional_number(row, p99)?,
            percentiles: percentiles
                .iter()
                .map(|&(index, _)| table.optional_number(row, index))
                .collect::<Result<Vec<_>, _>>()?,
            total_requests: count(total)?,
            total_failures: count(failed)?,
            total_mean_ms: table.number(row, total_mean)?,
            total_min_ms: table.number(row, total_min)?,
            total_max_ms: table.number(row, total_max)?,
        });
    }
    // Said here, where the columns are known; `locust_window` only checks again.
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
    let history = History {
        rows,
        levels: percentiles.iter().map(|p| p.1).collect(),
        full_history,
    };
    locust_window::reduce(path, &history, window)
}
