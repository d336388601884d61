//! Bad autoscaling, failure and health-check settings -> their exact
//! messages, each naming its JSON path.

use serde_json::{Value, json};

/// A pool `web` with `fleet` fields added, 600 s.
fn topology(fleet: Value) -> String {
    let mut pool = json!({ "instance_type": "t3.small", "instances": 2,
                           "service": { "exponential": { "mean_ms": 20 } } });
    pool.as_object_mut()
        .unwrap()
        .extend(fleet.as_object().unwrap().clone());
    json!({
        "simulation": { "duration_s": 600 },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": { "web": { "pool": pool } }
    })
    .to_string()
}

#[track_caller]
fn check(fleet: Value, expected: &str) {
    let err = capsim::model::parse(&topology(fleet)).expect_err("should be rejected");
    assert_eq!(err.to_string(), expected);
}

fn cpu(percent: f64) -> Value {
    json!({ "type": "Resource", "resource": { "name": "cpu",
            "target": { "type": "Utilization", "averageUtilization": percent } } })
}

#[test]
fn hpa_min_above_max() {
    check(
        json!({ "autoscaling": { "hpa": { "minReplicas": 5, "maxReplicas": 3 } } }),
        "nodes.web.pool.autoscaling.hpa.minReplicas: expected at most `maxReplicas` (3), got 5",
    );
}

#[test]
fn aws_min_above_max_and_desired_outside() {
    check(
        json!({ "autoscaling": { "aws": { "MinSize": 4, "MaxSize": 2, "DesiredCapacity": 9 } } }),
        "nodes.web.pool.autoscaling.aws.MinSize: expected at most `MaxSize` (2), got 4\n\
         nodes.web.pool.autoscaling.aws.DesiredCapacity: expected between `MinSize` (4) and `MaxSize` (2), got 9",
    );
}

#[test]
fn utilization_target_outside_the_range() {
    check(
        json!({ "autoscaling": { "hpa": { "maxReplicas": 3, "metrics": [cpu(150.0)] } } }),
        "nodes.web.pool.autoscaling.hpa.metrics[0].resource.target.averageUtilization: expected a percentage in (0, 100], got 150",
    );
    let err = capsim::model::parse(&topology(
        json!({ "autoscaling": { "hpa": { "maxReplicas": 3, "metrics": [cpu(0.0)] } } }),
    ))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("averageUtilization: expected a number > 0, got 0"),
        "{err}"
    );
}

#[test]
fn unknown_metrics() {
    check(
        json!({ "autoscaling": { "hpa": { "maxReplicas": 3, "metrics": [
            { "type": "Pods", "pods": { "metric": { "name": "packets_per_second" },
              "target": { "type": "AverageValue", "averageValue": "1k" } } } ] } } }),
        "nodes.web.pool.autoscaling.hpa.metrics[0].pods.metric.name: unknown metric `packets_per_second` (known: requests_per_second, in_flight, latency_p99_ms, latency_mean_ms, queue_depth, queue_age_s)",
    );
    check(
        json!({ "autoscaling": { "aws": { "MinSize": 1, "MaxSize": 3, "Policies": [
            { "PolicyType": "TargetTrackingScaling", "TargetTrackingConfiguration": {
                "PredefinedMetricSpecification": { "PredefinedMetricType": "ASGAverageNetworkIn" },
                "TargetValue": 1000 } } ] } } }),
        "nodes.web.pool.autoscaling.aws.Policies[0].TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType: unknown metric `ASGAverageNetworkIn` (known: ASGAverageCPUUtilization, ALBRequestCountPerTarget; alarms also CPUUtilization, RequestCountPerTarget, TargetResponseTime)",
    );
}

#[test]
fn metric_type_without_its_source() {
    check(
        json!({ "autoscaling": { "hpa": { "maxReplicas": 3, "metrics": [ { "type": "External" } ] } } }),
        "nodes.web.pool.autoscaling.hpa.metrics[0]: a metric of type `External` needs `external`",
    );
}

#[test]
fn bad_quantity() {
    check(
        json!({ "autoscaling": { "hpa": { "maxReplicas": 3, "metrics": [
            { "type": "Pods", "pods": { "metric": { "name": "in_flight" },
              "target": { "type": "AverageValue", "averageValue": "ten" } } } ] } } }),
        "nodes.web.pool.autoscaling.hpa.metrics[0].pods.target: expected a quantity like `40`, `500m` or `2k`, got `ten`",
    );
}

#[test]
fn scheduled_action_after_the_end_of_the_run() {
    check(
        json!({ "autoscaling": { "aws": { "MinSize": 1, "MaxSize": 3,
            "ScheduledActions": [ { "StartTime": 900, "DesiredCapacity": 2 } ] } } }),
        "nodes.web.pool.autoscaling.aws.ScheduledActions[0].StartTime: expected a time before the end of the run (600 s), got 900",
    );
}

#[test]
fn scheduled_failure_in_an_unknown_zone_or_after_the_end() {
    check(
        json!({ "zones": ["a", "b"], "failures": { "scheduled": [
            { "at_s": 100, "zone": "c" }, { "at_s": 700, "instances": 1 } ] } }),
        "nodes.web.pool.failures.scheduled[0].zone: no zone `c` (zones: a, b)\n\
         nodes.web.pool.failures.scheduled[1].at_s: expected a time before the end of the run (600 s), got 700",
    );
}

#[test]
fn health_check_timeout_not_below_the_interval() {
    check(
        json!({ "health_check": { "interval_s": 5, "timeout_s": 5 } }),
        "nodes.web.pool.health_check.timeout_s: expected less than `interval_s` (5), got 5",
    );
}

#[test]
fn step_policy_without_an_alarm() {
    check(
        json!({ "autoscaling": { "aws": { "MinSize": 1, "MaxSize": 3, "Policies": [
            { "PolicyType": "StepScaling", "StepAdjustments": [ { "ScalingAdjustment": 1 } ] } ] } } }),
        "nodes.web.pool.autoscaling.aws.Policies[0]: a `StepScaling` policy needs an `Alarm` and `StepAdjustments`",
    );
}

#[test]
fn misspelt_hpa_field_names_the_spec_fields() {
    let err = capsim::model::parse(&topology(
        json!({ "autoscaling": { "hpa": { "maxReplica": 3 } } }),
    ))
    .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "nodes.web.pool.autoscaling.hpa.maxReplica: unknown field `maxReplica`, expected one of `scaleTargetRef`, `minReplicas`, `maxReplicas`"
        ),
        "{err}"
    );
}

/// The message of a defect input that does not load.
fn defect_error(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/defects")
        .join(file);
    capsim::model::load(&path)
        .expect_err("should be rejected")
        .to_string()
}

/// `crash-loop-ttf0.json`: an instance that fails the moment it starts is
/// replaced at once and fails again, without time ever advancing.
#[test]
fn a_zero_time_to_failure_is_a_zero_time_loop() {
    assert_eq!(
        defect_error("crash-loop-ttf0.json"),
        "nodes.web.pool.failures.time_to_failure: a time to failure of 0 ms crashes every instance the moment it starts, a zero-time loop of crashes and replacements; expected a time above 0"
    );
}

/// `closed-zero-think-zero-latency.json`: a user who thinks for 0 ms at a
/// delay of 0 ms sends again at the same instant, for ever.
#[test]
fn zero_think_time_at_a_zero_delay_is_a_zero_time_loop() {
    assert_eq!(
        defect_error("closed-zero-think-zero-latency.json"),
        "traffic.arrivals.closed.think: a think time of 0 ms at `d`, a delay of 0 ms, is a zero-time loop: each user sends again at the same instant, for ever; expected a think time or a latency above 0"
    );
}

/// An AWS group on `web` whose one target tracking policy has `config`.
fn tracking(config: Value) -> Value {
    json!({ "autoscaling": { "aws": { "MinSize": 1, "MaxSize": 3, "Policies": [
        { "PolicyType": "TargetTrackingScaling", "TargetTrackingConfiguration": config } ] } } })
}

/// A customized metric of `metrics` (metric math), target 100.
fn math(metrics: Value) -> Value {
    tracking(json!({ "CustomizedMetricSpecification": { "Metrics": metrics }, "TargetValue": 100 }))
}

fn stat(id: &str, namespace: &str, name: &str, stat: &str) -> Value {
    json!({ "Id": id, "ReturnData": false, "MetricStat": { "Stat": stat,
        "Metric": { "Namespace": namespace, "MetricName": name,
                    "Dimensions": [ { "Name": "QueueName", "Value": "q" } ] } } })
}

/// A metric of the group itself (SQS ones need a queue: `queues.rs`).
fn in_service(id: &str) -> Value {
    stat(id, "AWS/AutoScaling", "GroupInServiceInstances", "Average")
}

fn expression(id: &str, text: &str) -> Value {
    json!({ "Id": id, "Expression": text, "ReturnData": true })
}

const AT: &str = "nodes.web.pool.autoscaling.aws.Policies[0].TargetTrackingConfiguration.CustomizedMetricSpecification";

#[test]
fn target_tracking_with_no_metric_or_two() {
    check(
        tracking(json!({ "TargetValue": 50 })),
        "nodes.web.pool.autoscaling.aws.Policies[0].TargetTrackingConfiguration: expected `PredefinedMetricSpecification` (e.g. ASGAverageCPUUtilization) or `CustomizedMetricSpecification` (e.g. an SQS backlog per instance)",
    );
    check(
        tracking(json!({ "TargetValue": 50,
            "PredefinedMetricSpecification": { "PredefinedMetricType": "ASGAverageCPUUtilization" },
            "CustomizedMetricSpecification": { "MetricName": "CPUUtilization", "Namespace": "AWS/EC2" } })),
        &format!(
            "{AT}: give `PredefinedMetricSpecification` or `CustomizedMetricSpecification`, not both"
        ),
    );
}

#[test]
fn a_customized_metric_capsim_does_not_measure() {
    check(
        tracking(
            json!({ "TargetValue": 50, "CustomizedMetricSpecification": {
            "MetricName": "NetworkIn", "Namespace": "AWS/EC2", "Statistic": "Average" } }),
        ),
        &format!(
            "{AT}.MetricName: capsim does not measure `AWS/EC2` `NetworkIn` (known: AWS/SQS ApproximateNumberOfMessagesVisible, AWS/SQS ApproximateNumberOfMessagesNotVisible, AWS/SQS ApproximateAgeOfOldestMessage, AWS/AutoScaling GroupInServiceInstances, AWS/EC2 CPUUtilization, AWS/ApplicationELB RequestCountPerTarget, AWS/ApplicationELB TargetResponseTime)"
        ),
    );
    check(
        tracking(
            json!({ "TargetValue": 50, "CustomizedMetricSpecification": {
            "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Maximum" } }),
        ),
        &format!(
            "{AT}.Statistic: expected `Average` (as capsim measures `CPUUtilization`), got `Maximum`"
        ),
    );
    check(
        tracking(
            json!({ "TargetValue": 50, "CustomizedMetricSpecification": {
            "MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS" } }),
        ),
        &format!(
            "{AT}.Dimensions: an SQS metric needs the dimension `QueueName` (the queue the pool consumes)"
        ),
    );
}

#[test]
fn metric_math_returns_exactly_one_query() {
    let mut returning = in_service("m1");
    returning["ReturnData"] = json!(true);
    check(
        math(json!([returning, expression("e1", "m1 * 2")])),
        &format!(
            "{AT}.Metrics: expected exactly one query with `ReturnData` true (the metric tracked; set it false on the others), got 2 (m1, e1)"
        ),
    );
    check(
        math(json!([in_service("m1")])),
        &format!(
            "{AT}.Metrics: expected exactly one query with `ReturnData` true (the metric tracked; set it false on the others), got 0 ()"
        ),
    );
}

#[test]
fn metric_math_names_what_it_cannot_resolve() {
    check(
        math(json!([in_service("m1"), expression("e1", "m1 / m2")])),
        &format!("{AT}.Metrics[1].Expression: no query has the id `m2` (ids: e1, m1)"),
    );
    check(
        math(json!([in_service("m1"), expression("e1", "SUM(m1)")])),
        &format!(
            "{AT}.Metrics[1].Expression: capsim's metric math has `+ - * /`, numbers, ids and parentheses, not the function `SUM`"
        ),
    );
    check(
        math(
            json!([expression("e1", "e2 + 1"), { "Id": "e2", "Expression": "e1", "ReturnData": false }]),
        ),
        &format!("{AT}.Metrics[0].Expression: `e1` refers to itself through other expressions"),
    );
    check(
        math(json!([
            in_service("M1"),
            in_service("e1"),
            expression("e1", "2")
        ])),
        &format!(
            "{AT}.Metrics[0].Id: expected a lower-case letter, then letters, digits or `_`, got `M1`\n{AT}.Metrics[2].Id: `e1` is the id of an earlier query: ids are unique"
        ),
    );
}

#[test]
fn metric_math_queries_read_one_minute_and_one_kind() {
    let mut hourly = in_service("m1");
    hourly["MetricStat"]["Period"] = json!(300);
    check(
        math(json!([hourly, expression("e1", "m1")])),
        &format!(
            "{AT}.Metrics[0].MetricStat.Period: expected 60 (capsim evaluates target tracking once a minute), got 300"
        ),
    );
    let mut both = in_service("m1");
    both["Expression"] = json!("1");
    check(
        math(json!([both, expression("e1", "m1")])),
        &format!(
            "{AT}.Metrics[0]: expected one of `MetricStat` (a metric) and `Expression` (metric math)"
        ),
    );
    check(
        math(json!([
            stat(
                "m1",
                "AWS/AutoScaling",
                "GroupInServiceInstances",
                "Maximum"
            ),
            expression("e1", "m1")
        ])),
        &format!(
            "{AT}.Metrics[0].MetricStat.Stat: expected `Average` (as capsim measures `GroupInServiceInstances`), got `Maximum`"
        ),
    );
}

#[test]
fn metric_math_chains_are_bounded() {
    // e0 = e1, e1 = e2, …, e20 = m1: 21 expressions in a chain.
    let mut metrics: Vec<Value> = (0..21)
        .map(|i| json!({ "Id": format!("e{i}"), "Expression": format!("e{}", i + 1), "ReturnData": i == 0 }))
        .collect();
    metrics[20]["Expression"] = json!("m1");
    metrics.push(in_service("m1"));
    check(
        math(Value::Array(metrics)),
        &format!(
            "{AT}.Metrics[0].Expression: `e20` is reached through more than 20 expressions in a chain"
        ),
    );
}
