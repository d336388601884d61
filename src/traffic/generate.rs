//! Open arrival processes generated from random numbers.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::engine::rng::Rng;
use crate::model::{Arrivals, BatchSize, MAX_BATCH};

use super::nhpp::Nhpp;

/// The next arrival of a process.
pub enum Generated {
    /// At this absolute time, ns.
    At(u64),
    /// Never: the rate is zero from here on.
    Never,
}

/// An open arrival process, with its position in time.
pub enum Process {
    /// Exponential gaps with this mean, ns.
    Poisson { mean_gap_ns: f64, now_ns: f64 },
    /// Gaps of exactly this length, ns.
    Deterministic { gap_ns: f64, now_ns: f64 },
    /// A rate profile over time.
    Profile(Nhpp),
    /// Calm and burst states with exponential sojourns.
    Mmpp {
        /// Arrival rate per ns in each state (0 calm, 1 burst).
        rates: [f64; 2],
        /// Mean sojourn in each state, ns.
        means: [f64; 2],
        /// The current state; `None` until the first draw picks one.
        state: Option<usize>,
        switch_ns: f64,
        now_ns: f64,
    },
    /// Poisson batches.
    Batch {
        mean_gap_ns: f64,
        now_ns: f64,
        size: BatchSize,
    },
}

#[inline(always)]
fn exp1(rng: &mut Rng) -> f64 {
    Exp1.sample(rng)
}

impl Process {
    /// The process of an open `arrivals`.
    pub fn new(arrivals: &Arrivals) -> Self {
        match arrivals {
            Arrivals::Poisson { rate_rps } => Process::Poisson {
                mean_gap_ns: 1e9 / rate_rps,
                now_ns: 0.0,
            },
            Arrivals::Deterministic { rate_rps } => Process::Deterministic {
                gap_ns: 1e9 / rate_rps,
                now_ns: 0.0,
            },
            Arrivals::Profile(profile) => Process::Profile(Nhpp::new(profile)),
            Arrivals::Mmpp(mmpp) => Process::Mmpp {
                rates: [mmpp.calm_rps / 1e9, mmpp.burst_rps / 1e9],
                means: [mmpp.calm_mean_s * 1e9, mmpp.burst_mean_s * 1e9],
                state: None,
                switch_ns: 0.0,
                now_ns: 0.0,
            },
            Arrivals::Batch {
                batches_per_s,
                size,
            } => Process::Batch {
                mean_gap_ns: 1e9 / batches_per_s,
                now_ns: 0.0,
                size: *size,
            },
            Arrivals::Closed { .. } | Arrivals::Trace(_) => {
                unreachable!("closed users and traces are not generated processes")
            }
        }
    }

    /// The next arrival (of a batch, for batches).
    pub fn next(&mut self, rng: &mut Rng) -> Generated {
        let at = match self {
            Process::Poisson {
                mean_gap_ns,
                now_ns,
            }
            | Process::Batch {
                mean_gap_ns,
                now_ns,
                ..
            } => {
                *now_ns += exp1(rng) * *mean_gap_ns;
                *now_ns
            }
            Process::Deterministic { gap_ns, now_ns } => {
                *now_ns += *gap_ns;
                *now_ns
            }
            Process::Profile(nhpp) => match nhpp.next(exp1(rng)) {
                Some(seconds) => seconds * 1e9,
                None => return Generated::Never,
            },
            Process::Mmpp {
                rates,
                means,
                state,
                switch_ns,
                now_ns,
            } => {
                // Start in the stationary distribution, so the process is
                // stationary from time 0 and needs no extra warm-up.
                let mut current = *state.get_or_insert_with(|| {
                    let burst_share = means[1] / (means[0] + means[1]);
                    let current = usize::from(rng.random::<f64>() < burst_share);
                    *switch_ns = exp1(rng) * means[current];
                    current
                });
                loop {
                    // Memoryless: a fresh gap from `now` is as good as the old one.
                    let gap = if rates[current] > 0.0 {
                        exp1(rng) / rates[current]
                    } else {
                        f64::INFINITY
                    };
                    if *now_ns + gap < *switch_ns {
                        *now_ns += gap;
                        break;
                    }
                    *now_ns = *switch_ns;
                    current ^= 1;
                    *state = Some(current);
                    *switch_ns += exp1(rng) * means[current];
                }
                *now_ns
            }
        };
        Generated::At((at + 0.5) as u64)
    }

    /// Requests arriving together at this arrival.
    pub fn batch_size(&self, rng: &mut Rng) -> u32 {
        match self {
            Process::Batch { size, .. } => match *size {
                BatchSize::Constant(n) => n,
                BatchSize::Uniform { min, max } => rng.random_range(min..=max),
                BatchSize::Geometric { mean } => {
                    // P(k) = p(1 − p)^(k−1) on k ≥ 1 has mean 1/p; by inversion.
                    let p = 1.0 / mean;
                    if p >= 1.0 {
                        1
                    } else {
                        let u: f64 = rng.random();
                        1 + ((1.0 - u).ln() / (1.0 - p).ln())
                            .floor()
                            .min(f64::from(MAX_BATCH - 1)) as u32
                    }
                }
            },
            _ => 1,
        }
    }
}
