//! Confidence intervals over independent replications.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A figure estimated over replications: its mean and the half-width of its
/// 95% confidence interval (`None` from a single replication).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Mean over replications.
    pub mean: f64,
    /// Half-width of the two-sided 95% Student-t interval.
    pub ci95: Option<f64>,
}

impl Estimate {
    /// Mean and 95% half-width of `samples`, one per replication.
    pub fn of(samples: &[f64]) -> Estimate {
        match t_interval(samples, 0.95) {
            Some((mean, half_width)) => Estimate {
                mean,
                ci95: Some(half_width),
            },
            None => Estimate {
                mean: samples.first().copied().unwrap_or(f64::NAN),
                ci95: None,
            },
        }
    }
}

/// Mean and half-width of a two-sided Student-t interval over independent
/// replications. `None` below two replications: one run says nothing about
/// its own spread, and within-run samples are correlated.
pub fn t_interval(samples: &[f64], confidence: f64) -> Option<(f64, f64)> {
    let n = samples.len();
    if n < 2 {
        return None;
    }
    let mean = samples.iter().sum::<f64>() / n as f64;
    let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()?
        .inverse_cdf(0.5 + confidence / 2.0);
    Some((mean, t * (var / n as f64).sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_t_table() {
        // t(0.975, 9) = 2.262 in every table; sd of 1..=10 is √(55/6).
        let samples: Vec<f64> = (1..=10).map(f64::from).collect();
        let (mean, half) = t_interval(&samples, 0.95).unwrap();
        assert_eq!(mean, 5.5);
        let expected = 2.262 * (55.0f64 / 6.0).sqrt() / 10f64.sqrt();
        assert!((half - expected).abs() < 1e-3, "{half} vs {expected}");
        assert!(t_interval(&[1.0], 0.95).is_none());
    }
}
