//! What a CPU burst's arrival or end changes on vCPUs whose bursts end by
//! timers (`sliced_cpu.rs`, `capped_cpu.rs`): the burst to arm a timer for,
//! the one whose timer no longer holds, and a burst's end tag on a virtual
//! clock.

use std::cmp::Ordering;

use crate::engine::{JobId, SimTime};

/// A burst that now runs until `due`, unless disturbed again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// Its job.
    pub job: JobId,
    /// When it ends.
    pub due: SimTime,
}

/// What a burst's arrival or end changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// The burst to arm a timer for.
    pub start: Option<Run>,
    /// A job whose armed timer no longer holds (pre-empted, or no longer
    /// the first to end under processor sharing).
    pub stale: Option<JobId>,
    /// Change in busy vCPUs.
    pub busy: i32,
    /// Change in bursts waiting for a vCPU.
    pub waiting: i32,
}

/// A burst under processor sharing, by the virtual time at which it ends.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tag {
    pub(super) finish: f64,
    pub(super) seq: u64,
    pub(super) job: JobId,
}

impl PartialEq for Tag {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Tag {}

impl PartialOrd for Tag {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Tag {
    fn cmp(&self, other: &Self) -> Ordering {
        self.finish
            .total_cmp(&other.finish)
            .then(self.seq.cmp(&other.seq))
    }
}
