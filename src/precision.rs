//! Replications until a precision, as JMT runs a model until its
//! confidence intervals are narrow enough: `--precision 5%` (each figure's
//! 95% half-width at most 5% of its mean) or `--precision 2ms` (each
//! latency figure's half-width at most 2 ms), with a cap.
//!
//! The figures judged are the end-to-end ones a planner reads first:
//! throughput (relative targets only), mean, p50, p95 and p99. The count
//! doubles from 2 (or the replications asked for) and is checked only at
//! those counts, so where it stops depends on the model and the seed, never
//! on the thread count. Stopping when an interval first looks narrow
//! biases its coverage a little low; doubling keeps the number of looks
//! small (tests/it/precision.rs measures the coverage on M/M/1).

use crate::model::Model;
use crate::run::{Replicated, RunOptions, replicate_more};
use crate::stats::{Estimate, RunResult, Summary};

/// A target half-width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Precision {
    /// A fraction of each figure's mean.
    Relative(f64),
    /// Milliseconds, for the latency figures.
    AbsoluteMs(f64),
}

impl Precision {
    /// `5%` or `2ms` (also `0.5 ms`).
    pub fn parse(text: &str) -> Result<Precision, String> {
        let bad = || {
            format!(
                "expected a half-width like `5%` (of each figure's mean) or `2ms` (of each latency figure), got `{text}`"
            )
        };
        let number = |n: &str| {
            n.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0)
        };
        let text = text.trim();
        if let Some(n) = text.strip_suffix('%') {
            return number(n)
                .map(|x| Precision::Relative(x / 100.0))
                .ok_or_else(bad);
        }
        if let Some(n) = text.strip_suffix("ms") {
            return number(n).map(Precision::AbsoluteMs).ok_or_else(bad);
        }
        Err(bad())
    }

    /// A figure's half-width over its target (≤ 1: narrow enough);
    /// `None` where the target does not apply.
    fn ratio(self, figure: &str, estimate: Estimate) -> Option<f64> {
        let half = estimate.ci95.unwrap_or(f64::INFINITY);
        match self {
            Precision::Relative(fraction) => {
                let scale = estimate.mean.abs();
                Some(if scale > 0.0 {
                    half / (fraction * scale)
                } else if half == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                })
            }
            Precision::AbsoluteMs(ms) => figure.ends_with("ms").then_some(half / ms),
        }
    }
}

/// Where a run to precision stopped.
#[derive(Clone, Debug, PartialEq)]
pub struct Reached {
    /// Replications run.
    pub replications: u32,
    /// Whether every figure is within the target.
    pub met: bool,
    /// The figure furthest from its target and its half-width over the target.
    pub widest: (&'static str, f64),
}

/// The judged figures of `summary`, by name.
fn figures(summary: &Summary) -> [(&'static str, Estimate); 5] {
    let e = &summary.end_to_end;
    [
        ("throughput", e.throughput_rps),
        ("mean ms", e.mean_ms),
        ("p50 ms", e.p50_ms),
        ("p95 ms", e.p95_ms),
        ("p99 ms", e.p99_ms),
    ]
}

/// The judged figure furthest from `precision` in `runs`.
pub fn widest(runs: &[RunResult], precision: Precision) -> (&'static str, f64) {
    let summary = Summary::of(runs);
    figures(&summary)
        .into_iter()
        .filter_map(|(name, e)| Some((name, precision.ratio(name, e)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or(("", 0.0))
}

/// Replications of `model` from `first` (at least 2), doubling, until
/// every judged figure is within `precision` or `cap` are run; `done` is
/// called as each replication finishes.
pub fn replicate_to_precision(
    model: &Model,
    seed: u64,
    precision: Precision,
    (first, cap): (u32, u32),
    options: &RunOptions,
    done: &(dyn Fn(&RunResult) + Sync),
) -> (Replicated, Reached) {
    let mut replicated = Replicated::empty();
    let mut replications = first.max(2).min(cap.max(2));
    loop {
        replicate_more(model, seed, &mut replicated, replications, options, done);
        let widest = widest(&replicated.runs, precision);
        let met = widest.1 <= 1.0;
        if met || replications >= cap {
            let reached = Reached {
                replications,
                met,
                widest,
            };
            return (replicated, reached);
        }
        replications = cap.min(replications.saturating_mul(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_relative_and_absolute_targets() {
        assert_eq!(Precision::parse("5%"), Ok(Precision::Relative(0.05)));
        assert_eq!(Precision::parse(" 0.5 ms"), Ok(Precision::AbsoluteMs(0.5)));
        assert_eq!(
            Precision::parse("5"),
            Err("expected a half-width like `5%` (of each figure's mean) or `2ms` (of each latency figure), got `5`".into())
        );
        assert!(Precision::parse("0%").is_err());
        assert!(Precision::parse("-2ms").is_err());
    }

    #[test]
    fn ratios_compare_half_widths_with_targets() {
        let e = |mean, half| Estimate {
            mean,
            ci95: Some(half),
        };
        let relative = Precision::Relative(0.05);
        assert_eq!(relative.ratio("p99 ms", e(200.0, 5.0)), Some(0.5));
        assert_eq!(relative.ratio("throughput", e(0.0, 0.0)), Some(0.0));
        let absolute = Precision::AbsoluteMs(2.0);
        assert_eq!(absolute.ratio("p99 ms", e(200.0, 5.0)), Some(2.5));
        assert_eq!(absolute.ratio("throughput", e(100.0, 5.0)), None);
        let one_run = Estimate {
            mean: 1.0,
            ci95: None,
        };
        assert_eq!(relative.ratio("mean ms", one_run), Some(f64::INFINITY));
    }
}
