//! Distributions and instance speeds checked so the sampler can be built and
//! never yields NaN or infinity: `rand_distr` refuses some parameters
//! (a gamma whose shape 1/cv² overflows, a lognormal whose σ does), and a
//! duration scaled to nanoseconds must stay finite.

use crate::model::shared::bounds::{check_at_most, check_mean};
use crate::model::shared::dist::DistSpec;
use crate::model::shared::error::Diagnostic;
use crate::model::shared::law_checks;
use crate::model::shared::units::shown;

/// Coefficients of variation of lognormal and gamma laws. Below, the gamma's
/// shape 1/cv² grows past any use (write `constant`); above, the law's mean
/// would not show in any run, and beyond cv ≈ 10^154 its parameters overflow.
pub const CV_RANGE: (f64, f64) = (1e-6, 1e3);

/// Relative speeds of instance types: service times are divided by them.
pub const MIN_SPEED: f64 = 1e-3;
/// See [`MIN_SPEED`].
pub const MAX_SPEED: f64 = 1e3;

/// Checks `dist` at `path`: shapes (bounds in order, lists not empty) and
/// the ranges above.
pub fn check_dist(acc: &mut Vec<Diagnostic>, path: &str, dist: &DistSpec) {
    let mut at_most =
        |field: &str, value: f64| check_at_most(acc, &format!("{path}.{field}"), value);
    match dist {
        DistSpec::Exponential { mean_ms } => at_most("exponential.mean_ms", mean_ms.get()),
        DistSpec::Constant { ms } => at_most("constant.ms", ms.get()),
        DistSpec::Uniform { min_ms, max_ms } => {
            at_most("uniform.min_ms", min_ms.get());
            at_most("uniform.max_ms", max_ms.get());
        }
        DistSpec::Lognormal { mean_ms, .. } => at_most("lognormal.mean_ms", mean_ms.get()),
        DistSpec::Gamma { mean_ms, .. } => at_most("gamma.mean_ms", mean_ms.get()),
        DistSpec::Empirical { samples_ms } => {
            for (i, sample) in samples_ms.iter().enumerate() {
                at_most(&format!("empirical.samples_ms[{i}]"), sample.get());
            }
        }
        DistSpec::Histogram { bins } => {
            for (i, bin) in bins.iter().enumerate() {
                at_most(&format!("histogram.bins[{i}].from_ms"), bin.from_ms.get());
                at_most(&format!("histogram.bins[{i}].to_ms"), bin.to_ms.get());
            }
        }
        DistSpec::BoundedPareto(law) => law_checks::bounded_pareto(acc, path, law),
        DistSpec::Weibull(law) => law_checks::weibull(acc, path, law),
        DistSpec::Hyperexponential(law) => law_checks::hyperexponential(acc, path, law),
        DistSpec::Erlang(law) => law_checks::erlang(acc, path, law),
        DistSpec::PhaseType(law) => law_checks::phase_type(acc, path, law),
    }
    check_shape(acc, path, dist);
}

/// Means, cvs, bounds in order, non-empty lists, weights that add up.
fn check_shape(acc: &mut Vec<Diagnostic>, path: &str, dist: &DistSpec) {
    match dist {
        DistSpec::Exponential { mean_ms } => {
            check_mean(acc, &format!("{path}.exponential"), mean_ms.get());
        }
        DistSpec::Lognormal { mean_ms, cv } => {
            check_mean(acc, &format!("{path}.lognormal"), mean_ms.get());
            check_cv(acc, &format!("{path}.lognormal"), cv.get());
        }
        DistSpec::Gamma { mean_ms, cv } => {
            check_mean(acc, &format!("{path}.gamma"), mean_ms.get());
            check_cv(acc, &format!("{path}.gamma"), cv.get());
        }
        DistSpec::Uniform { min_ms, max_ms } if min_ms.get() > max_ms.get() => {
            acc.push(Diagnostic::new(
                format!("{path}.uniform.max_ms"),
                format!(
                    "expected at least `min_ms` ({}), got {}",
                    min_ms.get(),
                    max_ms.get()
                ),
            ));
        }
        DistSpec::Empirical { samples_ms } if samples_ms.is_empty() => {
            acc.push(Diagnostic::new(
                format!("{path}.empirical.samples_ms"),
                "expected at least one sample, got none",
            ));
        }
        DistSpec::Histogram { bins } => {
            if bins.is_empty() {
                acc.push(Diagnostic::new(
                    format!("{path}.histogram.bins"),
                    "expected at least one bin, got none",
                ));
            }
            for (i, bin) in bins.iter().enumerate() {
                if bin.from_ms.get() > bin.to_ms.get() {
                    acc.push(Diagnostic::new(
                        format!("{path}.histogram.bins[{i}].to_ms"),
                        format!(
                            "expected at least `from_ms` ({}), got {}",
                            bin.from_ms.get(),
                            bin.to_ms.get()
                        ),
                    ));
                }
            }
            let weights = bins.iter().map(|bin| bin.weight.get());
            check_weights(acc, &format!("{path}.histogram.bins"), weights);
        }
        _ => {}
    }
}

fn check_cv(acc: &mut Vec<Diagnostic>, path: &str, cv: f64) {
    let (low, high) = CV_RANGE;
    if !(low..=high).contains(&cv) {
        acc.push(Diagnostic::new(
            format!("{path}.cv"),
            format!(
                "expected a cv between {low:e} and {high} (for no variation write `constant`), got {}",
                shown(cv)
            ),
        ));
    }
}

/// Relative weights (each finite and positive) must have a finite sum, or
/// every share would be 0.
pub fn check_weights(acc: &mut Vec<Diagnostic>, path: &str, weights: impl Iterator<Item = f64>) {
    let total: f64 = weights.sum();
    if !total.is_finite() {
        acc.push(Diagnostic::new(
            path,
            "expected weights with a finite sum, got more than the largest number (scale them down)",
        ));
    }
}

/// An instance type's speed at `path`.
pub fn check_speed(acc: &mut Vec<Diagnostic>, path: String, speed: f64) {
    if !(MIN_SPEED..=MAX_SPEED).contains(&speed) {
        acc.push(Diagnostic::new(
            path,
            format!(
                "expected a speed between {MIN_SPEED} and {MAX_SPEED} (relative to 1), got {}",
                shown(speed)
            ),
        ));
    }
}
