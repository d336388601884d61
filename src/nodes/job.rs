//! A job: one visit of a request to one node. A request is a tree of jobs:
//! the root at the entry node, and a child for each synchronous call, which
//! returns to its parent when done.

use crate::engine::{JobId, SimTime};

/// No call out.
pub const NO_JOB: JobId = JobId(u32::MAX);
use crate::model::{ClassId, NodeId};

/// No instance or server chosen yet.
pub const NO_SLOT: u32 = u32::MAX;

/// Where a job came from, and so where its answer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A request from traffic source `source`: its end is the request's end.
    Root {
        /// Index of the source (a closed user thinks, then sends again).
        source: u32,
    },
    /// A synchronous call: its end resumes the parent.
    Call(JobId),
    /// A fire-and-forget call, or one its caller gave up on: nobody waits for it.
    Async,
    /// The client of a request from source `source`, whose calls have a
    /// timeout, retries or a breaker. It waits at no node: its call to the
    /// entry node is the request's first visit.
    Client {
        /// Index of the source.
        source: u32,
    },
    /// A consumer's job for a batch of messages (a delivery of the queue
    /// its pool consumes: a pool consumes one): its end deletes them, or
    /// not. The messages, not the job, count as in flight.
    Message(JobId),
    /// Branch `branch` of fork `fork` (a group of calls made at once): its
    /// answer goes to the fork's join.
    Branch {
        /// The fork, in the network's slab of forks.
        fork: JobId,
        /// Which branch: a call of the group, a shard, a copy.
        branch: u16,
    },
    /// The caller of branch `branch` of fork `fork` when that call has a
    /// timeout, retries or a breaker: like a client, it waits at no node,
    /// makes the attempts, and answers the fork.
    BranchClient {
        /// The fork.
        fork: JobId,
        /// Which branch.
        branch: u16,
    },
}

// Jobs are copied in and out of the slab on every step: the origin stays a word.
const _: () = assert!(std::mem::size_of::<Origin>() <= 8);

/// One visit of a request to a node. `Copy` and small: it lives in the slab.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    /// The node visited.
    pub node: NodeId,
    /// Who waits for the answer.
    pub origin: Origin,
    /// The request's class.
    pub class: ClassId,
    /// Progress at the node: the next call of a pool, the phase of a cache.
    pub step: u16,
    /// A write (databases send writes to the primary).
    pub write: bool,
    /// A downstream call failed; the answer will be an error.
    pub failed: bool,
    /// Instance (pool) or server (database) serving it, or [`NO_SLOT`].
    /// A balancer sets it on the job it forwards to choose the instance.
    pub slot: u32,
    /// The request's key (shards).
    pub key: u64,
    /// When the job reached this node.
    pub entered: SimTime,
    /// Attempt of its current call with a policy (1 = first).
    pub attempt: u16,
    /// Names its current call attempt (or pending retry) with a policy, so
    /// that a timer set for an earlier one can tell it is stale; 0 = none.
    pub token: u32,
    /// The job of its current call attempt.
    pub pending: JobId,
}
