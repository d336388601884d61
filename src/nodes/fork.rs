//! A fork: the join bookkeeping of one group of calls made at once (a
//! `parallel` group, a scatter, a hedge), kept in a slab beside the jobs so
//! a join costs no allocation. Its branches' jobs point at it
//! (`Origin::Branch`); the parent waits, holding its worker, until the
//! fork decides.

use crate::engine::{JobId, SimTime};
use crate::model::GroupId;

/// One group of calls in flight.
#[derive(Clone, Copy, Debug)]
pub struct Fork {
    /// The job that waits at the join.
    pub parent: JobId,
    /// Which group (`Model::call_groups`).
    pub group: GroupId,
    /// When the first branch left.
    pub started: SimTime,
    /// Branches to send: every call, every shard touched, or (a hedge)
    /// every copy at most.
    pub planned: u16,
    /// Branches sent so far.
    pub sent: u16,
    /// Answers heard, late ones included.
    pub answered: u16,
    /// Successful answers before the decision.
    pub ok: u16,
    /// Failed answers before the decision.
    pub failed: u16,
    /// The group has answered its parent.
    pub joined: bool,
    /// Its branches still out are cancelled.
    pub cancelled: bool,
    /// Branches are being sent now: the fork stays, whatever they answer.
    pub sending: bool,
    /// Branches still out after the join head a request of their own (they
    /// count in flight until the fork goes).
    pub detached: bool,
    /// Names this fork for its hedge timers (0 once it is gone).
    pub token: u32,
    /// A hedge's delay between copies, ns (`u64::MAX`: no copy will leave).
    pub delay_ns: u64,
    /// Branches that answered, a bit each (the first 32): a hedge's copies
    /// still out at the join are the sent ones without a bit.
    pub answered_bits: u32,
}

impl Fork {
    /// Every branch sent has answered and no more will leave.
    pub fn is_done(&self) -> bool {
        self.joined && !self.sending && self.answered == self.sent
    }
}
