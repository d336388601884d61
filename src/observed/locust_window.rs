//! The figures of a Locust history over its comparison window.
//!
//! Locust's history rows carry cumulative totals (requests, failures, mean
//! since the start or the last `--reset-stats`), so differences between two
//! rows give the requests, failures and mean latency of the time between
//! them exactly. Its percentile columns are another matter (locust/stats.py,
//! `StatsCSVFileWriter._stats_history_data_rows` → `_percentile_fields`):
//!
//! - by default they are cumulative too, `get_response_time_percentile`
//!   over every request since the start (the `50%` column tracks `Total
//!   Median Response Time`; the last row equals `*_stats.csv`). A
//!   percentile of a window is then known only for a window that starts
//!   where the statistics start: the end row's. Any other window compares
//!   throughput, mean and error rate alone, and says why;
//! - with `--csv-full-history` (which also writes a row per endpoint) they
//!   are the last ~10 s's (`get_current_response_time_percentile`), and a
//!   window's percentile is estimated by the mean of its rows' (exact when
//!   the load is steady).

use std::path::Path;

use super::error::ObservedError;
use super::noise::{self, FigureNoise, QuantileTable};
use super::window::{LOCUST_ROLLING_S, full_population};
use super::{Figures, Format, Load, Observed, Window};

/// One `Aggregated` row of a Locust history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    /// Its line in the file.
    pub line: u64,
    /// Unix time, seconds.
    pub time_s: f64,
    /// Users running.
    pub users: u32,
    /// Requests per second over the last 10 s (failures included).
    pub requests_per_s: f64,
    /// Failures per second over the last 10 s.
    pub failures_per_s: f64,
    /// Median, ms (`None`: `N/A`, no requests): since the start, or over
    /// the last 10 s with `--csv-full-history`.
    pub p50_ms: Option<f64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Every percentile column, in `History::levels` order.
    pub percentiles: Vec<Option<f64>>,
    /// Requests since the start, failures included.
    pub total_requests: u64,
    /// Failures since the start.
    pub total_failures: u64,
    /// Mean response time since the start, ms.
    pub total_mean_ms: f64,
    /// Fastest response since the start, ms.
    pub total_min_ms: f64,
    /// Slowest response since the start, ms.
    pub total_max_ms: f64,
}

/// A history file's `Aggregated` rows and what its columns are.
pub struct History {
    /// The rows, in time order.
    pub rows: Vec<HistoryRow>,
    /// The level (0 to 1) of each percentile column.
    pub levels: Vec<f64>,
    /// Written with `--csv-full-history` (endpoint rows seen): each row's
    /// percentiles are then the last 10 s's, not cumulative.
    pub full_history: bool,
}

/// The figures over `window`, or over the full population when it is not set.
pub fn reduce(path: &Path, history: &History, window: Window) -> Result<Observed, ObservedError> {
    let rows = &history.rows;
    let nothing = |message: String| ObservedError::Nothing {
        path: path.to_path_buf(),
        message,
    };
    let (from, to, how) = span(history, window).map_err(nothing)?;
    let in_window = &rows[from..to];
    let max_users = in_window.iter().map(|r| r.users).max().unwrap_or(0);
    let min_users = in_window.iter().map(|r| r.users).min().unwrap_or(0);
    if max_users == 0 {
        return Err(nothing(format!(
            "no users ran in the window {} (`User Count` is 0 there)",
            window.describe()
        )));
    }
    // Where the totals start: the file's first row, or a reset.
    let begins = from == 0 || rows[from].total_requests < rows[from - 1].total_requests;
    let mut notes = Vec::new();
    let figures = figures(history, in_window, begins, &mut notes);
    if min_users != max_users {
        notes.push(format!(
            "the population varies from {min_users} to {max_users} users in the window; the model runs {max_users}"
        ));
    }
    let users = if min_users == max_users {
        format!("{max_users} users")
    } else {
        format!("{min_users}–{max_users} users")
    };
    let (t0, start, end) = (
        rows[0].time_s,
        &in_window[0],
        &in_window[in_window.len() - 1],
    );
    Ok(Observed {
        path: path.to_path_buf(),
        format: Format::Locust,
        figures,
        classes: Default::default(),
        utilization: Default::default(),
        tier_throughput_rps: Default::default(),
        load: Load::Users(max_users),
        window: format!(
            "{} rows at {users}, {:.0}–{:.0} s after the first row ({how})",
            in_window.len(),
            start.time_s - t0,
            end.time_s - t0,
        ),
        notes,
    })
}

/// The rows `from..to` to compare (at least one) and how they were chosen:
/// the window asked for, or the full population when none is; from the last
/// reset of Locust's totals on. Else why no row is left.
fn span(history: &History, window: Window) -> Result<(usize, usize, &'static str), String> {
    let rows = &history.rows;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Err(
            "no `Aggregated` rows: expected one a second, as `locust --csv` writes them".into(),
        );
    };
    let t0 = first.time_s;
    let (from, to, how) = if window.is_set() {
        let inside: Vec<usize> = (0..rows.len())
            .filter(|&i| window.contains(rows[i].time_s - t0))
            .collect();
        let (Some(&a), Some(&b)) = (inside.first(), inside.last()) else {
            return Err(format!(
                "no `Aggregated` row in the window {} after the first row (the rows span 0–{} s)",
                window.describe(),
                last.time_s - t0
            ));
        };
        (a, b + 1, "the window asked for")
    } else {
        let users: Vec<u32> = rows.iter().map(|r| r.users).collect();
        let times: Vec<f64> = rows.iter().map(|r| r.time_s).collect();
        match full_population(&times, &users, LOCUST_ROLLING_S) {
            (a, b, true) => (a, b, "ramp-up and Locust's 10 s rolling window skipped"),
            (a, b, false) => (
                a,
                b,
                "ramp-up skipped; too short to also skip Locust's 10 s rolling window",
            ),
        }
    };
    // `locust --reset-stats` zeroes the totals once every user has spawned:
    // differences across the reset would be wrong, so the window starts at
    // the last row whose totals fell (they count from the reset on).
    let reset = (from + 1..to)
        .rev()
        .find(|&i| rows[i].total_requests < rows[i - 1].total_requests);
    match reset {
        Some(from) => Ok((
            from,
            to,
            "from the last reset of Locust's totals (`--reset-stats`)",
        )),
        None => Ok((from, to, how)),
    }
}

/// The figures of the rows `window` (at least one), with their noise;
/// `begins` when the totals start at its first row.
fn figures(
    history: &History,
    window: &[HistoryRow],
    begins: bool,
    notes: &mut Vec<String>,
) -> Figures {
    let (start, end) = (&window[0], &window[window.len() - 1]);
    let cumulative = !history.full_history;
    // Everything since the start of Locust's statistics, as its cumulative
    // percentiles are: a window from the start, or a single row.
    let since_start = window.len() < 2 || (begins && cumulative);
    let (requests, failures, mean_ms) = if since_start {
        (
            end.total_requests as f64,
            end.total_failures as f64,
            Some(end.total_mean_ms),
        )
    } else {
        // Totals are cumulative: differences give the window alone, (start, end].
        let requests = end.total_requests.saturating_sub(start.total_requests) as f64;
        let summed_ms = end.total_mean_ms * end.total_requests as f64
            - start.total_mean_ms * start.total_requests as f64;
        (
            requests,
            end.total_failures.saturating_sub(start.total_failures) as f64,
            (requests > 0.0).then(|| summed_ms / requests),
        )
    };
    let (throughput_rps, throughput_noise) = if window.len() >= 2 {
        let successes = (end.total_requests.saturating_sub(start.total_requests) as f64
            - end.total_failures.saturating_sub(start.total_failures) as f64)
            .max(0.0);
        let span_s = end.time_s - start.time_s;
        (Some(successes / span_s), noise::rate(successes, span_s))
    } else {
        // One row: its rolling rate is all there is.
        (Some(end.requests_per_s - end.failures_per_s), None)
    };
    let (percentiles, table) = percentiles(history, window, since_start, begins, notes);
    let mut noise = FigureNoise::of_counts(requests, failures, None, table.as_ref(), mean_ms);
    noise.throughput_rps = throughput_noise;
    let [p50_ms, p95_ms, p99_ms] = percentiles;
    keep_if(&mut noise.p50_ms, p50_ms);
    keep_if(&mut noise.p95_ms, p95_ms);
    keep_if(&mut noise.p99_ms, p99_ms);
    Figures {
        throughput_rps,
        mean_ms,
        p50_ms,
        p95_ms,
        p99_ms,
        error_rate: (requests > 0.0).then(|| failures / requests),
        noise,
    }
}

/// The window's p50, p95 and p99 (`None` where the file cannot give them,
/// with a note saying why) and the latency distribution behind them.
fn percentiles(
    history: &History,
    window: &[HistoryRow],
    since_start: bool,
    begins: bool,
    notes: &mut Vec<String>,
) -> ([Option<f64>; 3], Option<QuantileTable>) {
    let end = &window[window.len() - 1];
    if history.full_history {
        // Until Locust has a snapshot from ~10 s before, its current
        // percentiles are `int(None or 0)`: a row of zeros, not a measurement.
        let rolling = window
            .iter()
            .filter(|r| !r.percentiles.iter().all(|p| *p == Some(0.0)));
        let mean_of =
            |pick: &dyn Fn(&HistoryRow) -> Option<f64>| mean_of(rolling.clone().map(pick));
        notes.push(
            "percentiles: the mean of the window's rows, each over its last 10 s (`--csv-full-history`)"
                .into(),
        );
        let columns: Vec<Option<f64>> = (0..history.levels.len())
            .map(|i| mean_of(&|r| r.percentiles.get(i).copied().flatten()))
            .collect();
        (
            [
                mean_of(&|r| r.p50_ms),
                mean_of(&|r| r.p95_ms),
                mean_of(&|r| r.p99_ms),
            ],
            quantile_table(
                &history.levels,
                &columns,
                end.total_min_ms,
                end.total_max_ms,
            ),
        )
    } else {
        let table = quantile_table(
            &history.levels,
            &end.percentiles,
            end.total_min_ms,
            end.total_max_ms,
        );
        if since_start {
            if window.len() < 2 && !begins {
                notes.push(format!(
                    "one row in the window: its mean and percentiles are Locust's since the start of the test ({:.0} s before it)",
                    end.time_s - history.rows[0].time_s
                ));
            }
            ([end.p50_ms, end.p95_ms, end.p99_ms], table)
        } else {
            notes.push(format!(
                "percentiles not compared: without `--csv-full-history` Locust's history holds percentiles since the start of the test, and this window starts {:.0} s after it (throughput, mean and error rate come from the totals' differences); for percentiles, compare from the first row (`--from-s 0`: the whole test, ramp-up included), or rerun Locust with `--reset-stats` (totals restart once every user runs) or `--csv-full-history` (each row's percentiles over its last 10 s)",
                window[0].time_s - history.rows[0].time_s
            ));
            // The spread of the whole test stands in for the window's, for
            // the mean's standard error only.
            ([None, None, None], table)
        }
    }
}

/// A row's latency distribution: its percentile columns with the minimum
/// at level 0 and the maximum at level 1 (`None` while a column is `N/A`).
pub fn quantile_table(
    levels: &[f64],
    values: &[Option<f64>],
    min_ms: f64,
    max_ms: f64,
) -> Option<QuantileTable> {
    let mut points = vec![(0.0, min_ms)];
    for (&level, value) in levels.iter().zip(values) {
        points.push((level, (*value)?));
    }
    if !levels.contains(&1.0) {
        points.push((1.0, max_ms));
    }
    QuantileTable::new(points)
}

/// Drops a figure's interval when the figure itself is not compared.
fn keep_if(noise: &mut Option<noise::Noise>, figure: Option<f64>) {
    if figure.is_none() {
        *noise = None;
    }
}

/// The mean of the values present.
fn mean_of(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = values
        .flatten()
        .fold((0.0, 0usize), |(sum, n), x| (sum + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}
