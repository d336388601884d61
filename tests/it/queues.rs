//! Message queues: an M/M/1 consumer against theory, redeliveries and
//! dead-lettering counted by hand, and the queue's input errors.

use serde_json::{Value, json};

use crate::support::{self, check_against_theory, each};

/// A queue `orders` consumed by pool `workers` (one instance with
/// `workers` workers and as many vCPUs, constant `work_ms` per message), fed one message
/// every 100 s from t = 100 s to 900 s: nine messages whose receives never
/// overlap.
fn spaced_messages(work_ms: f64, workers: u32, queue: Value) -> capsim::RunResult {
    let mut spec = json!({ "consumer": "workers", "visibility_timeout_s": 2.0 });
    for (key, value) in queue.as_object().expect("an object") {
        spec[key] = value.clone();
    }
    let model = support::model(json!({
        "simulation": { "duration_s": 950.0 },
        "instance_types": { "unit": { "vcpus": workers } },
        "traffic": { "entry": "orders", "arrivals": { "deterministic": { "rate_rps": 0.01 } } },
        "nodes": {
            "orders": { "queue": spec },
            "workers": { "pool": { "instance_type": "unit", "instances": 1,
                                   "workers_per_instance": workers,
                                   "service": { "constant": { "ms": work_ms } } } }
        }
    }));
    capsim::simulate(&model, 1, 0)
}

fn queue_of(
    result: &capsim::RunResult,
) -> (&capsim::stats::NodeResult, capsim::stats::QueueResult) {
    let node = result
        .nodes
        .iter()
        .find(|n| n.name == "orders")
        .expect("the queue");
    (node, node.queue.clone().expect("a queue has queue figures"))
}

/// Work of 3 s against a 2 s visibility timeout, two workers: each message
/// is received at t, t + 2 (its first job still runs) and t + 4, and comes
/// back a third time at t + 6, its third receive: dead-lettered, 6 s after
/// it was sent. Nine messages: 27 receives, 18 of them redeliveries, 18
/// returns, 9 dead, none deleted.
#[test]
fn a_job_longer_than_the_visibility_timeout_is_redelivered_then_dead_lettered() {
    let result = spaced_messages(3000.0, 2, json!({ "max_receives": 3 }));
    let (node, queue) = queue_of(&result);
    assert_eq!(queue.sent, 9);
    assert_eq!(queue.received, 27);
    assert_eq!(queue.redelivered, 18);
    assert_eq!(queue.returned, 18);
    assert_eq!(queue.dead_lettered, 9);
    assert_eq!(queue.deleted, 0);
    // A dead letter is the queue's failed visit, sent to dead-lettered.
    assert_eq!(node.latency.errors, 9);
    assert_eq!(node.latency.completed, 0);
    // Every job ran its 3 s to the end, late or not: 27 jobs at the pool.
    let pool = result.nodes.iter().find(|n| n.name == "workers").unwrap();
    assert_eq!(pool.latency.completed, 27);
}

/// The same with one worker: the message is visible again at t + 2 but the
/// worker is busy until t + 3, so the receives are at t, t + 3 and t + 6,
/// and the third comes back at t + 8, dead. The oldest visible message's
/// age runs from 2 to 3 s, then from 5 to 6 s, per message: at most 6 s,
/// and 2.5 + 5.5 = 8 s² of age-time each, 72 s² over the 950 s run.
#[test]
fn a_busy_consumer_delays_the_redelivery_to_its_next_free_worker() {
    let result = spaced_messages(3000.0, 1, json!({ "max_receives": 3 }));
    let (_, queue) = queue_of(&result);
    assert_eq!(
        (queue.received, queue.redelivered, queue.dead_lettered),
        (27, 18, 9)
    );
    assert!(
        (queue.max_oldest_age_s - 6.0).abs() < 1e-9,
        "{}",
        queue.max_oldest_age_s
    );
    let mean = 72.0 / 950.0;
    assert!(
        (queue.mean_oldest_age_s - mean).abs() < 1e-9,
        "{}",
        queue.mean_oldest_age_s
    );
}

/// Work shorter than the timeout: every message is deleted on its first
/// receive, 1 s after it was sent; none comes back.
#[test]
fn a_job_within_the_visibility_timeout_deletes_its_message_once() {
    let result = spaced_messages(1000.0, 1, json!({ "max_receives": 3 }));
    let (node, queue) = queue_of(&result);
    assert_eq!(
        (
            queue.received,
            queue.redelivered,
            queue.deleted,
            queue.dead_lettered
        ),
        (9, 0, 9, 0)
    );
    assert!(
        (node.latency.mean_ms - 1000.0).abs() < 1.0,
        "{}",
        node.latency.mean_ms
    );
}

/// Without `max_receives` a message that always times out is received
/// again every 2 s until the run ends: 20 workers, more than the 9 × 1.5
/// that nine messages cycling at once hold (3 s jobs every 2 s), so every
/// redelivery is received at once. Message k, sent at 100 k s, is received
/// at 100 k, 100 k + 2, …, up to 950 s (events at the horizon still run).
#[test]
fn without_max_receives_a_message_is_redelivered_until_the_end() {
    let result = spaced_messages(3000.0, 20, json!({}));
    let (_, queue) = queue_of(&result);
    let receives: u64 = (1..=9).map(|k| (950 - 100 * k) / 2 + 1).sum();
    assert_eq!(queue.received, receives);
    assert_eq!(queue.redelivered, receives - 9);
    assert_eq!(queue.dead_lettered, 0);
}

/// An M/M/1 consumer of a queue is an M/M/1: λ = 5/s, μ = 10/s (ρ = 0.5).
/// The queue's depth is the M/M/1's Lq = ρ²/(1 − ρ) = 0.5 (Little: λ Wq,
/// Wq = ρ/(μ − λ) = 0.1 s), and a message's time from sent to deleted its
/// response time 1/(μ − λ) = 0.2 s. Ten replications of 2·10^4 s (10^5
/// messages each); pilot half-widths: depth 1.6%, time 0.8%; bounds 4% and 2%.
#[test]
fn an_mm1_consumer_of_a_queue_behaves_as_an_mm1() {
    let model = support::model(json!({
        "simulation": { "duration_s": 20_000.0, "warmup_s": 1000.0 },
        "instance_types": { "unit": { "vcpus": 1 } },
        "traffic": { "entry": "orders", "arrivals": { "poisson": { "rate_rps": 5.0 } } },
        "nodes": {
            "orders": { "queue": { "consumer": "workers" } },
            "workers": { "pool": { "instance_type": "unit", "instances": 1,
                                   "service": { "exponential": { "mean_ms": 100.0 } } } }
        }
    }));
    let runs = support::replicate(&model, 20_251_202, 10);
    let queue =
        |r: &capsim::RunResult| r.nodes.iter().find(|n| n.name == "orders").unwrap().clone();
    check_against_theory("depth", &each(&runs, |r| queue(r).mean_queue), 0.5, 0.04);
    check_against_theory(
        "sent to deleted",
        &each(&runs, |r| queue(r).latency.mean_ms / 1e3),
        0.2,
        0.02,
    );
    // Producers are answered at once: the end-to-end latency is the send's.
    assert!(runs.iter().all(|r| r.end_to_end.mean_ms == 0.0));
}

/// Two ordered partitions and four consumer workers: at most two jobs run
/// at once, so 2 messages/s of 0.8 s work each load the consumer's four
/// vCPUs to at most half, yet each partition is an M/D/1 at ρ = 0.8.
/// Its mean wait (P-K: ρ S / (2 (1 − ρ)) = 1.6 s) shows the ordering limit.
/// Five replications of 2·10^4 s; pilot half-width 2.5%, bound 6%.
#[test]
fn ordered_partitions_limit_the_consumers_that_work_at_once() {
    let model = support::model(json!({
        "simulation": { "duration_s": 20_000.0, "warmup_s": 1000.0 },
        "instance_types": { "quad": { "vcpus": 4 } },
        "traffic": { "entry": "orders", "arrivals": { "poisson": { "rate_rps": 2.0 } },
                     "keys": { "uniform": { "n": 1000000 } } },
        "nodes": {
            "orders": { "queue": { "consumer": "workers", "partitions": 2 } },
            "workers": { "pool": { "instance_type": "quad", "instances": 1, "workers_per_instance": 4,
                                   "service": { "constant": { "ms": 800.0 } } } }
        }
    }));
    let runs = support::replicate(&model, 7, 5);
    let pool = |r: &capsim::RunResult| {
        r.nodes
            .iter()
            .find(|n| n.name == "workers")
            .unwrap()
            .clone()
    };
    // Never more than 2 of the 4 workers busy; on average 2 × 0.8 / 4 = 0.4.
    check_against_theory(
        "utilization",
        &each(&runs, |r| pool(r).utilization.unwrap()),
        0.4,
        0.02,
    );
    let wait = |r: &capsim::RunResult| {
        let q = r.nodes.iter().find(|n| n.name == "orders").unwrap();
        q.latency.mean_ms / 1e3 - 0.8
    };
    check_against_theory("partition wait", &each(&runs, wait), 1.6, 0.06);
}

/// A queue `q` in front of pool `web`, edited by `edit`; the model's error.
fn queue_error(edit: impl FnOnce(&mut Value)) -> String {
    let mut topology = json!({
        "simulation": { "duration_s": 60 },
        "instance_types": { "box": { "vcpus": 2 } },
        "traffic": { "entry": "q", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": {
            "q": { "queue": { "consumer": "web" } },
            "web": { "pool": { "instance_type": "box", "instances": 2,
                               "service": { "exponential": { "mean_ms": 20 } } } }
        }
    });
    edit(&mut topology);
    capsim::model::parse(&topology.to_string())
        .expect_err("topology should be rejected")
        .to_string()
}

/// One change to the topology.
type Edit = Box<dyn FnOnce(&mut Value)>;

#[test]
fn bad_queues_are_refused_with_their_paths() {
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|t| t["nodes"]["q"]["queue"]["consumer"] = json!("nobody")),
            "nodes.q.queue.consumer: no node named `nobody` (a queue's consumer is a pool)",
        ),
        (
            Box::new(|t| {
                t["nodes"]["d"] = json!({ "delay": { "latency": { "constant": { "ms": 1 } } } });
                t["nodes"]["q"]["queue"]["consumer"] = json!("d");
            }),
            "nodes.q.queue.consumer: expected a pool, got `d`, a delay",
        ),
        (
            Box::new(|t| t["traffic"]["entry"] = json!("web")),
            "traffic.entry: `web` consumes queue `q` and takes work from it only: send to `q`",
        ),
        (
            Box::new(|t| t["nodes"]["r"] = json!({ "queue": { "consumer": "web" } })),
            "nodes.r.queue.consumer: `web` already consumes queue `q` (a pool consumes one queue)",
        ),
        (
            Box::new(|t| t["nodes"]["q"]["queue"]["batch_size"] = json!(5000)),
            "nodes.q.queue.batch_size: expected at most 1000 (Kafka's `max.poll.records` default is 500, SQS takes 10), got 5000",
        ),
        (
            Box::new(|t| t["nodes"]["q"]["queue"]["visibility_timeout_s"] = json!(50000)),
            "nodes.q.queue.visibility_timeout_s: expected at most 43200 (SQS's longest, 12 hours), got 50000",
        ),
        (
            Box::new(|t| t["nodes"]["web"]["pool"]["admission"] = json!({ "max_concurrency": 4 })),
            "nodes.web.pool.admission: `web` consumes queue `q`, which already paces its work: admission control belongs on the producers' path",
        ),
    ];
    for (edit, expected) in cases {
        let message = queue_error(edit);
        assert!(
            message.contains(expected),
            "expected `{expected}` in:\n{message}"
        );
    }
}

#[test]
fn a_queue_metric_needs_a_consumer_and_an_external_type() {
    let hpa = |kind: &str, field: &str| {
        let mut metric = json!({ "type": kind });
        metric[field] = json!({ "metric": { "name": "queue_depth" },
                                "target": { "type": "AverageValue", "averageValue": 5 } });
        json!({ "hpa": { "minReplicas": 1, "maxReplicas": 4, "metrics": [metric] } })
    };
    let message = queue_error(|t| {
        t["nodes"]["other"] = json!({ "pool": { "instance_type": "box", "instances": 1,
            "service": { "exponential": { "mean_ms": 20 } } } });
        t["nodes"]["other"]["pool"]["autoscaling"] = hpa("External", "external");
    });
    assert!(
        message.contains("nodes.other.pool.autoscaling.hpa.metrics[0].external.metric.name: `queue_depth` reads the queue a pool consumes, and `other` consumes none"),
        "{message}"
    );
    let message = queue_error(|t| t["nodes"]["web"]["pool"]["autoscaling"] = hpa("Pods", "pods"));
    assert!(
        message.contains("nodes.web.pool.autoscaling.hpa.metrics[0].type: `queue_depth` is an external metric, as KEDA serves it: expected `type: External`"),
        "{message}"
    );
}

/// AWS's SQS example ("Create a target tracking scaling policy using metric
/// math"): backlog per instance `m1 / m2`, visible messages over instances
/// in service, against an acceptable backlog of 100. Ten messages a second
/// reach one consumer that deletes one a second (new instances take 20
/// minutes to boot, so it stays alone): at each minute t about 10t − t = 9t
/// messages are visible, above 100 from the first datapoint, and the third,
/// at 180 s, asks ceil(1 × 1620 / 100) = 17 (a tie of an arrival with the
/// evaluation moves the count by one, not the answer).
#[test]
fn aws_backlog_per_instance_scales_to_the_visible_messages_over_the_target() {
    let query = |id: &str, namespace: &str, metric: &str, stat: &str, dimension: Value| {
        json!({ "Id": id, "ReturnData": false, "MetricStat": { "Stat": stat,
            "Metric": { "Namespace": namespace, "MetricName": metric, "Dimensions": [dimension] } } })
    };
    let metrics = json!([
        query("m1", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Sum",
              json!({ "Name": "QueueName", "Value": "orders" })),
        query("m2", "AWS/AutoScaling", "GroupInServiceInstances", "Average",
              json!({ "Name": "AutoScalingGroupName", "Value": "workers" })),
        { "Id": "e1", "Expression": "m1 / m2", "Label": "backlog", "ReturnData": true }
    ]);
    let aws = json!({ "aws": { "MinSize": 1, "MaxSize": 40, "DesiredCapacity": 1,
        "Policies": [ { "PolicyName": "backlog", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {
                "CustomizedMetricSpecification": { "Metrics": metrics }, "TargetValue": 100 } } ] } });
    let model = support::model(json!({
        "simulation": { "duration_s": 200.0 },
        "instance_types": { "unit": { "vcpus": 1 } },
        "traffic": { "entry": "orders", "arrivals": { "deterministic": { "rate_rps": 10 } } },
        "nodes": {
            "orders": { "queue": { "consumer": "workers" } },
            "workers": { "pool": { "instance_type": "unit", "instances": 1,
                "workers_per_instance": 1, "service": { "constant": { "ms": 1000 } },
                "provisioning": { "constant": { "ms": 1200000 } }, "autoscaling": aws } }
        }
    }));
    let options = capsim::RunOptions {
        series_window_s: None,
        decisions: true,
    };
    let run = capsim::simulate_with(&model, 1, 0, &options, &mut |_| {});
    let policy: Vec<_> = (run.decisions.expect("decisions were asked for").into_iter())
        .filter(|d| d.rule == "backlog")
        .collect();
    let seen: Vec<(f64, u32)> = policy.iter().map(|d| (d.time_s, d.desired)).collect();
    assert_eq!(seen, [(60.0, 1), (120.0, 1), (180.0, 17)]);
    for d in &policy {
        let by_hand = 9.0 * d.time_s;
        assert!(
            (d.value - by_hand).abs() <= 1.0,
            "{} s: {} visible",
            d.time_s,
            d.value
        );
        assert_eq!(d.metric, "backlog");
    }
    assert_eq!(policy[2].desired, (policy[2].value / 100.0).ceil() as u32);
}

/// An AWS policy's SQS metric reads the queue its pool consumes.
#[test]
fn an_sqs_metric_names_the_queue_its_pool_consumes() {
    let policy = |queue: &str| {
        json!({ "aws": { "MinSize": 1, "MaxSize": 4, "Policies": [
            { "PolicyType": "TargetTrackingScaling", "TargetTrackingConfiguration": {
                "TargetValue": 100, "CustomizedMetricSpecification": {
                    "MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS",
                    "Statistic": "Sum", "Dimensions": [ { "Name": "QueueName", "Value": queue } ] } } } ] } })
    };
    let at = "pool.autoscaling.aws.Policies[0].TargetTrackingConfiguration.CustomizedMetricSpecification.Dimensions[0].Value";
    assert_eq!(
        queue_error(|t| t["nodes"]["web"]["pool"]["autoscaling"] = policy("orders-prod")),
        format!(
            "nodes.web.{at}: expected `q`, the queue `web` consumes (capsim reads no other), got `orders-prod`"
        )
    );
    let message = queue_error(|t| {
        t["nodes"]["other"] = json!({ "pool": { "instance_type": "box", "instances": 1,
            "service": { "exponential": { "mean_ms": 20 } }, "autoscaling": policy("q") } });
    });
    assert_eq!(
        message,
        format!(
            "nodes.other.{at}: `ApproximateNumberOfMessagesVisible` reads the queue a pool consumes, and `other` consumes none"
        )
    );
}
