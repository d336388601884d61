//! Autoscalers: given what the pool's monitor read over a period, how many
//! instances the pool should have. Pure decisions; `fleet` carries them out.

mod aws;
mod hpa;
mod replicas;

use crate::engine::Decision;
use crate::model::{Autoscaler, Metric};

use super::monitor::Reading;

pub use aws::AwsState;
pub use hpa::HpaState;

/// What the controller knows of its pool.
#[derive(Clone, Copy, Debug)]
pub struct View {
    /// The desired count in force (serving + starting when settled).
    pub desired: u32,
    /// Instances serving.
    pub serving: u32,
    /// Instances serving since before the reading's period began (the
    /// pods whose CPU an HPA counts; `Reading::settled_cpu` is theirs).
    pub settled: u32,
    /// Instances launched, not serving yet (Kubernetes: pending pods).
    pub starting: u32,
    /// Instances crashed and not yet replaced (pods without metrics).
    pub failed: u32,
}

/// One rule's evaluation: a decision without the clock and pool name.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Instances wanted.
    pub desired: u32,
    /// The rule.
    pub rule: String,
    /// The metric read.
    pub metric: String,
    /// Its value.
    pub value: f64,
    /// Its target.
    pub target: f64,
    /// Instances counted as current.
    pub current: u32,
    /// Why.
    pub reason: String,
}

impl Evaluation {
    /// No change, for `reason`.
    pub fn hold(current: u32, rule: &str, reason: &str) -> Self {
        Evaluation {
            desired: current,
            rule: rule.into(),
            metric: "-".into(),
            value: f64::NAN,
            target: f64::NAN,
            current,
            reason: reason.into(),
        }
    }

    /// As a logged decision of `pool` at `time_s`.
    pub fn decision(self, time_s: f64, pool: &str) -> Decision {
        Decision {
            time_s,
            pool: pool.to_string(),
            rule: self.rule,
            metric: self.metric,
            value: self.value,
            target: self.target,
            current: self.current,
            desired: self.desired,
            reason: self.reason,
        }
    }
}

/// The value of `metric` in `reading`.
pub fn metric_value(reading: &Reading, metric: Metric) -> f64 {
    match metric {
        Metric::Cpu => reading.cpu,
        Metric::RequestsPerSecond => reading.rps_per_instance,
        Metric::InFlight => reading.in_flight_per_instance,
        Metric::LatencyP99Ms => reading.p99_ms,
        Metric::LatencyMeanMs => reading.mean_ms,
        Metric::QueueDepth { .. } => reading.queue_depth,
        Metric::QueueAgeS { .. } => reading.queue_age_s,
    }
}

/// A pool's controller.
#[derive(Debug)]
pub enum Controller {
    /// Kubernetes HPA.
    Hpa(HpaState),
    /// AWS group.
    Aws(AwsState),
}

impl Controller {
    /// The controller of `autoscaler`.
    pub fn new(autoscaler: &Autoscaler) -> Self {
        match autoscaler {
            Autoscaler::Hpa(hpa) => Controller::Hpa(HpaState::new(hpa)),
            Autoscaler::Aws(aws) => Controller::Aws(AwsState::new(aws)),
        }
    }

    /// One evaluation: the group's decision first, then any per-rule ones.
    pub fn evaluate(&mut self, now_s: f64, reading: &Reading, view: View) -> Vec<Evaluation> {
        match self {
            Controller::Hpa(hpa) => vec![hpa.evaluate(now_s, reading, view)],
            Controller::Aws(aws) => aws.evaluate(now_s, reading, view),
        }
    }
}

/// Readings and views for the decision rules' unit tests.
#[cfg(test)]
mod testing {
    use super::View;
    use crate::nodes::monitor::Reading;

    /// A reading with only CPU (a fraction), the same for every pod.
    pub fn cpu(fraction: f64) -> Reading {
        Reading {
            cpu: fraction,
            settled_cpu: fraction,
            ..Reading::default()
        }
    }

    /// `n` instances, all serving since before the period.
    pub fn view(n: u32) -> View {
        View {
            desired: n,
            serving: n,
            settled: n,
            starting: 0,
            failed: 0,
        }
    }
}
