//! The result of one run: plain data, serializable, no behaviour.

use serde::Serialize;

use super::latency::LatencySummary;
use super::series::Series;
use crate::engine::Decision;

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Outcome {
    /// The run reached its duration.
    Completed,
    /// Requests in flight passed `simulation.max_in_flight`: offered load
    /// exceeds what the system can serve. Figures cover the run until then.
    Unstable {
        /// Simulated time of the stop, seconds.
        at_s: f64,
        /// Requests in flight then (each with its calls, and each call
        /// abandoned at a timeout, counted once).
        in_flight: usize,
        /// The node with the most requests waiting.
        node: String,
    },
    /// Simulated time stopped advancing: `events` events at `at_s` without
    /// the clock moving on, a loop of steps that take no time (a zero think
    /// time with zero latencies, a zero time to failure, requests rejected
    /// at once and sent again at once). Figures cover the run until then.
    ZeroTimeLoop {
        /// Simulated time where it stuck, seconds.
        at_s: f64,
        /// Events handled at that instant.
        events: u64,
        /// The node of the last of them.
        node: String,
    },
}

/// Everything measured in one run (one seed, one replication).
#[derive(Clone, Debug, Serialize)]
pub struct RunResult {
    /// Model name.
    pub model: String,
    /// Master seed.
    pub seed: u64,
    /// Replication index.
    pub replication: u32,
    /// Completed or unstable.
    pub outcome: Outcome,
    /// Length of the measured window, seconds.
    pub window_s: f64,
    /// Events handled (warm-up included).
    pub events: u64,
    /// Most jobs in flight at once.
    pub peak_in_flight: usize,
    /// Requests that arrived from the sources in the window (the offered load).
    pub arrivals: u64,
    /// Problems met during the run that did not stop it (a trace that
    /// changed after it was scanned at load).
    pub warnings: Vec<String>,
    /// Every request, from arrival to answer.
    pub end_to_end: LatencySummary,
    /// End to end, per class.
    pub classes: Vec<ClassResult>,
    /// Per node.
    pub nodes: Vec<NodeResult>,
    /// Cost of the instances.
    pub cost: CostResult,
    /// Figures per window of time over the whole run, when asked for
    /// (`RunOptions::series_window_s`); absent from JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<Series>,
    /// Every autoscaling decision, when asked for (`RunOptions::decisions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decisions: Option<Vec<Decision>>,
    /// Per call site (a call with a timeout, retries or a breaker), in
    /// `Model::call_sites` order.
    pub calls: Vec<CallResult>,
    /// Every change of state of every breaker, over the whole run (warm-up
    /// included), at most [`BREAKER_LOG_LIMIT`] of them.
    pub breaker_log: Vec<BreakerChange>,
    /// Per group of calls made at once (parallel, scatter, hedge), in
    /// `Model::call_groups` order.
    pub groups: Vec<super::fanout::GroupResult>,
    /// Per Kubernetes cluster, in `Model::clusters` order (absent from JSON
    /// without clusters). Their nodes' cost is in `cost`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<super::clusters::ClusterResult>,
}

/// The most breaker changes kept per run: memory stays bounded however
/// long a breaker flaps.
pub const BREAKER_LOG_LIMIT: usize = 10_000;

/// What happened at one call site in the measured window.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CallResult {
    /// `<caller>-><callee>`.
    pub name: String,
    /// The node called.
    pub callee: String,
    /// Attempts made, retries included.
    pub attempts: u64,
    /// Of which retries.
    pub retries: u64,
    /// Attempts the caller gave up waiting for.
    pub timeouts: u64,
    /// Retries the budget refused.
    pub budget_denied: u64,
    /// Calls the open breaker failed at once.
    pub short_circuits: u64,
    /// Calls that failed for good.
    pub failed: u64,
    /// Times the breaker opened.
    pub breaker_openings: u64,
    /// Attempts that got a connection of the caller's pool (none without a pool).
    pub connected: u64,
    /// Of which had to wait for it.
    pub connection_waits: u64,
    /// Their total wait, ns.
    pub connection_wait_ns: f64,
}

/// A breaker changed state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreakerChange {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// The call site.
    pub call: String,
    /// `open`, `half_open` or `closed`.
    pub state: &'static str,
}

/// End-to-end figures of one class.
#[derive(Clone, Debug, Serialize)]
pub struct ClassResult {
    /// Class name.
    pub name: String,
    /// Its latencies.
    pub latency: LatencySummary,
    /// Its visits shed by admission control, at any node (retries included).
    pub shed: u64,
    /// Its visits refused by a token bucket, at any node (retries included).
    pub rate_limited: u64,
}

/// Figures of one node.
#[derive(Clone, Debug, Serialize)]
pub struct NodeResult {
    /// Node name.
    pub name: String,
    /// Node kind, as written in JSON.
    pub kind: String,
    /// Visits: from reaching the node to its answer (downstream calls
    /// included); its `error_rate` counts the node's own rejections and
    /// queue-timeout drops as errors, out of every visit offered.
    pub latency: LatencySummary,
    /// Requests turned away by a full queue.
    pub rejected: u64,
    /// Requests dropped unserved after waiting past the queue timeout.
    pub expired: u64,
    /// Requests its admission control shed (over its concurrency limit, or
    /// overloaded by queue length or expected wait).
    pub shed: u64,
    /// Requests its token bucket refused.
    pub rate_limited: u64,
    /// Visits offered per second, retries included: served, failed,
    /// rejected or dropped.
    pub offered_per_s: f64,
    /// Times a request had to wait (for a worker, a vCPU or a connection);
    /// divided by completions, the probability of waiting.
    pub queued: u64,
    /// Busy servers / servers (vCPUs of a pool, connections of a database).
    pub utilization: Option<f64>,
    /// Busy workers / workers of a pool (held through downstream calls).
    pub worker_utilization: Option<f64>,
    /// Time-average of requests waiting (for a worker, a vCPU or a connection).
    pub mean_queue: f64,
    /// Time-average of instances billed.
    pub mean_instances: f64,
    /// Visits per class, at a node that serves classes by priority (empty
    /// elsewhere).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_class: Vec<ClassLatency>,
    /// Spot interruption notices its instances got (0 but for spot pools).
    #[serde(skip_serializing_if = "is_zero")]
    pub interruptions: u64,
    /// A cache's measured share of lookups that hit.
    pub hit_ratio: Option<f64>,
    /// A database's shards, in order (empty for other kinds).
    pub shards: Vec<ShardResult>,
    /// Average price per hour of this node's instances.
    pub usd_per_hour: f64,
    /// A queue's message figures (absent for other kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<super::queues::QueueResult>,
    /// Network time of its answers, when they travel over a latency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<super::network::NetworkResult>,
    /// A burstable pool's CPU credits (absent for other nodes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<super::credits::CreditsResult>,
}

/// Figures of one database shard (its primary and replicas together).
#[derive(Clone, Debug, Serialize)]
pub struct ShardResult {
    /// Busy vCPUs / vCPUs of its servers.
    pub utilization: f64,
    /// Busy vCPUs / vCPUs of its primary (writes, and reads without replicas).
    pub primary_utilization: f64,
    /// Busy vCPUs / vCPUs of its replicas together (`None` without replicas).
    pub replica_utilization: Option<f64>,
    /// Connections held / connections of its servers (a query holds one
    /// through its CPU part, its I/O wait and its replication).
    pub connection_utilization: f64,
    /// Connections held / connections of its primary.
    pub primary_connection_utilization: f64,
    /// Connections held / connections of its replicas (`None` without).
    pub replica_connection_utilization: Option<f64>,
    /// Queries finished per second.
    pub throughput_rps: f64,
    /// Mean time from reaching the database to the answer, ms (wait included).
    pub mean_ms: f64,
}

/// The cost of a run.
#[derive(Clone, Debug, Serialize)]
pub struct CostResult {
    /// Average price per hour over the window: every instance (a cluster's
    /// nodes included, its pods costing nothing of their own), and the
    /// surplus CPU credits of burstable pools.
    pub usd_per_hour: f64,
    /// The same by component (compute, managed, load balancer, CDN,
    /// egress, credits); `usd_per_hour` is their sum.
    pub breakdown: super::bill::Components,
    /// Cost of the window.
    pub usd_total: f64,
    /// Cost per million successful requests (NaN when none succeeded).
    pub usd_per_million: f64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One class's visits to a node.
#[derive(Clone, Debug, Serialize)]
pub struct ClassLatency {
    /// The class.
    pub name: String,
    /// Its visits' latency at the node.
    pub latency: LatencySummary,
}
