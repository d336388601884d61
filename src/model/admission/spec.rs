//! `admission` as written in JSON, on a pool or a load balancer.
//!
//! The rate limit is Envoy's token bucket (`envoy.type.v3.TokenBucket`:
//! `max_tokens`, which is also what the bucket holds at the start, filled at
//! `tokens_per_fill` per `fill_interval`), refilled continuously from the
//! elapsed time as Envoy's `TokenBucketImpl`
//! (source/common/common/token_bucket_impl.cc) does: `burst` is
//! `max_tokens`, `rate_per_s` is `tokens_per_fill / fill_interval`. A request
//! finding no whole token is refused at once, as Envoy's local rate limit
//! filter answers 429 (nginx's `limit_req … nodelay` behaves the same, its
//! `burst = b` admitting b + 1 at once: `burst: b + 1` here).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::units::{Count, Positive, Size};

/// `admission`: what a node lets in. Every part is optional; a request
/// refused by the rate limit is `rate_limited`, one refused by the
/// concurrency limit or by shedding is `shed`, both errors of their own
/// kind, apart from a full queue's `rejected`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdmissionSpec {
    /// A token bucket: each admitted request takes a token.
    #[serde(default)]
    pub rate_limit: Option<RateLimitSpec>,
    /// Requests at the node at once (waiting or in service; at a balancer,
    /// forwarded and not yet answered); one more is shed.
    #[serde(default)]
    pub max_concurrency: Option<Count>,
    /// Pools only: shed a request on arrival when the pool is overloaded.
    #[serde(default)]
    pub shed: Option<ShedSpec>,
    /// Pools only: while more than this many requests wait in a queue, a
    /// freed worker takes the newest rather than the oldest (adaptive LIFO).
    #[serde(default)]
    pub lifo_when_over: Option<Size>,
}

/// `rate_limit`: a token bucket of `burst` tokens, full at the start,
/// refilled at `rate_per_s`; over any window of t seconds at most
/// `rate_per_s` × t + `burst` requests pass.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// Tokens added per second, a multiple of 0.001.
    pub rate_per_s: Positive,
    /// Tokens the bucket holds at most (and at the start).
    pub burst: Count,
    /// One bucket for the node (`node`, default), one per class (`class`)
    /// or one per traffic source (`source`).
    #[serde(default)]
    pub per: RateKey,
    /// Only these classes are limited (default: all).
    #[serde(default)]
    pub classes: Vec<String>,
}

/// Whose requests share a bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateKey {
    /// Every request at the node.
    #[default]
    Node,
    /// Each class its own bucket, every one of the same size.
    Class,
    /// Each traffic source its own bucket (a client, a tenant), every one
    /// of the same size; detached work (async calls, abandoned attempts)
    /// shares one more.
    Source,
}

/// `shed`: when a pool sheds a newcomer. With both, either sheds.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ShedSpec {
    /// Shed when this many requests already wait at the pool (for a worker
    /// or a vCPU, all instances together: the table's `queue`).
    #[serde(default)]
    pub queue_length: Option<Size>,
    /// Shed when the newcomer's expected wait exceeds this, ms: the requests
    /// waiting ahead of it, plus itself, times the measured interval between
    /// departures from the queue while it is not empty (while none wait,
    /// nothing is shed).
    #[serde(default)]
    pub wait_ms: Option<Positive>,
}
