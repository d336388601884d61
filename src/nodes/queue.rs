//! A message queue's state: visible messages per partition, and the
//! deliveries in flight (a batch received by one consumer job). This file
//! does the bookkeeping; the network (`network/queue_paths.rs`) decides.
//!
//! After Amazon SQS (Developer Guide, "Amazon SQS visibility timeout" and
//! "Using dead-letter queues"): a received message is not removed but hidden
//! for the visibility timeout; the consumer deletes it when done; if it has
//! not by the end of the timeout (its job failed, or is still running), it
//! becomes visible again and is received anew, and a message received
//! `maxReceiveCount` times without being deleted is moved to the dead-letter
//! queue instead. A failed job does not return its messages early: like an
//! SQS consumer (or Lambda's event source) that does not delete, they wait
//! out the timeout.
//!
//! Memory: each partition is a ring (`VecDeque`) that grows, amortized,
//! only when the depth reaches a new high; a delivery's messages sit in a
//! slot of `held`, `batch` wide, reused with the delivery slab's slots.

use std::collections::VecDeque;

use crate::engine::{JobId, QueueLevels, SimTime, Slab};
use crate::model::{ClassId, Queue};

/// One message: what its job will carry, and its history.
#[derive(Clone, Copy, Debug)]
pub struct Message {
    /// The sender's class.
    pub class: ClassId,
    /// The sender's key (picks the partition).
    pub key: u64,
    /// When it was sent (its age, and its latency once deleted, count from here).
    pub sent: SimTime,
    /// Times received so far (SQS `ApproximateReceiveCount`).
    pub receives: u32,
}

/// A batch received by one consumer job.
#[derive(Clone, Copy, Debug)]
struct Delivery {
    partition: u32,
    len: u32,
    /// The job ended (its answer, ok or not, is in).
    job_done: bool,
    /// The job succeeded in time: its messages are deleted.
    deleted: bool,
    /// The visibility timeout ran out first: its messages went back (or died).
    returned: bool,
}

/// What a receive took.
#[derive(Clone, Copy, Debug)]
pub struct Received {
    /// The delivery, for the job's origin and the visibility timer.
    pub delivery: JobId,
    /// Messages in it.
    pub len: u32,
    /// Of those, the ones received before.
    pub redelivered: u32,
    /// Its first message (the job carries its class and key).
    pub first: Message,
}

/// What the end of a visibility timeout did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expired {
    /// Messages made visible again.
    pub returned: u32,
    /// Messages dead-lettered (their first index in the delivery's slot).
    pub dead: u32,
}

/// The live state of a queue.
#[derive(Debug)]
pub struct QueueState {
    partitions: Vec<VecDeque<Message>>,
    /// Ordered queues: a partition with a delivery in flight is locked.
    ordered: bool,
    locked: Vec<bool>,
    /// Ordered queues: partitions with visible messages and no lock, each once.
    ready: VecDeque<u32>,
    in_ready: Vec<bool>,
    deliveries: Slab<Delivery>,
    /// `batch` messages per delivery slot.
    held: Vec<Message>,
    batch: u32,
    max_receives: u32,
    visible: u32,
    in_flight: u32,
    /// The smallest `sent` among the partitions' heads (`SimTime(u64::MAX)`: none).
    oldest: SimTime,
    /// The consumer had no free worker at the last look: until one frees,
    /// a send does not look again (so a send costs O(1) under saturation).
    pub consumers_busy: bool,
}

const NONE: SimTime = SimTime(u64::MAX);

impl QueueState {
    /// An empty queue.
    pub fn new(queue: &Queue) -> Self {
        let n = queue.partition_count() as usize;
        QueueState {
            partitions: (0..n).map(|_| VecDeque::new()).collect(),
            ordered: queue.partitions.is_some(),
            locked: vec![false; n],
            ready: VecDeque::new(),
            in_ready: vec![false; n],
            deliveries: Slab::new(),
            held: Vec::new(),
            batch: queue.batch_size,
            max_receives: queue.max_receives.unwrap_or(u32::MAX),
            visible: 0,
            in_flight: 0,
            oldest: NONE,
            consumers_busy: false,
        }
    }

    /// Messages stored: visible and in flight.
    pub fn stored(&self) -> u32 {
        self.visible + self.in_flight
    }

    /// Messages waiting to be received.
    pub fn visible(&self) -> u32 {
        self.visible
    }

    /// The levels an observer hears of.
    pub fn levels(&self) -> QueueLevels {
        QueueLevels {
            visible: self.visible,
            in_flight: self.in_flight,
            oldest: (self.oldest != NONE).then_some(self.oldest),
        }
    }

    /// Stores `message` at the back of `partition`.
    pub fn send(&mut self, partition: u32, message: Message) {
        self.partitions[partition as usize].push_back(message);
        self.visible += 1;
        self.oldest = self.oldest.min(message.sent);
        self.mark_ready(partition);
    }

    /// True if a receive would find a message.
    pub fn can_receive(&self) -> bool {
        if self.ordered {
            !self.ready.is_empty()
        } else {
            self.visible > 0
        }
    }

    /// Receives up to a batch from the next partition with visible messages
    /// (and, ordered, no delivery in flight); `None` if there is none.
    pub fn receive(&mut self) -> Option<Received> {
        let partition = if self.ordered {
            let p = self.ready.pop_front()?;
            self.in_ready[p as usize] = false;
            self.locked[p as usize] = true;
            p
        } else if self.visible > 0 {
            0
        } else {
            return None;
        };
        let batch = self.batch as usize;
        let delivery = self.deliveries.insert(Delivery {
            partition,
            len: 0,
            job_done: false,
            deleted: false,
            returned: false,
        });
        let base = delivery.0 as usize * batch;
        if self.held.len() < base + batch {
            // Grows with the deliveries in flight, never per event after that.
            let filler = Message {
                class: ClassId(0),
                key: 0,
                sent: SimTime::ZERO,
                receives: 0,
            };
            self.held.resize(base + batch, filler);
        }
        let queue = &mut self.partitions[partition as usize];
        let mut len = 0;
        let mut redelivered = 0;
        let mut left_oldest = false;
        while len < batch {
            let Some(mut message) = queue.pop_front() else {
                break;
            };
            left_oldest |= message.sent == self.oldest;
            redelivered += u32::from(message.receives > 0);
            message.receives += 1;
            self.held[base + len] = message;
            len += 1;
        }
        let len = len as u32;
        self.deliveries[delivery].len = len;
        self.visible -= len;
        self.in_flight += len;
        if left_oldest {
            self.oldest = self.head_oldest();
        }
        Some(Received {
            delivery,
            len,
            redelivered,
            first: self.held[base],
        })
    }

    /// Message `k` of `delivery`.
    pub fn held(&self, delivery: JobId, k: u32) -> Message {
        self.held[delivery.0 as usize * self.batch as usize + k as usize]
    }

    /// Messages in `delivery`.
    pub fn len(&self, delivery: JobId) -> u32 {
        self.deliveries[delivery].len
    }

    /// The job of `delivery` ended. Returns the messages deleted (all of
    /// them if it succeeded before its timeout ran out, else none).
    pub fn job_done(&mut self, delivery: JobId, ok: bool) -> u32 {
        let d = self.deliveries[delivery];
        if d.returned {
            // Too late: its messages went back at the timeout; the slot is done.
            self.deliveries.remove(delivery);
            return 0;
        }
        let entry = &mut self.deliveries[delivery];
        entry.job_done = true;
        if !ok {
            return 0;
        }
        entry.deleted = true;
        self.in_flight -= d.len;
        self.unlock(d.partition);
        d.len
    }

    /// The visibility timeout of `delivery` ran out: undeleted messages go
    /// back to the head of their partition (oldest first, as they left), or
    /// to the dead-letter queue once received `max_receives` times. The
    /// dead ones are moved to the front of the delivery's slot: the caller
    /// reads them with `held` before the next receive may reuse the slot.
    pub fn expire(&mut self, delivery: JobId) -> Expired {
        let d = self.deliveries[delivery];
        if d.deleted {
            self.deliveries.remove(delivery);
            return Expired::default();
        }
        let base = delivery.0 as usize * self.batch as usize;
        let mut expired = Expired::default();
        // Back to the front in reverse, so the partition keeps their order.
        for k in (0..d.len as usize).rev() {
            let message = self.held[base + k];
            if message.receives >= self.max_receives {
                expired.dead += 1;
            } else {
                self.partitions[d.partition as usize].push_front(message);
                self.oldest = self.oldest.min(message.sent);
                expired.returned += 1;
            }
        }
        // The dead ones to the slot's front (stable), for `held` to read.
        let mut dead = 0;
        for k in 0..d.len as usize {
            let message = self.held[base + k];
            if message.receives >= self.max_receives {
                self.held[base + dead] = message;
                dead += 1;
            }
        }
        self.in_flight -= d.len;
        self.visible += expired.returned;
        let entry = &mut self.deliveries[delivery];
        entry.returned = true;
        if d.job_done {
            self.deliveries.remove(delivery);
        }
        self.unlock(d.partition);
        expired
    }

    /// An ordered partition's delivery is over: others may be received.
    fn unlock(&mut self, partition: u32) {
        if self.ordered {
            self.locked[partition as usize] = false;
            self.mark_ready(partition);
        }
    }

    /// Puts an ordered partition with visible messages and no lock in line.
    fn mark_ready(&mut self, partition: u32) {
        let p = partition as usize;
        if self.ordered && !self.locked[p] && !self.in_ready[p] && !self.partitions[p].is_empty() {
            self.in_ready[p] = true;
            self.ready.push_back(partition);
        }
    }

    /// The smallest `sent` among the heads: O(partitions), paid only when
    /// the oldest head leaves.
    fn head_oldest(&self) -> SimTime {
        self.partitions
            .iter()
            .filter_map(|p| p.front().map(|m| m.sent))
            .min()
            .unwrap_or(NONE)
    }
}
