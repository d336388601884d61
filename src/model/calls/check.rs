//! Checks of call policies (timeouts, retries, breakers, connection pools):
//! sync calls only, a timeout the callee can meet, counters that fit.

use std::collections::BTreeMap;

use crate::model::shared::error::Diagnostic;
use crate::model::shared::units::Positive;
use crate::model::topology::spec::{
    BreakerSpec, CallMode, InstanceTypeSpec, NodeSpec, RetrySpec, Topology,
};

/// Attempts of one call at most (the attempt count is kept in 16 bits).
pub const MAX_ATTEMPTS: u32 = 100;

/// A call's policy as written, wherever it is written.
pub struct Policy<'a> {
    /// JSON path of the object holding the fields.
    pub path: String,
    /// The node called.
    pub to: &'a str,
    /// `sync` or `async`.
    pub mode: CallMode,
    /// `timeout_ms`.
    pub timeout_ms: Option<Positive>,
    /// `retry`.
    pub retry: Option<&'a RetrySpec>,
    /// `breaker`.
    pub breaker: Option<&'a BreakerSpec>,
    /// `connections`.
    pub connections: bool,
}

/// Checks one policy: only on sync calls, and a timeout the callee can meet.
pub fn check_policy(
    acc: &mut Vec<Diagnostic>,
    topology: &Topology,
    types: &BTreeMap<String, InstanceTypeSpec>,
    policy: &Policy,
) {
    let has_policy = policy.timeout_ms.is_some()
        || policy.retry.is_some()
        || policy.breaker.is_some()
        || policy.connections;
    if has_policy && policy.mode == CallMode::Async {
        acc.push(Diagnostic::new(
            &policy.path,
            "a timeout, retry, breaker or connection pool needs a `sync` call: nobody waits for an `async` one",
        ));
    }
    let mut at_most = |field: &str, value: u32, max: u32, why: &str| {
        if value > max {
            acc.push(Diagnostic::new(
                format!("{}.{field}", policy.path),
                format!("expected at most {max} ({why}), got {value}"),
            ));
        }
    };
    if let Some(retry) = policy.retry {
        at_most(
            "retry.max_attempts",
            retry.max_attempts.get(),
            MAX_ATTEMPTS,
            "no client retries more",
        );
        if let Some(budget) = &retry.budget {
            at_most(
                "retry.budget.window_s",
                budget.window_s.get(),
                3600,
                "an hour",
            );
        }
    }
    if let Some(breaker) = policy.breaker {
        at_most(
            "breaker.failures",
            breaker.failures.get(),
            100_000,
            "the breaker keeps their times",
        );
    }
    if let Some(timeout) = policy.timeout_ms {
        let fastest = fastest_ms(topology, types, policy.to, 0);
        if timeout.get() <= fastest {
            acc.push(Diagnostic::new(
                format!("{}.timeout_ms", policy.path),
                format!(
                    "expected more than the fastest possible response of `{}` ({fastest} ms), got {}: every attempt would time out",
                    policy.to,
                    timeout.get()
                ),
            ));
        }
    }
}

/// The shortest time `node` can take to answer, ms: the least each
/// distribution can draw, and the calls every request must make. A lower
/// bound; 0 where unknown (a missing node, or a cycle, reported elsewhere).
fn fastest_ms(
    topology: &Topology,
    types: &BTreeMap<String, InstanceTypeSpec>,
    node: &str,
    depth: usize,
) -> f64 {
    let Some(spec) = topology.nodes.get(node) else {
        return 0.0;
    };
    if depth > topology.nodes.len() {
        return 0.0;
    }
    let speed = |name: &str| types.get(name).map_or(1.0, |t| t.speed.get());
    let next = |to: &str| fastest_ms(topology, types, to, depth + 1);
    match spec {
        NodeSpec::Pool(pool) => {
            let service = pool
                .service_by_class
                .values()
                .chain([&pool.service])
                .map(|d| d.min_ms())
                .fold(f64::INFINITY, f64::min);
            let calls: f64 = pool
                .calls
                .iter()
                .filter(|c| {
                    c.mode == CallMode::Sync && c.classes.is_empty() && c.probability.get() == 1.0
                })
                .map(|c| next(&c.to))
                .sum();
            // Pods run at their cluster's first node pool's speed.
            let pod_type = (pool.kubernetes.as_ref())
                .and_then(|pod| topology.clusters.get(&pod.cluster))
                .and_then(|cluster| cluster.node_pools.first())
                .map(|node_pool| node_pool.instance_type.as_str());
            let name = pool.instance_type.as_deref().or(pod_type).unwrap_or("");
            service / speed(name) + calls
        }
        NodeSpec::Database(db) => {
            let write = db.write.as_ref().map_or(f64::INFINITY, |w| w.min_ms());
            db.read.min_ms().min(write) / speed(&db.instance_type)
        }
        // A hit answers after the lookup alone.
        NodeSpec::Cache(cache) => cache.latency.min_ms(),
        NodeSpec::Delay(delay) => delay.latency.min_ms(),
        // A send is answered once the message is stored.
        NodeSpec::Queue(_) => 0.0,
        NodeSpec::LoadBalancer(lb) => {
            let targets = lb
                .to
                .iter()
                .chain(lb.split.iter().map(|t| &t.to))
                .chain(lb.routes.iter().map(|r| &r.to))
                .map(|to| next(to))
                .fold(f64::INFINITY, f64::min);
            lb.latency.as_ref().map_or(0.0, |l| l.min_ms()) + targets
        }
    }
}

/// Every policy in the topology: pools' calls and sources' clients.
pub fn check_all(
    acc: &mut Vec<Diagnostic>,
    topology: &Topology,
    types: &BTreeMap<String, InstanceTypeSpec>,
    sources: &[crate::model::traffic::sources::SourceView],
) {
    for (name, node) in &topology.nodes {
        let NodeSpec::Pool(pool) = node else { continue };
        for call in crate::model::calls::leaves::leaves(&pool.calls) {
            let policy = Policy {
                path: format!("nodes.{name}.pool.{}", call.path()),
                to: call.to,
                mode: call.mode,
                timeout_ms: call.timeout_ms,
                retry: call.retry,
                breaker: call.breaker,
                connections: call.connections.is_some(),
            };
            check_policy(acc, topology, types, &policy);
        }
    }
    for source in sources {
        if let Some(client) = source.client {
            let policy = Policy {
                path: format!("{}.client", source.path),
                to: source.entry,
                mode: CallMode::Sync,
                timeout_ms: client.timeout_ms,
                retry: client.retry.as_ref(),
                breaker: client.breaker.as_ref(),
                connections: false,
            };
            check_policy(acc, topology, types, &policy);
        }
    }
}
