//! One node's accumulators in a run's [`Recorder`](super::Recorder), and
//! how they become its [`NodeResult`]: visits, occupancy, instances and
//! their price, shards, a queue's messages, network time, credits.

use crate::engine::{Level, Refusal, SimTime};
use crate::model::{Class, Database, Node, NodeKind, Purchase};

use super::credits::CreditRecord;
use super::latency::{LatencyRecord, LatencySummary};
use super::network::NetworkRecord;
use super::queues::QueueRecord;
use super::result::{ClassLatency, NodeResult, ShardResult};

/// Per-node accumulators.
#[derive(Default)]
pub(super) struct NodeRecord {
    pub(super) latency: LatencyRecord,
    /// Cache lookups and hits after the warm-up.
    pub(super) lookups: u64,
    pub(super) hits: u64,
    pub(super) rejected: u64,
    pub(super) expired: u64,
    /// Turned away by admission control: shed, rate limited.
    pub(super) refused: Refusals,
    pub(super) queued: u64,
    pub(super) busy_servers: Level,
    pub(super) busy_workers: Level,
    pub(super) waiting: Level,
    /// Instances billed (every phase but gone).
    pub(super) instances: Level,
    /// Instances serving: the capacity utilization is measured against.
    pub(super) serving: Level,
    pub(super) usd_per_hour: Level,
    /// A database's shards.
    pub(super) shards: Vec<ShardRecord>,
    /// Servers (vCPUs, connections) and workers per instance; 0 where the kind has none.
    pub(super) servers_per_instance: u32,
    pub(super) workers_per_instance: u32,
    /// A queue's messages.
    pub(super) queue: Option<Box<QueueRecord>>,
    pub(super) network: NetworkRecord,
    /// A burstable pool's CPU credits.
    pub(super) credits: Option<Box<CreditRecord>>,
    /// How a pool's instances are paid for (other nodes: each at the
    /// price the network reports).
    pub(super) purchase: Option<Purchase>,
    /// Spot interruption notices in the window.
    pub(super) interruptions: u64,
    /// Per class, at a node that serves classes by priority (else empty).
    pub(super) by_class: Vec<LatencyRecord>,
}

/// Requests admission control turned away, by why.
#[derive(Clone, Copy, Default)]
pub(super) struct Refusals {
    pub(super) shed: u64,
    pub(super) rate_limited: u64,
}

impl Refusals {
    pub(super) fn count(&mut self, why: Refusal) {
        match why {
            Refusal::Shed => self.shed += 1,
            Refusal::RateLimited => self.rate_limited += 1,
        }
    }

    pub(super) fn total(self) -> u64 {
        self.shed + self.rate_limited
    }
}

/// One shard of a database: its busy connections, its finished queries.
#[derive(Default)]
pub(super) struct ShardRecord {
    pub(super) busy: Level,
    /// Busy connections of its primary alone.
    pub(super) busy_primary: Level,
    /// Busy vCPUs of its servers.
    pub(super) busy_cpu: Level,
    /// Busy vCPUs of its primary alone.
    pub(super) busy_cpu_primary: Level,
    pub(super) done: u64,
    pub(super) sum_ns: f64,
}

impl NodeRecord {
    /// Empty records for `node`, in a model of `classes` classes.
    pub(super) fn new(node: &Node, classes: usize) -> Self {
        let (servers, workers) = match &node.kind {
            NodeKind::Pool(pool) => (pool.instance_type.vcpus, pool.workers),
            NodeKind::Database(db) => (db.instance_type.vcpus, db.connections),
            _ => (0, 0),
        };
        let shards = match &node.kind {
            NodeKind::Database(db) => db.shards,
            _ => 0,
        };
        let by_priority = match &node.kind {
            NodeKind::Pool(pool) => pool.scheduling.by_priority(),
            NodeKind::Database(db) => db.scheduling.by_priority(),
            _ => false,
        };
        NodeRecord {
            shards: (0..shards).map(|_| ShardRecord::default()).collect(),
            queue: matches!(node.kind, NodeKind::Queue(_)).then(Box::default),
            credits: matches!(&node.kind, NodeKind::Pool(p) if p.credits.is_some())
                .then(Box::default),
            servers_per_instance: servers,
            workers_per_instance: workers,
            purchase: match &node.kind {
                NodeKind::Pool(pool) => Some(pool.purchase.clone()),
                _ => None,
            },
            by_class: match by_priority {
                true => vec![LatencyRecord::default(); classes],
                false => Vec::new(),
            },
            ..Default::default()
        }
    }
}

/// The measured window: from the end of the warm-up to the end of the run.
pub(super) struct Window {
    pub(super) from: SimTime,
    pub(super) end: SimTime,
    /// Its length in nanoseconds, at least 1.
    pub(super) ns: f64,
}

impl NodeRecord {
    /// The node's figures over `window`.
    pub(super) fn result(&self, node: &Node, classes: &[Class], window: &Window) -> NodeResult {
        let Window {
            from,
            end,
            ns: window_ns,
        } = *window;
        let window_s = window_ns / 1e9;
        let instance_ns = self.instances.area_until(end, from);
        let serving_ns = self.serving.area_until(end, from);
        let ratio = |busy: &Level, per_instance: u32| {
            (per_instance > 0 && serving_ns > 0.0)
                .then(|| busy.area_until(end, from) / (serving_ns * f64::from(per_instance)))
        };
        NodeResult {
            name: node.name.clone(),
            kind: node.kind.label().to_string(),
            latency: with_turn_aways(
                self.latency.summarize(window_s),
                self.rejected + self.expired + self.refused.total(),
            ),
            rejected: self.rejected,
            expired: self.expired,
            shed: self.refused.shed,
            rate_limited: self.refused.rate_limited,
            offered_per_s: (self.latency.ok
                + self.latency.errors
                + self.rejected
                + self.expired
                + self.refused.total()) as f64
                / window_s,
            queued: self.queued,
            utilization: ratio(&self.busy_servers, self.servers_per_instance),
            worker_utilization: ratio(&self.busy_workers, self.workers_per_instance),
            mean_queue: self.waiting.area_until(end, from) / window_ns,
            mean_instances: instance_ns / window_ns,
            shards: match &node.kind {
                NodeKind::Database(db) => self.shard_results(db, window),
                _ => Vec::new(),
            },
            interruptions: self.interruptions,
            by_class: (self.by_class.iter().zip(classes))
                .map(|(record, class)| ClassLatency {
                    name: class.name.clone(),
                    latency: record.summarize(window_s),
                })
                .collect(),
            hit_ratio: matches!(node.kind, NodeKind::Cache(_))
                .then(|| self.hits as f64 / self.lookups.max(1) as f64),
            usd_per_hour: self.usd_per_hour.area_until(end, from) / window_ns,
            network: self.network.summarize(window.ns / 1e9),
            queue: (self.queue.as_deref().cloned())
                .map(|mut queue| queue.result(end, from, window.ns / 1e9)),
            credits: match (&node.kind, &self.credits) {
                (NodeKind::Pool(pool), Some(record)) => (pool.credits.as_deref())
                    .map(|credits| record.result(credits, from, end, instance_ns)),
                _ => None,
            },
        }
    }

    /// Each shard's utilization (all its servers, the primary, the
    /// replicas), throughput and mean time over `window`.
    fn shard_results(&self, db: &Database, window: &Window) -> Vec<ShardResult> {
        let Window {
            from,
            end,
            ns: window_ns,
        } = *window;
        let window_s = window_ns / 1e9;
        let share = |busy: &Level, per_server: u32, servers: u32| {
            busy.area_until(end, from) / (window_ns * f64::from(per_server * servers))
        };
        // The replicas' part: all servers' area less the primary's.
        let replicas = |all: &Level, primary: &Level, per_server: u32| {
            (db.replicas > 0).then(|| {
                (all.area_until(end, from) - primary.area_until(end, from))
                    / (window_ns * f64::from(per_server * db.replicas))
            })
        };
        let (vcpus, connections) = (db.instance_type.vcpus, db.connections);
        (self.shards.iter())
            .map(|shard| ShardResult {
                utilization: share(&shard.busy_cpu, vcpus, 1 + db.replicas),
                primary_utilization: share(&shard.busy_cpu_primary, vcpus, 1),
                replica_utilization: replicas(&shard.busy_cpu, &shard.busy_cpu_primary, vcpus),
                connection_utilization: share(&shard.busy, connections, 1 + db.replicas),
                primary_connection_utilization: share(&shard.busy_primary, connections, 1),
                replica_connection_utilization: replicas(
                    &shard.busy,
                    &shard.busy_primary,
                    connections,
                ),
                throughput_rps: shard.done as f64 / window_s,
                mean_ms: shard.sum_ns / shard.done.max(1) as f64 / 1e6,
            })
            .collect()
    }
}

/// A node's visit figures, its error rate counting the visits it turned
/// away itself (rejected by a full queue, dropped at the queue timeout,
/// refused by its admission control) as
/// errors too, as the book (docs/src/reference/what-it-prints.md) defines a node's `errors %`.
fn with_turn_aways(mut latency: LatencySummary, turned_away: u64) -> LatencySummary {
    let answered = latency.completed + latency.errors + turned_away;
    if answered > 0 {
        latency.error_rate = (latency.errors + turned_away) as f64 / answered as f64;
    }
    latency
}
