//! The parts of a pool that change its instances, as written in JSON:
//! autoscaling in the Kubernetes HPA and AWS Auto Scaling dialects (field
//! names as those APIs spell them, so a spec can be carried over), instance
//! failures, availability zones and load-balancer health checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::infra::spec::ManifestRef;
pub use crate::model::scaling::custom_metric_spec::*;
use crate::model::shared::dist::DistSpec;
use crate::model::shared::units::{Count, Fraction, NonNegative, Positive, Size};

/// `autoscaling`: one dialect.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AutoscalingSpec {
    /// A Kubernetes HorizontalPodAutoscaler (`autoscaling/v2`): its `spec`,
    /// or `{ "file": "hpa.yaml" }` naming the whole manifest.
    Hpa(HpaSource),
    /// An AWS Auto Scaling group with its scaling policies and scheduled actions.
    Aws(AwsSpec),
}

/// An HPA, inline or in a manifest.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum HpaSource {
    /// The `spec`, written in the model.
    Inline(Box<HpaSpec>),
    /// A manifest file; replaced by its `spec` at load.
    File(ManifestRef),
}

impl HpaSource {
    /// The spec, once any manifest has been read (always, after load).
    pub fn spec(&self) -> Option<&HpaSpec> {
        match self {
            HpaSource::Inline(spec) => Some(spec),
            HpaSource::File(_) => None,
        }
    }
}

impl AutoscalingSpec {
    /// The HPA's spec, if this is one (read from its manifest at load).
    pub fn hpa(&self) -> Option<&HpaSpec> {
        match self {
            AutoscalingSpec::Hpa(source) => source.spec(),
            AutoscalingSpec::Aws(_) => None,
        }
    }
}

/// The `spec` of an `autoscaling/v2` HorizontalPodAutoscaler.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaSpec {
    /// Accepted so that a spec can be pasted whole; the pool is the target.
    #[serde(default)]
    pub scale_target_ref: Option<serde_json::Value>,
    /// Fewest replicas (default 1).
    #[serde(default = "Count::one")]
    pub min_replicas: Count,
    /// Most replicas.
    pub max_replicas: Count,
    /// What to scale on; the desired count is the largest any metric asks
    /// for (default: CPU at 80% average utilization, as Kubernetes).
    #[serde(default)]
    pub metrics: Vec<HpaMetricSpec>,
    /// Stabilization windows and rate limits (Kubernetes defaults when absent).
    #[serde(default)]
    pub behavior: Option<HpaBehaviorSpec>,
    /// The controller's sync period, seconds (kube-controller-manager
    /// `--horizontal-pod-autoscaler-sync-period`, default 15).
    #[serde(default = "fifteen")]
    pub sync_period_seconds: Positive,
    /// No change while |metric / target − 1| is at most this
    /// (`--horizontal-pod-autoscaler-tolerance`, default 0.1).
    #[serde(default = "tenth")]
    pub tolerance: Fraction,
}

fn fifteen() -> Positive {
    Positive::try_from(15.0).expect("constant in range")
}

fn tenth() -> Fraction {
    Fraction::try_from(0.1).expect("constant in range")
}

/// One HPA metric: `type` names which of the other fields holds it.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaMetricSpec {
    /// `Resource`, `Pods`, `Object` or `External`.
    #[serde(rename = "type")]
    pub kind: HpaMetricType,
    /// For `Resource`: `cpu`.
    #[serde(default)]
    pub resource: Option<ResourceMetricSpec>,
    /// For `Pods`: a per-pod metric, averaged.
    #[serde(default)]
    pub pods: Option<NamedMetricSpec>,
    /// For `Object`: one value for the pool.
    #[serde(default)]
    pub object: Option<NamedMetricSpec>,
    /// For `External`: one value for the pool.
    #[serde(default)]
    pub external: Option<NamedMetricSpec>,
}

/// The kind of an HPA metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
pub enum HpaMetricType {
    /// A container resource (`cpu`).
    Resource,
    /// A metric of each pod.
    Pods,
    /// A metric of a Kubernetes object (here: the pool).
    Object,
    /// A metric from outside the cluster (here: of the pool).
    External,
}

/// `resource`: `{ "name": "cpu", "target": … }`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceMetricSpec {
    /// Only `cpu` is simulated.
    pub name: String,
    /// `Utilization` (averageUtilization, percent) or `AverageValue` (cores).
    pub target: MetricTargetSpec,
}

/// `pods`, `object`, `external`: `{ "metric": { "name": … }, "target": … }`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamedMetricSpec {
    /// The metric.
    pub metric: MetricIdentifierSpec,
    /// Its target.
    pub target: MetricTargetSpec,
    /// Accepted for `Object` metrics; the pool is the object.
    #[serde(default)]
    pub described_object: Option<serde_json::Value>,
}

/// `metric`: a name (a selector is accepted and ignored).
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricIdentifierSpec {
    /// `requests_per_second`, `in_flight`, `latency_p99_ms`, `latency_mean_ms`.
    pub name: String,
    /// Accepted, unused.
    #[serde(default)]
    pub selector: Option<serde_json::Value>,
}

/// `target`: `{ "type": "Utilization", "averageUtilization": 60 }`, or an
/// `AverageValue` / `Value` quantity.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricTargetSpec {
    /// `Utilization`, `AverageValue` or `Value`.
    #[serde(rename = "type")]
    pub kind: TargetType,
    /// Percent of the requested resource (for `Utilization`).
    #[serde(default)]
    pub average_utilization: Option<Positive>,
    /// Per-pod value (for `AverageValue`): a number or a Kubernetes quantity (`"500m"`).
    #[serde(default)]
    pub average_value: Option<Quantity>,
    /// Whole value (for `Value`).
    #[serde(default)]
    pub value: Option<Quantity>,
}

/// The kind of an HPA target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
pub enum TargetType {
    /// A share of the requested resource, averaged over pods.
    Utilization,
    /// A value averaged over pods.
    AverageValue,
    /// A value for the whole pool.
    Value,
}

/// A Kubernetes quantity: a number, or a string such as `"40"`, `"500m"`, `"2k"`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(untagged)]
pub enum Quantity {
    /// A plain number.
    Number(f64),
    /// A quantity string.
    Text(String),
}

impl Quantity {
    /// The value, or why the text is not a quantity.
    pub fn value(&self) -> Result<f64, String> {
        match self {
            Quantity::Number(n) => Ok(*n),
            Quantity::Text(text) => {
                let split = text
                    .find(|c: char| c.is_ascii_alphabetic())
                    .unwrap_or(text.len());
                let (number, suffix) = text.split_at(split);
                let scale = match suffix {
                    "" => 1.0,
                    "m" => 1e-3,
                    "k" => 1e3,
                    "M" => 1e6,
                    "G" => 1e9,
                    _ => {
                        return Err(format!(
                            "expected a quantity like `40`, `500m` or `2k`, got `{text}`"
                        ));
                    }
                };
                number.parse::<f64>().map(|n| n * scale).map_err(|_| {
                    format!("expected a quantity like `40`, `500m` or `2k`, got `{text}`")
                })
            }
        }
    }
}

/// `behavior`: scale-up and scale-down rules.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaBehaviorSpec {
    /// Default: no stabilization, at most max(100%, 4 pods) more per 15 s.
    #[serde(default)]
    pub scale_up: Option<HpaRulesSpec>,
    /// Default: 300 s stabilization, at most 100% fewer per 15 s.
    #[serde(default)]
    pub scale_down: Option<HpaRulesSpec>,
}

/// Rules for one direction.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaRulesSpec {
    /// Seconds of past recommendations considered: scale down only to the
    /// highest of them, scale up only to the lowest.
    #[serde(default)]
    pub stabilization_window_seconds: Option<NonNegative>,
    /// `Max` (default), `Min` or `Disabled`.
    #[serde(default)]
    pub select_policy: Option<SelectPolicy>,
    /// Rate limits.
    #[serde(default)]
    pub policies: Option<Vec<HpaPolicySpec>>,
}

/// Which rate limit wins when several allow different changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
pub enum SelectPolicy {
    /// The one allowing the largest change.
    Max,
    /// The one allowing the smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// One rate limit: at most `value` pods or percent per `periodSeconds`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HpaPolicySpec {
    /// `Pods` or `Percent`.
    #[serde(rename = "type")]
    pub kind: HpaPolicyType,
    /// Pods, or percent of the current count.
    pub value: Positive,
    /// The period, seconds.
    pub period_seconds: Positive,
}

/// The unit of an HPA rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
pub enum HpaPolicyType {
    /// A number of pods.
    Pods,
    /// A percentage of the current count.
    Percent,
}

/// An AWS Auto Scaling group's size and scaling.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AwsSpec {
    /// Fewest instances.
    pub min_size: Size,
    /// Most instances.
    pub max_size: Count,
    /// Instances at the start (default: the pool's `instances`).
    #[serde(default)]
    pub desired_capacity: Option<Size>,
    /// Seconds after a scale-out during which target tracking does not
    /// scale in, as instances warm up (default 0; policies may override).
    /// Instances count as capacity from launch; the pool's `warmup` is when
    /// they start serving.
    #[serde(default)]
    pub default_instance_warmup: Option<NonNegative>,
    /// Scaling policies; when several act, the largest capacity wins.
    #[serde(default)]
    pub policies: Vec<AwsPolicySpec>,
    /// Scheduled actions.
    #[serde(default)]
    pub scheduled_actions: Vec<ScheduledActionSpec>,
}

/// One AWS scaling policy.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AwsPolicySpec {
    /// A name for the decision log.
    #[serde(default)]
    pub policy_name: Option<String>,
    /// `TargetTrackingScaling` or `StepScaling`.
    pub policy_type: AwsPolicyType,
    /// For target tracking.
    #[serde(default)]
    pub target_tracking_configuration: Option<TargetTrackingSpec>,
    /// For step scaling: `ChangeInCapacity`, `PercentChangeInCapacity` or `ExactCapacity`.
    #[serde(default)]
    pub adjustment_type: Option<AdjustmentType>,
    /// For step scaling: the steps, by how far the metric is past the alarm threshold.
    #[serde(default)]
    pub step_adjustments: Vec<StepAdjustmentSpec>,
    /// For step scaling: the alarm that triggers it.
    #[serde(default)]
    pub alarm: Option<AlarmSpec>,
    /// Seconds after this policy acts before it may act again (default 0).
    #[serde(default)]
    pub cooldown: Option<NonNegative>,
    /// Seconds after this policy's scale-out before it may scale in (default:
    /// the group's `DefaultInstanceWarmup`).
    #[serde(default)]
    pub estimated_instance_warmup: Option<NonNegative>,
}

/// The kind of an AWS policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
pub enum AwsPolicyType {
    /// Keep a metric at a target.
    TargetTrackingScaling,
    /// Adjust by steps when an alarm fires.
    StepScaling,
}

/// `TargetTrackingConfiguration`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TargetTrackingSpec {
    /// A metric AWS defines, or else
    #[serde(default)]
    pub predefined_metric_specification: Option<PredefinedMetricSpec>,
    /// a CloudWatch metric, or metric math over several (one of the two).
    #[serde(default)]
    pub customized_metric_specification: Option<CustomizedMetricSpec>,
    /// The value to hold it at (CPU in percent, requests per target per minute).
    pub target_value: Positive,
    /// Never remove instances (default false).
    #[serde(default)]
    pub disable_scale_in: bool,
}

/// `PredefinedMetricSpecification`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PredefinedMetricSpec {
    /// `ASGAverageCPUUtilization` or `ALBRequestCountPerTarget`.
    pub predefined_metric_type: String,
    /// Accepted, unused.
    #[serde(default)]
    pub resource_label: Option<String>,
}

/// How a step policy's adjustment is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
pub enum AdjustmentType {
    /// Add this many instances.
    ChangeInCapacity,
    /// Add this percentage of the current capacity (at least one instance).
    PercentChangeInCapacity,
    /// Set the capacity to this.
    ExactCapacity,
}

/// One step: when `threshold + lower ≤ metric < threshold + upper`, adjust.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StepAdjustmentSpec {
    /// Lower bound of the breach (absent: −∞).
    #[serde(default)]
    pub metric_interval_lower_bound: Option<f64>,
    /// Upper bound of the breach (absent: +∞).
    #[serde(default)]
    pub metric_interval_upper_bound: Option<f64>,
    /// The adjustment (negative removes).
    pub scaling_adjustment: i32,
}

/// A CloudWatch alarm on a metric of the pool.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AlarmSpec {
    /// `CPUUtilization` (percent), `RequestCountPerTarget` (per minute),
    /// `TargetResponseTime` (seconds, mean).
    pub metric_name: String,
    /// The threshold.
    pub threshold: f64,
    /// `GreaterThanOrEqualToThreshold`, `GreaterThanThreshold`,
    /// `LessThanThreshold` or `LessThanOrEqualToThreshold`.
    pub comparison_operator: Comparison,
    /// Consecutive breaching periods before it fires (default 1).
    #[serde(default = "Count::one")]
    pub evaluation_periods: Count,
    /// Length of a period, seconds (default 60).
    #[serde(default = "sixty")]
    pub period: Positive,
}

fn sixty() -> Positive {
    Positive::try_from(60.0).expect("constant in range")
}

/// An alarm's comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
pub enum Comparison {
    /// metric ≥ threshold.
    GreaterThanOrEqualToThreshold,
    /// metric > threshold.
    GreaterThanThreshold,
    /// metric < threshold.
    LessThanThreshold,
    /// metric ≤ threshold.
    LessThanOrEqualToThreshold,
}

/// A scheduled action: at `StartTime` seconds into the run, set sizes.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScheduledActionSpec {
    /// A name for the decision log.
    #[serde(default)]
    pub scheduled_action_name: Option<String>,
    /// When, seconds after the start of the run.
    pub start_time: NonNegative,
    /// New minimum.
    #[serde(default)]
    pub min_size: Option<Size>,
    /// New maximum.
    #[serde(default)]
    pub max_size: Option<Count>,
    /// New desired capacity.
    #[serde(default)]
    pub desired_capacity: Option<Size>,
}

/// Instance failures: random crashes, and scheduled ones.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FailuresSpec {
    /// Time from an instance starting to serve to its crash (absent: never at random).
    #[serde(default)]
    pub time_to_failure: Option<DistSpec>,
    /// Time from a crash being noticed (at once, or by health checks) to
    /// the replacement's launch (default 0).
    #[serde(default)]
    pub time_to_replace: Option<DistSpec>,
    /// Crashes at set times.
    #[serde(default)]
    pub scheduled: Vec<ScheduledFailureSpec>,
}

/// A crash at a set time: `instances` of the serving ones, or a whole zone.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFailureSpec {
    /// When, seconds into the run.
    pub at_s: NonNegative,
    /// This many serving instances crash.
    #[serde(default)]
    pub instances: Option<Count>,
    /// Every instance in this availability zone crashes, and the zone takes
    /// no new instance for `for_s`.
    #[serde(default)]
    pub zone: Option<String>,
    /// How long the zone stays down, seconds (default: to the end).
    #[serde(default)]
    pub for_s: Option<Positive>,
}

/// Load-balancer health checks of a pool's instances (a target group's).
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Seconds between checks (default 30, as an AWS target group).
    #[serde(default = "thirty")]
    pub interval_s: Positive,
    /// Seconds before a check with no answer fails (default 5).
    #[serde(default = "five")]
    pub timeout_s: Positive,
    /// Consecutive passes before an instance takes traffic (default 5).
    #[serde(default = "five_count")]
    pub healthy_threshold: Count,
    /// Consecutive failures before it stops taking traffic (default 2).
    #[serde(default = "two_count")]
    pub unhealthy_threshold: Count,
}

fn thirty() -> Positive {
    Positive::try_from(30.0).expect("constant in range")
}

fn five() -> Positive {
    Positive::try_from(5.0).expect("constant in range")
}

fn five_count() -> Count {
    Count::try_from(5.0).expect("constant in range")
}

fn two_count() -> Count {
    Count::try_from(2.0).expect("constant in range")
}
