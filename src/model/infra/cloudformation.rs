//! An `AWS::AutoScaling::AutoScalingGroup` of a CloudFormation template →
//! the pool's `autoscaling.aws` (sizes, the scaling policies that name the
//! group, scheduled actions none: they are separate resources capsim does
//! not read) and `health_check` (its target group's or classic load
//! balancer's), mapped onto the AWS features capsim already simulates.
//!
//! Properties: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-autoscaling-autoscalinggroup.html
//! (`MinSize`, `MaxSize`, `DesiredCapacity` — its default is `MinSize` —,
//! `DefaultInstanceWarmup`, `TargetGroupARNs`, `LoadBalancerNames`).

use serde_json::{Map, Value};

use super::Cx;
use super::cfn_values::Template;
use super::problem::{Problem, object};
use super::spec::CloudFormationRef;
use super::unread::Unread;
use super::{cfn_health, cfn_policies};
use crate::model::format::Format;
use crate::model::scaling::spec::{AwsSpec, HealthCheckSpec};
use crate::model::topology::spec::{AutoscalingSpec, PoolSpec};

const GROUP: &str = "AWS::AutoScaling::AutoScalingGroup";

/// What a group gives a pool.
struct Group {
    aws: AwsSpec,
    health_check: Option<HealthCheckSpec>,
    /// Where `DesiredCapacity` is written, if it is.
    desired_at: Option<String>,
}

/// Reads the group `reference` names into `pool`, where the model has no
/// value of its own.
pub fn apply(cx: &mut Cx, pool: &mut PoolSpec, reference: &CloudFormationRef) {
    let field = "cloudformation";
    let Some(file) = cx.read(field, &reference.file) else {
        return;
    };
    let mut unread = Unread::default();
    let mut defaults = Vec::new();
    let group = match file.documents.as_slice() {
        [doc] => read(
            doc,
            &reference.resource,
            file.format == Format::Yaml,
            &mut unread,
            &mut defaults,
        ),
        _ => Err(Problem::new(
            "",
            format!(
                "expected one template, got {} documents",
                file.documents.len()
            ),
        )),
    };
    let group = match group {
        Ok(group) => group,
        Err(problem) => return cx.error(field, problem.said(&file.written, "")),
    };
    let twice = |what: &str| {
        format!(
            "also given by `{}` ({what}): write it in one place",
            file.written
        )
    };
    let resource = format!("Resources.{}", reference.resource);
    if pool.autoscaling.is_some() {
        cx.error("autoscaling", twice(&resource));
    }
    match (&group.desired_at, pool.instances) {
        (Some(at), Some(_)) => cx.error("instances", twice(at)),
        // AWS: the desired capacity defaults to the minimum size.
        (_, None) => {
            let initial = group.aws.desired_capacity.unwrap_or(group.aws.min_size);
            pool.instances =
                crate::model::shared::units::Count::try_from(f64::from(initial.get().max(1))).ok();
        }
        (None, Some(_)) => {}
    }
    if let Some(health_check) = group.health_check {
        match pool.health_check {
            Some(_) => cx.error("health_check", twice("the group's load balancer")),
            None => pool.health_check = Some(health_check),
        }
    }
    pool.autoscaling = Some(AutoscalingSpec::Aws(group.aws));
    for default in defaults {
        cx.notes.push(format!(
            "{}.{field}: {}: read {default}",
            cx.at, file.written
        ));
    }
    cx.note(field, &file.written, &unread);
}

/// The group `name` of the template `doc`.
fn read(
    doc: &Value,
    name: &str,
    yaml: bool,
    unread: &mut Unread,
    defaults: &mut Vec<String>,
) -> Result<Group, Problem> {
    let empty = Map::new();
    let resources = object(doc.get("Resources").unwrap_or(&Value::Null), "Resources")?;
    let parameters = match doc.get("Parameters") {
        Some(parameters) => object(parameters, "Parameters")?,
        None => &empty,
    };
    let template = Template {
        resources,
        parameters,
        yaml,
    };
    unread.rest(
        doc,
        "",
        &[
            "AWSTemplateFormatVersion",
            "Description",
            "Parameters",
            "Resources",
        ],
    );
    let at = format!("Resources.{name}");
    let resource = group_resource(resources, name)?;
    unread.rest(resource, &at, &["Type", "Properties"]);
    let properties = resource.get("Properties").unwrap_or(&Value::Null);
    let at = format!("{at}.Properties");
    let used = [
        "MinSize",
        "MaxSize",
        "DesiredCapacity",
        "DefaultInstanceWarmup",
        "TargetGroupARNs",
        "LoadBalancerNames",
    ];
    unread.rest(properties, &at, &used);
    let field = |key: &str| properties.get(key).map(|v| (v, format!("{at}.{key}")));
    let required = |key: &str| {
        field(key).ok_or_else(|| Problem::new(at.clone(), format!("missing property `{key}`")))
    };
    let (min, min_at) = required("MinSize")?;
    let (max, max_at) = required("MaxSize")?;
    let desired = field("DesiredCapacity");
    let warmup = field("DefaultInstanceWarmup");
    let aws = AwsSpec {
        min_size: template.number(min, &min_at, defaults)?,
        max_size: template.number(max, &max_at, defaults)?,
        desired_capacity: desired
            .as_ref()
            .map(|(v, p)| template.number(v, p, defaults))
            .transpose()?,
        default_instance_warmup: warmup
            .map(|(v, p)| template.number(v, &p, defaults))
            .transpose()?,
        policies: cfn_policies::read(&template, name, unread, defaults)?,
        scheduled_actions: Vec::new(),
    };
    let health_check = cfn_health::read(&template, properties, &at, unread, defaults)?;
    note_other_resources(resources, name, unread);
    Ok(Group {
        aws,
        health_check,
        desired_at: desired.map(|(_, p)| p),
    })
}

/// The resource `name`, which must be an Auto Scaling group.
fn group_resource<'a>(resources: &'a Map<String, Value>, name: &str) -> Result<&'a Value, Problem> {
    let at = format!("Resources.{name}");
    let Some(resource) = resources.get(name) else {
        let groups: Vec<String> = resources
            .iter()
            .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(GROUP))
            .map(|(id, _)| format!("`{id}`"))
            .collect();
        return Err(Problem::new(
            "Resources",
            format!(
                "expected a resource `{name}`, got {}",
                if groups.is_empty() {
                    "no Auto Scaling group".to_string()
                } else {
                    format!("the groups {}", groups.join(", "))
                }
            ),
        ));
    };
    let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
    if kind != GROUP {
        return Err(Problem::new(
            format!("{at}.Type"),
            format!("expected `{GROUP}`, got `{kind}`"),
        ));
    }
    Ok(resource)
}

/// Every resource of a type not read here (launch templates, security
/// groups…), noted by logical id and type.
fn note_other_resources(resources: &Map<String, Value>, group: &str, unread: &mut Unread) {
    for (id, other) in resources {
        let kind = other.get("Type").and_then(Value::as_str).unwrap_or("?");
        if id != group && !cfn_policies::READ.contains(&kind) && !cfn_health::READ.contains(&kind) {
            unread.push(format!("Resources.{id} ({kind})"));
        }
    }
}
