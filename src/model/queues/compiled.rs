//! A compiled queue: the consumer resolved to its node, times in ns.

use crate::model::shared::ids::NodeId;

/// A compiled `queue` node.
#[derive(Clone, Debug)]
pub struct Queue {
    /// The pool whose workers receive the messages.
    pub consumer: NodeId,
    /// Messages one receive takes at most, ≥ 1.
    pub batch_size: u32,
    /// Invisibility after a receive, ns, > 0.
    pub visibility_timeout_ns: u64,
    /// Receives after which a message not deleted is dead-lettered.
    pub max_receives: Option<u32>,
    /// Ordered partitions, each received by one job at a time; `None`: one unordered queue.
    pub partitions: Option<u32>,
    /// Messages held at most; sends beyond are rejected.
    pub max_messages: Option<u32>,
}

impl Queue {
    /// Partitions of the state: the ordered ones, or the one unordered queue.
    pub fn partition_count(&self) -> u32 {
        self.partitions.unwrap_or(1)
    }

    /// The partition of `key`: a multiplicative hash, so that small
    /// consecutive keys still spread evenly (as a database's shards do).
    pub fn partition_of(&self, key: u64) -> u32 {
        let n = u64::from(self.partition_count());
        let mixed = key.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        ((u128::from(mixed >> 32) * u128::from(n)) >> 32) as u32
    }
}
