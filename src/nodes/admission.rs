//! Admission control's state at one node: its token buckets, the requests
//! it holds, and, for a pool, its waiting requests and how fast they drain.
//! This file only keeps the books; `network/admission_paths.rs` decides.
//!
//! The bucket is Envoy's `TokenBucketImpl` (source/common/common/
//! token_bucket_impl.cc): full at the start, refilled continuously from the
//! time elapsed since it was last looked at, never above its size; a request
//! takes one whole token or is refused. No timer refills it: the credit is
//! brought up to date when a request arrives. Credit is an integer count of
//! 10⁻¹² tokens, so a rate of `milli_rate` thousandths of a token per second
//! adds exactly `milli_rate` units per nanosecond, and after t seconds of
//! arrivals faster than the rate exactly ⌊rate × t⌋ + burst have passed.

use crate::engine::SimTime;
use crate::model::{Admission, RateKey};

/// Units of credit in one token.
const TOKEN: u128 = 1_000_000_000_000;

/// Weight of the newest interval in the running mean of drain intervals:
/// about the last 32 departures count, enough to follow a change of
/// service within a second at hundreds of requests per second, and to
/// keep the estimate within about 20% for exponential intervals.
const DRAIN_WEIGHT: f64 = 1.0 / 32.0;

/// Why a request was refused.
pub use crate::engine::Refusal;

/// One token bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Credit, in 10⁻¹² tokens, as of `at`.
    credit: u128,
    /// When the credit was last brought up to date, ns.
    at: u64,
}

/// A node's admission control as it runs.
#[derive(Debug)]
pub struct AdmissionState {
    /// Refill per ns, in 10⁻¹² tokens (the rate in thousandths per second).
    milli_rate: u128,
    /// Credit at most (and at the start).
    capacity: u128,
    /// One bucket per key (none without a rate limit).
    buckets: Vec<Bucket>,
    per: RateKey,
    limited: Vec<bool>,
    max_concurrency: u32,
    shed_queue_length: u32,
    shed_wait_ns: Option<u64>,
    /// Requests admitted and not yet answered.
    at_node: u32,
    /// Requests waiting at the pool (for a worker or a vCPU).
    waiting: u32,
    /// Since the queue last became non-empty or last lost a request, ns.
    drain_mark: SimTime,
    /// Running mean of the intervals between departures from a non-empty
    /// queue, ns; `None` until the first.
    drain_interval: Option<f64>,
}

impl AdmissionState {
    /// The state of `admission` at the start, for a model with `sources`
    /// traffic sources and `classes` classes.
    pub fn new(admission: &Admission, sources: usize, classes: usize) -> Self {
        let (milli_rate, capacity, buckets, per, limited) = match &admission.rate_limit {
            Some(limit) => {
                let capacity = u128::from(limit.burst) * TOKEN;
                let keys = match limit.per {
                    RateKey::Node => 1,
                    RateKey::Class => classes,
                    // Detached work has no source: it shares one more bucket.
                    RateKey::Source => sources + 1,
                };
                let full = Bucket {
                    credit: capacity,
                    at: 0,
                };
                let limited = limit.class_filter.clone();
                (
                    u128::from(limit.milli_rate),
                    capacity,
                    vec![full; keys],
                    limit.per,
                    limited,
                )
            }
            None => (0, 0, Vec::new(), RateKey::Node, Vec::new()),
        };
        AdmissionState {
            milli_rate,
            capacity,
            buckets,
            per,
            limited,
            max_concurrency: admission.max_concurrency.unwrap_or(u32::MAX),
            shed_queue_length: admission.shed_queue_length.unwrap_or(u32::MAX),
            shed_wait_ns: admission.shed_wait_ns,
            at_node: 0,
            waiting: 0,
            drain_mark: SimTime::ZERO,
            drain_interval: None,
        }
    }

    /// Whether buckets are kept per source (the network then finds the
    /// request's source).
    pub fn per_source(&self) -> bool {
        !self.buckets.is_empty() && self.per == RateKey::Source
    }

    /// Decides on a request of class `class` (from source `source`, `None`
    /// for detached work) arriving at `now`: `None` admits it (and counts
    /// it at the node), else why it is refused. The rate limit first (a
    /// request it refuses takes no place), then the concurrency limit, then
    /// shedding.
    pub fn admit(&mut self, now: SimTime, class: usize, source: Option<u32>) -> Option<Refusal> {
        if !self.buckets.is_empty() && self.limited.get(class).copied().unwrap_or(false) {
            let key = match self.per {
                RateKey::Node => 0,
                RateKey::Class => class,
                RateKey::Source => source.map_or(self.buckets.len() - 1, |s| s as usize),
            };
            if !self.take_token(key, now) {
                return Some(Refusal::RateLimited);
            }
        }
        if self.at_node >= self.max_concurrency || self.waiting >= self.shed_queue_length {
            return Some(Refusal::Shed);
        }
        if let (Some(limit), Some(interval)) = (self.shed_wait_ns, self.drain_interval)
            && self.waiting > 0
            && f64::from(self.waiting + 1) * interval > limit as f64
        {
            return Some(Refusal::Shed);
        }
        self.at_node += 1;
        None
    }

    /// Takes a token from bucket `key` at `now`, if it holds a whole one.
    fn take_token(&mut self, key: usize, now: SimTime) -> bool {
        let Some(bucket) = self.buckets.get_mut(key) else {
            return true;
        };
        let elapsed = u128::from(now.as_nanos().saturating_sub(bucket.at));
        bucket.credit = elapsed
            .saturating_mul(self.milli_rate)
            .saturating_add(bucket.credit)
            .min(self.capacity);
        bucket.at = now.as_nanos();
        if bucket.credit >= TOKEN {
            bucket.credit -= TOKEN;
            true
        } else {
            false
        }
    }

    /// An admitted request was answered (or turned away downstream of the admission).
    pub fn left(&mut self) {
        self.at_node = self.at_node.saturating_sub(1);
    }

    /// The requests waiting at the pool changed by `delta` at `now`.
    pub fn queue_changed(&mut self, now: SimTime, delta: i32) {
        if delta > 0 {
            if self.waiting == 0 {
                self.drain_mark = now;
            }
            self.waiting = self.waiting.saturating_add(delta.unsigned_abs());
        } else if delta < 0 {
            let interval = now.since(self.drain_mark) as f64;
            self.drain_interval = Some(match self.drain_interval {
                Some(mean) => mean + DRAIN_WEIGHT * (interval - mean),
                None => interval,
            });
            self.drain_mark = now;
            self.waiting = self.waiting.saturating_sub(delta.unsigned_abs());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RateLimit;

    fn limited(rate_per_s: f64, burst: u32) -> AdmissionState {
        let admission = Admission {
            rate_limit: Some(RateLimit {
                milli_rate: (rate_per_s * 1000.0) as u64,
                burst,
                per: RateKey::Node,
                class_filter: vec![true],
            }),
            max_concurrency: None,
            shed_queue_length: None,
            shed_wait_ns: None,
            lifo_over: None,
        };
        AdmissionState::new(&admission, 1, 1)
    }

    fn at_ms(ms: u64) -> SimTime {
        SimTime(ms * 1_000_000)
    }

    #[test]
    fn a_full_bucket_passes_its_burst_then_one_per_refill_interval() {
        // 10 tokens/s, burst 3: three at t = 0, the fourth refused; one more
        // token 100 ms later, not at 99.999999 ms.
        let mut bucket = limited(10.0, 3);
        for _ in 0..3 {
            assert_eq!(bucket.admit(at_ms(0), 0, None), None);
            bucket.left();
        }
        assert_eq!(bucket.admit(at_ms(0), 0, None), Some(Refusal::RateLimited));
        assert_eq!(
            bucket.admit(SimTime(99_999_999), 0, None),
            Some(Refusal::RateLimited)
        );
        assert_eq!(bucket.admit(at_ms(100), 0, None), None);
        assert_eq!(
            bucket.admit(at_ms(100), 0, None),
            Some(Refusal::RateLimited)
        );
    }

    #[test]
    fn an_idle_bucket_fills_to_its_size_and_no_more() {
        let mut bucket = limited(1000.0, 5);
        let passed = (0..20)
            .filter(|_| bucket.admit(at_ms(60_000), 0, None).is_none())
            .count();
        assert_eq!(passed, 5);
    }

    #[test]
    fn a_fractional_rate_is_kept_exactly() {
        // 0.001 tokens/s: one token after exactly 1000 s.
        let mut bucket = limited(0.001, 1);
        assert_eq!(bucket.admit(at_ms(0), 0, None), None);
        assert_eq!(
            bucket.admit(SimTime(999_999_999_999), 0, None),
            Some(Refusal::RateLimited)
        );
        assert_eq!(bucket.admit(at_ms(1_000_000), 0, None), None);
    }

    #[test]
    fn the_expected_wait_is_the_queue_ahead_times_the_drain_interval() {
        let admission = Admission {
            rate_limit: None,
            max_concurrency: None,
            shed_queue_length: None,
            shed_wait_ns: Some(25_000_000),
            lifo_over: None,
        };
        let mut pool = AdmissionState::new(&admission, 1, 1);
        // Two wait from t = 0; they leave 10 ms apart: interval 10 ms.
        pool.queue_changed(at_ms(0), 2);
        pool.queue_changed(at_ms(10), -1);
        pool.queue_changed(at_ms(20), -1);
        assert_eq!(pool.drain_interval, Some(10e6));
        // One waiting: (1 + 1) × 10 ms = 20 ms ≤ 25 ms, admitted; with two
        // waiting, 30 ms > 25 ms, shed.
        pool.queue_changed(at_ms(100), 1);
        assert_eq!(pool.admit(at_ms(100), 0, None), None);
        pool.queue_changed(at_ms(100), 1);
        assert_eq!(pool.admit(at_ms(100), 0, None), Some(Refusal::Shed));
    }
}
