//! The topology exactly as written in JSON. The doc comment on each field is
//! the format reference (docs/src/reference/model-schema.md is generated from it;
//! docs/src/reference/topology.md repeats it with examples).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::model::admission::spec::*;
pub use crate::model::billing::spec::{BalancerBilling, CdnBilling, PurchaseSpec};
pub use crate::model::calls::fanout_spec::*;
pub use crate::model::calls::spec::*;
pub use crate::model::clusters::spec::*;
pub use crate::model::credits::spec::*;
pub use crate::model::infra::spec::*;
pub use crate::model::network::spec::*;
pub use crate::model::queues::spec::QueueSpec;
pub use crate::model::scaling::spec::*;
pub use crate::model::scheduling::spec::*;
use crate::model::shared::dist::DistSpec;
use crate::model::shared::unique;
use crate::model::shared::units::{Count, Fraction, NonNegative, Positive, Size};
pub use crate::model::traffic::spec::*;

/// A whole model file.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// The JSON Schema this file follows (`capsim schema model` prints it),
    /// for an editor's completion and checks; capsim itself ignores it.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// A name for reports.
    #[serde(default)]
    pub name: String,
    /// Run length, warm-up and seed.
    pub simulation: SimulationSpec,
    /// Instance types defined or overridden by this model; the built-in
    /// catalog (`capsim instance-types`) is available without declaring it.
    #[serde(default, deserialize_with = "unique::map")]
    pub instance_types: BTreeMap<String, InstanceTypeSpec>,
    /// A catalog file of your own, relative to this model file, in the
    /// built-in catalog's format: its entries override the built-in ones by
    /// name and add new ones; `instance_types` override both (default: the
    /// built-in catalog alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    /// Where requests come from.
    pub traffic: TrafficSpec,
    /// The nodes, by name. BTreeMap: iteration order is the names' order, never a hash's.
    #[serde(deserialize_with = "unique::map")]
    pub nodes: BTreeMap<String, NodeSpec>,
    /// Latency between availability zones (default: none).
    #[serde(default)]
    pub network: Option<NetworkSpec>,
    /// Kubernetes clusters whose nodes run the pods of pools with a
    /// `kubernetes` block, by name (default: none).
    #[serde(
        default,
        deserialize_with = "unique::map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub clusters: BTreeMap<String, ClusterSpec>,
}

/// `simulation`: how long to run and what to discard.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSpec {
    /// Simulated time, seconds, warm-up included.
    pub duration_s: Positive,
    /// Initial period discarded from every statistic, seconds (default 0).
    #[serde(default)]
    pub warmup_s: NonNegative,
    /// Master seed of every random stream (default 1).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Requests in flight beyond which the system is declared unstable and
    /// the run stops (default 100000).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: Count,
}

fn default_seed() -> u64 {
    1
}

fn default_max_in_flight() -> Count {
    Count::try_from(100_000).expect("constant in range")
}

/// An instance type: what one server of a pool, cache or database is.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InstanceTypeSpec {
    /// CPU servers per instance.
    pub vcpus: Count,
    /// Relative speed: service times are divided by it (default 1).
    #[serde(default = "default_speed")]
    pub speed: Positive,
    /// Memory, GB (informational; default 0).
    #[serde(default)]
    pub memory_gb: NonNegative,
    /// On-demand price, US dollars per hour (default 0).
    #[serde(default)]
    pub usd_per_hour: NonNegative,
    /// CPU credits, for a burstable type not in the built-in table (or to
    /// replace its figures) (default: the built-in figures of a type of
    /// that name, if any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burstable: Option<BurstableSpec>,
}

fn default_speed() -> Positive {
    Positive::try_from(1.0).expect("constant in range")
}

/// One node, written `{ "<kind>": { … } }`.
///
/// Externally tagged on purpose: a misspelt kind is reported as "unknown
/// variant `pol`, expected one of `load_balancer`, `pool`, …", where an
/// untagged enum could only say "data did not match any variant".
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum NodeSpec {
    /// Spreads requests over a pool's instances or over several nodes.
    LoadBalancer(BalancerSpec),
    /// Server instances with queues, workers and vCPUs.
    Pool(Box<PoolSpec>),
    /// A cache with a fixed hit ratio.
    Cache(CacheSpec),
    /// A sharded, replicated database.
    Database(DatabaseSpec),
    /// A pure latency: a network hop, an external API.
    Delay(DelaySpec),
    /// A message queue whose consumer is a pool.
    Queue(QueueSpec),
}

/// How a balancer picks a pool instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BalancePolicy {
    /// Uniformly at random.
    Random,
    /// In turn.
    #[default]
    RoundRobin,
    /// The instance with the fewest requests (queued or in service); ties to the lowest index.
    LeastConnections,
    /// The less loaded of two instances drawn at random.
    PowerOfTwo,
}

/// `load_balancer`: forwards each request to one target.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BalancerSpec {
    /// How to pick an instance when the target is a pool (default `round_robin`).
    #[serde(default)]
    pub policy: BalancePolicy,
    /// The single target (give `to` or `split`).
    #[serde(default)]
    pub to: Option<String>,
    /// Several targets picked at random by weight (give `to` or `split`).
    #[serde(default)]
    pub split: Vec<WeightedTarget>,
    /// Class-based routes, tried in order before `to`/`split` (path-based routing).
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
    /// Latency the balancer adds to each request (default none).
    #[serde(default)]
    pub latency: Option<DistSpec>,
    /// Rate limit and concurrency limit on the requests it takes (default: none).
    #[serde(default)]
    pub admission: Option<AdmissionSpec>,
    /// The managed load balancer whose prices apply: `aws_alb` or `aws_nlb`
    /// (default: none, free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billed_as: Option<BalancerBilling>,
    /// Requests a client connection carries, for the capacity units billed
    /// on new connections (default 1: a connection per request, the most).
    #[serde(default = "Count::one")]
    pub requests_per_connection: Count,
}

/// One target of a weighted split.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedTarget {
    /// Target node.
    pub to: String,
    /// Relative share (any positive scale).
    pub weight: Positive,
}

/// A class-based route.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// Classes this route takes.
    pub classes: Vec<String>,
    /// Where they go.
    pub to: String,
}

/// `pool`: identical instances.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Instance type: from `instance_types` or the built-in catalog (none
    /// for a pool of pods: see `kubernetes`).
    #[serde(default)]
    pub instance_type: Option<String>,
    /// Runs the instances as pods of a Kubernetes cluster, with their
    /// requests and limits (default: instances are machines of `instance_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<PodSpec>,
    /// Number of instances (required, unless a `deployment` gives its
    /// `spec.replicas` or `cloudformation` its group's `DesiredCapacity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<Count>,
    /// A Kubernetes Deployment manifest: its `spec.replicas` are the
    /// `instances`, its container's `resources` the `kubernetes` block's
    /// `requests` and `limits` (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<DeploymentRef>,
    /// An Auto Scaling group of a CloudFormation template: its sizes and
    /// scaling policies are `autoscaling.aws`, its load balancer's health
    /// checks `health_check` (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudformation: Option<CloudFormationRef>,
    /// Requests one instance serves at once: threads, worker processes (default 1).
    #[serde(default = "Count::one")]
    pub workers_per_instance: Count,
    /// Requests that may wait per queue (per instance, or in the shared
    /// queue); beyond it requests are rejected. Absent means unbounded.
    #[serde(default)]
    pub queue_limit: Option<Size>,
    /// One queue for all workers of all instances (a consumer group, or one big machine).
    #[serde(default)]
    pub shared_queue: bool,
    /// A request that waited longer than this for a worker, ms, is dropped
    /// when its turn comes, as an error, unserved (default: never).
    #[serde(default)]
    pub queue_timeout_ms: Option<Positive>,
    /// Rate limit, concurrency limit, load shedding and LIFO under overload (default: none).
    #[serde(default)]
    pub admission: Option<AdmissionSpec>,
    /// How a request reaching the pool without a balancer picks an instance (default `round_robin`).
    #[serde(default)]
    pub balance: BalancePolicy,
    /// CPU work per request at speed 1.
    pub service: DistSpec,
    /// CPU work for particular classes, replacing `service` for them.
    #[serde(default, deserialize_with = "unique::map")]
    pub service_by_class: BTreeMap<String, DistSpec>,
    /// Calls made after the CPU work, in order, while holding the worker.
    #[serde(default)]
    pub calls: Vec<CallSpec>,
    /// Classes served first, in the worker and vCPU queues (and, if
    /// pre-emptive, on the vCPUs) (default: first come, first served).
    #[serde(default)]
    pub priority: Option<PrioritySpec>,
    /// How the vCPUs serve CPU work: `fifo` (default) or `processor_sharing`.
    #[serde(default)]
    pub cpu: CpuDiscipline,
    /// Time from launching an instance to its boot (default 0).
    #[serde(default)]
    pub provisioning: Option<DistSpec>,
    /// Time from boot to serving: the application's start and warm-up (default 0).
    #[serde(default)]
    pub warmup: Option<DistSpec>,
    /// Changes the number of instances with the load.
    #[serde(default)]
    pub autoscaling: Option<AutoscalingSpec>,
    /// Availability zones; instances are spread over them in turn (default: one).
    #[serde(default)]
    pub zones: Vec<String>,
    /// Instance crashes.
    #[serde(default)]
    pub failures: Option<FailuresSpec>,
    /// Health checks by the load balancer in front (default: none; a crash
    /// is then noticed at once).
    #[serde(default)]
    pub health_check: Option<HealthCheckSpec>,
    /// CPU credits of a burstable instance type: `standard` or `unlimited`
    /// mode and the initial balance (default: the type's default mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<CreditsSpec>,
    /// How the instances are paid for: `on_demand` (default), `reserved`,
    /// `savings_plan` or `spot` (with interruptions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase: Option<PurchaseSpec>,
}

impl PoolSpec {
    /// Its instances as written or read from its `deployment` or
    /// `cloudformation` (load refuses a pool with none, so 1 is never used).
    pub fn instance_count(&self) -> u32 {
        self.instances.map_or(1, Count::get)
    }
}

/// Whether the caller waits for a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallMode {
    /// The worker waits for the answer.
    #[default]
    Sync,
    /// Fire and forget: the job is queued at the target; the caller goes on.
    Async,
}

/// One downstream call of a pool.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// Target node (give `to` or `parallel`).
    #[serde(default)]
    pub to: String,
    /// Calls made at once instead of one `to` (see `ParallelSpec`).
    #[serde(default)]
    pub parallel: Option<Box<ParallelSpec>>,
    /// The call goes to several shards of the database `to` at once.
    #[serde(default)]
    pub scatter: Option<ScatterSpec>,
    /// A further copy of the call leaves if it is slow to answer.
    #[serde(default)]
    pub hedge: Option<HedgeSpec>,
    /// Only requests of these classes make the call (default: all).
    #[serde(default)]
    pub classes: Vec<String>,
    /// Chance that a request makes the call (default 1).
    #[serde(default = "Fraction::one")]
    pub probability: Fraction,
    /// `sync` (default) or `async`.
    #[serde(default)]
    pub mode: CallMode,
    /// `read` (default) or `write`.
    #[serde(default)]
    pub op: Operation,
    /// The caller gives up on an attempt after this long, ms (default:
    /// never); the abandoned work goes on at the target.
    #[serde(default)]
    pub timeout_ms: Option<Positive>,
    /// Retries of failed or timed-out attempts (default: none).
    #[serde(default)]
    pub retry: Option<RetrySpec>,
    /// A circuit breaker on this call (default: none).
    #[serde(default)]
    pub breaker: Option<BreakerSpec>,
    /// Connections each caller instance keeps to the callee: a call waits
    /// for a free one, holding its worker (default: unlimited).
    #[serde(default)]
    pub connections: Option<Count>,
    /// The network's time on this call, `one_way` or `round_trip` (default: none).
    #[serde(default)]
    pub latency: Option<CallLatencySpec>,
}

/// `cache`: answers a share of requests itself, sends the rest on.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    /// Share of lookups that hit, fixed (give this or `capacity_keys`).
    #[serde(default)]
    pub hit_ratio: Option<Fraction>,
    /// Keys the cache holds: hits then follow from the requests' keys and
    /// the eviction `policy` (give this or `hit_ratio`).
    #[serde(default)]
    pub capacity_keys: Option<Count>,
    /// Size in MB, with `object_kb`, instead of `capacity_keys`.
    #[serde(default)]
    pub capacity_mb: Option<Positive>,
    /// Mean object size, KB (with `capacity_mb`).
    #[serde(default)]
    pub object_kb: Option<Positive>,
    /// Start full of the most popular keys rather than empty (default false).
    #[serde(default)]
    pub prewarm: bool,
    /// Which key to evict when full (default `lru`).
    #[serde(default)]
    pub policy: EvictionPolicy,
    /// Entries expire this long after they were stored (default: never).
    #[serde(default)]
    pub ttl_s: Option<Positive>,
    /// Lookup latency, paid by hits and misses alike.
    pub latency: DistSpec,
    /// Where misses go; absent means a miss is answered after the lookup (e.g. a negative cache).
    #[serde(default)]
    pub on_miss: Option<String>,
    /// What a write (a call with `op: write`) does: `around` (default)
    /// drops the cached key, `through` stores the new value; both then
    /// write to `on_miss`.
    #[serde(default)]
    pub writes: WritePolicy,
    /// Instance type, for cost only (default: none, free).
    #[serde(default)]
    pub instance_type: Option<String>,
    /// Instances, for cost only (default 1).
    #[serde(default = "Count::one")]
    pub instances: Count,
    /// The CDN whose prices apply to what it serves: `aws_cloudfront`
    /// (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billed_as: Option<CdnBilling>,
}

/// What a write does to a cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WritePolicy {
    /// Write-around: the key is invalidated; the next read misses.
    #[default]
    Around,
    /// Write-through: the key is stored with the new value.
    Through,
}

/// Which key a full cache evicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvictionPolicy {
    /// The least recently used.
    #[default]
    Lru,
    /// The oldest stored.
    Fifo,
    /// The least used (the least recently used among those).
    Lfu,
    /// One at random.
    Random,
}

/// `database`: shards, each a primary and replicas, each server with connections.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Instance type of every server (primary or replica).
    pub instance_type: String,
    /// Shards; a request's key picks one (default 1).
    #[serde(default = "Count::one")]
    pub shards: Count,
    /// How a key picks its shard: `hash` (default) or `range`.
    #[serde(default)]
    pub sharding: Sharding,
    /// With `range` sharding: keys 0 … `key_space` − 1 are split into equal
    /// ranges (default: the largest key of the sources' key laws, plus one).
    #[serde(default)]
    pub key_space: Option<Count>,
    /// Which replica serves a read: `round_robin` (default) or `least_loaded`.
    #[serde(default)]
    pub read_from: ReadPolicy,
    /// Synchronous replication: after its own service, a write waits this
    /// long for a replica's acknowledgement, holding its connection (default: none).
    #[serde(default)]
    pub replication: Option<DistSpec>,
    /// Read replicas per shard (default 0: the primary serves reads).
    #[serde(default)]
    pub replicas: Size,
    /// Queries one server runs at once (default 1).
    #[serde(default = "Count::one")]
    pub connections: Count,
    /// Queries that may wait per server; beyond it they are rejected. Absent means unbounded.
    #[serde(default)]
    pub queue_limit: Option<Size>,
    /// Service time of a read at speed 1.
    pub read: DistSpec,
    /// Service time of a write at speed 1 (default: as `read`).
    #[serde(default)]
    pub write: Option<DistSpec>,
    /// Share of a read's time spent on a vCPU; the rest is I/O or lock
    /// wait, which holds the connection but not a vCPU (default 1: all CPU).
    #[serde(default = "Fraction::one")]
    pub read_cpu_share: Fraction,
    /// Share of a write's time spent on a vCPU (default: as `read_cpu_share`).
    #[serde(default)]
    pub write_cpu_share: Option<Fraction>,
    /// Classes whose queries take a free connection first (default: first
    /// come, first served).
    #[serde(default)]
    pub priority: Option<PrioritySpec>,
}

/// How a database maps a key to a shard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sharding {
    /// A hash of the key: keys spread evenly, a hot key still makes a hot shard.
    #[default]
    Hash,
    /// Contiguous key ranges: neighbouring keys share a shard.
    Range,
}

/// Which replica serves a read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadPolicy {
    /// The shard's replicas in turn.
    #[default]
    RoundRobin,
    /// The replica with the fewest queries running or waiting; ties to the first.
    LeastLoaded,
}

/// `delay`: a latency and nothing else.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DelaySpec {
    /// The latency added.
    pub latency: DistSpec,
}
