//! A pod's CPU limit as the Linux kernel enforces it: CFS bandwidth
//! control (Documentation/scheduler/sched-bwc.rst). The pod's cgroup may
//! run `quota` ns of CPU in each period of `cpu.cfs_period_us` (100 ms,
//! kubelet's `QuotaPeriod`); once its threads have used it, they are
//! throttled until the period ends, even with idle cores. A burst that
//! needs more than what is left waits for the next period: a 60 ms burst
//! at a 0.5-core limit (50 ms per period) runs 50 ms, waits 50 ms, and ends
//! 10 ms into the next period, 110 ms after it began.
//!
//! Each burst takes its share of the quota when it starts, period by
//! period (runtime is booked ahead for the periods it will span). With one
//! thread at a time (a limit of at most one core) this is the kernel's
//! accounting exactly; with several running at once the first to start is
//! served first, where the kernel would throttle them together when the
//! pool of runtime runs dry: the periods' totals and the throttled time
//! are the same, who waits may differ. The kernel's 5 ms runtime slices
//! (`sched_cfs_bandwidth_slice_us`) are not modelled.

use std::collections::VecDeque;

/// The length of a CFS period, ns (kubelet's `QuotaPeriod`, 100 ms).
pub const PERIOD_NS: u64 = 100_000_000;

/// One pod's quota: the runtime booked in the current period and the
/// ones after it.
#[derive(Debug, Clone)]
pub struct CfsQuota {
    quota_ns: u64,
    /// The period `booked[0]` is for (periods numbered from time 0).
    first: u64,
    /// Runtime booked per period, from `first` on.
    booked: VecDeque<u64>,
    /// Time bursts spent throttled (booked at their start), ns.
    throttled_ns: u64,
    /// `throttled_ns` at the last reading.
    throttled_mark: u64,
}

impl CfsQuota {
    /// A quota of `quota_ns` of CPU per period.
    pub fn new(quota_ns: u64) -> Self {
        CfsQuota {
            quota_ns,
            first: 0,
            booked: VecDeque::with_capacity(4),
            throttled_ns: 0,
            throttled_mark: 0,
        }
    }

    /// A burst of `work` ns of CPU starts at `now_ns` on a thread of its
    /// own: the wall time until it ends, throttling included.
    pub fn run(&mut self, now_ns: u64, work: u64) -> u64 {
        let current = now_ns / PERIOD_NS;
        while self.first < current && !self.booked.is_empty() {
            self.booked.pop_front();
            self.first += 1;
        }
        if self.booked.is_empty() {
            self.first = current;
        }
        let (mut t, mut left) = (now_ns, work);
        let mut i = 0;
        loop {
            if i == self.booked.len() {
                self.booked.push_back(0);
            }
            let end = (self.first + i as u64 + 1) * PERIOD_NS;
            let room = self.quota_ns.saturating_sub(self.booked[i]);
            let ran = left.min(room).min(end - t);
            self.booked[i] += ran;
            left -= ran;
            if left == 0 {
                let wall = t + ran - now_ns;
                self.throttled_ns += wall - work;
                return wall;
            }
            // Out of quota (or the period ended): throttled until the next.
            t = end;
            i += 1;
        }
    }

    /// Time throttled since the last call, ns.
    pub fn take_throttled(&mut self) -> u64 {
        let since = self.throttled_ns - self.throttled_mark;
        self.throttled_mark = self.throttled_ns;
        since
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn a_burst_over_the_quota_waits_for_the_next_period() {
        // 0.5 core: 50 ms per 100 ms. 60 ms of work from t = 0 runs 50 ms,
        // is throttled 50 ms, runs 10 ms: ends at 110 ms.
        let mut quota = CfsQuota::new(50 * MS);
        assert_eq!(quota.run(0, 60 * MS), 110 * MS);
        assert_eq!(quota.take_throttled(), 50 * MS);
        // The next burst at 110 ms has 40 ms left in this period.
        assert_eq!(quota.run(110 * MS, 40 * MS), 40 * MS);
        // At 150 ms the period's quota is spent: 5 ms waits until 200 ms.
        assert_eq!(quota.run(150 * MS, 5 * MS), 55 * MS);
        assert_eq!(quota.take_throttled(), 50 * MS);
    }

    #[test]
    fn a_long_burst_spans_several_periods() {
        // 0.2 core: 20 ms a period; 70 ms of work from 30 ms: 20 (to 50),
        // then 20 in each of periods 1 and 2, 10 in period 3: ends at 310 ms.
        let mut quota = CfsQuota::new(20 * MS);
        assert_eq!(quota.run(30 * MS, 70 * MS), 280 * MS);
    }

    #[test]
    fn a_burst_within_the_quota_is_not_slowed() {
        let mut quota = CfsQuota::new(100 * MS);
        assert_eq!(quota.run(95 * MS, 10 * MS), 10 * MS);
        assert_eq!(quota.take_throttled(), 0);
    }

    #[test]
    fn concurrent_threads_share_the_period() {
        // 1.5 cores on two threads: 150 ms a period. Two 90 ms bursts at 0:
        // the first runs 90 ms; the second gets the 60 ms left, then waits
        // until 100 ms and runs 30 more.
        let mut quota = CfsQuota::new(150 * MS);
        assert_eq!(quota.run(0, 90 * MS), 90 * MS);
        assert_eq!(quota.run(0, 90 * MS), 130 * MS);
    }
}
