//! Checks of the `queue` nodes: the consumer is a pool that takes work from
//! that queue only, sizes within what the real services allow, and queue
//! metrics only on a pool that consumes a queue.

use std::collections::BTreeMap;

use crate::model::shared::error::Diagnostic;
use crate::model::topology::spec::{AutoscalingSpec, NodeSpec, PoolSpec, Topology};
use crate::model::traffic::sources::SourceView;

/// Most messages a receive may take: Kafka's `max.poll.records` defaults to
/// 500 (SQS takes at most 10); a batch's messages are held in its slot.
pub const MAX_BATCH_SIZE: u32 = 1000;
/// SQS's `maxReceiveCount` range ends here.
pub const MAX_RECEIVES: u32 = 1000;
/// Partitions of one queue (Kafka's advice is a few thousand per broker).
pub const MAX_PARTITIONS: u32 = 10_000;
/// SQS's longest visibility timeout: 12 hours.
pub const MAX_VISIBILITY_TIMEOUT_S: f64 = 43_200.0;

/// The metric names that read a queue (HPA `External` metrics).
pub const QUEUE_METRICS: [&str; 2] = ["queue_depth", "queue_age_s"];

/// Every queue's problems, and every reference to a consumer from elsewhere.
pub fn check_queues(acc: &mut Vec<Diagnostic>, topology: &Topology, sources: &[SourceView]) {
    // consumer → the queue that claimed it first.
    let mut consumed: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, node) in &topology.nodes {
        let NodeSpec::Queue(queue) = node else {
            continue;
        };
        let at = |rest: &str| format!("nodes.{name}.queue.{rest}");
        let consumer = queue.consumer.as_str();
        match topology.nodes.get(consumer) {
            None => acc.push(Diagnostic::new(
                at("consumer"),
                format!("no node named `{consumer}` (a queue's consumer is a pool)"),
            )),
            Some(NodeSpec::Pool(pool)) => {
                if pool.admission.is_some() {
                    // A consumer's worker polls only when it is free: the
                    // queue already limits what it takes (batch size, workers).
                    acc.push(Diagnostic::new(
                        format!("nodes.{consumer}.pool.admission"),
                        format!("`{consumer}` consumes queue `{name}`, which already paces its work: admission control belongs on the producers' path"),
                    ));
                }
                if let Some(first) = consumed.insert(consumer, name) {
                    acc.push(Diagnostic::new(
                        at("consumer"),
                        format!("`{consumer}` already consumes queue `{first}` (a pool consumes one queue)"),
                    ));
                    consumed.insert(consumer, first);
                }
            }
            Some(other) => acc.push(Diagnostic::new(
                at("consumer"),
                format!("expected a pool, got `{consumer}`, a {}", kind_of(other)),
            )),
        }
        let mut at_most = |field: &str, value: f64, most: f64, why: &str| {
            if value > most {
                acc.push(Diagnostic::new(
                    at(field),
                    format!("expected at most {most} ({why}), got {value}"),
                ));
            }
        };
        at_most(
            "batch_size",
            f64::from(queue.batch_size.get()),
            f64::from(MAX_BATCH_SIZE),
            "Kafka's `max.poll.records` default is 500, SQS takes 10",
        );
        if let Some(m) = queue.max_receives {
            at_most(
                "max_receives",
                f64::from(m.get()),
                f64::from(MAX_RECEIVES),
                "SQS's `maxReceiveCount` range",
            );
        }
        if let Some(p) = queue.partitions {
            at_most(
                "partitions",
                f64::from(p.get()),
                f64::from(MAX_PARTITIONS),
                "partitions of one queue",
            );
        }
        at_most(
            "visibility_timeout_s",
            queue.visibility_timeout_s.get(),
            MAX_VISIBILITY_TIMEOUT_S,
            "SQS's longest, 12 hours",
        );
    }
    check_no_other_senders(acc, topology, sources, &consumed);
    check_queue_metrics(acc, topology, &consumed);
}

/// A consumer polls its queue: a request sent to it directly would bypass
/// the queue, so every other reference to it is refused.
fn check_no_other_senders(
    acc: &mut Vec<Diagnostic>,
    topology: &Topology,
    sources: &[SourceView],
    consumed: &BTreeMap<&str, &str>,
) {
    let mut refuse = |path: String, target: &str| {
        if let Some(queue) = consumed.get(target) {
            acc.push(Diagnostic::new(
                path,
                format!("`{target}` consumes queue `{queue}` and takes work from it only: send to `{queue}`"),
            ));
        }
    };
    for source in sources {
        refuse(format!("{}.entry", source.path), source.entry);
    }
    for (name, node) in &topology.nodes {
        let at = |rest: &str| format!("nodes.{name}.{rest}");
        match node {
            NodeSpec::LoadBalancer(lb) => {
                if let Some(to) = &lb.to {
                    refuse(at("load_balancer.to"), to);
                }
                for (i, t) in lb.split.iter().enumerate() {
                    refuse(at(&format!("load_balancer.split[{i}].to")), &t.to);
                }
                for (i, r) in lb.routes.iter().enumerate() {
                    refuse(at(&format!("load_balancer.routes[{i}].to")), &r.to);
                }
            }
            NodeSpec::Pool(pool) => {
                for (i, call) in pool.calls.iter().enumerate() {
                    refuse(at(&format!("pool.calls[{i}].to")), &call.to);
                }
            }
            NodeSpec::Cache(cache) => {
                if let Some(on_miss) = &cache.on_miss {
                    refuse(at("cache.on_miss"), on_miss);
                }
            }
            NodeSpec::Database(_) | NodeSpec::Delay(_) | NodeSpec::Queue(_) => {}
        }
    }
}

/// Queue metrics are read from the queue a pool consumes.
fn check_queue_metrics(
    acc: &mut Vec<Diagnostic>,
    topology: &Topology,
    consumed: &BTreeMap<&str, &str>,
) {
    for (name, node) in &topology.nodes {
        let NodeSpec::Pool(pool) = node else {
            continue;
        };
        check_sqs_dimensions(acc, name, pool, consumed.get(name.as_str()).copied());
        if consumed.contains_key(name.as_str()) {
            continue;
        }
        for (i, metric) in queue_metrics(pool) {
            acc.push(Diagnostic::new(
                format!("nodes.{name}.pool.autoscaling.hpa.metrics[{i}].external.metric.name"),
                format!("`{metric}` reads the queue a pool consumes, and `{name}` consumes none"),
            ));
        }
    }
}

/// An AWS policy's SQS metrics name the queue the pool consumes (capsim
/// reads no other: the pool's reading holds its own queue's levels).
fn check_sqs_dimensions(
    acc: &mut Vec<Diagnostic>,
    name: &str,
    pool: &PoolSpec,
    queue: Option<&str>,
) {
    let Some(AutoscalingSpec::Aws(aws)) = &pool.autoscaling else {
        return;
    };
    for (i, policy) in aws.policies.iter().enumerate() {
        let customized = (policy.target_tracking_configuration.as_ref())
            .and_then(|c| c.customized_metric_specification.as_ref());
        let Some(customized) = customized else {
            continue;
        };
        let at = format!(
            "nodes.{name}.pool.autoscaling.aws.Policies[{i}].TargetTrackingConfiguration.CustomizedMetricSpecification"
        );
        for reference in customized.queue_references() {
            let message = match queue {
                None => format!(
                    "`{}` reads the queue a pool consumes, and `{name}` consumes none",
                    reference.metric
                ),
                Some(q) if q != reference.queue => format!(
                    "expected `{q}`, the queue `{name}` consumes (capsim reads no other), got `{}`",
                    reference.queue
                ),
                Some(_) => continue,
            };
            acc.push(Diagnostic::new(format!("{at}.{}", reference.path), message));
        }
    }
}

/// The HPA metrics of `pool` that read a queue, with their index.
fn queue_metrics(pool: &PoolSpec) -> Vec<(usize, &str)> {
    let Some(hpa) = pool.autoscaling.as_ref().and_then(AutoscalingSpec::hpa) else {
        return Vec::new();
    };
    hpa.metrics
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let name = m.external.as_ref()?.metric.name.as_str();
            QUEUE_METRICS.contains(&name).then_some((i, name))
        })
        .collect()
}

/// A node kind's name as written.
fn kind_of(node: &NodeSpec) -> &'static str {
    match node {
        NodeSpec::LoadBalancer(_) => "load_balancer",
        NodeSpec::Pool(_) => "pool",
        NodeSpec::Cache(_) => "cache",
        NodeSpec::Database(_) => "database",
        NodeSpec::Delay(_) => "delay",
        NodeSpec::Queue(_) => "queue",
    }
}
