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
    let columns = StatsColumns::of(&table)?;
    let figures = columns.figures(&table, aggregated_row(&table, columns.kind, columns.name)?)?;
    // Every other row is one endpoint (Locust's `name=`), compared with the
    // class of that name if the model has one.
    let mut classes = BTreeMap::new();
    for row in &table.rows {
        if !row.cells[columns.kind].is_empty() {
            classes.insert(
                row.cells[columns.name].clone(),
                columns.figures(&table, row)?,
            );
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

/// Where each figure of `*_stats.csv` is: column indices, and the
/// percentile columns with their levels.
struct StatsColumns {
    kind: usize,
    name: usize,
    requests: usize,
    failures: usize,
    mean: usize,
    min: usize,
    max: usize,
    rps: usize,
    fps: usize,
    p50: usize,
    p95: usize,
    p99: usize,
    percentiles: Vec<(usize, f64)>,
}

impl StatsColumns {
    fn of(table: &Table) -> Result<StatsColumns, ObservedError> {
        Ok(StatsColumns {
            kind: table.column("Type")?,
            name: table.column("Name")?,
            requests: table.column("Request Count")?,
            failures: table.column("Failure Count")?,
            mean: table.column("Average Response Time")?,
            min: table.column("Min Response Time")?,
            max: table.column("Max Response Time")?,
            rps: table.column("Requests/s")?,
            fps: table.column("Failures/s")?,
            p50: table.column("50%")?,
            p95: table.column("95%")?,
            p99: table.column("99%")?,
            percentiles: percentile_columns(&table.header),
        })
    }

    /// One row's figures (the `Aggregated` row's, or an endpoint's).
    fn figures(&self, table: &Table, row: &Row) -> Result<Figures, ObservedError> {
        let requests = table.number(row, self.requests)?;
        let failures = table.number(row, self.failures)?;
        let rps = table.number(row, self.rps)?;
        let mean_ms = table.optional_number(row, self.mean)?;
        let levels: Vec<f64> = self.percentiles.iter().map(|p| p.1).collect();
        let values = self
            .percentiles
            .iter()
            .map(|&(index, _)| table.optional_number(row, index))
            .collect::<Result<Vec<_>, _>>()?;
        let spread = quantile_table(
            &levels,
            &values,
            table.number(row, self.min)?,
            table.number(row, self.max)?,
        );
        // Requests/s is Request Count over the time from the first to the
        // last request (`StatsEntry.total_rps`): that time is the span.
        let span_s = (rps > 0.0).then(|| requests / rps);
        Ok(Figures {
            // capsim counts successful completions; Locust's Requests/s counts failures too.
            throughput_rps: Some(rps - table.number(row, self.fps)?),
            mean_ms,
            p50_ms: table.optional_number(row, self.p50)?,
            p95_ms: table.optional_number(row, self.p95)?,
            p99_ms: table.optional_number(row, self.p99)?,
            error_rate: (requests > 0.0).then(|| failures / requests),
            noise: FigureNoise::of_counts(requests, failures, span_s, spread.as_ref(), mean_ms),
        })
    }
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
    let columns = HistoryColumns::of(&table)?;
    let mut rows: Vec<HistoryRow> = Vec::new();
    // Locust writes endpoint rows only with `--csv-full-history`, and then
    // every row's percentiles are the last 10 s's, not the cumulative ones
    // (`_stats_history_data_rows` passes `use_current=self.full_history`
    // to `_percentile_fields`, locust/stats.py).
    let mut full_history = false;
    for row in &table.rows {
        if !(row.cells[columns.kind].is_empty() && row.cells[columns.name] == AGGREGATED) {
            full_history = true;
            continue;
        }
        let time_s = table.number(row, columns.time)?;
        if let Some(before) = rows.last()
            && time_s <= before.time_s
        {
            return Err(table.error(
                row,
                columns.time,
                format!(
                    "timestamp {time_s} is not after the previous `Aggregated` row's {} (line {}): rows must be in time order",
                    before.time_s, before.line
                ),
            ));
        }
        rows.push(columns.row(&table, row, time_s)?);
    }
    columns.check_loaded(&table, &rows)?;
    let history = History {
        rows,
        levels: columns.percentiles.iter().map(|p| p.1).collect(),
        full_history,
    };
    locust_window::reduce(path, &history, window)
}

/// Where each figure of `*_stats_history.csv` is.
struct HistoryColumns {
    time: usize,
    users: usize,
    kind: usize,
    name: usize,
    rps: usize,
    fps: usize,
    p50: usize,
    p95: usize,
    p99: usize,
    total: usize,
    failed: usize,
    total_mean: usize,
    total_min: usize,
    total_max: usize,
    percentiles: Vec<(usize, f64)>,
}

impl HistoryColumns {
    fn of(table: &Table) -> Result<HistoryColumns, ObservedError> {
        Ok(HistoryColumns {
            time: table.column("Timestamp")?,
            users: table.column("User Count")?,
            kind: table.column("Type")?,
            name: table.column("Name")?,
            rps: table.column("Requests/s")?,
            fps: table.column("Failures/s")?,
            p50: table.column("50%")?,
            p95: table.column("95%")?,
            p99: table.column("99%")?,
            total: table.column("Total Request Count")?,
            failed: table.column("Total Failure Count")?,
            total_mean: table.column("Total Average Response Time")?,
            total_min: table.column("Total Min Response Time")?,
            total_max: table.column("Total Max Response Time")?,
            percentiles: percentile_columns(&table.header),
        })
    }

    /// The rest of an `Aggregated` row at `time_s`, read.
    fn row(&self, table: &Table, row: &Row, time_s: f64) -> Result<HistoryRow, ObservedError> {
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
        Ok(HistoryRow {
            line: row.line,
            time_s,
            users: count(self.users)?.min(u64::from(u32::MAX)) as u32,
            requests_per_s: table.number(row, self.rps)?,
            failures_per_s: table.number(row, self.fps)?,
            p50_ms: table.optional_number(row, self.p50)?,
            p95_ms: table.optional_number(row, self.p95)?,
            p99_ms: table.optional_number(row, self.p99)?,
            percentiles: self
                .percentiles
                .iter()
                .map(|&(index, _)| table.optional_number(row, index))
                .collect::<Result<Vec<_>, _>>()?,
            total_requests: count(self.total)?,
            total_failures: count(self.failed)?,
            total_mean_ms: table.number(row, self.total_mean)?,
            total_min_ms: table.number(row, self.total_min)?,
            total_max_ms: table.number(row, self.total_max)?,
        })
    }

    /// Some `Aggregated` rows, and users in one at least. Said here, where
    /// the columns are known; `locust_window` only checks again.
    fn check_loaded(&self, table: &Table, rows: &[HistoryRow]) -> Result<(), ObservedError> {
        let next_line = table.rows.last().map_or(2, |row| row.line + 1);
        let Some(first) = rows.first() else {
            return Err(ObservedError::at(
                &table.path,
                next_line,
                self.name as u64 + 1,
                "no `Aggregated` rows (Locust writes one a second, with an empty `Type`)",
            ));
        };
        if rows.iter().all(|row| row.users == 0) {
            return Err(ObservedError::at(
                &table.path,
                first.line,
                self.users as u64 + 1,
                "`User Count` is 0 in every row: no users ran, so there is no load to compare",
            ));
        }
        Ok(())
    }
}
