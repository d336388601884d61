//! The comparison window a reader picks when none is given: which part of
//! an observed run is compared with the model.
//!
//! A load test ramps its users up before it holds them. The model is set
//! to the full population, and a closed system's throughput and latency grow
//! with its users, so rows from the ramp-up would pull every observed figure
//! away from what the model describes. The window is therefore the rows at
//! the largest user count, less the first seconds there while Locust's
//! rolling figures still remember the ramp-up.

/// Locust's "current" figures (`Requests/s`, and with `--csv-full-history`
/// the percentiles of a history row) cover the last 10 s (`CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW` in
/// locust/stats.py), so for 10 s after the population is complete they
/// still mix in requests made during the ramp-up.
pub const LOCUST_ROLLING_S: f64 = 10.0;

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
