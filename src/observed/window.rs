//! The comparison window: which part of an observed run is compared with
//! the model, and the figures over it.
//!
//! A load test ramps its users up before it holds them. The model is set
//! to the full population, and a closed system's throughput and latency grow
//! with its users, so rows from the ramp-up would pull every observed figure
//! away from what the model describes. The window is therefore the rows at
//! the largest user count, less the first seconds there while Locust's
//! rolling figures still remember the ramp-up.

use std::path::Path;

use super::error::ObservedError;
use super::{Figures, Format, Load, Observed};

/// Locust's "current" figures (`Requests/s`, the percentiles of a history
/// row) cover the last 10 s (`CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW` in
/// locust/stats.py), so for 10 s after the population is complete they
/// still mix in requests made during the ramp-up.
pub const LOCUST_ROLLING_S: f64 = 10.0;

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
    /// Percentiles over the last 10 s, ms (`None`: `N/A`, no requests).
    pub p50_ms: Option<f64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Requests since the start, failures included.
    pub total_requests: u64,
    /// Failures since the start.
    pub total_failures: u64,
    /// Mean response time since the start, ms.
    pub total_mean_ms: f64,
}

/// The rows to compare, as a range of indices into `users` (one entry per
/// row, in time order): the rows at the largest population, from
/// `settle_s` after it was first reached. When that leaves fewer than two
/// rows (a short test) it keeps every row at the largest population, and
/// says so with `false`.
pub fn full_population(times_s: &[f64], users: &[u32], settle_s: f64) -> (usize, usize, bool) {
    let max = users.iter().copied().max().unwrap_or(0);
    let first = users.iter().position(|&u| u == max).unwrap_or(0);
    // The population may shrink at the end (Locust stopping users): the
    // window ends with the last row still at the full count.
    let last = users.iter().rposition(|&u| u == max).unwrap_or(0);
    let settled = (first..=last)
        .find(|&i| times_s[i] >= times_s[first] + settle_s)
        .unwrap_or(last + 1);
    if last + 1 >= settled + 2 {
        (settled, last + 1, true)
    } else {
        (first, last + 1, false)
    }
}

/// The figures of a Locust history over its comparison window.
pub fn locust(path: &Path, rows: &[HistoryRow]) -> Result<Observed, ObservedError> {
    let nothing = |message: &str| ObservedError::Nothing {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    if rows.is_empty() {
        return Err(nothing(
            "no `Aggregated` rows: expected one a second, as `locust --csv` writes them",
        ));
    }
    let users: Vec<u32> = rows.iter().map(|r| r.users).collect();
    let times: Vec<f64> = rows.iter().map(|r| r.time_s).collect();
    let max_users = users.iter().copied().max().unwrap_or(0);
    if max_users == 0 {
        return Err(nothing(
            "no row has users running (`User Count` is 0 throughout)",
        ));
    }
    let (from, to, settled) = full_population(&times, &users, LOCUST_ROLLING_S);
    // `locust --reset-stats` zeroes the totals once every user has spawned:
    // differences across the reset would be wrong, so the window starts at
    // the last row whose totals fell (they count from the reset on).
    let reset = (from + 1..to)
        .rev()
        .find(|&i| rows[i].total_requests < rows[i - 1].total_requests);
    let from = reset.unwrap_or(from);
    let window = &rows[from..to];
    let (start, end) = (&window[0], &window[window.len() - 1]);
    let figures = if window.len() >= 2 {
        // Totals are cumulative: differences give the window alone, (start, end].
        let requests = (end.total_requests - start.total_requests.min(end.total_requests)) as f64;
        let failures = end.total_failures.saturating_sub(start.total_failures) as f64;
        let span_s = end.time_s - start.time_s;
        let summed_ms = end.total_mean_ms * end.total_requests as f64
            - start.total_mean_ms * start.total_requests as f64;
        Figures {
            throughput_rps: Some((requests - failures) / span_s),
            mean_ms: (requests > 0.0).then(|| summed_ms / requests),
            p50_ms: mean_of(window.iter().map(|r| r.p50_ms)),
            p95_ms: mean_of(window.iter().map(|r| r.p95_ms)),
            p99_ms: mean_of(window.iter().map(|r| r.p99_ms)),
            error_rate: (requests > 0.0).then(|| failures / requests),
        }
    } else {
        // One row at full population: its rolling figures are all there is.
        Figures {
            throughput_rps: Some(end.requests_per_s - end.failures_per_s),
            mean_ms: Some(end.total_mean_ms),
            p50_ms: end.p50_ms,
            p95_ms: end.p95_ms,
            p99_ms: end.p99_ms,
            error_rate: (end.total_requests > 0)
                .then(|| end.total_failures as f64 / end.total_requests as f64),
        }
    };
    let t0 = rows[0].time_s;
    let window = format!(
        "{} rows at {max_users} users, {:.0}–{:.0} s after the first row ({})",
        window.len(),
        start.time_s - t0,
        end.time_s - t0,
        match (reset.is_some(), settled) {
            (true, _) => "from the last reset of Locust's totals (`--reset-stats`)",
            (false, true) => "ramp-up and Locust's 10 s rolling window skipped",
            (false, false) =>
                "ramp-up skipped; too short to also skip Locust's 10 s rolling window",
        }
    );
    Ok(Observed {
        path: path.to_path_buf(),
        format: Format::Locust,
        figures,
        classes: Default::default(),
        utilization: Default::default(),
        tier_throughput_rps: Default::default(),
        load: Load::Users(max_users),
        window,
    })
}

/// The mean of the values present. Locust writes no histogram per row,
/// only each row's percentiles over its last 10 s, so a window's
/// percentile is estimated by their mean (exact when the load is steady).
pub fn mean_of(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = values
        .flatten()
        .fold((0.0, 0usize), |(sum, n), x| (sum + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}
