//! `analyze`: instant estimates of a whole model where theory applies.
//!
//! ```text
//!  Model ─► flows (traffic equations) ─► groups of queues per node (stations.rs)
//!        ─► open:   Erlang C / M/M/c/K / Allen–Cunneen per group, a pool's
//!                   workers held for their calls' time, iterated to a fixed point
//!           closed: MVA over every queue (exact, or Schweitzer–Bard–Seidmann when large)
//!        ─► per node: wait + service + synchronous calls, recursively (tree.rs)
//!        ─► end-to-end mean (Jackson: Σ visit ratio × response)
//! ```
//!
//! Plain data out; `report::analysis` prints it, beside a simulation's
//! figures when asked. Where the model leaves theory's assumptions, the
//! estimate is still made (at the mean rate, ignoring held workers, …) and
//! the departure is named as a [`Reason`], so users see why the two part.

use serde::Serialize;

use super::che::expected_hit_ratio;
use super::formulas::{Station, mva_groups};
use super::load::flows;
use super::priority::{ByClass, by_class};
use super::stations::{Group, Method, Solved, Stations, groups_of};
use super::tree::Context;
use crate::model::{Arrivals, CallMode, EvictionPolicy, Hits, Model, NodeId, NodeKind};

/// Why the simulation may part from theory here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A bounded queue rejects requests; beyond a single exponential queue
    /// theory ignores the rejections.
    FiniteQueue,
    /// Workers stay held during downstream calls. In an open network
    /// theory holds them for the calls' mean time (layers); a closed
    /// population's MVA sees only the CPU work.
    HeldWorkers,
    /// Service times are not exponential: M/G/c is approximated.
    NonExponential,
    /// Offered load at or above capacity: no steady state to compare.
    Unstable,
    /// The arrival rate varies over time (profile, MMPP, trace): theory is
    /// at the mean rate only, and queues at the peaks are longer.
    TimeVarying,
    /// Arrivals are not Poisson (deterministic, batches).
    NonPoisson,
    /// Instances change during the run (autoscaling, failures): theory
    /// uses the initial count.
    Autoscaling,
    /// Several instance queues behind a balancer: theory splits arrivals
    /// evenly at random (round-robin and least-connections wait less).
    SplitQueues,
    /// Open and closed sources together, or several closed ones: no
    /// end-to-end estimate.
    MixedPopulation,
    /// A cache whose hit ratio theory cannot estimate (several key laws, a
    /// trace's keys); misses are then assumed for the load.
    HitRatioUnknown,
    /// Che's approximation is for LRU; other evictions hit somewhat less.
    NotLru,
    /// More workers than vCPUs, and a request holding a worker queues for
    /// a vCPU: theory's two layers are approximate (a shared queue hands
    /// work to the instances in turn, less variable than Poisson).
    VcpuQueues,
    /// Classes are served by priority, or share the vCPUs: the per-class
    /// figures (`by_class`) follow their formulas (approximately on several
    /// servers), but the node's overall figures, and so its callers' and
    /// the end-to-end estimate, are first come, first served.
    ClassScheduling,
    /// Admission control: a token bucket passes min(λ, r) (approximate
    /// near λ ≈ r, where a finite burst refuses some Poisson arrivals); a
    /// concurrency limit or shedding by queue length makes a single queue
    /// M/M/c/K; shedding by expected wait, LIFO and per-source buckets are
    /// not modelled.
    Admission,
    /// Calls made at once (parallel groups, scatters, hedges): a group's
    /// time is an order statistic of its branches' times taken as
    /// independent exponentials (Nelson–Tantawi for identical M/M/1
    /// branches; an upper bound on `all` where branches queue, and a
    /// hedge's extra copies are not in the callee's load).
    FanOut,
}

/// Theory's figures for one node.
#[derive(Clone, Debug, Serialize)]
pub struct NodeTheory {
    /// Node name.
    pub name: String,
    /// Node kind, as written in JSON.
    pub kind: &'static str,
    /// Requests per second reaching it.
    pub arrival_rps: f64,
    /// Its queues (pools, databases), each with its solution.
    pub groups: Vec<(Group, Solved)>,
    /// Busy servers / servers over all its queues (as the simulation
    /// reports: vCPUs of a pool, connections of a database).
    pub utilization: Option<f64>,
    /// Its busiest queue's utilization (the hottest shard, primaries or
    /// replicas), and which it is; `None` when all its queues are alike.
    pub busiest: Option<(f64, String)>,
    /// A pool's busy workers / workers: the time each is held, calls included.
    pub worker_utilization: Option<f64>,
    /// Probability of waiting, over its arrivals.
    pub wait_probability: Option<f64>,
    /// Mean wait in its queues, ms.
    pub wait_ms: Option<f64>,
    /// Mean visit time, ms, from reaching it to its answer (downstream
    /// synchronous calls included, as the simulation measures it).
    pub response_ms: Option<f64>,
    /// A cache's expected hit ratio (Che's approximation for a store).
    pub hit_ratio: Option<f64>,
    /// Per class, where classes are served by priority or share the vCPUs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_class: Option<ByClass>,
    /// Where the simulation may part from these figures.
    pub reasons: Vec<Reason>,
    /// Its reasons and those of every node its visits reach: why its
    /// visit time (`response_ms`, downstream included) may part.
    pub path_reasons: Vec<Reason>,
}

/// How the end-to-end figures were obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Open network: each queue at its offered load, end-to-end mean the
    /// sum over nodes of visit ratio × response (Jackson).
    Jackson,
    /// Closed population: exact load-dependent Mean Value Analysis.
    Mva,
}

/// Theory's estimate of a whole model.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// Model name.
    pub model: String,
    /// Open or closed; `None` when no end-to-end estimate applies.
    pub network: Option<Network>,
    /// Successful requests per second end to end.
    pub throughput_rps: Option<f64>,
    /// Mean end-to-end response time, ms.
    pub response_ms: Option<f64>,
    /// Closed population: users and mean think time, seconds.
    pub population: Option<(u32, f64)>,
    /// Per node, in the model's order.
    pub nodes: Vec<NodeTheory>,
    /// Departures from theory that concern the whole model.
    pub reasons: Vec<Reason>,
}

/// Analyzes `model` without simulating it.
pub fn analyze(model: &Model) -> Analysis {
    let mut reasons = Vec::new();
    for source in &model.sources {
        match source.arrivals {
            Arrivals::Profile(_) | Arrivals::Mmpp(_) | Arrivals::Trace(_) => {
                reasons.push(Reason::TimeVarying)
            }
            Arrivals::Deterministic { .. } | Arrivals::Batch { .. } => {
                reasons.push(Reason::NonPoisson)
            }
            Arrivals::Poisson { .. } | Arrivals::Closed { .. } => {}
        }
    }
    let closed: Vec<_> = model
        .sources
        .iter()
        .filter_map(|s| match &s.arrivals {
            Arrivals::Closed { users, think, .. } => Some((*users, think.mean_ms() / 1e3)),
            _ => None,
        })
        .collect();
    let population = match closed.as_slice() {
        [] => None,
        [one] if model.sources.len() == 1 => Some(*one),
        _ => {
            reasons.push(Reason::MixedPopulation);
            return finish(model, None, None, None, None, reasons);
        }
    };
    // Flows per unit of rate for a closed population (visit ratios), at
    // the mean rates for open sources.
    let flow = flows(model, |source| {
        if population.is_some() {
            Some(1.0)
        } else {
            source.mean_rate_rps(model.duration_s)
        }
    })
    .expect("every open source has a mean rate; the closed one is given 1");
    let mut groups: Vec<Option<Stations>> = (0..model.nodes.len())
        .map(|i| groups_of(model, i, &flow.reads[i], &flow.writes[i]))
        .collect();
    let (solved, throughput) = match population {
        None => (solve_layers(model, &flow, &mut groups), None),
        Some((users, think_s)) => {
            let delays = delay_per_request(model, &flow);
            let (solved, x) = solve_closed(&groups, users, think_s + delays);
            // Scale the visit ratios to rates.
            for stations in groups.iter_mut().flatten() {
                for g in &mut stations.groups {
                    g.arrival_rps *= x;
                }
            }
            (solved, Some(x))
        }
    };
    let network = Some(if population.is_some() {
        Network::Mva
    } else {
        Network::Jackson
    });
    finish(
        model,
        network,
        Some((groups, solved, flow)),
        population,
        throughput,
        reasons,
    )
}

/// Each node's groups (with the indices of its read and write groups),
/// their solutions, and the flows they came from.
type Solution = (
    Vec<Option<Stations>>,
    Vec<Option<Vec<Solved>>>,
    super::load::Flows,
);

/// Per-node figures and the end-to-end estimate from the solved groups.
fn finish(
    model: &Model,
    network: Option<Network>,
    solution: Option<Solution>,
    population: Option<(u32, f64)>,
    closed_throughput: Option<f64>,
    mut reasons: Vec<Reason>,
) -> Analysis {
    let Some((groups, solved, flow)) = solution else {
        reasons.sort();
        reasons.dedup();
        return Analysis {
            model: model.name.clone(),
            network,
            throughput_rps: None,
            response_ms: None,
            population,
            nodes: Vec::new(),
            reasons,
        };
    };
    let scale = closed_throughput.unwrap_or(1.0);
    let ctx = Context {
        model,
        groups: &groups,
        solved: &solved,
    };
    let nodes: Vec<NodeTheory> = model
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let (reads, writes) = (&flow.reads[i], &flow.writes[i]);
            let arrivals: f64 = reads.iter().chain(writes).sum();
            let visit = |class: usize, write: bool| ctx.visit_s(NodeId(i as u32), class, write, 0);
            let response_ms = (arrivals > 0.0)
                .then(|| {
                    let mut total = 0.0;
                    for c in 0..model.classes.len() {
                        for (rate, write) in [(reads[c], false), (writes[c], true)] {
                            if rate > 0.0 {
                                total += rate * visit(c, write)?;
                            }
                        }
                    }
                    Some(total / arrivals * 1e3)
                })
                .flatten();
            let mut theory = NodeTheory {
                name: node.name.clone(),
                kind: node.kind.label(),
                arrival_rps: arrivals * scale,
                groups: Vec::new(),
                utilization: None,
                busiest: None,
                worker_utilization: None,
                wait_probability: None,
                wait_ms: None,
                response_ms,
                hit_ratio: None,
                by_class: None,
                reasons: node_reasons(model, i, network == Some(Network::Mva)),
                path_reasons: Vec::new(),
            };
            if let (Some(stations), Some(ss)) = (&groups[i], &solved[i]) {
                describe_queues(model, i, &stations.groups, ss, &mut theory);
                let rates = |r: &[f64]| r.iter().map(|x| x * scale).collect::<Vec<_>>();
                theory.by_class = by_class(model, i, stations, &rates(reads), &rates(writes));
                if theory.by_class.is_some() {
                    theory.reasons.push(Reason::ClassScheduling);
                }
            }
            if let NodeKind::Cache(_) = node.kind {
                theory.hit_ratio = expected_hit_ratio(model, NodeId(i as u32));
            }
            theory
        })
        .collect();
    // End to end: every source's requests, weighted by rate (Jackson's sum
    // over nodes of visit ratio × response, taken along the call tree).
    let (mut weighted, mut rate, mut success) = (0.0, 0.0, 0.0);
    let mut complete = true;
    for source in &model.sources {
        let r = source.mean_rate_rps(model.duration_s).unwrap_or(1.0);
        for (class, share) in source.class_shares() {
            match ctx.visit_s(source.entry, class.index(), false, 0) {
                Some(v) => weighted += r * share * v,
                None => complete = false,
            }
            rate += r * share;
            success += r * share * ctx.success(source.entry, class.index(), false, 0);
        }
    }
    let mut nodes = nodes;
    let own: Vec<Vec<Reason>> = nodes.iter().map(|n| n.reasons.clone()).collect();
    for (i, node) in nodes.iter_mut().enumerate() {
        let mut path = Vec::new();
        ctx.reach(NodeId(i as u32), &mut |j| path.extend(&own[j.index()]), 0);
        path.sort();
        path.dedup();
        node.path_reasons = path;
    }
    for node in &nodes {
        reasons.extend(node.reasons.iter().filter(|r| **r == Reason::Unstable));
    }
    reasons.sort();
    reasons.dedup();
    let response_ms = (complete && rate > 0.0).then(|| weighted / rate * 1e3);
    let throughput_rps = match closed_throughput {
        Some(x) => Some(x),
        None => complete.then_some(success),
    };
    Analysis {
        model: model.name.clone(),
        network,
        throughput_rps,
        response_ms,
        population,
        nodes,
        reasons,
    }
}

/// Node-level figures from its groups' solutions.
fn describe_queues(model: &Model, i: usize, gs: &[Group], ss: &[Solved], theory: &mut NodeTheory) {
    let total: f64 = gs.iter().map(|g| g.arrival_rps).sum();
    let share = |g: &Group| {
        if total > 0.0 {
            g.arrival_rps / total
        } else {
            1.0 / gs.len() as f64
        }
    };
    let weighted = |figure: &dyn Fn(&Solved) -> Option<f64>| {
        gs.iter()
            .zip(ss)
            .map(|(g, s)| Some(share(g) * figure(s)?))
            .sum::<Option<f64>>()
    };
    theory.wait_probability = weighted(&|s| s.wait_probability);
    theory.wait_ms = weighted(&|s| s.wait_s.map(|w| w * 1e3));
    // Utilization as the simulation counts it: busy vCPUs (connections)
    // over all of them.
    let capacity: f64 = gs.iter().map(|g| g.capacity).sum();
    let busy: f64 = gs
        .iter()
        .zip(ss)
        .map(|(g, s)| s.utilization * g.capacity)
        .sum();
    theory.utilization = Some(if capacity > 0.0 { busy / capacity } else { 0.0 });
    theory.worker_utilization = ss.iter().find_map(|s| s.worker_utilization);
    if gs.len() > 1 {
        let (g, s) = gs
            .iter()
            .zip(ss)
            .max_by(|a, b| a.1.utilization.total_cmp(&b.1.utilization))
            .expect("more than one group");
        theory.busiest = Some((s.utilization, g.label()));
    }
    for (g, s) in gs.iter().zip(ss) {
        if s.method == Method::Unstable {
            theory.reasons.push(Reason::Unstable);
        }
        // A group with no traffic has nothing to approximate.
        if !g.exponential && g.arrival_rps > 0.0 {
            theory.reasons.push(Reason::NonExponential);
        }
        // Rejections theory only estimates, when there are enough to matter.
        if g.limit.is_some() && s.method != Method::Mmck && s.blocking > REJECTIONS_THAT_MATTER {
            theory.reasons.push(Reason::FiniteQueue);
        }
        if super::admission::admission_of(model, i).is_some()
            && !theory.reasons.contains(&Reason::Admission)
        {
            theory.reasons.push(Reason::Admission);
        }
        if g.queues > 1 && matches!(model.nodes[i].kind, NodeKind::Pool(_)) {
            theory.reasons.push(Reason::SplitQueues);
        }
        if g.cpu.is_some() && g.arrival_rps > 0.0 {
            theory.reasons.push(Reason::VcpuQueues);
        }
    }
    theory.reasons.sort();
    theory.reasons.dedup();
    theory.groups = gs.iter().cloned().zip(ss.iter().copied()).collect();
}

/// Below this estimated share of rejected arrivals, a finite queue is no
/// reason for theory and simulation to part.
const REJECTIONS_THAT_MATTER: f64 = 1e-3;

/// Reasons that come from a node's configuration alone (held workers only
/// for a closed population: an open network's layers account for them).
fn node_reasons(model: &Model, i: usize, closed: bool) -> Vec<Reason> {
    let mut reasons = Vec::new();
    match &model.nodes[i].kind {
        NodeKind::Pool(pool) => {
            if closed && pool.calls.iter().any(|c| c.mode == CallMode::Sync) {
                reasons.push(Reason::HeldWorkers);
            }
            if pool.calls.iter().any(|c| c.group.is_some()) {
                reasons.push(Reason::FanOut);
            }
            let failures = &pool.fleet.failures;
            if pool.fleet.autoscaler.is_some()
                || failures.time_to_failure.is_some()
                || !failures.scheduled.is_empty()
            {
                reasons.push(Reason::Autoscaling);
            }
        }
        NodeKind::Cache(cache) => {
            if let Hits::Store { policy, .. } = cache.hits {
                if policy != EvictionPolicy::Lru {
                    reasons.push(Reason::NotLru);
                }
                if expected_hit_ratio(model, NodeId(i as u32)).is_none() {
                    reasons.push(Reason::HitRatioUnknown);
                }
            }
        }
        _ => {}
    }
    reasons
}

/// Time per request in pure delays (balancer and cache latencies, delay
/// nodes), seconds: an infinite-server station, which adds to think time
/// in MVA.
fn delay_per_request(model: &Model, flow: &super::load::Flows) -> f64 {
    model
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let visits: f64 = flow.reads[i].iter().chain(&flow.writes[i]).sum();
            let latency_ms = match &node.kind {
                NodeKind::Balancer(b) => b.latency.as_ref().map_or(0.0, |d| d.mean_ms()),
                NodeKind::Cache(c) => c.latency.mean_ms(),
                NodeKind::Delay(d) => d.latency.mean_ms(),
                _ => 0.0,
            };
            visits * latency_ms / 1e3
        })
        .sum()
}

/// Solves an open network's groups, holding each pool's workers for the
/// time of its synchronous calls: the calls' times come from the solved
/// groups below, so the holding times are iterated until none changes
/// (Rolia & Sevcik's method of layers; the call graph is acyclic, so this
/// settles within its depth, and the bound only guards against rounding).
fn solve_layers(
    model: &Model,
    flow: &super::load::Flows,
    groups: &mut [Option<Stations>],
) -> Vec<Option<Vec<Solved>>> {
    let solve = |groups: &[Option<Stations>]| -> Vec<Option<Vec<Solved>>> {
        groups
            .iter()
            .map(|g| {
                g.as_ref()
                    .map(|s| s.groups.iter().map(Group::solve_open).collect())
            })
            .collect()
    };
    let mut solved = solve(groups);
    for _ in 0..=MAX_CALL_DEPTH {
        let ctx = Context {
            model,
            groups,
            solved: &solved,
        };
        let held: Vec<Option<(f64, f64)>> = (0..model.nodes.len())
            .map(|i| held_time(&ctx, flow, i))
            .collect();
        let mut changed = false;
        for (stations, held) in groups.iter_mut().zip(held) {
            let (Some(stations), Some((mean, square))) = (stations, held) else {
                continue;
            };
            for g in &mut stations.groups {
                if (g.held_s - mean).abs() > 1e-12 * mean.max(1e-9) {
                    changed = true;
                }
                (g.held_s, g.held_square) = (mean, square);
            }
        }
        if !changed {
            break;
        }
        solved = solve(groups);
    }
    solved
}

/// Deepest synchronous call chain the layers are iterated for.
const MAX_CALL_DEPTH: usize = 64;

/// A pool's mean time in synchronous calls and its mean square, over the
/// classes it serves; `None` for other kinds, or while a callee is unstable.
fn held_time(ctx: &Context, flow: &super::load::Flows, i: usize) -> Option<(f64, f64)> {
    let NodeKind::Pool(pool) = &ctx.model.nodes[i].kind else {
        return None;
    };
    if !pool.calls.iter().any(|c| c.mode == CallMode::Sync) {
        return None;
    }
    let (mut rate, mut mean, mut square) = (0.0, 0.0, 0.0);
    for c in 0..ctx.model.classes.len() {
        let r = flow.reads[i][c] + flow.writes[i][c];
        if r > 0.0 {
            let (m, sq) = ctx.calls_s(NodeId(i as u32), c)?;
            rate += r;
            mean += r * m;
            square += r * sq;
        }
    }
    (rate > 0.0).then(|| (mean / rate, square / rate))
}

/// MVA over every group of identical queues (visit ratios in the groups'
/// `arrival_rps`), exact or approximate by size; returns each group's
/// solution and the throughput.
fn solve_closed(
    groups: &[Option<Stations>],
    users: u32,
    think_s: f64,
) -> (Vec<Option<Vec<Solved>>>, f64) {
    // One MVA station per group, standing for its `queues` identical queues
    // (each takes an even share of the group's visits).
    let mut stations = Vec::new();
    for g in groups.iter().flatten().flat_map(|s| &s.groups) {
        // The single-layer station: with calls, MVA sees the CPU work only
        // (the reason `HeldWorkers` says so).
        let servers = match g.cpu {
            Some(cpu) => (cpu.servers * cpu.queues / g.queues).min(g.servers),
            None => g.servers,
        };
        stations.push((
            Station {
                servers,
                service_s: g.arrival_rps / f64::from(g.queues) * g.service_s,
            },
            g.queues,
        ));
    }
    let solution = mva_groups(&stations, think_s, users);
    let x = solution.throughput;
    let method = if solution.exact {
        Method::Mva
    } else {
        Method::ApproximateMva
    };
    let mut at = 0;
    let solved = groups
        .iter()
        .map(|entry| {
            entry.as_ref().map(|s| {
                s.groups
                    .iter()
                    .map(|g| {
                        let k = at;
                        at += 1;
                        let visits = g.arrival_rps / f64::from(g.queues);
                        let (wait_s, wait_probability) = if visits > 0.0 {
                            (
                                (solution.residence[k] / visits - g.service_s).max(0.0),
                                solution.wait_probability[k],
                            )
                        } else {
                            (0.0, 0.0)
                        };
                        Solved {
                            method,
                            utilization: x * g.arrival_rps * g.service_s / g.capacity,
                            worker_utilization: None,
                            wait_probability: Some(wait_probability),
                            wait_s: Some(wait_s),
                            blocking: 0.0,
                        }
                    })
                    .collect()
            })
        })
        .collect();
    (solved, x)
}
