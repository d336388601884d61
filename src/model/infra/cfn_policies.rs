//! The `AWS::AutoScaling::ScalingPolicy` resources whose
//! `AutoScalingGroupName` is a `Ref` to the group → capsim's AWS policies
//! (target tracking and step scaling, as `autoscaling.aws` has them); a
//! step policy's alarm is the `AWS::CloudWatch::Alarm` whose `AlarmActions`
//! name it, as CloudFormation wires them.
//!
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-autoscaling-scalingpolicy.html
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html

use serde_json::Value;

use super::cfn_values::{Template, intrinsic};
use super::problem::Problem;
use super::unread::Unread;
use crate::model::scaling::spec::{
    AlarmSpec, AwsPolicySpec, AwsPolicyType, PredefinedMetricSpec, StepAdjustmentSpec,
    TargetTrackingSpec,
};

/// The resource types read here.
pub const READ: [&str; 2] = ["AWS::AutoScaling::ScalingPolicy", "AWS::CloudWatch::Alarm"];

/// Every policy of the group `group`, in logical-id order.
pub fn read(
    template: &Template,
    group: &str,
    unread: &mut Unread,
    defaults: &mut Vec<String>,
) -> Result<Vec<AwsPolicySpec>, Problem> {
    let mut policies = Vec::new();
    for (id, resource) in template.resources {
        if resource.get("Type").and_then(Value::as_str) != Some(READ[0]) {
            continue;
        }
        let properties = &resource["Properties"];
        let names_group = matches!(
            intrinsic(&properties["AutoScalingGroupName"]),
            Some(("Ref", Value::String(name))) if name == group
        );
        if !names_group {
            unread.push(format!("Resources.{id} (a policy of another group)"));
            continue;
        }
        let at = format!("Resources.{id}.Properties");
        let cx = &mut Read {
            template,
            unread,
            defaults,
            at,
        };
        if let Some(policy) = policy(cx, id, properties)? {
            policies.push(policy);
        }
    }
    Ok(policies)
}

/// What reading one resource needs.
struct Read<'t, 'a> {
    template: &'t Template<'a>,
    unread: &'t mut Unread,
    defaults: &'t mut Vec<String>,
    /// The resource's `Properties` path.
    at: String,
}

impl Read<'_, '_> {
    fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }
}

/// One policy, or none (noted) if of a type capsim does not simulate.
fn policy(cx: &mut Read, id: &str, properties: &Value) -> Result<Option<AwsPolicySpec>, Problem> {
    let kind = properties
        .get("PolicyType")
        .and_then(Value::as_str)
        .unwrap_or("SimpleScaling");
    let policy_type = match kind {
        "TargetTrackingScaling" => AwsPolicyType::TargetTrackingScaling,
        "StepScaling" => AwsPolicyType::StepScaling,
        other => {
            cx.unread
                .push(format!("Resources.{id} (PolicyType `{other}`)"));
            return Ok(None);
        }
    };
    let used = [
        "AutoScalingGroupName",
        "PolicyType",
        "TargetTrackingConfiguration",
        "AdjustmentType",
        "StepAdjustments",
        "Cooldown",
        "EstimatedInstanceWarmup",
    ];
    cx.unread.rest(properties, &cx.at.clone(), &used);
    let optional_number = |cx: &mut Read, key: &str| {
        properties
            .get(key)
            .map(|v| cx.template.number(v, &cx.path(key), cx.defaults))
            .transpose()
    };
    let mut policy = AwsPolicySpec {
        policy_name: Some(id.to_string()),
        policy_type,
        target_tracking_configuration: None,
        adjustment_type: None,
        step_adjustments: Vec::new(),
        alarm: None,
        cooldown: optional_number(cx, "Cooldown")?,
        estimated_instance_warmup: optional_number(cx, "EstimatedInstanceWarmup")?,
    };
    match policy_type {
        AwsPolicyType::TargetTrackingScaling => {
            let value = properties
                .get("TargetTrackingConfiguration")
                .unwrap_or(&Value::Null);
            policy.target_tracking_configuration = Some(target_tracking(cx, value)?);
        }
        AwsPolicyType::StepScaling => {
            if let Some(value) = properties.get("AdjustmentType") {
                policy.adjustment_type = Some(cx.template.plain(
                    value,
                    &cx.path("AdjustmentType"),
                    cx.defaults,
                )?);
            }
            policy.step_adjustments = steps(cx, properties.get("StepAdjustments"))?;
            policy.alarm = Some(alarm(cx, id)?);
        }
    }
    Ok(Some(policy))
}

/// `TargetTrackingConfiguration`: a predefined metric, its target and scale-in.
fn target_tracking(cx: &mut Read, value: &Value) -> Result<TargetTrackingSpec, Problem> {
    let at = cx.path("TargetTrackingConfiguration");
    let used = [
        "PredefinedMetricSpecification",
        "CustomizedMetricSpecification",
        "TargetValue",
        "DisableScaleIn",
    ];
    cx.unread.rest(value, &at, &used);
    let predefined = match value.get("PredefinedMetricSpecification") {
        Some(spec) => {
            let at = format!("{at}.PredefinedMetricSpecification");
            // `ResourceLabel` names the ALB's target group (a `!Join` of
            // `!GetAtt`s, usually); capsim's balancer is the pool's own.
            cx.unread.rest(spec, &at, &["PredefinedMetricType"]);
            let kind = spec.get("PredefinedMetricType").unwrap_or(&Value::Null);
            let kind: String =
                cx.template
                    .plain(kind, &format!("{at}.PredefinedMetricType"), cx.defaults)?;
            Some(PredefinedMetricSpec {
                predefined_metric_type: kind,
                resource_label: None,
            })
        }
        None => None,
    };
    let customized = match value.get("CustomizedMetricSpecification") {
        Some(spec) => Some(cx.template.plain(
            spec,
            &format!("{at}.CustomizedMetricSpecification"),
            cx.defaults,
        )?),
        None => None,
    };
    let target = value
        .get("TargetValue")
        .ok_or_else(|| Problem::new(at.clone(), "missing property `TargetValue`"))?;
    let disable = match value.get("DisableScaleIn") {
        Some(v) => cx
            .template
            .plain(v, &format!("{at}.DisableScaleIn"), cx.defaults)?,
        None => false,
    };
    Ok(TargetTrackingSpec {
        predefined_metric_specification: predefined,
        customized_metric_specification: customized,
        target_value: cx
            .template
            .number(target, &format!("{at}.TargetValue"), cx.defaults)?,
        disable_scale_in: disable,
    })
}

/// `StepAdjustments`, bounds and adjustments as numbers or strings.
fn steps(cx: &mut Read, value: Option<&Value>) -> Result<Vec<StepAdjustmentSpec>, Problem> {
    let at = cx.path("StepAdjustments");
    let Some(items) = value.and_then(Value::as_array) else {
        return Err(Problem::new(at, "expected a list of step adjustments"));
    };
    let mut steps = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{at}[{i}]");
        cx.unread.rest(
            item,
            &at,
            &[
                "MetricIntervalLowerBound",
                "MetricIntervalUpperBound",
                "ScalingAdjustment",
            ],
        );
        let mut bound = |key: &str| {
            item.get(key)
                .map(|v| cx.template.number(v, &format!("{at}.{key}"), cx.defaults))
                .transpose()
        };
        let lower = bound("MetricIntervalLowerBound")?;
        let upper = bound("MetricIntervalUpperBound")?;
        let adjustment = item
            .get("ScalingAdjustment")
            .ok_or_else(|| Problem::new(at.clone(), "missing property `ScalingAdjustment`"))?;
        steps.push(StepAdjustmentSpec {
            metric_interval_lower_bound: lower,
            metric_interval_upper_bound: upper,
            scaling_adjustment: cx.template.number(
                adjustment,
                &format!("{at}.ScalingAdjustment"),
                cx.defaults,
            )?,
        });
    }
    Ok(steps)
}

/// The alarm whose `AlarmActions` hold a `Ref` to the step policy `policy`.
fn alarm(cx: &mut Read, policy: &str) -> Result<AlarmSpec, Problem> {
    let names_policy = |alarm: &Value| {
        alarm["Properties"]["AlarmActions"]
            .as_array()
            .is_some_and(|actions| {
                actions
                    .iter()
                    .any(|a| matches!(intrinsic(a), Some(("Ref", Value::String(p))) if p == policy))
            })
    };
    let found =
        cx.template.resources.iter().find(|(_, r)| {
            r.get("Type").and_then(Value::as_str) == Some(READ[1]) && names_policy(r)
        });
    let Some((id, resource)) = found else {
        return Err(Problem::new(
            format!("Resources.{policy}"),
            "expected an `AWS::CloudWatch::Alarm` whose `AlarmActions` name this StepScaling policy, got none",
        ));
    };
    let properties = &resource["Properties"];
    let at = format!("Resources.{id}.Properties");
    let used = [
        "MetricName",
        "Threshold",
        "ComparisonOperator",
        "EvaluationPeriods",
        "Period",
        "AlarmActions",
    ];
    cx.unread.rest(properties, &at, &used);
    let required = |key: &str| {
        properties
            .get(key)
            .ok_or_else(|| Problem::new(at.clone(), format!("missing property `{key}`")))
    };
    let template = cx.template;
    let defaults = &mut *cx.defaults;
    Ok(AlarmSpec {
        metric_name: template.plain(
            required("MetricName")?,
            &format!("{at}.MetricName"),
            defaults,
        )?,
        threshold: template.number(required("Threshold")?, &format!("{at}.Threshold"), defaults)?,
        comparison_operator: template.plain(
            required("ComparisonOperator")?,
            &format!("{at}.ComparisonOperator"),
            defaults,
        )?,
        evaluation_periods: template.number(
            required("EvaluationPeriods")?,
            &format!("{at}.EvaluationPeriods"),
            defaults,
        )?,
        period: match properties.get("Period") {
            Some(v) => template.number(v, &format!("{at}.Period"), defaults)?,
            None => crate::model::shared::units::Positive::try_from(60.0).expect("60 is positive"),
        },
    })
}
