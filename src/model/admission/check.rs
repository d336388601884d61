//! Checks of `admission`: a rate the bucket keeps exactly, classes that
//! exist, an empty `shed`, and the parts only a pool has.

use crate::model::admission::compile::milli_rate;
use crate::model::admission::spec::AdmissionSpec;
use crate::model::shared::error::Diagnostic;
use crate::model::shared::units::shown;

/// The highest rate a bucket takes, tokens per second: far above any node's
/// capacity, and low enough that the bucket's integer arithmetic cannot overflow.
pub const MAX_RATE_PER_S: f64 = 1e9;

/// Checks `admission` at `path` (`nodes.<name>.<kind>.admission`) of a node
/// whose kind `is_pool` or not; `classes` are the model's class names.
pub fn check(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: &AdmissionSpec,
    is_pool: bool,
    classes: &[&str],
) {
    if let Some(limit) = &spec.rate_limit {
        let rate = limit.rate_per_s.get();
        let whole = milli_rate(rate) as f64 / 1000.0;
        if rate > MAX_RATE_PER_S {
            acc.push(Diagnostic::new(
                format!("{path}.rate_limit.rate_per_s"),
                format!(
                    "expected at most {}, got {}",
                    shown(MAX_RATE_PER_S),
                    shown(rate)
                ),
            ));
        } else if rate < 0.001 || (whole - rate).abs() > 1e-9 * rate {
            acc.push(Diagnostic::new(
                format!("{path}.rate_limit.rate_per_s"),
                format!(
                    "expected a multiple of 0.001 (the bucket counts thousandths of a token, so that rate × t + burst holds exactly), got {}",
                    shown(rate)
                ),
            ));
        }
        for (i, class) in limit.classes.iter().enumerate() {
            if !classes.contains(&class.as_str()) {
                acc.push(Diagnostic::new(
                    format!("{path}.rate_limit.classes[{i}]"),
                    format!("no class named `{class}` (classes: {})", classes.join(", ")),
                ));
            }
        }
    }
    if let Some(shed) = &spec.shed
        && shed.queue_length.is_none()
        && shed.wait_ms.is_none()
    {
        acc.push(Diagnostic::new(
            format!("{path}.shed"),
            "expected `queue_length` (requests waiting) or `wait_ms` (expected wait), got neither",
        ));
    }
    if !is_pool {
        for (field, given) in [
            ("shed", spec.shed.is_some()),
            ("lifo_when_over", spec.lifo_when_over.is_some()),
        ] {
            if given {
                acc.push(Diagnostic::new(
                    format!("{path}.{field}"),
                    "a load balancer has no queue: put it on the pool behind it",
                ));
            }
        }
    }
}
