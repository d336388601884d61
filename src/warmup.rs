//! An automatic warm-up: MSER-5 (White, 1997; White, Cobb and Spratt,
//! "A comparison of five steady-state truncation heuristics", 2000) on a
//! pilot run's requests in flight, the state whose initial transient the
//! warm-up is there to discard.
//!
//! The pilot is replication 0 with no warm-up and a series of 1,000
//! windows. Windows are grouped in batches of 5; MSER-5 truncates the d
//! batches (d at most half of them) that minimise the squared standard
//! error of the mean of the rest, Σ (b_j − b̄_d)² / (n − d)². The warm-up is
//! the truncated windows' length.

use crate::model::Model;
use crate::run::{RunOptions, simulate_with};

/// Windows of the pilot run.
const WINDOWS: f64 = 1000.0;
/// Windows per batch (the 5 of MSER-5).
const BATCH: usize = 5;

/// A warm-up found by MSER-5.
#[derive(Clone, Debug, PartialEq)]
pub struct Detected {
    /// The warm-up, seconds.
    pub warmup_s: f64,
    /// Batches truncated, and batches in all.
    pub batches: (usize, usize),
}

/// The number of batches of 5 that MSER-5 truncates from `series`; `None`
/// with fewer than 10 batches or a value that is not finite.
pub fn mser5(series: &[f64]) -> Option<usize> {
    if series.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let batches: Vec<f64> = series
        .chunks_exact(BATCH)
        .map(|b| b.iter().sum::<f64>() / BATCH as f64)
        .collect();
    let n = batches.len();
    if n < 10 {
        return None;
    }
    // Suffix sums give every truncation's mean and squared deviations in O(n).
    let (mut sum, mut squares) = (0.0, 0.0);
    let mut best = (f64::INFINITY, 0);
    let mut statistic = vec![0.0; n / 2 + 1];
    for d in (0..n).rev() {
        sum += batches[d];
        squares += batches[d] * batches[d];
        if d <= n / 2 {
            let kept = (n - d) as f64;
            let mean = sum / kept;
            statistic[d] = (squares - kept * mean * mean).max(0.0) / (kept * kept);
        }
    }
    for (d, &s) in statistic.iter().enumerate() {
        if s < best.0 {
            best = (s, d);
        }
    }
    Some(best.1)
}

/// The warm-up MSER-5 finds for `model` in a pilot run (replication 0 of
/// `seed`, from t = 0).
pub fn detect(model: &Model, seed: u64) -> Result<Detected, String> {
    let mut pilot = model.clone();
    pilot.warmup_s = 0.0;
    let window_s = model.duration_s / WINDOWS;
    let options = RunOptions {
        series_window_s: Some(window_s),
        decisions: false,
    };
    let run = simulate_with(&pilot, seed, 0, &options, &mut |_| {});
    let in_flight = (run.series.as_ref())
        .and_then(|s| s.column("in_flight"))
        .ok_or("the pilot run recorded no requests in flight")?;
    let batches = in_flight.len() / BATCH;
    let d = mser5(&in_flight).ok_or_else(|| {
        format!("the pilot run has {batches} batches of 5 windows, too few for MSER-5 (10 or more)")
    })?;
    Ok(Detected {
        warmup_s: d as f64 * BATCH as f64 * window_s,
        batches: (d, batches),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_a_transient_and_nothing_of_a_steady_series() {
        // 20 batches of a decaying start (10, 8, 6, 4, 2), then 80 at 0 ± 0.1.
        let mut series = Vec::new();
        for level in [10.0, 8.0, 6.0, 4.0, 2.0] {
            series.extend([level; BATCH]);
        }
        for k in 0..400 {
            series.push(if k % 2 == 0 { 0.1 } else { -0.1 });
        }
        assert_eq!(mser5(&series), Some(5));
        let steady: Vec<f64> = (0..500)
            .map(|k| if k % 10 < 5 { 1.0 } else { -1.0 })
            .collect();
        assert_eq!(mser5(&steady), Some(0));
        assert_eq!(mser5(&[1.0; 45]), None);
        assert_eq!(mser5(&[f64::NAN; 100]), None);
    }
}
