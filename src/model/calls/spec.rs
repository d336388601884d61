//! Timeouts, retries and circuit breakers as written in JSON: on a pool's
//! call (`calls[i].timeout_ms`, `.retry`, `.breaker`) or on a source's
//! requests (`client`), the caller's side of a call.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::units::{Count, NonNegative, Positive};

/// `client`: how a source's clients call its entry node.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The client gives up on an attempt after this long, ms (default: never).
    /// The abandoned work goes on occupying the servers.
    #[serde(default)]
    pub timeout_ms: Option<Positive>,
    /// Retries of failed or timed-out attempts (default: none).
    #[serde(default)]
    pub retry: Option<RetrySpec>,
    /// A circuit breaker in front of the calls (default: none).
    #[serde(default)]
    pub breaker: Option<BreakerSpec>,
}

/// `retry`: exponential backoff with jitter, a cap on attempts, a budget.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Attempts in all, the first included (2 = one retry).
    pub max_attempts: Count,
    /// Backoff before the first retry, ms; each later one is `multiplier` times longer.
    pub backoff_ms: NonNegative,
    /// Growth of the backoff per retry (default 2).
    #[serde(default = "two")]
    pub multiplier: Positive,
    /// Longest backoff, ms (default: no cap).
    #[serde(default)]
    pub max_backoff_ms: Option<Positive>,
    /// `full` (default: uniform in [0, backoff]), `equal` (backoff/2 plus
    /// uniform in [0, backoff/2]) or `none`.
    #[serde(default)]
    pub jitter: Jitter,
    /// Retries allowed only while they stay within a share of the requests
    /// (default: unlimited).
    #[serde(default)]
    pub budget: Option<RetryBudgetSpec>,
}

fn two() -> Positive {
    Positive::try_from(2.0).expect("constant in range")
}

/// How a backoff is randomized (names as in the AWS Architecture Blog's
/// "Exponential Backoff And Jitter", 2015).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Jitter {
    /// Uniform between 0 and the backoff.
    #[default]
    Full,
    /// Half the backoff, plus uniform between 0 and the other half.
    Equal,
    /// Exactly the backoff.
    None,
}

/// `budget`: over the last `window_s`, retries ≤ `ratio` × first attempts +
/// `min_per_s` × `window_s` (the rule of Finagle's and Envoy's retry budgets).
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetryBudgetSpec {
    /// Retries allowed per first attempt, e.g. 0.1.
    pub ratio: NonNegative,
    /// Retries allowed per second whatever the traffic (default 0).
    #[serde(default)]
    pub min_per_s: NonNegative,
    /// Length of the sliding window, whole seconds (default 10).
    #[serde(default = "ten")]
    pub window_s: Count,
}

fn ten() -> Count {
    Count::try_from(10.0).expect("constant in range")
}

/// `breaker`: opens after `failures` failures within `window_s`; while open,
/// calls fail at once; after `open_s` one call goes through as a probe
/// (half-open), and its success closes the breaker, its failure reopens it.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// Failures (errors and timeouts) that open it.
    pub failures: Count,
    /// Within this many seconds.
    pub window_s: Positive,
    /// Seconds it stays open before letting a probe through.
    pub open_s: Positive,
}

/// Whether a call reads or writes (databases route writes to the primary).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// A read: spread over replicas.
    #[default]
    Read,
    /// A write: to the shard's primary.
    Write,
}
