//! A pool's fleet as written → [`Fleet`]: checks and compilation in one
//! pass (validation calls it for the problems, compilation for the result).

use crate::model::scaling::compiled::*;
use crate::model::scaling::metric_math;
use crate::model::shared::dist::DistSpec as Dist;
use crate::model::shared::error::Diagnostic;
use crate::model::topology::spec::{
    AutoscalingSpec, AwsPolicySpec, AwsPolicyType, AwsSpec, FailuresSpec, HpaMetricSpec,
    HpaMetricType, HpaRulesSpec, HpaSpec, MetricTargetSpec, PoolSpec, ResourceMetricSpec,
    ScheduledFailureSpec, TargetTrackingSpec, TargetType,
};

/// Compiles the fleet of the pool at `path`, pushing every problem to `acc`.
pub fn fleet(acc: &mut Vec<Diagnostic>, path: &str, pool: &PoolSpec, duration_s: f64) -> Fleet {
    let zones = zones(acc, path, pool);
    let mut check_dist = |field: &str, dist: &Option<Dist>| {
        if let Some(dist) = dist {
            crate::model::shared::checks::check_dist(acc, &format!("{path}.{field}"), dist);
        }
    };
    check_dist("provisioning", &pool.provisioning);
    check_dist("warmup", &pool.warmup);
    // A manifest named by `file` was read into its spec at load (`infra`).
    let autoscaler = pool.autoscaling.as_ref().and_then(|a| match a {
        AutoscalingSpec::Hpa(source) => source
            .spec()
            .map(|hpa| Autoscaler::Hpa(compile_hpa(acc, &format!("{path}.autoscaling.hpa"), hpa))),
        AutoscalingSpec::Aws(aws) => Some(Autoscaler::Aws(compile_aws(
            acc,
            &format!("{path}.autoscaling.aws"),
            aws,
            duration_s,
        ))),
    });
    let failures = match &pool.failures {
        Some(spec) => compile_failures(acc, &format!("{path}.failures"), spec, &zones, duration_s),
        None => Failures::default(),
    };
    let health_check = health_check(acc, path, pool);
    Fleet {
        provisioning: pool.provisioning.clone(),
        warmup: pool.warmup.clone(),
        zones,
        autoscaler,
        failures,
        health_check,
    }
}

/// The pool's zones (one named `default` when it lists none), each listed once.
fn zones(acc: &mut Vec<Diagnostic>, path: &str, pool: &PoolSpec) -> Vec<String> {
    for (i, zone) in pool.zones.iter().enumerate() {
        if pool.zones[..i].contains(zone) {
            acc.push(Diagnostic::new(
                format!("{path}.zones[{i}]"),
                format!("zone `{zone}` is listed twice"),
            ));
        }
    }
    if pool.zones.is_empty() {
        vec!["default".to_string()]
    } else {
        pool.zones.clone()
    }
}

/// Random failures and the scheduled crashes, in time order.
fn compile_failures(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: &FailuresSpec,
    zones: &[String],
    duration_s: f64,
) -> Failures {
    for (field, dist) in [
        ("time_to_failure", &spec.time_to_failure),
        ("time_to_replace", &spec.time_to_replace),
    ] {
        if let Some(dist) = dist {
            crate::model::shared::checks::check_dist(acc, &format!("{path}.{field}"), dist);
        }
    }
    let mut scheduled: Vec<ScheduledFailure> = (spec.scheduled.iter().enumerate())
        .filter_map(|(i, crash)| {
            let here = format!("{path}.scheduled[{i}]");
            scheduled_crash(acc, &here, crash, zones, duration_s)
        })
        .collect();
    scheduled.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    Failures {
        time_to_failure: spec.time_to_failure.clone(),
        time_to_replace: spec.time_to_replace.clone(),
        scheduled,
    }
}

/// One scheduled crash: before the end of the run, of some instances or of
/// a zone the pool has.
fn scheduled_crash(
    acc: &mut Vec<Diagnostic>,
    here: &str,
    crash: &ScheduledFailureSpec,
    zones: &[String],
    duration_s: f64,
) -> Option<ScheduledFailure> {
    if crash.at_s.get() >= duration_s {
        acc.push(Diagnostic::new(
            format!("{here}.at_s"),
            format!(
                "expected a time before the end of the run ({duration_s} s), got {}",
                crash.at_s.get()
            ),
        ));
    }
    let what = match (&crash.instances, &crash.zone) {
        (Some(n), None) => Crash::Instances(n.get()),
        (None, Some(zone)) => match zones.iter().position(|z| z == zone) {
            Some(index) => Crash::Zone(index as u16, crash.for_s.map(|f| f.get())),
            None => {
                acc.push(Diagnostic::new(
                    format!("{here}.zone"),
                    format!("no zone `{zone}` (zones: {})", zones.join(", ")),
                ));
                return None;
            }
        },
        _ => {
            acc.push(Diagnostic::new(
                here,
                "expected either `instances` or `zone`",
            ));
            return None;
        }
    };
    Some(ScheduledFailure {
        at_s: crash.at_s.get(),
        what,
    })
}

/// The balancer's health check, its timeout shorter than its interval.
fn health_check(acc: &mut Vec<Diagnostic>, path: &str, pool: &PoolSpec) -> Option<HealthCheck> {
    let health_check = pool.health_check.as_ref().map(|h| HealthCheck {
        interval_s: h.interval_s.get(),
        timeout_s: h.timeout_s.get(),
        healthy: h.healthy_threshold.get(),
        unhealthy: h.unhealthy_threshold.get(),
    });
    if let Some(h) = &health_check
        && h.timeout_s >= h.interval_s
    {
        acc.push(Diagnostic::new(
            format!("{path}.health_check.timeout_s"),
            format!(
                "expected less than `interval_s` ({}), got {}",
                h.interval_s, h.timeout_s
            ),
        ));
    }
    health_check
}

fn check_bounds(acc: &mut Vec<Diagnostic>, path: &str, min: u32, max: u32, names: (&str, &str)) {
    if min > max {
        acc.push(Diagnostic::new(
            format!("{path}.{}", names.0),
            format!("expected at most `{}` ({max}), got {min}", names.1),
        ));
    }
}

fn compile_hpa(acc: &mut Vec<Diagnostic>, path: &str, spec: &HpaSpec) -> Hpa {
    let (min, max) = (spec.min_replicas.get(), spec.max_replicas.get());
    check_bounds(acc, path, min, max, ("minReplicas", "maxReplicas"));
    let metrics = if spec.metrics.is_empty() {
        // Kubernetes' default when no metric is given: 80% CPU.
        vec![(Metric::Cpu, 0.8)]
    } else {
        spec.metrics
            .iter()
            .enumerate()
            .filter_map(|(i, m)| hpa_metric(acc, &format!("{path}.metrics[{i}]"), m))
            .collect()
    };
    let behavior = spec.behavior.clone().unwrap_or_default();
    // Defaults from the Kubernetes HPA documentation ("Default Behavior").
    let up = rules(
        acc,
        &format!("{path}.behavior.scaleUp"),
        behavior.scale_up.as_ref(),
        0.0,
        vec![
            (HpaPolicyType::Percent, 100.0, 15.0),
            (HpaPolicyType::Pods, 4.0, 15.0),
        ],
    );
    let down = rules(
        acc,
        &format!("{path}.behavior.scaleDown"),
        behavior.scale_down.as_ref(),
        300.0,
        vec![(HpaPolicyType::Percent, 100.0, 15.0)],
    );
    Hpa {
        min,
        max,
        metrics,
        up,
        down,
        sync_s: spec.sync_period_seconds.get(),
        tolerance: spec.tolerance.get(),
    }
}

fn rules(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: Option<&HpaRulesSpec>,
    default_window: f64,
    default_policies: Vec<(HpaPolicyType, f64, f64)>,
) -> HpaRules {
    let policies = match spec.and_then(|s| s.policies.as_ref()) {
        Some(list) if list.is_empty() => {
            acc.push(Diagnostic::new(
                format!("{path}.policies"),
                "expected at least one policy (or leave `policies` out for the defaults)",
            ));
            default_policies
        }
        Some(list) => list
            .iter()
            .map(|p| (p.kind, p.value.get(), p.period_seconds.get()))
            .collect(),
        None => default_policies,
    };
    HpaRules {
        stabilization_s: spec
            .and_then(|s| s.stabilization_window_seconds)
            .map_or(default_window, |w| w.get()),
        select: spec
            .and_then(|s| s.select_policy)
            .unwrap_or(SelectPolicy::Max),
        policies,
    }
}

fn hpa_metric(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: &HpaMetricSpec,
) -> Option<(Metric, f64)> {
    let (field, source) = match spec.kind {
        HpaMetricType::Resource => return resource_metric(acc, path, spec.resource.as_ref()),
        HpaMetricType::Pods => ("pods", &spec.pods),
        HpaMetricType::Object => ("object", &spec.object),
        HpaMetricType::External => ("external", &spec.external),
    };
    let Some(source) = source else {
        acc.push(Diagnostic::new(
            path,
            format!("a metric of type `{:?}` needs `{field}`", spec.kind),
        ));
        return None;
    };
    let name = &source.metric.name;
    let Some(metric) = Metric::by_name(name) else {
        acc.push(Diagnostic::new(
            format!("{path}.{field}.metric.name"),
            format!("unknown metric `{name}` (known: {})", Metric::NAMES),
        ));
        return None;
    };
    let target = &source.target;
    let metric = match metric {
        _ if metric.reads_queue() && spec.kind != HpaMetricType::External => {
            acc.push(Diagnostic::new(
                format!("{path}.type"),
                format!(
                    "`{name}` is an external metric, as KEDA serves it: expected `type: External`"
                ),
            ));
            return None;
        }
        Metric::QueueDepth { .. } => Metric::QueueDepth {
            average: target.kind == TargetType::AverageValue,
        },
        Metric::QueueAgeS { .. } => Metric::QueueAgeS {
            average: target.kind == TargetType::AverageValue,
        },
        other => other,
    };
    let target = named_metric_target(acc, &format!("{path}.{field}.target"), target)?;
    Some((metric, target))
}

/// A `Resource` metric: CPU, as a utilization percentage of a vCPU.
fn resource_metric(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    resource: Option<&ResourceMetricSpec>,
) -> Option<(Metric, f64)> {
    let Some(resource) = resource else {
        acc.push(Diagnostic::new(
            path,
            "a `Resource` metric needs `resource`",
        ));
        return None;
    };
    if resource.name != "cpu" {
        acc.push(Diagnostic::new(
            format!("{path}.resource.name"),
            format!(
                "unknown resource `{}` (capsim simulates `cpu`)",
                resource.name
            ),
        ));
        return None;
    }
    let target = &resource.target;
    let value = match target.kind {
        TargetType::Utilization => target.average_utilization.map(|u| u.get()),
        _ => None,
    };
    match value {
        Some(percent) if percent <= 100.0 => Some((Metric::Cpu, percent / 100.0)),
        Some(percent) => {
            acc.push(Diagnostic::new(
                format!("{path}.resource.target.averageUtilization"),
                format!("expected a percentage in (0, 100], got {percent}"),
            ));
            None
        }
        None => {
            acc.push(Diagnostic::new(
                format!("{path}.resource.target"),
                "expected `type: Utilization` with `averageUtilization` (percent of a vCPU)",
            ));
            None
        }
    }
}

/// The target of a `Pods`, `Object` or `External` metric at `path`: an
/// average value or a value, above zero.
fn named_metric_target(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    target: &MetricTargetSpec,
) -> Option<f64> {
    let quantity = match target.kind {
        TargetType::AverageValue => target.average_value.as_ref(),
        TargetType::Value => target.value.as_ref(),
        TargetType::Utilization => None,
    };
    let Some(quantity) = quantity else {
        acc.push(Diagnostic::new(
            path,
            "expected `type: AverageValue` with `averageValue`, or `type: Value` with `value`",
        ));
        return None;
    };
    match quantity.value() {
        Ok(v) if v > 0.0 => Some(v),
        Ok(v) => {
            acc.push(Diagnostic::new(
                path,
                format!("expected a target > 0, got {v}"),
            ));
            None
        }
        Err(message) => {
            acc.push(Diagnostic::new(path, message));
            None
        }
    }
}

fn compile_aws(acc: &mut Vec<Diagnostic>, path: &str, spec: &AwsSpec, duration_s: f64) -> Aws {
    let (min, max) = (spec.min_size.get(), spec.max_size.get());
    check_bounds(acc, path, min, max, ("MinSize", "MaxSize"));
    let default_warmup = spec.default_instance_warmup.map_or(0.0, |w| w.get());
    let policies = spec
        .policies
        .iter()
        .enumerate()
        .filter_map(|(i, p)| aws_policy(acc, &format!("{path}.Policies[{i}]"), p, default_warmup))
        .collect();
    let mut scheduled: Vec<ScheduledAction> = spec
        .scheduled_actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            let at_s = action.start_time.get();
            if at_s >= duration_s {
                acc.push(Diagnostic::new(
                    format!("{path}.ScheduledActions[{i}].StartTime"),
                    format!(
                        "expected a time before the end of the run ({duration_s} s), got {at_s}"
                    ),
                ));
            }
            ScheduledAction {
                name: action
                    .scheduled_action_name
                    .clone()
                    .unwrap_or_else(|| format!("scheduled-{i}")),
                at_s,
                min: action.min_size.map(|s| s.get()),
                max: action.max_size.map(|s| s.get()),
                desired: action.desired_capacity.map(|s| s.get()),
            }
        })
        .collect();
    scheduled.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    Aws {
        min,
        max,
        policies,
        scheduled,
    }
}

fn aws_metric(acc: &mut Vec<Diagnostic>, path: &str, name: &str) -> Option<AwsMetric> {
    Some(match name {
        "ASGAverageCPUUtilization" | "CPUUtilization" => AwsMetric::CpuPercent,
        "ALBRequestCountPerTarget" | "RequestCountPerTarget" => AwsMetric::RequestCountPerTarget,
        "TargetResponseTime" => AwsMetric::TargetResponseTime,
        _ => {
            acc.push(Diagnostic::new(
                path,
                format!(
                    "unknown metric `{name}` (known: ASGAverageCPUUtilization, ALBRequestCountPerTarget; alarms also CPUUtilization, RequestCountPerTarget, TargetResponseTime)"
                ),
            ));
            return None;
        }
    })
}

fn aws_policy(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: &AwsPolicySpec,
    default_warmup: f64,
) -> Option<AwsPolicy> {
    let name = spec
        .policy_name
        .clone()
        .unwrap_or_else(|| format!("{:?}", spec.policy_type));
    let warmup_s = spec
        .estimated_instance_warmup
        .map_or(default_warmup, |w| w.get());
    match spec.policy_type {
        AwsPolicyType::TargetTrackingScaling => target_tracking(acc, path, spec, name, warmup_s),
        AwsPolicyType::StepScaling => step_scaling(acc, path, spec, name, warmup_s),
    }
}

/// A `TargetTrackingScaling` policy: a predefined metric and its target.
fn target_tracking(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: &AwsPolicySpec,
    name: String,
    warmup_s: f64,
) -> Option<AwsPolicy> {
    let Some(config) = &spec.target_tracking_configuration else {
        acc.push(Diagnostic::new(
            path,
            "a `TargetTrackingScaling` policy needs `TargetTrackingConfiguration`",
        ));
        return None;
    };
    let metric = tracked_metric(acc, &format!("{path}.TargetTrackingConfiguration"), config)?;
    let target = config.target_value.get();
    if metric == TrackedMetric::One(AwsMetric::CpuPercent) && target > 100.0 {
        acc.push(Diagnostic::new(
            format!("{path}.TargetTrackingConfiguration.TargetValue"),
            format!("expected a CPU percentage in (0, 100], got {target}"),
        ));
    }
    Some(AwsPolicy::TargetTracking {
        name,
        metric,
        target,
        disable_scale_in: config.disable_scale_in,
        warmup_s,
    })
}

/// A predefined metric, or a customized one (one of the two, as the API says).
fn tracked_metric(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    config: &TargetTrackingSpec,
) -> Option<TrackedMetric> {
    let predefined = &config.predefined_metric_specification;
    match (predefined, &config.customized_metric_specification) {
        (Some(predefined), None) => aws_metric(
            acc,
            &format!("{path}.PredefinedMetricSpecification.PredefinedMetricType"),
            &predefined.predefined_metric_type,
        )
        .map(TrackedMetric::One),
        (None, Some(customized)) => metric_math::customized(
            acc,
            &format!("{path}.CustomizedMetricSpecification"),
            customized,
        ),
        (Some(_), Some(_)) => {
            acc.push(Diagnostic::new(
                format!("{path}.CustomizedMetricSpecification"),
                "give `PredefinedMetricSpecification` or `CustomizedMetricSpecification`, not both",
            ));
            None
        }
        (None, None) => {
            acc.push(Diagnostic::new(
                path,
                "expected `PredefinedMetricSpecification` (e.g. ASGAverageCPUUtilization) or `CustomizedMetricSpecification` (e.g. an SQS backlog per instance)",
            ));
            None
        }
    }
}

/// A `StepScaling` policy: a CloudWatch alarm and the steps it triggers.
fn step_scaling(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    spec: &AwsPolicySpec,
    name: String,
    warmup_s: f64,
) -> Option<AwsPolicy> {
    let (Some(alarm), false) = (&spec.alarm, spec.step_adjustments.is_empty()) else {
        acc.push(Diagnostic::new(
            path,
            "a `StepScaling` policy needs an `Alarm` and `StepAdjustments`",
        ));
        return None;
    };
    let metric = aws_metric(acc, &format!("{path}.Alarm.MetricName"), &alarm.metric_name)?;
    let period = alarm.period.get();
    if period % 60.0 != 0.0 {
        acc.push(Diagnostic::new(
            format!("{path}.Alarm.Period"),
            format!("expected a multiple of 60 s (CloudWatch's resolution), got {period}"),
        ));
    }
    Some(AwsPolicy::Step {
        name,
        adjustment: spec
            .adjustment_type
            .unwrap_or(AdjustmentType::ChangeInCapacity),
        steps: spec
            .step_adjustments
            .iter()
            .map(|s| {
                (
                    s.metric_interval_lower_bound.unwrap_or(f64::NEG_INFINITY),
                    s.metric_interval_upper_bound.unwrap_or(f64::INFINITY),
                    s.scaling_adjustment,
                )
            })
            .collect(),
        alarm: Alarm {
            metric,
            threshold: alarm.threshold,
            comparison: alarm.comparison_operator,
            periods: alarm.evaluation_periods.get(),
            datapoints_per_period: ((period / 60.0).round() as u32).max(1),
        },
        cooldown_s: spec.cooldown.map_or(0.0, |c| c.get()),
        warmup_s,
    })
}
