//! What nodes report as they work. `stats` implements it; the two meet only
//! in `run`. Static dispatch: the network is generic over its observer.

use serde::Serialize;

use crate::model::{ClassId, NodeId};

use super::time::SimTime;

/// A resource whose occupancy is integrated over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// The servers that do the work: a pool's vCPUs, a database's connections.
    Server,
    /// A pool's workers (threads), held through downstream calls.
    Worker,
    /// Requests waiting in queues.
    Queue,
}

/// A node's instances by phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FleetCounts {
    /// Taking work (or able to, once healthy).
    pub serving: u32,
    /// Launched, not yet serving (provisioning, booting, warming up).
    pub starting: u32,
    /// Finishing their work before they go.
    pub draining: u32,
    /// Crashed, not yet replaced.
    pub failed: u32,
    /// What the autoscaler wants (serving + starting once it has its way).
    pub desired: u32,
}

impl FleetCounts {
    /// Instances billed: all but gone.
    pub fn billed(&self) -> u32 {
        self.serving + self.starting + self.draining + self.failed
    }
}

/// A Kubernetes cluster's nodes and pending pods right after a change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ClusterLevels {
    /// Nodes billed: ready, and added but not yet ready.
    pub nodes: u32,
    /// Of which ready for pods.
    pub ready: u32,
    /// Pods no node has room for (unschedulable), waiting for one.
    pub pending: u32,
    /// What the nodes cost, US dollars per hour.
    pub usd_per_hour: f64,
}

/// One evaluation of an autoscaling rule, for the decision log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// The pool.
    pub pool: String,
    /// The rule: `hpa`, an AWS policy's name, a scheduled action's name.
    pub rule: String,
    /// The metric read (`-` for a schedule).
    pub metric: String,
    /// Its value (NaN for a schedule, or when there was nothing to measure).
    pub value: f64,
    /// Its target (or threshold).
    pub target: f64,
    /// Instances counted as current.
    pub current: u32,
    /// Instances wanted after the decision.
    pub desired: u32,
    /// Why.
    pub reason: String,
}

/// What happened at a call site (a call with a timeout, retries or a breaker).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallEvent {
    /// An attempt left: the first (`retry` false) or a retry.
    Attempt {
        /// A retry.
        retry: bool,
    },
    /// The caller gave up waiting on an attempt.
    Timeout,
    /// A retry was due but the budget refused it.
    BudgetDenied,
    /// The breaker failed a call at once.
    ShortCircuit,
    /// The call failed for good (its last attempt failed, or no retry was allowed).
    Failed,
    /// The breaker opened (from closed, or after a failed probe).
    BreakerOpened,
    /// The breaker let a probe through.
    BreakerHalfOpen,
    /// The probe succeeded: the breaker closed.
    BreakerClosed,
    /// The caller got a connection of its instance's pool after waiting
    /// `waited_ns` (0: at once).
    Connected {
        /// Time spent waiting for it, ns.
        waited_ns: u64,
    },
}

/// Why a node's admission control turned a request away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Its token bucket held no whole token.
    RateLimited,
    /// The node was over its concurrency limit, or shed it as overloaded.
    Shed,
}

/// What happened to messages at a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageEvent {
    /// Producers stored them.
    Sent,
    /// A consumer's job received them (redeliveries included).
    Received,
    /// Of those received, the ones received before (a redelivery).
    Redelivered,
    /// Their job succeeded: deleted.
    Deleted,
    /// Not deleted within the visibility timeout: visible again.
    Returned,
    /// Received `max_receives` times and not deleted: moved to the dead-letter queue.
    DeadLettered,
}

/// A queue's messages right after a change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueLevels {
    /// Waiting to be received (SQS `ApproximateNumberOfMessagesVisible`).
    pub visible: u32,
    /// Received, not yet deleted (`ApproximateNumberOfMessagesNotVisible`).
    pub in_flight: u32,
    /// When the oldest visible message was sent, if any.
    pub oldest: Option<SimTime>,
}

/// What happened in a group of calls made at once (a `parallel` group, a
/// scatter, a hedge).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanoutEvent {
    /// Branch `branch` left (a call of the group, a shard, a copy).
    Sent {
        /// Which branch.
        branch: u16,
    },
    /// Branch `branch` answered, `ok` or not, `ns` after it left; `late`:
    /// after the group had answered.
    Answered {
        /// Which branch.
        branch: u16,
        /// A success.
        ok: bool,
        /// After the join.
        late: bool,
        /// Its time, ns.
        ns: u64,
    },
    /// Branch `branch` was cancelled (a loser of a group that cancels them).
    Cancelled {
        /// Which branch.
        branch: u16,
    },
    /// The group answered its caller, `ok` or not, `ns` after it forked.
    Joined {
        /// A success.
        ok: bool,
        /// Fork to join, ns.
        ns: u64,
    },
    /// A hedge's delay at a running percentile changed (a bucket of its
    /// window closed): `None` while the window holds no times (no copy).
    Delay {
        /// The delay from now on, ns.
        ns: Option<u64>,
    },
}

/// A burstable pool's CPU credits summed over its instances, right after a
/// change: each figure's value then, and its rate of change until the next
/// change (every kink of a balance, at zero, at its cap or at the surplus
/// limit, is a change, so the figures are exact linear pieces).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CreditLevels {
    /// Credits earned and not spent (CloudWatch `CPUCreditBalance`, summed).
    pub balance: f64,
    /// Its rate of change, credits per ns.
    pub balance_per_ns: f64,
    /// Unlimited mode: surplus credits spent and not yet paid back
    /// (`CPUSurplusCreditBalance`, summed).
    pub surplus: f64,
    /// Its rate of change, credits per ns.
    pub surplus_per_ns: f64,
    /// Surplus credits charged since the start (past the surplus limit, or
    /// outstanding when an instance went): `CPUSurplusCreditsCharged`, summed.
    pub charged: f64,
    /// Its rate of change, credits per ns.
    pub charged_per_ns: f64,
    /// Standard mode: instances throttled to their baseline now.
    pub throttled: u32,
}

/// An answer's trip back over the network, for [`Observer::network`].
#[derive(Clone, Copy, Debug)]
pub struct Hop {
    /// The class of the request it answers.
    pub class: ClassId,
    /// Network latency it pays, ns.
    pub delay_ns: u64,
    /// Whether it crosses availability zones (`None`: no zone latency
    /// between its ends).
    pub cross_zone: Option<bool>,
    /// A successful answer (else a failure, which carries no payload).
    pub ok: bool,
}

/// Receives the facts of a run as they happen.
pub trait Observer {
    /// A job finished its visit to `node` (answered, or failed downstream).
    fn visit_done(
        &mut self,
        now: SimTime,
        node: NodeId,
        class: ClassId,
        entered: SimTime,
        ok: bool,
    );
    /// A request of `class` arrived from a source.
    fn arrival(&mut self, now: SimTime, class: ClassId);
    /// A request that entered the system at `created` got its answer.
    fn request_done(&mut self, now: SimTime, class: ClassId, created: SimTime, ok: bool);
    /// Cache `node` looked a key up.
    fn cache_lookup(&mut self, now: SimTime, node: NodeId, hit: bool);
    /// `node` turned a job away (full queue).
    fn rejected(&mut self, now: SimTime, node: NodeId, class: ClassId);
    /// `node` dropped a job that had waited past its queue timeout.
    fn expired(&mut self, now: SimTime, node: NodeId, class: ClassId);
    /// `node`'s admission control turned a job away, for `why`.
    fn refused(&mut self, now: SimTime, node: NodeId, class: ClassId, why: Refusal);
    /// The busy connections of shard `shard` of database `node` changed by
    /// `delta`, on its primary (`primary`) or on one of its replicas.
    fn shard_busy(&mut self, now: SimTime, node: NodeId, shard: u32, primary: bool, delta: i32);
    /// The busy vCPUs of shard `shard` of database `node` changed by
    /// `delta`, on its primary (`primary`) or on one of its replicas.
    fn shard_cpu_busy(&mut self, now: SimTime, node: NodeId, shard: u32, primary: bool, delta: i32);
    /// A query that reached database `node` at `entered` finished on shard `shard`.
    fn shard_done(&mut self, now: SimTime, node: NodeId, shard: u32, entered: SimTime);
    /// Something happened at call site `site` (index into `Model::call_sites`).
    fn call(&mut self, now: SimTime, site: u16, event: CallEvent);
    /// Something happened in group `group` (index into `Model::call_groups`).
    fn fanout(&mut self, now: SimTime, group: u16, event: FanoutEvent);
    /// The occupancy of `resource` at `node` changed by `delta`.
    fn occupancy(&mut self, now: SimTime, node: NodeId, resource: Resource, delta: i32);
    /// `node`'s instances changed: `counts` by phase, each billed at
    /// `usd_per_hour` (every phase but gone is billed).
    fn instances(&mut self, now: SimTime, node: NodeId, counts: FleetCounts, usd_per_hour: f64);
    /// Cluster `cluster` (index into `Model::clusters`) changed: its nodes,
    /// pending pods and cost are now `levels`.
    fn cluster(&mut self, now: SimTime, cluster: u16, levels: ClusterLevels);
    /// An autoscaler evaluated its rules (`decision.desired` may equal `current`).
    fn decision(&mut self, now: SimTime, decision: &Decision);
    /// `count` messages at queue `node` went through `event`, leaving it at `levels`.
    fn messages(
        &mut self,
        now: SimTime,
        node: NodeId,
        event: MessageEvent,
        count: u32,
        levels: QueueLevels,
    );
    /// The answer of a visit to `node` travels back to its caller for
    /// `delay_ns` of network latency; `cross_zone` says whether it crossed
    /// availability zones, when both ends are pool instances with a zone
    /// latency; the visit was of `class`, and answered `ok` or failed.
    fn network(&mut self, now: SimTime, node: NodeId, hop: Hop);
    /// A spot instance of pool `node` got its interruption notice.
    fn interrupted(&mut self, now: SimTime, node: NodeId);
    /// The CPU credits of burstable pool `node` changed: `levels` from now on.
    fn credits(&mut self, now: SimTime, node: NodeId, levels: CreditLevels);
}
