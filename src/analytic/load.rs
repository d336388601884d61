//! Offered load per node, from the arrival rate and the routing of a model:
//! the traffic equations of an open network, solved by pushing each class's
//! flow down the (acyclic) call graph. Used by `capsim check` to say, before
//! any simulation, which node cannot keep up.

use serde::Serialize;

use super::stations::{Group, groups_of};
use crate::model::{
    Arrivals, CallMode, Database, Model, NodeId, NodeKind, Operation, Pool, Source,
};

/// The load offered to one node.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NodeLoad {
    /// Node name.
    pub name: String,
    /// Requests per second reaching it.
    pub arrival_rps: f64,
    /// Offered utilization of its busiest servers (vCPUs, connections), at
    /// an autoscaled pool's maximum size;
    /// `None` for kinds without servers. At or above 1 the node cannot keep up.
    pub utilization: Option<f64>,
    /// A database's offered utilization over all its servers (primaries,
    /// replicas, every shard), as `run` and `analyze` report it.
    pub mean_utilization: Option<f64>,
    /// Which of a database's queues is the busiest (`shard 0 servers`,
    /// `primaries`), when they differ.
    pub busiest: Option<String>,
    /// A lower bound on a pool's worker occupancy: arrivals × the time a
    /// request holds a worker with no queueing anywhere (its CPU work plus
    /// its synchronous calls' unloaded latencies), over the workers. At or
    /// above 1 the workers, not the CPUs, cannot keep up.
    pub worker_utilization: Option<f64>,
}

impl NodeLoad {
    /// True if this node cannot keep up with its offered load.
    pub fn is_saturated(&self) -> bool {
        self.utilization.is_some_and(|u| u >= 1.0)
            || self.worker_utilization.is_some_and(|u| u >= 1.0)
    }
}

/// Per node: arrival rate and offered utilization, from each source's mean
/// rate over the run. `None` when a source is a closed population, whose
/// rate depends on response times (see `analytic::mva`).
pub fn offered_load(model: &Model) -> Option<Vec<NodeLoad>> {
    offered_load_with(model, |source| source.mean_rate_rps(model.duration_s))
}

/// As [`offered_load`] at each source's peak rate (the top of a profile, an
/// MMPP's burst), when some source varies over time: what the system faces
/// at its busiest, which it may survive for a while by queueing.
pub fn peak_offered_load(model: &Model) -> Option<Vec<NodeLoad>> {
    let varies = model
        .sources
        .iter()
        .any(|s| matches!(s.arrivals, Arrivals::Profile(_) | Arrivals::Mmpp(_)));
    if !varies {
        return None;
    }
    offered_load_with(model, |source| match &source.arrivals {
        Arrivals::Profile(profile) => Some(profile.peak_rps(model.duration_s)),
        Arrivals::Mmpp(mmpp) => Some(mmpp.calm_rps.max(mmpp.burst_rps)),
        _ => source.mean_rate_rps(model.duration_s),
    })
}

/// Offered load with each source at the rate `rate_of` gives it.
fn offered_load_with(
    model: &Model,
    rate_of: impl Fn(&Source) -> Option<f64>,
) -> Option<Vec<NodeLoad>> {
    let Flows { reads, writes } = flows(model, rate_of)?;
    Some(
        model
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let mut load = match &node.kind {
                    NodeKind::Pool(pool) => pool_load(model, i, pool, &reads[i], &writes[i]),
                    NodeKind::Database(db) => database_load(model, i, db, &reads[i], &writes[i]),
                    _ => NodeLoad::default(),
                };
                load.name = node.name.clone();
                load.arrival_rps = reads[i].iter().chain(&writes[i]).sum();
                load
            })
            .collect(),
    )
}

/// Pool `i`'s vCPU utilization and unloaded worker occupancy.
fn pool_load(model: &Model, i: usize, pool: &Pool, reads: &[f64], writes: &[f64]) -> NodeLoad {
    let classes = 0..model.classes.len();
    let work_s: f64 = (classes.clone())
        .map(|c| (reads[c] + writes[c]) * pool.service_by_class[c].mean_ms() / 1e3)
        .sum();
    let servers = f64::from(pool.max_instances() * pool.instance_type.vcpus);
    let id = NodeId(i as u32);
    let held_s: f64 = classes
        .map(|c| {
            reads[c] * unloaded_s(model, id, c, false, 0)
                + writes[c] * unloaded_s(model, id, c, true, 0)
        })
        .sum();
    NodeLoad {
        utilization: Some(work_s / pool.instance_type.speed / servers),
        worker_utilization: Some(held_s / f64::from(pool.max_instances() * pool.workers)),
        ..NodeLoad::default()
    }
}

/// Database `i`'s load from the same queues as `analyze` (a group per
/// shard when the keys make some hotter): its busiest group's vCPUs and
/// connections (held through CPU and I/O wait, unloaded), and all its vCPUs.
fn database_load(
    model: &Model,
    i: usize,
    db: &Database,
    reads: &[f64],
    writes: &[f64],
) -> NodeLoad {
    let groups = groups_of(model, i, reads, writes).map_or_else(Vec::new, |s| s.groups);
    let capacity: f64 = groups.iter().map(|g| g.capacity).sum();
    let busy: f64 = (groups.iter())
        .map(|g| g.offered_utilization() * g.capacity)
        .sum();
    let hottest =
        (groups.iter()).max_by(|a, b| a.offered_utilization().total_cmp(&b.offered_utilization()));
    let held =
        |g: &Group| g.arrival_rps * (g.service_s + g.held_s) / f64::from(g.queues * db.connections);
    NodeLoad {
        utilization: hottest.map(|g| g.offered_utilization()),
        mean_utilization: Some(if capacity > 0.0 { busy / capacity } else { 0.0 }),
        busiest: hottest.filter(|_| groups.len() > 1).map(|g| g.label()),
        worker_utilization: groups.iter().map(held).max_by(f64::total_cmp),
        ..NodeLoad::default()
    }
}

/// Requests per second reaching each node, by class and operation:
/// `reads[node][class]`, `writes[node][class]`.
pub(crate) struct Flows {
    pub reads: Vec<Vec<f64>>,
    pub writes: Vec<Vec<f64>>,
}

/// Solves the traffic equations with each source at the rate `rate_of`
/// gives it (async calls included: they load their targets too); `None`
/// when `rate_of` has no rate for some source.
pub(crate) fn flows(model: &Model, rate_of: impl Fn(&Source) -> Option<f64>) -> Option<Flows> {
    let mut pass = vec![vec![1.0; model.classes.len()]; model.nodes.len()];
    // Rate limits cap what they pass on; nested ones settle within the
    // call graph's depth (at most 64 levels).
    for _ in 0..64 {
        let flows = flows_passing(model, &rate_of, &pass)?;
        let admitted: Vec<Vec<f64>> = flows
            .reads
            .iter()
            .zip(&flows.writes)
            .map(|(r, w)| r.iter().zip(w).map(|(r, w)| r + w).collect())
            .collect();
        let next = super::admission::pass_shares(model, &admitted, &pass);
        if next == pass {
            return Some(flows);
        }
        pass = next;
    }
    flows_passing(model, &rate_of, &pass)
}

/// The traffic equations with each node admitting `pass[node][class]` of
/// each class's arrivals.
fn flows_passing(
    model: &Model,
    rate_of: &impl Fn(&Source) -> Option<f64>,
    pass: &[Vec<f64>],
) -> Option<Flows> {
    let n_classes = model.classes.len();
    let mut reads = vec![vec![0.0; n_classes]; model.nodes.len()];
    let mut writes = vec![vec![0.0; n_classes]; model.nodes.len()];
    for source in &model.sources {
        let rate = rate_of(source)?;
        for (class, share) in source.class_shares() {
            push(
                model,
                &mut reads,
                &mut writes,
                source.entry,
                class.index(),
                rate * share,
                false,
                0,
                pass,
            );
        }
    }
    Some(Flows { reads, writes })
}

/// Mean latency of a visit to `node` with no queueing anywhere, seconds.
fn unloaded_s(model: &Model, node: NodeId, class: usize, write: bool, depth: u32) -> f64 {
    if depth > 64 {
        return 0.0;
    }
    let below = |to: NodeId, write: bool| unloaded_s(model, to, class, write, depth + 1);
    match &model.nodes[node.index()].kind {
        NodeKind::Balancer(balancer) => {
            balancer.latency.as_ref().map_or(0.0, |d| d.mean_ms() / 1e3)
                + balancer.targets_by_class[class]
                    .0
                    .iter()
                    .map(|&(to, share)| share * below(to, write))
                    .sum::<f64>()
        }
        NodeKind::Pool(pool) => {
            pool.service_by_class[class].mean_ms() / 1e3 / pool.instance_type.speed
                + pool
                    .calls
                    .iter()
                    .filter(|call| call.class_filter[class] && call.mode == CallMode::Sync)
                    .map(|call| call.probability * below(call.to, call.op == Operation::Write))
                    .sum::<f64>()
        }
        NodeKind::Cache(cache) => {
            cache.latency.mean_ms() / 1e3
                + cache.on_miss.map_or(0.0, |to| {
                    let passes = if write {
                        1.0
                    } else {
                        1.0 - hit_ratio(model, node)
                    };
                    passes * below(to, write)
                })
        }
        NodeKind::Database(db) => db.unloaded_s(write),
        NodeKind::Delay(delay) => delay.latency.mean_ms() / 1e3,
        // A send is answered once the message is stored.
        NodeKind::Queue(_) => 0.0,
    }
}

/// Adds `rate` of `class` at `node` and pushes what it sends on. The depth
/// guard stops a cycle of async calls (allowed: nobody waits on them).
#[allow(clippy::too_many_arguments)]
fn push(
    model: &Model,
    reads: &mut [Vec<f64>],
    writes: &mut [Vec<f64>],
    node: NodeId,
    class: usize,
    rate: f64,
    write: bool,
    depth: u32,
    pass: &[Vec<f64>],
) {
    if depth > 64 || rate == 0.0 {
        return;
    }
    let i = node.index();
    let rate = rate * pass[i][class];
    if write {
        writes[i][class] += rate
    } else {
        reads[i][class] += rate
    }
    match &model.nodes[i].kind {
        NodeKind::Balancer(balancer) => {
            for &(target, share) in &balancer.targets_by_class[class].0 {
                push(
                    model,
                    reads,
                    writes,
                    target,
                    class,
                    rate * share,
                    write,
                    depth + 1,
                    pass,
                );
            }
        }
        NodeKind::Pool(pool) => {
            for call in pool.calls.iter().filter(|call| call.class_filter[class]) {
                let write = call.op == Operation::Write;
                push(
                    model,
                    reads,
                    writes,
                    call.to,
                    class,
                    rate * call.probability * super::fanout::visits_per_call(model, call),
                    write,
                    depth + 1,
                    pass,
                );
            }
        }
        NodeKind::Cache(cache) => {
            if let Some(on_miss) = cache.on_miss {
                push(
                    model,
                    reads,
                    writes,
                    on_miss,
                    class,
                    // A write always goes on (write-around or -through).
                    rate * if write {
                        1.0
                    } else {
                        1.0 - hit_ratio(model, node)
                    },
                    write,
                    depth + 1,
                    pass,
                );
            }
        }
        // Each message is work at the consumer (a batch draws once per message).
        NodeKind::Queue(q) => consume(model, (reads, writes), q, (class, rate), depth, pass),
        NodeKind::Database(_) | NodeKind::Delay(_) => {}
    }
}

/// A queue's messages become work at its consumer, one job's work per
/// message (a batch draws once per message, so batching leaves the load).
fn consume(
    model: &Model,
    (reads, writes): (&mut [Vec<f64>], &mut [Vec<f64>]),
    queue: &crate::model::Queue,
    (class, rate): (usize, f64),
    depth: u32,
    pass: &[Vec<f64>],
) {
    let to = queue.consumer;
    push(
        model,
        reads,
        writes,
        to,
        class,
        rate,
        false,
        depth + 1,
        pass,
    );
}

/// A cache's expected hit ratio for the load estimate; 0 (every lookup
/// goes on) when it cannot be estimated, which errs on the safe side.
pub(crate) fn hit_ratio(model: &Model, node: NodeId) -> f64 {
    super::expected_hit_ratio(model, node).unwrap_or(0.0)
}
