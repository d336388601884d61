//! The compiled model: names resolved to indices, defaults filled in, routes
//! resolved per class. The simulation only ever sees this form.

use serde::Serialize;

pub use crate::model::admission::compiled::*;
pub use crate::model::billing::compiled::{Bill, Interruptions, Purchase};
pub use crate::model::calls::compiled::*;
pub use crate::model::calls::fanout_compiled::*;
pub use crate::model::clusters::compiled::*;
pub use crate::model::credits::compiled::{CreditMode, Credits};
pub use crate::model::network::compiled::{CallLatency, ZoneLatency};
pub use crate::model::queues::compiled::Queue;
pub use crate::model::scaling::compiled::*;
pub use crate::model::scheduling::compiled::*;
pub use crate::model::shared::dist::DistSpec as Dist;
pub use crate::model::topology::spec::{
    BalancePolicy, CallMode, EvictionPolicy, Operation, ReadPolicy, WritePolicy,
};
pub use crate::model::traffic::compiled::*;

pub use crate::model::shared::ids::{ClassId, NodeId};

/// A validated, compiled topology.
#[derive(Clone, Debug)]
pub struct Model {
    /// Name for reports.
    pub name: String,
    /// Run length including warm-up, seconds.
    pub duration_s: f64,
    /// Discarded initial period, seconds.
    pub warmup_s: f64,
    /// Master seed.
    pub seed: u64,
    /// In-flight requests beyond which the run stops as unstable.
    pub max_in_flight: u32,
    /// Request classes; at least one.
    pub classes: Vec<Class>,
    /// Where and how requests arrive; at least one.
    pub sources: Vec<Source>,
    /// Nodes, in name order.
    pub nodes: Vec<Node>,
    /// Calls with a timeout, retries or a breaker: pools' calls in node and
    /// call order, then sources' clients.
    pub call_sites: Vec<CallSite>,
    /// Round trips between pool instances by zone (`network`).
    pub zones: ZoneLatency,
    /// Groups of calls made at once, numbered by pool and call order.
    pub call_groups: Vec<CallGroup>,
    /// Kubernetes clusters, in name order (empty: no pool runs as pods).
    pub clusters: Vec<Cluster>,
    /// Payloads and the metered prices of load balancers, CDNs and data
    /// transfer.
    pub bill: Bill,
    /// What the infrastructure files the model names hold and capsim does
    /// not simulate, one line each (`cli` prints them as notes).
    pub notes: Vec<String>,
}

impl Model {
    /// Length of the measured window (after warm-up), seconds.
    pub fn window_s(&self) -> f64 {
        self.duration_s - self.warmup_s
    }

    /// The node called `name`.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
    }

    /// The node with id `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }
}

/// A request class.
#[derive(Clone, Debug)]
pub struct Class {
    /// Its name.
    pub name: String,
}

/// A resolved instance type.
#[derive(Clone, Debug, Serialize)]
pub struct InstanceType {
    /// Its name.
    pub name: String,
    /// CPU servers.
    pub vcpus: u32,
    /// Service times are divided by this.
    pub speed: f64,
    /// Memory, GB.
    pub memory_gb: f64,
    /// Price, US dollars per hour.
    pub usd_per_hour: f64,
}

/// A node.
#[derive(Clone, Debug)]
pub struct Node {
    /// Its name, unique.
    pub name: String,
    /// What it does.
    pub kind: NodeKind,
}

/// What a node does.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// Forwards to a target.
    Balancer(Balancer),
    /// Serves on workers and vCPUs, then calls downstream.
    Pool(Pool),
    /// Hits or forwards.
    Cache(Cache),
    /// Sharded, replicated servers.
    Database(Database),
    /// Waits.
    Delay(Delay),
    /// Stores messages for a consumer pool.
    Queue(Queue),
}

impl NodeKind {
    /// The kind's name as written in JSON.
    pub fn label(&self) -> &'static str {
        match self {
            NodeKind::Balancer(_) => "load_balancer",
            NodeKind::Pool(_) => "pool",
            NodeKind::Cache(_) => "cache",
            NodeKind::Database(_) => "database",
            NodeKind::Delay(_) => "delay",
            NodeKind::Queue(_) => "queue",
        }
    }
}

/// A weighted set of targets; shares sum to 1.
#[derive(Clone, Debug)]
pub struct Targets(pub Vec<(NodeId, f64)>);

/// A compiled load balancer.
#[derive(Clone, Debug)]
pub struct Balancer {
    /// Instance choice for pool targets.
    pub policy: BalancePolicy,
    /// Targets for each class (index = class id), routes already applied.
    pub targets_by_class: Vec<Targets>,
    /// Added latency.
    pub latency: Option<Dist>,
    /// Rate and concurrency limits, if any.
    pub admission: Option<Box<Admission>>,
}

/// A compiled pool.
#[derive(Clone, Debug)]
pub struct Pool {
    /// What each instance is.
    pub instance_type: InstanceType,
    /// Instances at the start (an autoscaler's desired count at time 0).
    pub instances: u32,
    /// Start-up, autoscaling, failures, health checks.
    pub fleet: Box<Fleet>,
    /// Workers per instance.
    pub workers: u32,
    /// Waiting requests allowed per queue; `None` is unbounded.
    pub queue_limit: Option<u32>,
    /// One queue for all instances.
    pub shared_queue: bool,
    /// Waited longer than this for a worker, ns: dropped unserved.
    pub queue_timeout_ns: Option<u64>,
    /// Rate and concurrency limits, shedding, LIFO, if any.
    pub admission: Option<Box<Admission>>,
    /// Instance choice when reached without a balancer.
    pub balance: BalancePolicy,
    /// CPU work at speed 1, per class (index = class id).
    pub service_by_class: Vec<Dist>,
    /// Downstream calls, in order.
    pub calls: Vec<Call>,
    /// Class priorities and the CPU discipline.
    pub scheduling: Scheduling,
    /// Its instances are pods of a cluster: their requests and limits
    /// (`instance_type` is then the pods' shape, priced at 0: the nodes bill).
    pub kubernetes: Option<Box<Pod>>,
    /// CPU credits, for a burstable instance type (boxed: most pools have none).
    pub credits: Option<Box<Credits>>,
    /// How its instances are paid for.
    pub purchase: Purchase,
    /// Spot interruptions (none unless bought as spot with a rate).
    pub interruptions: Option<Interruptions>,
}

impl Pool {
    /// The most instances the pool can have: its autoscaler's maximum (or
    /// a scheduled action's, if higher), else its fixed count.
    pub fn max_instances(&self) -> u32 {
        match &self.fleet.autoscaler {
            Some(Autoscaler::Hpa(hpa)) => hpa.max,
            Some(Autoscaler::Aws(aws)) => aws
                .scheduled
                .iter()
                .filter_map(|a| a.max)
                .fold(aws.max, u32::max),
            None => self.instances,
        }
    }
}

/// A compiled downstream call.
#[derive(Clone, Debug)]
pub struct Call {
    /// Target.
    pub to: NodeId,
    /// Whether each class (index = class id) makes it.
    pub class_filter: Vec<bool>,
    /// Chance of making it.
    pub probability: f64,
    /// Wait or not.
    pub mode: CallMode,
    /// Read or write.
    pub op: Operation,
    /// Its timeout, retries and breaker, if it has any.
    pub site: Option<SiteId>,
    /// The network's time on it.
    pub latency: Option<CallLatency>,
    /// The group of calls made at once it belongs to (parallel, scatter,
    /// hedge), if any: `Model::call_groups[group]`, whose calls are
    /// consecutive in `calls`.
    pub group: Option<GroupId>,
}

/// A compiled cache.
#[derive(Clone, Debug)]
pub struct Cache {
    /// A fixed share of hits, or a store of keys.
    pub hits: Hits,
    /// Lookup latency.
    pub latency: Dist,
    /// Where misses go.
    pub on_miss: Option<NodeId>,
    /// What writes do to the cached key.
    pub writes: WritePolicy,
    /// For cost.
    pub instance_type: Option<InstanceType>,
    /// For cost.
    pub instances: u32,
}

/// How a cache decides hits.
#[derive(Clone, Debug, PartialEq)]
pub enum Hits {
    /// Each lookup hits with this probability.
    Ratio(f64),
    /// Keys are stored and evicted.
    Store {
        /// Keys held.
        capacity: u32,
        /// Eviction.
        policy: EvictionPolicy,
        /// Expiry after storing, seconds.
        ttl_s: Option<f64>,
        /// Start full of the most popular keys.
        prewarm: bool,
    },
}

/// A compiled database.
#[derive(Clone, Debug)]
pub struct Database {
    /// Every server's type.
    pub instance_type: InstanceType,
    /// Shards.
    pub shards: u32,
    /// Key → shard.
    pub sharding: ShardMap,
    /// Which replica serves a read.
    pub read_from: ReadPolicy,
    /// Synchronous replication latency of a write, if any.
    pub replication: Option<Dist>,
    /// Read replicas per shard.
    pub replicas: u32,
    /// Concurrent queries per server.
    pub connections: u32,
    /// Waiting queries allowed per server.
    pub queue_limit: Option<u32>,
    /// Read service time at speed 1.
    pub read: Dist,
    /// Write service time at speed 1.
    pub write: Dist,
    /// Share of a read's time on a vCPU (the rest waits on I/O, holding the connection).
    pub read_cpu_share: f64,
    /// Share of a write's time on a vCPU.
    pub write_cpu_share: f64,
    /// Class priorities at the connections.
    pub scheduling: Scheduling,
}

impl Database {
    /// A read's (or a write's) mean time with no queueing, seconds: its
    /// CPU part at the server's speed, its I/O wait as it is.
    pub fn unloaded_s(&self, write: bool) -> f64 {
        let (law, share) = if write {
            (&self.write, self.write_cpu_share)
        } else {
            (&self.read, self.read_cpu_share)
        };
        law.mean_ms() / 1e3 * (share / self.instance_type.speed + 1.0 - share)
    }

    /// Servers in all: shards × (primary + replicas).
    pub fn servers(&self) -> u32 {
        self.shards * (1 + self.replicas)
    }

    /// The shard of `key`.
    pub fn shard_of(&self, key: u64) -> u32 {
        match self.sharding {
            // Multiplicative hashing, so that keys that are small
            // consecutive integers still spread evenly.
            ShardMap::Hash => {
                let mixed = key.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                ((u128::from(mixed >> 32) * u128::from(self.shards)) >> 32) as u32
            }
            ShardMap::Range { key_space } => {
                let key = key.min(key_space - 1);
                (u128::from(key) * u128::from(self.shards) / u128::from(key_space)) as u32
            }
        }
    }
}

/// How a compiled database maps keys to shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardMap {
    /// By a hash of the key.
    Hash,
    /// Keys 0 … `key_space` − 1 in equal contiguous ranges (larger keys go to the last shard).
    Range {
        /// Keys in all, ≥ 1.
        key_space: u64,
    },
}

/// A compiled delay.
#[derive(Clone, Debug)]
pub struct Delay {
    /// The latency.
    pub latency: Dist,
}
