//! Compiled fleet behaviour of a pool: instance start-up, autoscaling rules,
//! failures, zones and health checks, with units converted and defaults
//! filled in.

pub use crate::model::topology::spec::{AdjustmentType, Comparison, HpaPolicyType, SelectPolicy};

use crate::model::shared::dist::DistSpec as Dist;

/// How a pool's instances come, go and fail.
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    /// Launch to boot.
    pub provisioning: Option<Dist>,
    /// Boot to serving.
    pub warmup: Option<Dist>,
    /// Availability zones (at least one).
    pub zones: Vec<String>,
    /// The autoscaler, if any.
    pub autoscaler: Option<Autoscaler>,
    /// Crashes.
    pub failures: Failures,
    /// Health checks, if any.
    pub health_check: Option<HealthCheck>,
}

/// A pool metric an autoscaler reads, measured over its evaluation period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Busy vCPUs / vCPUs of the serving instances, a fraction.
    Cpu,
    /// Requests reaching the pool per second, per serving instance.
    RequestsPerSecond,
    /// Requests at the pool (queued or in service), per serving instance.
    InFlight,
    /// 99th percentile of the pool's latency, ms.
    LatencyP99Ms,
    /// Mean of the pool's latency, ms.
    LatencyMeanMs,
    /// Messages of the queue the pool consumes, visible and in flight (what
    /// KEDA's `aws-sqs-queue` scaler reads by default), at the sync. An
    /// `External` metric: `average` for an `AverageValue` target (per pod,
    /// KEDA's `queueLength`), else a `Value` target.
    QueueDepth {
        /// `AverageValue` (true) or `Value`.
        average: bool,
    },
    /// Age of the oldest visible message of the queue the pool consumes,
    /// seconds, at the sync (CloudWatch's `ApproximateAgeOfOldestMessage`).
    QueueAgeS {
        /// `AverageValue` (true) or `Value`.
        average: bool,
    },
}

impl Metric {
    /// The metric called `name` in an HPA `pods`/`object`/`external` metric.
    pub fn by_name(name: &str) -> Option<Metric> {
        Some(match name {
            "requests_per_second" => Metric::RequestsPerSecond,
            "in_flight" => Metric::InFlight,
            "latency_p99_ms" => Metric::LatencyP99Ms,
            "latency_mean_ms" => Metric::LatencyMeanMs,
            "queue_depth" => Metric::QueueDepth { average: true },
            "queue_age_s" => Metric::QueueAgeS { average: true },
            _ => return None,
        })
    }

    /// The names `by_name` knows, for messages.
    pub const NAMES: &'static str =
        "requests_per_second, in_flight, latency_p99_ms, latency_mean_ms, queue_depth, queue_age_s";

    /// True for the metrics of the queue a pool consumes.
    pub fn reads_queue(self) -> bool {
        matches!(self, Metric::QueueDepth { .. } | Metric::QueueAgeS { .. })
    }

    /// True for figures of each instance (averaged), false for the pool's.
    pub fn per_instance(self) -> bool {
        matches!(
            self,
            Metric::Cpu | Metric::RequestsPerSecond | Metric::InFlight
        )
    }

    /// A short label for the decision log.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Cpu => "cpu",
            Metric::RequestsPerSecond => "requests_per_second",
            Metric::InFlight => "in_flight",
            Metric::LatencyP99Ms => "latency_p99_ms",
            Metric::LatencyMeanMs => "latency_mean_ms",
            Metric::QueueDepth { .. } => "queue_depth",
            Metric::QueueAgeS { .. } => "queue_age_s",
        }
    }
}

/// An autoscaler.
#[derive(Clone, Debug)]
pub enum Autoscaler {
    /// Kubernetes HPA.
    Hpa(Hpa),
    /// AWS Auto Scaling group.
    Aws(Aws),
}

impl Autoscaler {
    /// Seconds between evaluations.
    pub fn period_s(&self) -> f64 {
        match self {
            Autoscaler::Hpa(hpa) => hpa.sync_s,
            Autoscaler::Aws(_) => AWS_DATAPOINT_S,
        }
    }
}

/// CloudWatch's standard resolution: one datapoint a minute.
pub const AWS_DATAPOINT_S: f64 = 60.0;

/// A compiled HPA.
#[derive(Clone, Debug)]
pub struct Hpa {
    /// Fewest replicas.
    pub min: u32,
    /// Most replicas.
    pub max: u32,
    /// Metrics and targets, in the metric's unit (CPU as a fraction).
    pub metrics: Vec<(Metric, f64)>,
    /// Scale-up rules.
    pub up: HpaRules,
    /// Scale-down rules.
    pub down: HpaRules,
    /// Sync period, seconds.
    pub sync_s: f64,
    /// Tolerance around a ratio of 1.
    pub tolerance: f64,
}

/// Rules for one direction.
#[derive(Clone, Debug)]
pub struct HpaRules {
    /// Stabilization window, seconds.
    pub stabilization_s: f64,
    /// Which limit wins.
    pub select: SelectPolicy,
    /// Limits: kind, value, period (seconds).
    pub policies: Vec<(HpaPolicyType, f64, f64)>,
}

/// A compiled AWS group.
#[derive(Clone, Debug)]
pub struct Aws {
    /// Fewest instances.
    pub min: u32,
    /// Most instances.
    pub max: u32,
    /// Policies.
    pub policies: Vec<AwsPolicy>,
    /// Scheduled actions, in time order.
    pub scheduled: Vec<ScheduledAction>,
}

/// A metric of AWS policies, in AWS's units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsMetric {
    /// `ASGAverageCPUUtilization` / `CPUUtilization`: percent.
    CpuPercent,
    /// `ALBRequestCountPerTarget` / `RequestCountPerTarget`: requests per
    /// instance per minute.
    RequestCountPerTarget,
    /// `TargetResponseTime`: mean latency, seconds.
    TargetResponseTime,
    /// SQS `ApproximateNumberOfMessagesVisible` of the queue the pool
    /// consumes: messages waiting, now (SQS samples it once a minute).
    MessagesVisible,
    /// SQS `ApproximateNumberOfMessagesNotVisible`: messages received, not
    /// yet deleted.
    MessagesNotVisible,
    /// SQS `ApproximateAgeOfOldestMessage`: seconds.
    OldestMessageAge,
    /// Auto Scaling `GroupInServiceInstances`: the minute's average.
    InServiceInstances,
}

impl AwsMetric {
    /// A label for the decision log.
    pub fn label(self) -> &'static str {
        match self {
            AwsMetric::CpuPercent => "CPUUtilization",
            AwsMetric::RequestCountPerTarget => "RequestCountPerTarget",
            AwsMetric::TargetResponseTime => "TargetResponseTime",
            AwsMetric::MessagesVisible => "ApproximateNumberOfMessagesVisible",
            AwsMetric::MessagesNotVisible => "ApproximateNumberOfMessagesNotVisible",
            AwsMetric::OldestMessageAge => "ApproximateAgeOfOldestMessage",
            AwsMetric::InServiceInstances => "GroupInServiceInstances",
        }
    }
}

/// What a target tracking policy tracks.
#[derive(Clone, Debug, PartialEq)]
pub enum TrackedMetric {
    /// A predefined metric, or one CloudWatch metric.
    One(AwsMetric),
    /// Metric math (`CustomizedMetricSpecification.Metrics`).
    Math {
        /// The returned query's `Label`, or its expression.
        label: String,
        /// The expression, other expressions' ids inlined.
        expr: Expr,
    },
}

impl TrackedMetric {
    /// A label for the decision log.
    pub fn label(&self) -> &str {
        match self {
            TrackedMetric::One(metric) => metric.label(),
            TrackedMetric::Math { label, .. } => label,
        }
    }
}

/// A metric math expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A metric's value.
    Metric(AwsMetric),
    /// A constant.
    Number(f64),
    /// Minus its operand.
    Neg(Box<Expr>),
    /// `left op right`, `op` one of `+ - * /`.
    Binary(Box<Expr>, char, Box<Expr>),
}

impl Expr {
    /// Its value, each metric read by `value`; NaN where it has none (a
    /// division by zero included: CloudWatch drops such a datapoint).
    pub fn eval(&self, value: &impl Fn(AwsMetric) -> f64) -> f64 {
        let v = match self {
            Expr::Metric(metric) => value(*metric),
            Expr::Number(x) => *x,
            Expr::Neg(e) => -e.eval(value),
            Expr::Binary(l, op, r) => {
                let (l, r) = (l.eval(value), r.eval(value));
                match op {
                    '+' => l + r,
                    '-' => l - r,
                    '*' => l * r,
                    _ => l / r,
                }
            }
        };
        if v.is_finite() { v } else { f64::NAN }
    }
}

/// One AWS policy.
#[derive(Clone, Debug)]
pub enum AwsPolicy {
    /// Target tracking.
    TargetTracking {
        /// Name for the log.
        name: String,
        /// The metric.
        metric: TrackedMetric,
        /// Its target.
        target: f64,
        /// Never scale in.
        disable_scale_in: bool,
        /// Seconds after a scale-out before it may scale in.
        warmup_s: f64,
    },
    /// Step scaling on an alarm.
    Step {
        /// Name for the log.
        name: String,
        /// How adjustments read.
        adjustment: AdjustmentType,
        /// (lower, upper, adjustment) of the breach `metric − threshold`.
        steps: Vec<(f64, f64, i32)>,
        /// The alarm.
        alarm: Alarm,
        /// Seconds before this policy may act again.
        cooldown_s: f64,
        /// Seconds after it acts during which its instances warm up (it does not act again).
        warmup_s: f64,
    },
}

/// A CloudWatch alarm.
#[derive(Clone, Debug)]
pub struct Alarm {
    /// The metric.
    pub metric: AwsMetric,
    /// Threshold, in the metric's unit.
    pub threshold: f64,
    /// Comparison.
    pub comparison: Comparison,
    /// Consecutive breaching periods to fire.
    pub periods: u32,
    /// Period length, in one-minute datapoints.
    pub datapoints_per_period: u32,
}

/// A scheduled change of the group's sizes.
#[derive(Clone, Debug)]
pub struct ScheduledAction {
    /// Name for the log.
    pub name: String,
    /// When, seconds.
    pub at_s: f64,
    /// New minimum.
    pub min: Option<u32>,
    /// New maximum.
    pub max: Option<u32>,
    /// New desired capacity.
    pub desired: Option<u32>,
}

/// Crashes of a pool's instances.
#[derive(Clone, Debug, Default)]
pub struct Failures {
    /// Serving to crash, per instance.
    pub time_to_failure: Option<Dist>,
    /// Noticed crash to the replacement's launch.
    pub time_to_replace: Option<Dist>,
    /// Crashes at set times, in time order.
    pub scheduled: Vec<ScheduledFailure>,
}

/// A crash at a set time.
#[derive(Clone, Debug)]
pub struct ScheduledFailure {
    /// When, seconds.
    pub at_s: f64,
    /// What crashes.
    pub what: Crash,
}

/// What a scheduled failure takes down.
#[derive(Clone, Copy, Debug)]
pub enum Crash {
    /// This many serving instances.
    Instances(u32),
    /// A zone (index into `Fleet::zones`), down for this long (seconds; `None`: to the end).
    Zone(u16, Option<f64>),
}

/// Health checks.
#[derive(Clone, Debug)]
pub struct HealthCheck {
    /// Seconds between checks.
    pub interval_s: f64,
    /// Seconds before an unanswered check fails.
    pub timeout_s: f64,
    /// Passes to become healthy.
    pub healthy: u32,
    /// Failures to become unhealthy.
    pub unhealthy: u32,
}
