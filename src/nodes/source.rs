//! The traffic source: when requests arrive, their class and their key.

use rand::{Rng as _, RngExt};

use crate::engine::rng::Rng;
use crate::model::{Arrivals, ClassId, Model};

use super::sample::Sampler;

/// How the next arrival is timed.
#[derive(Debug)]
enum Timing {
    /// Exponential gaps with this mean, ns.
    Poisson(f64),
    /// Even gaps of this length, ns.
    Deterministic(f64),
    /// Users think for this long between an answer and their next request.
    Closed { users: u32, think: Sampler },
}

/// The live state of the traffic source.
#[derive(Debug)]
pub struct Source {
    rng: Rng,
    timing: Timing,
    /// Exact time of the next open arrival, ns; kept in floating point so
    /// that rounding each gap to whole nanoseconds does not drift the rate.
    next_ns: f64,
    class_cumulative: Vec<f64>,
}

impl Source {
    /// The source of `model`, drawing from `rng`.
    pub fn new(model: &Model, rng: Rng) -> Self {
        let timing = match &model.traffic.arrivals {
            Arrivals::Poisson { rate_rps } => Timing::Poisson(1e9 / rate_rps),
            Arrivals::Deterministic { rate_rps } => Timing::Deterministic(1e9 / rate_rps),
            Arrivals::Closed { users, think } => Timing::Closed {
                users: *users,
                think: Sampler::new(think, 1.0),
            },
        };
        let mut running = 0.0;
        let class_cumulative = model
            .classes
            .iter()
            .map(|class| {
                running += class.share;
                running
            })
            .collect();
        Source {
            rng,
            timing,
            next_ns: 0.0,
            class_cumulative,
        }
    }

    /// Times (ns) of the first requests: one open arrival, or each closed
    /// user's first request after an initial think.
    pub fn initial_arrivals(&mut self) -> Vec<u64> {
        match &self.timing {
            Timing::Closed { users, .. } => (0..*users).map(|_| self.think()).collect(),
            Timing::Poisson(_) | Timing::Deterministic(_) => vec![self.next_open_arrival()],
        }
    }

    /// True for a closed population.
    pub fn is_closed(&self) -> bool {
        matches!(self.timing, Timing::Closed { .. })
    }

    /// Absolute time (ns) of the next open arrival.
    pub fn next_open_arrival(&mut self) -> u64 {
        let gap = match &self.timing {
            Timing::Poisson(mean) => {
                let unit: f64 = rand_distr::Distribution::sample(&rand_distr::Exp1, &mut self.rng);
                unit * mean
            }
            Timing::Deterministic(gap) => *gap,
            Timing::Closed { .. } => unreachable!("closed sources have no open arrivals"),
        };
        self.next_ns += gap;
        (self.next_ns + 0.5) as u64
    }

    /// A think time, ns.
    pub fn think(&mut self) -> u64 {
        match &self.timing {
            Timing::Closed { think, .. } => think.draw(&mut self.rng),
            _ => 0,
        }
    }

    /// The class of a new request.
    pub fn draw_class(&mut self) -> ClassId {
        if self.class_cumulative.len() == 1 {
            return ClassId(0);
        }
        let u: f64 = self.rng.random();
        let index = self.class_cumulative.partition_point(|&c| c <= u);
        ClassId(index.min(self.class_cumulative.len() - 1) as u16)
    }

    /// The key of a new request: uniform over 64 bits.
    pub fn draw_key(&mut self) -> u64 {
        self.rng.next_u64()
    }
}
