//! The caller's side of a call with a policy: the circuit breaker's state
//! machine, the retry budget's sliding window, the backoff's jitter. Only
//! bookkeeping; `network/calls.rs` decides what happens to the jobs.
//!
//! Memory is fixed when the run starts (a ring of the last `failures`
//! failure times, a ring of per-second counts), but for the connection
//! pools, one per caller instance, added as instances appear: nothing grows
//! per call.

use std::collections::VecDeque;

use rand::RngExt;

use crate::engine::rng::Rng;
use crate::engine::{JobId, SimTime};
use crate::model::{Breaker, CallSite, Jitter, Retry, RetryBudget};

/// A breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerPhase {
    /// Calls go through; failures are counted.
    Closed,
    /// Calls fail at once until `until` (ns).
    Open { until: u64 },
    /// One probe call is out (`probe`: its token); the others fail at once.
    HalfOpen { probe: u32 },
}

/// Whether a breaker lets a call through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Closed: go.
    Pass,
    /// The open time is over: this call is the probe.
    Probe,
    /// Open, or a probe is already out: fail at once.
    Reject,
}

/// A breaker's change of state, for the log and the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Closed → open: the failures reached the threshold.
    Opened,
    /// The probe failed: open again.
    Reopened,
    /// The probe succeeded.
    Closed,
}

/// A circuit breaker.
#[derive(Debug)]
pub struct BreakerState {
    config: Breaker,
    /// Times of the most recent failures (at most `config.failures`).
    failures: VecDeque<u64>,
    /// Where it is now.
    phase: BreakerPhase,
}

impl BreakerState {
    /// Closed, no failures.
    pub fn new(config: &Breaker) -> Self {
        BreakerState {
            config: config.clone(),
            failures: VecDeque::with_capacity(config.failures as usize),
            phase: BreakerPhase::Closed,
        }
    }

    /// May a call go at `now`? `token` names the call, should it be the probe.
    pub fn gate(&mut self, now: u64, token: u32) -> Gate {
        match self.phase {
            BreakerPhase::Closed => Gate::Pass,
            BreakerPhase::Open { until } if now < until => Gate::Reject,
            BreakerPhase::Open { .. } => {
                self.phase = BreakerPhase::HalfOpen { probe: token };
                Gate::Probe
            }
            BreakerPhase::HalfOpen { .. } => Gate::Reject,
        }
    }

    /// The call `token` ended at `now`, well or not.
    pub fn record(&mut self, now: u64, token: u32, ok: bool) -> Option<Transition> {
        match self.phase {
            BreakerPhase::Closed if !ok => {
                if self.failures.len() == self.config.failures as usize {
                    self.failures.pop_front();
                }
                self.failures.push_back(now);
                let oldest = *self.failures.front().expect("just pushed");
                let full = self.failures.len() == self.config.failures as usize;
                (full && now - oldest <= self.config.window_ns).then(|| {
                    self.open(now);
                    Transition::Opened
                })
            }
            BreakerPhase::HalfOpen { probe } if probe == token => {
                if ok {
                    self.phase = BreakerPhase::Closed;
                    Some(Transition::Closed)
                } else {
                    self.open(now);
                    Some(Transition::Reopened)
                }
            }
            // Calls that left before it opened, or other than the probe,
            // tell nothing new.
            _ => None,
        }
    }

    fn open(&mut self, now: u64) {
        self.failures.clear();
        self.phase = BreakerPhase::Open {
            until: now + self.config.open_ns,
        };
    }
}

/// A retry budget: per-second counts of first attempts and retries over a
/// sliding window of whole seconds.
#[derive(Debug)]
pub struct BudgetState {
    config: RetryBudget,
    /// (first attempts, retries) per second, a ring indexed by second.
    buckets: Vec<(u64, u64)>,
    /// The second the newest bucket belongs to.
    second: u64,
}

impl BudgetState {
    /// Empty.
    pub fn new(config: &RetryBudget) -> Self {
        BudgetState {
            config: config.clone(),
            buckets: vec![(0, 0); config.window_s as usize],
            second: 0,
        }
    }

    /// Moves the window to `now`, clearing the seconds it left behind.
    fn advance(&mut self, now: u64) -> usize {
        let second = now / 1_000_000_000;
        let w = self.buckets.len() as u64;
        if second >= self.second + w {
            self.buckets.fill((0, 0));
        } else {
            for s in self.second + 1..=second {
                self.buckets[(s % w) as usize] = (0, 0);
            }
        }
        self.second = self.second.max(second);
        (second % w) as usize
    }

    /// A first attempt was made at `now`: it earns `ratio` retries.
    pub fn first_attempt(&mut self, now: u64) {
        let i = self.advance(now);
        self.buckets[i].0 += 1;
    }

    /// May a retry go at `now`? If so, it is counted.
    pub fn try_retry(&mut self, now: u64) -> bool {
        let i = self.advance(now);
        let (firsts, retries) = self
            .buckets
            .iter()
            .fold((0, 0), |(f, r), &(bf, br)| (f + bf, r + br));
        let allowed = self.config.ratio * firsts as f64
            + self.config.min_per_s * f64::from(self.config.window_s);
        let ok = (retries as f64) < allowed;
        if ok {
            self.buckets[i].1 += 1;
        }
        ok
    }
}

/// One caller instance's connections to the callee.
#[derive(Debug, Default)]
pub struct Connections {
    /// Connections not in use.
    free: u32,
    /// Callers waiting for one, with the time they started waiting.
    waiting: VecDeque<(JobId, SimTime)>,
}

/// The live state of one call site.
#[derive(Debug)]
pub struct SiteState {
    /// Its breaker, if it has one.
    pub breaker: Option<BreakerState>,
    /// Its retry budget, if it has one.
    pub budget: Option<BudgetState>,
    /// For the jitter.
    rng: Rng,
    /// Connections per caller instance, when the site has a pool of them;
    /// grown as instances appear (an allocation per launch, not per call).
    connections: Option<(u32, Vec<Connections>)>,
}

/// Whether a caller got a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connect {
    /// It may call now.
    Now,
    /// It waits for one.
    Wait,
}

impl SiteState {
    /// Closed and empty, drawing jitter from `rng`.
    pub fn new(site: &CallSite, rng: Rng) -> Self {
        SiteState {
            breaker: site.breaker.as_ref().map(BreakerState::new),
            budget: site
                .retry
                .as_ref()
                .and_then(|r| r.budget.as_ref())
                .map(BudgetState::new),
            rng,
            connections: site.connections.map(|n| (n, Vec::new())),
        }
    }

    fn connections_of(&mut self, instance: u32) -> Option<&mut Connections> {
        let (size, pools) = self.connections.as_mut()?;
        let i = instance as usize;
        if pools.len() <= i {
            pools.resize_with(i + 1, || Connections {
                free: *size,
                waiting: VecDeque::new(),
            });
        }
        Some(&mut pools[i])
    }

    /// `caller`, on caller instance `instance`, asks for a connection at `now`.
    pub fn connect(&mut self, instance: u32, caller: JobId, now: SimTime) -> Connect {
        let Some(pool) = self.connections_of(instance) else {
            return Connect::Now;
        };
        if pool.free > 0 {
            pool.free -= 1;
            Connect::Now
        } else {
            pool.waiting.push_back((caller, now));
            Connect::Wait
        }
    }

    /// A call from `instance` is over: its connection goes to the next
    /// caller waiting there (returned with when it started waiting), or back
    /// to the pool.
    pub fn disconnect(&mut self, instance: u32) -> Option<(JobId, SimTime)> {
        let pool = self.connections_of(instance)?;
        let next = pool.waiting.pop_front();
        if next.is_none() {
            pool.free += 1;
        }
        next
    }

    /// The wait before retry number `retry` (1 for the first), ns.
    pub fn backoff(&mut self, retry: &Retry, number: u32) -> u64 {
        let base = retry.wait_before_ns(number);
        let waited = match retry.jitter {
            Jitter::None => base,
            Jitter::Full => base * self.rng.random::<f64>(),
            Jitter::Equal => base / 2.0 + base / 2.0 * self.rng.random::<f64>(),
        };
        waited.round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    fn breaker() -> BreakerState {
        BreakerState::new(&Breaker {
            failures: 3,
            window_ns: 10 * S,
            open_ns: 5 * S,
        })
    }

    #[test]
    fn breaker_opens_on_the_nth_failure_within_the_window_only() {
        let mut b = breaker();
        // Three failures 6 s apart never fall within one 10 s window.
        assert_eq!(b.record(0, 1, false), None);
        assert_eq!(b.record(6 * S, 2, false), None);
        assert_eq!(b.record(12 * S, 3, false), None);
        // The last three (6, 12, 13 s) do.
        assert_eq!(b.record(13 * S, 4, false), Some(Transition::Opened));
        assert_eq!(b.phase, BreakerPhase::Open { until: 18 * S });
    }

    #[test]
    fn breaker_probes_after_open_time_and_closes_or_reopens() {
        let mut b = breaker();
        for t in 0..3 {
            b.record(t * S, 0, false);
        }
        assert_eq!(b.gate(7 * S - 1, 10), Gate::Reject);
        assert_eq!(b.gate(7 * S, 11), Gate::Probe);
        assert_eq!(b.gate(7 * S, 12), Gate::Reject, "one probe at a time");
        assert_eq!(b.record(7 * S + 5, 99, true), None, "not the probe");
        assert_eq!(b.record(8 * S, 11, false), Some(Transition::Reopened));
        assert_eq!(b.gate(13 * S, 13), Gate::Probe);
        assert_eq!(b.record(13 * S, 13, true), Some(Transition::Closed));
        assert_eq!(b.gate(13 * S, 14), Gate::Pass);
    }

    #[test]
    fn budget_allows_ratio_of_first_attempts_plus_the_floor() {
        let mut budget = BudgetState::new(&RetryBudget {
            ratio: 0.1,
            min_per_s: 0.5,
            window_s: 10,
        });
        for _ in 0..100 {
            budget.first_attempt(S / 2);
        }
        // 0.1 × 100 + 0.5 × 10 = 15 retries within the window.
        let granted = (0..40).filter(|_| budget.try_retry(S)).count();
        assert_eq!(granted, 15);
        // Ten seconds later the window has forgotten them: the floor alone.
        let granted = (0..40).filter(|_| budget.try_retry(12 * S)).count();
        assert_eq!(granted, 5);
    }

    #[test]
    fn backoff_grows_and_is_capped_and_jittered_within_bounds() {
        let retry = Retry {
            max_attempts: 5,
            backoff_ns: 100.0,
            multiplier: 2.0,
            max_backoff_ns: 300.0,
            jitter: Jitter::Equal,
            budget: None,
        };
        assert_eq!(
            (1..=4).map(|n| retry.wait_before_ns(n)).collect::<Vec<_>>(),
            [100.0, 200.0, 300.0, 300.0]
        );
        let site = CallSite {
            name: "a->b".into(),
            to: crate::model::NodeId(0),
            timeout_ns: None,
            retry: Some(retry.clone()),
            breaker: None,
            connections: None,
        };
        let mut state = SiteState::new(&site, crate::engine::rng::stream(1, 0, "x"));
        for _ in 0..100 {
            let wait = state.backoff(&retry, 2);
            assert!((100..=200).contains(&wait), "{wait}");
        }
        assert!((retry.expected_attempts(0.5) - 1.9375).abs() < 1e-12);
    }
}
