//! A hedge's delay at a running percentile of its copies' times, as
//! Finagle's `BackupRequestFilter` keeps it (finagle-core,
//! `client/BackupRequestFilter.scala` and `util/WindowedPercentileHistogram.scala`):
//! times go into the open bucket; when a bucket closes, the delay becomes
//! the percentile of the last `buckets` closed ones (3 of 10 s by default).
//! Until the first bucket closes there is no delay and no copy leaves
//! (Finagle's threshold reads 0 then, so it hedges at its 1 ms floor for
//! the first seconds; capsim does not copy that start-up).
//!
//! Histograms of microseconds to 3 significant digits (Finagle's
//! precision), allocated once with their bounds: recording never
//! allocates, and a bucket's close costs one merge per window, not per event.

use hdrhistogram::Histogram;

use crate::engine::SimTime;
use crate::model::HedgeAfter;

/// Longest time a histogram holds, µs (an hour; longer ones saturate).
const MAX_US: u64 = 3_600_000_000;

/// One hedge group's running percentile.
#[derive(Debug)]
pub struct RunningDelay {
    quantile: f64,
    bucket_ns: u64,
    /// The open bucket, and when it closes.
    open: Histogram<u64>,
    closes_at: u64,
    /// The closed buckets, oldest overwritten first.
    closed: Vec<Histogram<u64>>,
    next: usize,
    /// Their merge, reused.
    merged: Histogram<u64>,
    /// The delay now, ns (`None` before the first bucket closes, or while
    /// the window holds no times).
    delay_ns: Option<u64>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_US, 3).expect("constant bounds are valid")
}

impl RunningDelay {
    /// For a hedge whose delay is a percentile; `None` for a fixed one.
    pub fn new(after: HedgeAfter) -> Option<Self> {
        let HedgeAfter::Percentile {
            quantile,
            bucket_ns,
            buckets,
        } = after
        else {
            return None;
        };
        Some(RunningDelay {
            quantile,
            bucket_ns,
            open: histogram(),
            closes_at: bucket_ns,
            closed: (0..buckets).map(|_| histogram()).collect(),
            next: 0,
            merged: histogram(),
            delay_ns: None,
        })
    }

    /// A copy took `ns` (answered, or superseded then). True if a bucket
    /// closed first and the delay changed.
    pub fn record(&mut self, now: SimTime, ns: u64) -> bool {
        let changed = self.roll(now);
        self.open.saturating_record((ns / 1_000).clamp(1, MAX_US));
        changed
    }

    /// The delay at `now`, ns, and whether a bucket closed and changed it.
    pub fn delay(&mut self, now: SimTime) -> (Option<u64>, bool) {
        let changed = self.roll(now);
        (self.delay_ns, changed)
    }

    /// The delay now, without closing buckets.
    pub fn current(&self) -> Option<u64> {
        self.delay_ns
    }

    /// Closes the buckets that ended by `now`; true if the delay changed.
    fn roll(&mut self, now: SimTime) -> bool {
        let now = now.as_nanos();
        if now < self.closes_at {
            return false;
        }
        let before = self.delay_ns;
        let ended = (now - self.closes_at) / self.bucket_ns + 1;
        // Past a whole window of idle buckets every closed one is empty.
        let steps = ended.min(self.closed.len() as u64 + 1);
        for _ in 0..steps {
            let slot = &mut self.closed[self.next];
            slot.reset();
            std::mem::swap(slot, &mut self.open);
            self.next = (self.next + 1) % self.closed.len();
        }
        self.closes_at += ended * self.bucket_ns;
        self.merged.reset();
        for bucket in &self.closed {
            // Same bounds: adding cannot fail.
            self.merged.add(bucket).expect("histograms of equal bounds");
        }
        self.delay_ns =
            (!self.merged.is_empty()).then(|| self.merged.value_at_quantile(self.quantile) * 1_000);
        self.delay_ns != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    /// Within the histogram's resolution (3 significant digits).
    fn near(delay: Option<u64>, ns: u64) -> bool {
        delay.is_some_and(|d| (d as f64 / ns as f64 - 1.0).abs() < 1e-3)
    }

    fn p95_over_three_buckets_of_ten_seconds() -> RunningDelay {
        let after = HedgeAfter::Percentile {
            quantile: 0.95,
            bucket_ns: 10 * S,
            buckets: 3,
        };
        RunningDelay::new(after).expect("a percentile")
    }

    #[test]
    fn no_delay_until_a_bucket_closes_then_the_percentile_of_the_closed_ones() {
        let mut running = p95_over_three_buckets_of_ten_seconds();
        // 1 … 100 ms in the first bucket: the p95 is 95 ms.
        for ms in 1..=100 {
            running.record(SimTime(ms * 1_000_000), ms * 1_000_000);
        }
        assert_eq!(running.delay(SimTime(9 * S)), (None, false));
        let (delay, changed) = running.delay(SimTime(10 * S));
        assert!(changed && near(delay, 95_000_000), "{delay:?}");
        // Times in the open bucket do not count until it closes.
        running.record(SimTime(11 * S), 500_000_000);
        assert!(near(running.delay(SimTime(19 * S)).0, 95_000_000));
    }

    #[test]
    fn a_bucket_leaves_the_window_after_three_more_close() {
        let mut running = p95_over_three_buckets_of_ten_seconds();
        running.record(SimTime(S), 40_000_000);
        assert!(near(running.delay(SimTime(10 * S)).0, 40_000_000));
        // Idle from 10 s: the 40 ms is in the closed buckets until 40 s.
        assert!(near(running.delay(SimTime(39 * S)).0, 40_000_000));
        assert_eq!(running.delay(SimTime(40 * S)), (None, true));
        // A long idle time closes at most a window's worth of buckets.
        running.record(SimTime(1_000 * S), 7_000_000);
        assert!(near(running.delay(SimTime(1_010 * S)).0, 7_000_000));
    }
}
