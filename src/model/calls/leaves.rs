//! The calls a pool makes, flat: each entry of `calls` that names a `to`,
//! and each call of a `parallel` group, in the order written. Checks,
//! call sites and the compiled `Pool::calls` all walk this one list, so a
//! group's branches are ordinary calls to everything that counts visits.

use crate::model::calls::spec::{BreakerSpec, Operation, RetrySpec};
use crate::model::network::spec::CallLatencySpec;
use crate::model::shared::units::{Count, Fraction, Positive};
use crate::model::topology::spec::{CallMode, CallSpec};

/// One call as the run makes it.
#[derive(Clone, Copy, Debug)]
pub struct Leaf<'a> {
    /// Index of its entry in `calls`.
    pub entry: usize,
    /// Its branch in the entry's `parallel` group, if it is one.
    pub branch: Option<usize>,
    /// Target node.
    pub to: &'a str,
    /// Classes that make it (the entry's).
    pub classes: &'a [String],
    /// Chance it is made (the entry's, drawn once for a whole group).
    pub probability: Fraction,
    /// `sync` or `async` (a group's calls are sync).
    pub mode: CallMode,
    /// `read` or `write`.
    pub op: Operation,
    /// Policy: timeout.
    pub timeout_ms: Option<Positive>,
    /// Policy: retries.
    pub retry: Option<&'a RetrySpec>,
    /// Policy: breaker.
    pub breaker: Option<&'a BreakerSpec>,
    /// Policy: connections per caller instance.
    pub connections: Option<Count>,
    /// The network's time on it.
    pub latency: Option<&'a CallLatencySpec>,
}

impl Leaf<'_> {
    /// Its JSON path below the pool: `calls[2]` or `calls[2].parallel.calls[1]`.
    pub fn path(&self) -> String {
        match self.branch {
            None => format!("calls[{}]", self.entry),
            Some(b) => format!("calls[{}].parallel.calls[{b}]", self.entry),
        }
    }
}

/// The calls of a pool, groups opened up. An entry with neither `to` nor
/// `parallel` makes none (the checks report it).
pub fn leaves(calls: &[CallSpec]) -> Vec<Leaf<'_>> {
    let mut out = Vec::new();
    for (entry, call) in calls.iter().enumerate() {
        match &call.parallel {
            Some(group) => out.extend(group.calls.iter().enumerate().map(|(b, branch)| Leaf {
                entry,
                branch: Some(b),
                to: &branch.to,
                classes: &call.classes,
                probability: call.probability,
                mode: CallMode::Sync,
                op: branch.op,
                timeout_ms: branch.timeout_ms,
                retry: branch.retry.as_ref(),
                breaker: branch.breaker.as_ref(),
                connections: branch.connections,
                latency: branch.latency.as_ref(),
            })),
            None if call.to.is_empty() => {}
            None => out.push(Leaf {
                entry,
                branch: None,
                to: &call.to,
                classes: &call.classes,
                probability: call.probability,
                mode: call.mode,
                op: call.op,
                timeout_ms: call.timeout_ms,
                retry: call.retry.as_ref(),
                breaker: call.breaker.as_ref(),
                connections: call.connections,
                latency: call.latency.as_ref(),
            }),
        }
    }
    out
}
