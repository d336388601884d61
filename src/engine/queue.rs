//! Pending events, earliest first, ties in scheduling order.
//!
//! A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) keyed on integer time,
//! with byte digits. It relies on the discrete-event invariant that no event
//! is scheduled before the last one popped (`last`). An event at `last` goes
//! to the `current` FIFO; any other lands at level `l`, the highest byte in
//! which its time differs from `last`, in bucket `d`, its own value of that
//! byte. A level-0 bucket therefore holds one exact time, and becomes the
//! current FIFO by a swap when its turn comes; a higher bucket is
//! redistributed around its minimum into lower levels. An event moves down
//! at most 7 levels in its life, where a radix heap on bits moves it up to 64
//! buckets (at 50,000 pending events that was most of a run's instructions,
//! BENCHMARKS.md "Issue 18"); a binary heap pays a cache miss per level.
//!
//! While few events are pending (M/M/1 has one or two) and the radix heap
//! is empty, they wait instead in a small array sorted by time, which costs
//! a few compares where the heap costs a bucket's bookkeeping and a cache
//! line per level; the first event beyond its size moves them all to the
//! heap, in order, until the heap is empty again.
//!
//! Ties: events with equal times always share a bucket (a bucket's place
//! depends only on the time and `last`, and every bucket stays consistent
//! with `last` as it moves), redistribution keeps order, and the current
//! FIFO is drained front to back, so events due at the same time come out
//! in the order they were scheduled, with no sequence number stored.

use super::event::Event;
use super::time::SimTime;

/// Levels: one per byte of a time.
const LEVELS: usize = 8;
/// Buckets per level: one per value of a byte.
const DIGITS: usize = 256;

/// Popped events the current FIFO may keep at its front before they are dropped.
const COMPACT_AFTER: usize = 1 << 16;

/// Events the small array holds before the radix heap takes over.
const FEW: usize = 8;

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
    /// The events pending while the radix heap is empty: `few[..few_len]`,
    /// latest first, so the next one is popped from the end; among equal
    /// times the first scheduled is nearest the end.
    few: [(u64, Event); FEW],
    few_len: usize,
    /// Events at `last`, in scheduling order; `head` is the next to pop.
    current: Vec<(u64, Event)>,
    head: usize,
    /// Bit `l` set when level `l` has a non-empty bucket.
    levels: u8,
    /// Per level, bit `d` set when bucket `d` is non-empty: the lowest is
    /// found in a few instructions rather than a scan of 256 vectors.
    occupied: [[u64; DIGITS / 64]; LEVELS],
    /// `LEVELS × DIGITS` buckets, level-major.
    buckets: Box<[Vec<(u64, Event)>]>,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue::new()
    }
}

/// The level and bucket of a time that differs from `last` by `diff` ≠ 0.
#[inline(always)]
fn place(at: u64, diff: u64) -> (usize, usize) {
    let level = ((u64::BITS - 1 - diff.leading_zeros()) / 8) as usize;
    (level, (at >> (8 * level)) as usize & (DIGITS - 1))
}

/// The lowest bucket set in a level's bitmap, if any.
#[inline(always)]
fn lowest_digit(words: &[u64; DIGITS / 64]) -> Option<usize> {
    let word = words.iter().position(|&w| w != 0)?;
    Some(word * 64 + words[word].trailing_zeros() as usize)
}

impl EventQueue {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            last: 0,
            len: 0,
            few: [(0, Event::Arrival { source: 0 }); FEW],
            few_len: 0,
            current: Vec::new(),
            head: 0,
            levels: 0,
            occupied: [[0; DIGITS / 64]; LEVELS],
            buckets: (0..LEVELS * DIGITS).map(|_| Vec::new()).collect(),
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
    #[inline(always)]
    pub fn schedule(&mut self, at: SimTime, event: Event) {
        debug_assert!(at.0 >= self.last, "event scheduled in the past");
        let at = at.0.max(self.last);
        self.len += 1;
        if self.len == self.few_len + 1 {
            // The radix heap is empty. Out of line: a busy model's heap is
            // seldom empty, and the inlined `schedule` stays small.
            return self.schedule_few(at, event);
        }
        self.schedule_radix(at, event);
    }

    /// Schedules into the small array, or moves it to the radix heap when full.
    #[inline(never)]
    fn schedule_few(&mut self, at: u64, event: Event) {
        if self.few_len == FEW {
            self.spill_few();
            return self.schedule_radix(at, event);
        }
        self.insert_few(at, event);
    }

    /// Puts an event into the small array, after every event due at its
    /// time or before.
    #[inline(always)]
    fn insert_few(&mut self, at: u64, event: Event) {
        let mut i = self.few_len;
        while i > 0 && self.few[i - 1].0 <= at {
            self.few[i] = self.few[i - 1];
            i -= 1;
        }
        self.few[i] = (at, event);
        self.few_len += 1;
    }

    /// Moves the small array's events to the radix heap, earliest first.
    fn spill_few(&mut self) {
        for i in (0..self.few_len).rev() {
            let (at, event) = self.few[i];
            self.schedule_radix(at, event);
        }
        self.few_len = 0;
    }

    #[inline(always)]
    fn schedule_radix(&mut self, at: u64, event: Event) {
        let diff = at ^ self.last;
        if diff == 0 {
            self.current.push((at, event));
            return;
        }
        let (level, digit) = place(at, diff);
        self.buckets[level * DIGITS + digit].push((at, event));
        self.mark(level, digit);
    }

    #[inline(always)]
    fn mark(&mut self, level: usize, digit: usize) {
        self.occupied[level][digit / 64] |= 1 << (digit % 64);
        self.levels |= 1 << level;
    }

    #[inline(always)]
    fn unmark(&mut self, level: usize, digit: usize) {
        let words = &mut self.occupied[level];
        words[digit / 64] &= !(1 << (digit % 64));
        if words.iter().all(|&w| w == 0) {
            self.levels &= !(1 << level);
        }
    }

    /// Removes and returns the earliest event (first scheduled among equals).
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, Event)> {
        if self.few_len > 0 {
            return Some(self.pop_few());
        }
        if self.head == self.current.len() {
            self.refill()?;
        }
        Some(self.pop_current())
    }

    /// Removes the earliest event, due at `horizon` or before; `None` when
    /// nothing is pending, or the next event is after `horizon` (it stays).
    #[inline]
    pub fn pop_until(&mut self, horizon: SimTime) -> Result<(SimTime, Event), Exhausted> {
        if self.few_len > 0 {
            // As a refill would, the next event's time becomes `last`
            // even when it stays.
            self.last = self.few[self.few_len - 1].0;
            if self.last > horizon.0 {
                return Err(Exhausted::Horizon);
            }
            return Ok(self.pop_few());
        }
        if self.head == self.current.len() && self.refill().is_none() {
            return Err(Exhausted::Drained);
        }
        if self.last > horizon.0 {
            return Err(Exhausted::Horizon);
        }
        Ok(self.pop_current())
    }

    /// Pops the earliest event of the small array, which is not empty.
    #[inline(always)]
    fn pop_few(&mut self) -> (SimTime, Event) {
        self.few_len -= 1;
        self.len -= 1;
        let (at, event) = self.few[self.few_len];
        self.last = at;
        (SimTime(at), event)
    }

    /// Pops the front of the current FIFO, which the caller has made non-empty.
    #[inline(always)]
    fn pop_current(&mut self) -> (SimTime, Event) {
        let (at, event) = self.current[self.head];
        self.head += 1;
        self.len -= 1;
        if self.head > COMPACT_AFTER && self.head * 2 > self.current.len() {
            // Events keep arriving at the current time faster than the FIFO
            // empties (a long burst at one instant): drop the popped front,
            // so memory follows the events pending, not those handled.
            self.current.drain(..self.head);
            self.head = 0;
        }
        (SimTime(at), event)
    }

    /// Makes the earliest pending time current. `None` when empty.
    fn refill(&mut self) -> Option<()> {
        self.current.clear();
        self.head = 0;
        if self.levels == 0 {
            return None;
        }
        let level = self.levels.trailing_zeros() as usize;
        let digit = lowest_digit(&self.occupied[level])?;
        self.unmark(level, digit);
        let index = level * DIGITS + digit;
        if level == 0 {
            // One exact time: the bucket becomes the FIFO, the FIFO's
            // emptied vector (capacity kept) the bucket.
            self.last = (self.last & !0xff) | digit as u64;
            std::mem::swap(&mut self.current, &mut self.buckets[index]);
            return Some(());
        }
        self.redistribute(index);
        Some(())
    }

    /// Moves the events of bucket `index` (the lowest non-empty; every
    /// lower one is empty) to lower levels around their minimum, the new `last`.
    fn redistribute(&mut self, index: usize) {
        // Every event lands strictly below `index`, so the lower buckets can
        // be pushed to while it is read.
        let (lower, rest) = self.buckets.split_at_mut(index);
        let bucket = &mut rest[0];
        if let [only] = bucket[..] {
            // A lone event is the minimum (the common case when few events
            // are pending): it becomes current, no scan.
            self.last = only.0;
            self.current.push(only);
            bucket.clear();
            return;
        }
        let last = bucket.iter().map(|&(at, _)| at).min().unwrap_or(self.last);
        self.last = last;
        for &(at, event) in bucket.iter() {
            let diff = at ^ last;
            if diff == 0 {
                self.current.push((at, event));
                continue;
            }
            let (level, digit) = place(at, diff);
            lower[level * DIGITS + digit].push((at, event));
            self.occupied[level][digit / 64] |= 1 << (digit % 64);
            self.levels |= 1 << level;
        }
        // Cleared, keeping its capacity: no allocation in steady state.
        bucket.clear();
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
        // Unbounded, the queue grows to hundreds of events (the radix heap);
        // at most 12, it goes in and out of the small array (8 events).
        let bounds = (0..50u64).map(|s| (s, usize::MAX));
        for (seed, most) in bounds.chain((50..100).map(|s| (s, 12))) {
            let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut queue = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let mut now = 0u64;
            let mut seq = 0u32;
            for _ in 0..5000 {
                if reference.len() < most && rng.random_bool(0.55) || reference.is_empty() {
                    // Coarse delays make ties common; some are zero.
                    let delay = match rng.random_range(0..5) {
                        0 => 0,
                        1 => rng.random_range(0..4u64),
                        2 => rng.random_range(0..1_000u64),
                        3 => rng.random_range(0..u64::from(u32::MAX)),
                        // Every byte of a time, up to the top one.
                        _ => {
                            let bits = rng.random_range(1..62);
                            rng.random_range(0..1u64 << bits)
                        }
                    };
                    queue.schedule(
                        SimTime(now.saturating_add(delay)),
                        Event::PhaseDone { job: JobId(seq) },
                    );
                    reference.push(Reverse((now.saturating_add(delay), seq)));
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
    /// next at the same time) keeps the current FIFO short: memory follows the
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
        assert!(queue.current.len() <= 2 * COMPACT_AFTER + 2);
    }

    /// An event after the horizon stays, in the small array and in the heap.
    #[test]
    fn pop_until_leaves_what_is_after_the_horizon() {
        for pending in [2u64, 3 * FEW as u64] {
            let mut queue = EventQueue::new();
            for i in 0..pending {
                queue.schedule(SimTime(5 + 10 * i), Event::Arrival { source: i as u32 });
            }
            assert_eq!(
                queue.pop_until(SimTime(10)).map(|(at, _)| at),
                Ok(SimTime(5))
            );
            assert_eq!(queue.pop_until(SimTime(10)), Err(Exhausted::Horizon));
            assert_eq!(
                queue.pop_until(SimTime(15)),
                Ok((SimTime(15), Event::Arrival { source: 1 }))
            );
            assert_eq!(queue.len() as u64, pending - 2);
        }
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
