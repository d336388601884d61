//! Calls made at once, as written in JSON: a `parallel` group among a pool's
//! `calls` (joined by `all`, `first` or a `quorum`), a `scatter` of one call
//! to a database's shards, and a `hedge` of one call (a second copy after a
//! delay). The worker waits at the join, as it waits for a sequential call.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::calls::spec::{BreakerSpec, RetrySpec};
use crate::model::shared::units::{Count, Positive};

/// `parallel`: calls that leave together; the caller goes on at the join.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParallelSpec {
    /// When the group answers (default `all`).
    #[serde(default)]
    pub join: JoinSpec,
    /// Once the group has answered, the calls still out are cancelled: one
    /// still waiting in a queue is dropped when its turn comes, one being
    /// served stops before its next call (default false: they run on,
    /// answering nobody).
    #[serde(default)]
    pub cancel_losers: bool,
    /// The calls (branches), each to its own node.
    pub calls: Vec<BranchSpec>,
}

/// How a group of calls joins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinSpec {
    /// Every call answered: the first failure fails the group at once.
    #[default]
    All,
    /// The first successful answer; the group fails only if every call fails.
    First,
    /// `k` successful answers (quorum reads and writes); the group fails
    /// once more than n − k calls have failed.
    Quorum(Count),
}

/// One call of a `parallel` group: where it goes and its own policy. Whether
/// it is made (`classes`, `probability`) is the group's.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BranchSpec {
    /// Target node.
    pub to: String,
    /// `read` (default) or `write`.
    #[serde(default)]
    pub op: crate::model::calls::spec::Operation,
    /// The caller gives up on an attempt after this long, ms (default: never).
    #[serde(default)]
    pub timeout_ms: Option<Positive>,
    /// Retries of failed or timed-out attempts (default: none).
    #[serde(default)]
    pub retry: Option<RetrySpec>,
    /// A circuit breaker on this call (default: none).
    #[serde(default)]
    pub breaker: Option<BreakerSpec>,
    /// Connections each caller instance keeps to the callee (default: unlimited).
    #[serde(default)]
    pub connections: Option<Count>,
    /// The network's time on this call, one way or round trip (default: none).
    #[serde(default)]
    pub latency: Option<crate::model::network::spec::CallLatencySpec>,
}

/// `scatter`: which shards of the database a call goes to; it answers when
/// every one of them has (its latency is the slowest shard's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScatterSpec {
    /// Every shard (a query that cannot use the shard key).
    AllShards,
    /// The shards holding keys `key` … `key + n − 1` (a range query; needs
    /// `sharding: range`, for a hash spreads a range over every shard).
    KeyRange(Count),
}

/// `hedge`: if the call has not answered after a delay, another copy
/// leaves (up to `copies` in all); the first successful answer is taken.
/// The delay is fixed (`after_ms`) or the running percentile of the call's
/// answers (`after_percentile`, as Finagle's `BackupRequestFilter` sends
/// its backup at a percentile of a windowed latency histogram).
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HedgeSpec {
    /// Delay before each further copy, ms (e.g. the callee's p95).
    #[serde(default)]
    pub after_ms: Option<Positive>,
    /// Or: the delay is this percentile (0–100, e.g. 95) of the copies'
    /// times over the last `window_s`.
    #[serde(default)]
    pub after_percentile: Option<Positive>,
    /// With `after_percentile`: the window of answers it is taken over, s
    /// (default 30, in 3 buckets: Finagle's `WindowedPercentileHistogram`).
    #[serde(default)]
    pub window_s: Option<Positive>,
    /// Copies in all, the first included (default 2).
    #[serde(default = "two")]
    pub copies: Count,
    /// Cancel the copies still out once one has answered (default true: gRPC's
    /// hedging, gRFC A6 and grpc.io's "Request Hedging", uses the first
    /// response and cancels the outstanding copies).
    #[serde(default = "yes")]
    pub cancel_losers: bool,
}

fn two() -> Count {
    Count::try_from(2).expect("constant in range")
}

fn yes() -> bool {
    true
}
