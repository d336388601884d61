//! Pending events, earliest first, ties in scheduling order.
//!
//! A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) keyed on integer time.
//! It relies on the discrete-event invariant that no event is scheduled
//! before the last one popped. An event lands in bucket `b`, the position of
//! the highest bit in which its time differs from the last popped time;
//! popping takes bucket 0 (times equal to the last) or else redistributes the
//! lowest non-empty bucket around its minimum. Each event moves down at most
//! 64 buckets in its life, by sequential scans of plain vectors, so the cost
//! per event stays nearly flat as millions are pending, where a binary heap
//! pays a cache miss per level.
//!
//! Ties: events with equal times always share a bucket, redistribution
//! keeps order, and bucket 0 is drained front to back, so events due at the
//! same time come out in the order they were scheduled, with no sequence
//! number stored.

use super::event::Event;
use super::time::SimTime;

const BUCKETS: usize = 65;

/// Popped events bucket 0 may keep at its front before they are dropped.
const COMPACT_AFTER: usize = 1 << 16;

/// Why `pop_until` gave no event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    /// Nothing is pending.
    Drained,
    /// The next event is after the horizon.
    Horizon,
}

/// The pending events of one run.
pub struct EventQueue {
    last: u64,
    len: usize,
    /// Bucket 0 is a FIFO: `head` is the next to pop.
    head: usize,
    /// Bit `b - 1` set when bucket `b ≥ 1` is non-empty, so finding the
    /// lowest is one instruction rather than a scan of 64 vectors (a u64:
    /// a u128's shifts cost a dozen instructions each).
    occupied: u64,
    buckets: [Vec<(u64, Event)>; BUCKETS],
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue::new()
    }
}

fn bucket_of(diff: u64) -> usize {
    (u64::BITS - diff.leading_zeros()) as usize
}

/// The bit of `occupied` for `bucket` (none for bucket 0), without a branch.
#[inline(always)]
fn occupied_bit(bucket: usize) -> u64 {
    u64::from(bucket != 0) << (bucket.wrapping_sub(1) & 63)
}

impl EventQueue {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            last: 0,
            len: 0,
            head: 0,
            occupied: 0,
            buckets: std::array::from_fn(|_| Vec::new()),
        }
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `event` at `at`, which must not be before the last event
    /// popped (a past event would break causality; the clamp keeps release
    /// builds safe if a bug ever tried).
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: Event) {
        debug_assert!(at.0 >= self.last, "event scheduled in the past");
        let at = at.0.max(self.last);
        let bucket = bucket_of(at ^ self.last);
        self.buckets[bucket].push((at, event));
        self.occupied |= occupied_bit(bucket);
        self.len += 1;
    }

    /// Removes and returns the earliest event (first scheduled among equals).
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, Event)> {
        if self.head == self.buckets[0].len() {
            self.refill()?;
        }
        Some(self.pop_peeked())
    }

    /// Removes the earliest event, due at `horizon` or before; `None` when
    /// nothing is pending, or the next event is after `horizon` (it stays).
    #[inline]
    pub fn pop_until(&mut self, horizon: SimTime) -> Result<(SimTime, Event), Exhausted> {
        if self.head == self.buckets[0].len() && self.refill().is_none() {
            return Err(Exhausted::Drained);
        }
        if self.buckets[0][self.head].0 > horizon.0 {
            return Err(Exhausted::Horizon);
        }
        Ok(self.pop_peeked())
    }

    /// Pops the front of bucket 0, which the caller has made non-empty.
    #[inline(always)]
    fn pop_peeked(&mut self) -> (SimTime, Event) {
        let (at, event) = self.buckets[0][self.head];
        self.head += 1;
        self.len -= 1;
        if self.head > COMPACT_AFTER && self.head * 2 > self.buckets[0].len() {
            // Events keep arriving at the current time faster than bucket 0
            // empties (a long burst at one instant): drop the popped front,
            // so memory follows the events pending, not those handled.
            self.buckets[0].drain(..self.head);
            self.head = 0;
        }
        (SimTime(at), event)
    }

    /// Moves the earliest events into bucket 0. `None` when empty.
    fn refill(&mut self) -> Option<()> {
        self.buckets[0].clear();
        self.head = 0;
        if self.occupied == 0 {
            return None;
        }
        let lowest = self.occupied.trailing_zeros() as usize + 1;
        // Clears the lowest bit set.
        self.occupied &= self.occupied - 1;
        // Every event of bucket `lowest` lands in a strictly lower bucket, so
        // the lower ones can be pushed to while it is read.
        let (lower, rest) = self.buckets.split_at_mut(lowest);
        let bucket = &mut rest[0];
        if let [only] = bucket[..] {
            // A lone event is the minimum (the common case when few events
            // are pending): straight to bucket 0, no scan.
            self.last = only.0;
            lower[0].push(only);
            bucket.clear();
            return Some(());
        }
        let last = bucket.iter().map(|&(at, _)| at).min()?;
        self.last = last;
        let mut occupied = self.occupied;
        for &(at, event) in bucket.iter() {
            let target = bucket_of(at ^ last);
            lower[target].push((at, event));
            occupied |= occupied_bit(target);
        }
        self.occupied = occupied;
        // Cleared, keeping its capacity: no allocation in steady state.
        bucket.clear();
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::slab::JobId;
    use rand::{RngExt, SeedableRng};
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// Random schedules, checked against a binary heap ordered by (time, sequence).
    #[test]
    fn pops_in_time_then_scheduling_order_like_a_reference_heap() {
        for seed in 0..50u64 {
            let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut queue = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let mut now = 0u64;
            let mut seq = 0u32;
            for _ in 0..5000 {
                if rng.random_bool(0.55) || reference.is_empty() {
                    // Coarse delays make ties common; some are zero.
                    let delay = match rng.random_range(0..4) {
                        0 => 0,
                        1 => rng.random_range(0..4u64),
                        2 => rng.random_range(0..1_000u64),
                        _ => rng.random_range(0..u64::from(u32::MAX)),
                    };
                    queue.schedule(SimTime(now + delay), Event::PhaseDone { job: JobId(seq) });
                    reference.push(Reverse((now + delay, seq)));
                    seq += 1;
                } else {
                    let Reverse((at, id)) = reference.pop().unwrap();
                    let (got_at, got) = queue.pop().unwrap();
                    assert_eq!((got_at.0, got), (at, Event::PhaseDone { job: JobId(id) }));
                    now = at;
                }
                assert_eq!(queue.len(), reference.len());
            }
        }
    }

    /// A chain of events at one instant (each handled event schedules the
    /// next at the same time) keeps bucket 0 short: memory follows the
    /// events pending (one here), not the million handled.
    #[test]
    fn a_burst_at_one_instant_does_not_grow_the_queue() {
        let mut queue = EventQueue::new();
        queue.schedule(SimTime(7), Event::Arrival { source: 0 });
        for _ in 0..1_000_000 {
            let (at, event) = queue.pop().expect("the chain goes on");
            queue.schedule(at, event);
        }
        assert_eq!(queue.len(), 1);
        assert!(queue.buckets[0].len() <= 2 * COMPACT_AFTER + 2);
    }

    #[test]
    fn empty_queue_pops_none() {
        let mut queue = EventQueue::new();
        assert!(queue.pop().is_none());
        queue.schedule(SimTime(5), Event::Arrival { source: 0 });
        assert_eq!(
            queue.pop(),
            Some((SimTime(5), Event::Arrival { source: 0 }))
        );
        assert!(queue.pop().is_none());
    }
}
