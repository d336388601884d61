//! The bounds every duration law keeps, so that draws scaled to nanoseconds
//! stay finite and means stay above the clock's resolution.

use crate::model::shared::error::Diagnostic;
use crate::model::shared::units::shown;

/// The longest duration a distribution may name, ms: 10^9 s, the longest
/// run. With speeds at least
/// [`MIN_SPEED`](crate::model::shared::checks::MIN_SPEED) every draw stays below 10^21 ns,
/// finite (a draw beyond 2^64 ns saturates, like every time sum).
pub const MAX_MS: f64 = 1e12;

/// The smallest mean of exponential, lognormal and gamma laws, ms: one
/// nanosecond, the clock's resolution (a smaller mean rounds to 0, and the
/// gamma's scale mean·cv² could underflow to 0, which `rand_distr` refuses).
pub const MIN_MEAN_MS: f64 = 1e-6;

/// A duration at `path` no longer than [`MAX_MS`].
pub(crate) fn check_at_most(acc: &mut Vec<Diagnostic>, path: &str, value: f64) {
    if value > MAX_MS {
        acc.push(Diagnostic::new(
            path,
            format!(
                "expected at most {MAX_MS:e} ms (10^9 s, the longest run), got {}",
                shown(value)
            ),
        ));
    }
}

/// A mean (`<path>.mean_ms`) of at least [`MIN_MEAN_MS`].
pub(crate) fn check_mean(acc: &mut Vec<Diagnostic>, path: &str, mean_ms: f64) {
    if mean_ms < MIN_MEAN_MS {
        acc.push(Diagnostic::new(
            format!("{path}.mean_ms"),
            format!(
                "expected a mean of at least {MIN_MEAN_MS:e} ms (1 ns, the clock's resolution), got {}",
                shown(mean_ms)
            ),
        ));
    }
}
