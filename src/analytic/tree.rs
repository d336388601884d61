//! The solved model's call tree: a visit's mean time (its wait and service
//! plus its synchronous calls', recursively: Jackson's Σ visit ratio ×
//! response, taken along the tree), its chance of success past finite
//! queues, and the nodes it reaches.

use super::fanout::{group_mean_s, visits_per_call};
use super::load::hit_ratio;
use super::network::call_network_s;
use super::stations::{Solved, Stations};
use crate::model::{Call, CallMode, GroupKind, Model, NodeId, NodeKind, Operation, Pool};

/// The solved model, for walking the call tree.
pub(crate) struct Context<'a> {
    pub model: &'a Model,
    pub groups: &'a [Option<Stations>],
    pub solved: &'a [Option<Vec<Solved>>],
}

impl Context<'_> {
    /// The solutions of the groups serving this operation at `node`, each
    /// with its share of the operation.
    fn queues(&self, node: usize, write: bool) -> Option<Vec<(f64, &Solved)>> {
        let stations = self.groups[node].as_ref()?;
        let solved = self.solved[node].as_ref()?;
        let spread = if write {
            &stations.writes
        } else {
            &stations.reads
        };
        Some(
            spread
                .iter()
                .map(|&(k, share)| (share, &solved[k]))
                .collect(),
        )
    }

    /// Mean wait of this operation at `node` over its queues; `None` when
    /// one it reaches is unstable.
    fn wait_s(&self, node: usize, write: bool) -> Option<f64> {
        let mut wait = 0.0;
        for (share, solved) in self.queues(node, write)? {
            if share > 0.0 {
                wait += share * solved.wait_s?;
            }
        }
        Some(wait)
    }

    /// Mean time of one visit to `node` by `class`, seconds: its pure
    /// latency or queue wait and service, plus its synchronous calls.
    /// `None` when a queue on the way is unstable.
    pub fn visit_s(&self, node: NodeId, class: usize, write: bool, depth: u32) -> Option<f64> {
        if depth > 64 {
            return Some(0.0);
        }
        let below = |to: NodeId, write: bool| self.visit_s(to, class, write, depth + 1);
        let i = node.index();
        Some(match &self.model.nodes[i].kind {
            NodeKind::Balancer(balancer) => {
                let mut total = balancer.latency.as_ref().map_or(0.0, |d| d.mean_ms() / 1e3);
                for &(to, share) in &balancer.targets_by_class[class].0 {
                    total += share * below(to, write)?;
                }
                total
            }
            NodeKind::Pool(pool) => {
                let mut total = self.wait_s(i, write)?
                    + pool.service_by_class[class].mean_ms() / 1e3 / pool.instance_type.speed;
                for (p, mean, _) in self.steps(pool, class, depth)? {
                    total += p * mean;
                }
                total
            }
            NodeKind::Cache(cache) => {
                let mut total = cache.latency.mean_ms() / 1e3;
                if let Some(to) = cache.on_miss {
                    total += (1.0 - hit_ratio(self.model, node)) * below(to, write)?;
                }
                total
            }
            NodeKind::Database(db) => self.wait_s(i, write)? + db.unloaded_s(write),
            NodeKind::Delay(delay) => delay.latency.mean_ms() / 1e3,
            // A send is answered once the message is stored.
            NodeKind::Queue(_) => 0.0,
        })
    }

    /// Time a request of `class` at pool `node` spends in its synchronous
    /// calls, its worker held: mean (s) and mean square (s²). Calls are
    /// made one after another and taken as independent; a call's time has
    /// cs² 1 (a queue's response) or its latency's (a delay node). `None`
    /// when a callee is unstable.
    pub fn calls_s(&self, node: NodeId, class: usize) -> Option<(f64, f64)> {
        let NodeKind::Pool(pool) = &self.model.nodes[node.index()].kind else {
            return Some((0.0, 0.0));
        };
        let (mut mean, mut variance) = (0.0, 0.0);
        for (p, m, scv) in self.steps(pool, class, 0)? {
            mean += p * m;
            // A call made with probability p: p E[T²] − (p m)².
            variance += p * m * m * (1.0 + scv) - (p * m).powi(2);
        }
        Some((mean, variance + mean * mean))
    }

    /// A pool's synchronous calls for `class` as steps made one after
    /// another: (probability, mean s, cs²). A group of calls made at once
    /// is one step, its time an order statistic of its branches'
    /// (`fanout::group_mean_s`, cs² taken as 1).
    fn steps(&self, pool: &Pool, class: usize, depth: u32) -> Option<Vec<(f64, f64, f64)>> {
        let mut steps = Vec::new();
        let mut index = 0;
        while let Some(call) = pool.calls.get(index) {
            let group = call.group.map(|g| &self.model.call_groups[usize::from(g)]);
            index += group.map_or(1, |g| usize::from(g.calls));
            if !call.class_filter[class] || call.mode != CallMode::Sync {
                continue;
            }
            let visit = |c: &Call| self.visit_s(c.to, class, c.op == Operation::Write, depth + 1);
            let Some(group) = group else {
                let scv = match &self.model.nodes[call.to.index()].kind {
                    NodeKind::Delay(delay) => delay.latency.scv(),
                    _ => 1.0,
                };
                // The network's time, as the simulation spends it.
                let network = call_network_s(self.model, pool, call);
                steps.push((call.probability, visit(call)? + network, scv));
                continue;
            };
            let first = usize::from(group.first_call);
            let calls = &pool.calls[first..first + usize::from(group.calls)];
            // Each branch's answer travels with its own call's network time.
            let mut means = Vec::new();
            let mut network = 0.0;
            for c in calls {
                let wire = call_network_s(self.model, pool, c);
                network += wire;
                means.push(visit(c)? + wire);
            }
            if calls.len() == 1 {
                // A scatter's shards or a hedge's copies: the one call, again.
                let branches = visits_per_call(self.model, call).round().max(1.0) as usize;
                let copies = match group.kind {
                    GroupKind::Hedge { .. } => usize::from(group.branches),
                    _ => branches,
                };
                means = vec![means[0]; copies];
            }
            // Nelson–Tantawi's exact mean holds for M/M/1 branches alone.
            let rho = self.single_mm1(calls).filter(|_| network == 0.0);
            steps.push((call.probability, group_mean_s(group, &means, rho), 1.0));
        }
        Some(steps)
    }

    /// The utilization shared by `calls`' callees when each is one M/M/1
    /// queue calling nothing (Nelson–Tantawi's setting), else `None`.
    fn single_mm1(&self, calls: &[Call]) -> Option<f64> {
        let mut rho: Option<f64> = None;
        for call in calls {
            let i = call.to.index();
            let stations = self.groups[i].as_ref()?;
            let solved = self.solved[i].as_ref()?;
            let [group] = stations.groups.as_slice() else {
                return None;
            };
            let calls_nothing = match &self.model.nodes[i].kind {
                NodeKind::Pool(pool) => pool.calls.is_empty(),
                _ => true,
            };
            if group.queues != 1 || group.servers != 1 || !group.exponential || !calls_nothing {
                return None;
            }
            let u = solved.first()?.utilization;
            match rho {
                Some(r) if (r - u).abs() > 1e-9 => return None,
                _ => rho = Some(u),
            }
        }
        rho
    }

    /// Calls `visit` on `node` and every node a visit to it reaches
    /// synchronously (any class), nearest first; repeats are harmless.
    pub fn reach(&self, node: NodeId, visit: &mut dyn FnMut(NodeId), depth: u32) {
        if depth > 64 {
            return;
        }
        visit(node);
        let below: Vec<NodeId> = match &self.model.nodes[node.index()].kind {
            NodeKind::Balancer(balancer) => balancer
                .targets_by_class
                .iter()
                .flat_map(|t| t.0.iter().map(|&(to, _)| to))
                .collect(),
            NodeKind::Pool(pool) => pool
                .calls
                .iter()
                .filter(|c| c.mode == CallMode::Sync)
                .map(|c| c.to)
                .collect(),
            NodeKind::Cache(cache) => cache.on_miss.into_iter().collect(),
            NodeKind::Database(_) | NodeKind::Delay(_) | NodeKind::Queue(_) => Vec::new(),
        };
        for to in below {
            self.reach(to, visit, depth + 1);
        }
    }

    /// Probability a visit succeeds: no full queue on its synchronous path.
    pub fn success(&self, node: NodeId, class: usize, write: bool, depth: u32) -> f64 {
        if depth > 64 {
            return 1.0;
        }
        let below = |to: NodeId, write: bool| self.success(to, class, write, depth + 1);
        let i = node.index();
        let admitted = self.queues(i, write).map_or(1.0, |queues| {
            queues
                .iter()
                .map(|(share, s)| share * (1.0 - s.blocking))
                .sum()
        });
        admitted
            * match &self.model.nodes[i].kind {
                NodeKind::Balancer(balancer) => balancer.targets_by_class[class]
                    .0
                    .iter()
                    .map(|&(to, share)| share * below(to, write))
                    .sum(),
                NodeKind::Pool(pool) => pool
                    .calls
                    .iter()
                    .filter(|c| c.class_filter[class] && c.mode == CallMode::Sync)
                    .map(|c| 1.0 - c.probability * (1.0 - below(c.to, c.op == Operation::Write)))
                    .product(),
                NodeKind::Cache(cache) => cache.on_miss.map_or(1.0, |to| {
                    let h = hit_ratio(self.model, node);
                    h + (1.0 - h) * below(to, write)
                }),
                NodeKind::Database(_) | NodeKind::Delay(_) | NodeKind::Queue(_) => 1.0,
            }
    }
}
