//! The health checks of a group's load balancer → the pool's
//! `health_check`: an `AWS::ElasticLoadBalancingV2::TargetGroup` named in
//! `TargetGroupARNs` (its `HealthCheckIntervalSeconds`,
//! `HealthCheckTimeoutSeconds`, `HealthyThresholdCount`,
//! `UnhealthyThresholdCount`, with CloudFormation's defaults 30, 5, 5, 2,
//! which are capsim's), or else a classic `AWS::ElasticLoadBalancing::LoadBalancer`
//! named in `LoadBalancerNames` (its `HealthCheck`: `Interval`, `Timeout`,
//! `HealthyThreshold`, `UnhealthyThreshold`; `Target`, what is checked, is
//! not simulated: a live instance passes).
//!
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-targetgroup.html
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ec2-elb-health-check.html

use serde_json::Value;

use super::cfn_values::Template;
use super::problem::Problem;
use super::unread::Unread;
use crate::model::scaling::spec::HealthCheckSpec;

const TARGET_GROUP: &str = "AWS::ElasticLoadBalancingV2::TargetGroup";
const CLASSIC: &str = "AWS::ElasticLoadBalancing::LoadBalancer";

/// The resource types read here.
pub const READ: [&str; 2] = [TARGET_GROUP, CLASSIC];

/// The group's health check, from the first load balancer it names.
pub fn read(
    template: &Template,
    group: &Value,
    at: &str,
    unread: &mut Unread,
    defaults: &mut Vec<String>,
) -> Result<Option<HealthCheckSpec>, Problem> {
    let mut named = Vec::new();
    for key in ["TargetGroupARNs", "LoadBalancerNames"] {
        for (i, item) in group
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            named.push(template.reference(item, &format!("{at}.{key}[{i}]"))?);
        }
    }
    let Some((first, others)) = named.split_first() else {
        return Ok(None);
    };
    for other in others {
        unread.push(format!(
            "Resources.{other} (capsim's pool has one load balancer's checks)"
        ));
    }
    let resource = &template.resources[*first];
    let at = format!("Resources.{first}.Properties");
    let properties = resource.get("Properties").unwrap_or(&Value::Null);
    let keys = match resource.get("Type").and_then(Value::as_str) {
        Some(TARGET_GROUP) => [
            "HealthCheckIntervalSeconds",
            "HealthCheckTimeoutSeconds",
            "HealthyThresholdCount",
            "UnhealthyThresholdCount",
        ],
        Some(CLASSIC) => {
            unread.rest(properties, &at, &["HealthCheck"]);
            return classic(
                template,
                properties.get("HealthCheck"),
                &format!("{at}.HealthCheck"),
                unread,
                defaults,
            );
        }
        other => {
            return Err(Problem::new(
                format!("Resources.{first}.Type"),
                format!(
                    "expected `{TARGET_GROUP}` or `{CLASSIC}`, got `{}`",
                    other.unwrap_or("")
                ),
            ));
        }
    };
    unread.rest(properties, &at, &keys);
    checks(template, properties, &at, keys, defaults).map(Some)
}

/// A classic load balancer's `HealthCheck` (all five properties are required).
fn classic(
    template: &Template,
    health_check: Option<&Value>,
    at: &str,
    unread: &mut Unread,
    defaults: &mut Vec<String>,
) -> Result<Option<HealthCheckSpec>, Problem> {
    let Some(health_check) = health_check else {
        return Ok(None);
    };
    let keys = [
        "Interval",
        "Timeout",
        "HealthyThreshold",
        "UnhealthyThreshold",
    ];
    unread.rest(health_check, at, &keys);
    checks(template, health_check, at, keys, defaults).map(Some)
}

/// The four figures, named by `keys` in capsim's order, each range-checked
/// at its own path; absent ones take the target group's defaults, which are
/// `HealthCheckSpec`'s.
fn checks(
    template: &Template,
    properties: &Value,
    at: &str,
    keys: [&str; 4],
    defaults: &mut Vec<String>,
) -> Result<HealthCheckSpec, Problem> {
    let mut spec: HealthCheckSpec = serde_json::from_value(serde_json::json!({}))
        .expect("every field of a health check has a default");
    let path = |i: usize| format!("{at}.{}", keys[i]);
    if let Some(value) = properties.get(keys[0]) {
        spec.interval_s = template.number(value, &path(0), defaults)?;
    }
    if let Some(value) = properties.get(keys[1]) {
        spec.timeout_s = template.number(value, &path(1), defaults)?;
    }
    if let Some(value) = properties.get(keys[2]) {
        spec.healthy_threshold = template.number(value, &path(2), defaults)?;
    }
    if let Some(value) = properties.get(keys[3]) {
        spec.unhealthy_threshold = template.number(value, &path(3), defaults)?;
    }
    Ok(spec)
}
