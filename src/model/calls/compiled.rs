//! Compiled call policies: every call with a timeout, retries or a breaker
//! becomes a call site, numbered, so the simulation keeps one state (breaker,
//! retry budget) and one set of counters per site.

use serde::Serialize;

pub use crate::model::calls::spec::Jitter;
use crate::model::shared::ids::NodeId;

/// Index of a call site in [`Model::call_sites`](crate::model::Model::call_sites).
pub type SiteId = u16;

/// One caller → callee edge with a policy.
#[derive(Clone, Debug, Serialize)]
pub struct CallSite {
    /// `<caller>-><callee>`: the pool or source, then the called node.
    pub name: String,
    /// The node called.
    #[serde(skip)]
    pub to: NodeId,
    /// Give up on an attempt after this many ns.
    pub timeout_ns: Option<u64>,
    /// Retries.
    pub retry: Option<Retry>,
    /// Circuit breaker.
    pub breaker: Option<Breaker>,
    /// Connections per caller instance (a client-side connection pool).
    pub connections: Option<u32>,
}

/// Compiled `retry`.
#[derive(Clone, Debug, Serialize)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Backoff before the first retry, ns.
    pub backoff_ns: f64,
    /// Growth per retry.
    pub multiplier: f64,
    /// Cap, ns.
    pub max_backoff_ns: f64,
    /// Randomization.
    pub jitter: Jitter,
    /// The budget, if any.
    pub budget: Option<RetryBudget>,
}

impl Retry {
    /// The wait before retry number `retry` (1 for the first), before jitter, ns.
    pub fn wait_before_ns(&self, retry: u32) -> f64 {
        let grown = self.backoff_ns * self.multiplier.powi(retry.saturating_sub(1) as i32);
        grown.min(self.max_backoff_ns)
    }

    /// Expected attempts per request when each attempt fails independently
    /// with probability `p`: 1 + p + … + p^(n−1).
    pub fn expected_attempts(&self, p: f64) -> f64 {
        (0..self.max_attempts).map(|k| p.powi(k as i32)).sum()
    }
}

/// Compiled retry budget.
#[derive(Clone, Debug, Serialize)]
pub struct RetryBudget {
    /// Retries per first attempt.
    pub ratio: f64,
    /// Retries per second allowed regardless.
    pub min_per_s: f64,
    /// Window, whole seconds.
    pub window_s: u32,
}

/// Compiled `breaker`.
#[derive(Clone, Debug, Serialize)]
pub struct Breaker {
    /// Failures within the window that open it.
    pub failures: u32,
    /// The window, ns.
    pub window_ns: u64,
    /// Time open before a probe, ns.
    pub open_ns: u64,
}
