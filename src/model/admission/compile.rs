//! `admission` as written → [`Admission`]: names resolved, the rate in
//! integer thousandths. Only for a checked topology.

use crate::model::admission::compiled::{Admission, RateLimit};
use crate::model::admission::spec::AdmissionSpec;
use crate::model::shared::units::ms_to_ns;

/// The rate in thousandths per second: checked to be whole by `check`.
pub(crate) fn milli_rate(rate_per_s: f64) -> u64 {
    (rate_per_s * 1000.0).round() as u64
}

/// Compiles a checked `admission`; `classes` are the model's class names, by id.
pub fn admission(spec: &AdmissionSpec, classes: &[String]) -> Admission {
    Admission {
        rate_limit: spec.rate_limit.as_ref().map(|limit| RateLimit {
            milli_rate: milli_rate(limit.rate_per_s.get()),
            burst: limit.burst.get(),
            per: limit.per,
            class_filter: classes
                .iter()
                .map(|class| limit.classes.is_empty() || limit.classes.contains(class))
                .collect(),
        }),
        max_concurrency: spec.max_concurrency.map(|c| c.get()),
        shed_queue_length: spec
            .shed
            .as_ref()
            .and_then(|s| s.queue_length)
            .map(|l| l.get()),
        shed_wait_ns: spec
            .shed
            .as_ref()
            .and_then(|s| s.wait_ms)
            .map(|w| ms_to_ns(w.get())),
        lifo_over: spec.lifo_when_over.map(|l| l.get()),
    }
}
