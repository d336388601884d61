//! `CustomizedMetricSpecification` of an AWS target tracking policy, as the
//! Auto Scaling API spells it (API reference, `CustomizedMetricSpecification`,
//! `TargetTrackingMetricDataQuery`, `TargetTrackingMetricStat`, `Metric`):
//! one CloudWatch metric, or `Metrics`, metric math over several, as in
//! AWS's "Create a target tracking scaling policy using metric math"
//! (the SQS backlog per instance, `m1 / m2`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::units::Positive;

/// `CustomizedMetricSpecification`: the single-metric fields, or `Metrics`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomizedMetricSpec {
    /// Single metric: its name (e.g. `ApproximateNumberOfMessagesVisible`).
    #[serde(default)]
    pub metric_name: Option<String>,
    /// Single metric: its namespace (e.g. `AWS/SQS`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Single metric: its dimensions (`QueueName` for an SQS metric).
    #[serde(default)]
    pub dimensions: Vec<DimensionSpec>,
    /// Single metric: `Average`, `Sum`, `Maximum` or `Minimum`.
    #[serde(default)]
    pub statistic: Option<String>,
    /// Accepted, unused.
    #[serde(default)]
    pub unit: Option<String>,
    /// Accepted if 60: capsim evaluates once a minute.
    #[serde(default)]
    pub period: Option<Positive>,
    /// Metric math: the metrics read and the expressions over them.
    #[serde(default)]
    pub metrics: Vec<MetricDataQuerySpec>,
}

/// One `TargetTrackingMetricDataQuery`: a metric (`MetricStat`) or an
/// `Expression` over the others' `Id`s.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MetricDataQuerySpec {
    /// A lower-case letter, then letters, digits and `_`.
    pub id: String,
    /// The metric read.
    #[serde(default)]
    pub metric_stat: Option<MetricStatSpec>,
    /// Or: metric math over other ids (`+ - * /`, numbers, parentheses).
    #[serde(default)]
    pub expression: Option<String>,
    /// For the decision log.
    #[serde(default)]
    pub label: Option<String>,
    /// True for the one query the policy tracks (default true).
    #[serde(default)]
    pub return_data: Option<bool>,
    /// Accepted if 60.
    #[serde(default)]
    pub period: Option<Positive>,
}

/// `TargetTrackingMetricStat`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MetricStatSpec {
    /// Which metric.
    pub metric: CloudWatchMetricSpec,
    /// `Average`, `Sum`, `Maximum` or `Minimum`.
    pub stat: String,
    /// Accepted, unused.
    #[serde(default)]
    pub unit: Option<String>,
    /// Accepted if 60.
    #[serde(default)]
    pub period: Option<Positive>,
}

/// `Metric`: a namespace, a name and dimensions.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CloudWatchMetricSpec {
    /// e.g. `AWS/SQS`, `AWS/AutoScaling`.
    pub namespace: String,
    /// e.g. `ApproximateNumberOfMessagesVisible`, `GroupInServiceInstances`.
    pub metric_name: String,
    /// e.g. `QueueName`, `AutoScalingGroupName`.
    #[serde(default)]
    pub dimensions: Vec<DimensionSpec>,
}

/// A metric's dimension.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DimensionSpec {
    /// e.g. `QueueName`.
    pub name: String,
    /// e.g. the queue's name.
    pub value: String,
}

/// An SQS metric's `QueueName`, with the JSON path of its value (relative
/// to the `CustomizedMetricSpecification`), for the queue checks.
pub struct QueueReference<'a> {
    /// e.g. `Metrics[0].MetricStat.Metric.Dimensions[0].Value`.
    pub path: String,
    /// The queue named.
    pub queue: &'a str,
    /// The metric that names it.
    pub metric: &'a str,
}

impl CustomizedMetricSpec {
    /// The queues the SQS metrics of this spec name.
    pub fn queue_references(&self) -> Vec<QueueReference<'_>> {
        let single = (self.namespace.as_deref(), self.metric_name.as_deref());
        let mut out = Vec::new();
        if let (Some("AWS/SQS"), Some(metric)) = single {
            out.extend(queue_names(&self.dimensions, "", metric));
        }
        for (i, query) in self.metrics.iter().enumerate() {
            if let Some(stat) = &query.metric_stat
                && stat.metric.namespace == "AWS/SQS"
            {
                let at = format!("Metrics[{i}].MetricStat.Metric.");
                out.extend(queue_names(
                    &stat.metric.dimensions,
                    &at,
                    &stat.metric.metric_name,
                ));
            }
        }
        out
    }
}

fn queue_names<'a>(
    dimensions: &'a [DimensionSpec],
    at: &str,
    metric: &'a str,
) -> impl Iterator<Item = QueueReference<'a>> {
    let at = at.to_owned();
    dimensions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.name == "QueueName")
        .map(move |(j, d)| QueueReference {
            path: format!("{at}Dimensions[{j}].Value"),
            queue: &d.value,
            metric,
        })
}
