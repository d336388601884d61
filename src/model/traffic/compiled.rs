//! Compiled traffic: every source with its entry node, arrival process,
//! class mix and key law, ready for `traffic` to generate from.

use crate::trace::{TraceConfig, TraceTotals};

use crate::model::shared::dist::DistSpec as Dist;
use crate::model::shared::ids::{ClassId, NodeId};

/// One source of requests.
#[derive(Clone, Debug)]
pub struct Source {
    /// Its name: `traffic` for the inline source, else the key under `sources`.
    pub name: String,
    /// Name of its random stream.
    pub stream: String,
    /// First node of its requests.
    pub entry: NodeId,
    /// When requests arrive.
    pub arrivals: Arrivals,
    /// Classes of generated requests with their shares (summing to 1). A
    /// timestamp trace or access log classes each request itself.
    pub mix: Vec<(ClassId, f64)>,
    /// Which key a request carries when the trace gives none.
    pub keys: Keys,
    /// The clients' call policy (timeout, retries, breaker), if any.
    pub client_site: Option<crate::model::calls::compiled::SiteId>,
}

impl Source {
    /// Mean arrival rate over `[0, duration_s]`, requests per second;
    /// `None` for a closed population, whose rate depends on response times.
    pub fn mean_rate_rps(&self, duration_s: f64) -> Option<f64> {
        match &self.arrivals {
            Arrivals::Poisson { rate_rps } | Arrivals::Deterministic { rate_rps } => {
                Some(*rate_rps)
            }
            Arrivals::Profile(profile) => Some(profile.mass(duration_s) / duration_s),
            Arrivals::Mmpp(mmpp) => Some(mmpp.mean_rate_rps()),
            Arrivals::Batch {
                batches_per_s,
                size,
            } => Some(batches_per_s * size.mean()),
            Arrivals::Closed { .. } => None,
            Arrivals::Trace(trace) => Some(trace.totals.rate_rps()),
        }
    }

    /// Shares of each class among this source's requests: the declared mix,
    /// or what the trace holds.
    pub fn class_shares(&self) -> Vec<(ClassId, f64)> {
        match &self.arrivals {
            Arrivals::Trace(trace) if !trace.totals.per_class.is_empty() => {
                let total = trace.totals.requests.max(1) as f64;
                trace
                    .totals
                    .per_class
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(class, n)| (ClassId(class as u16), *n as f64 / total))
                    .collect()
            }
            _ => self.mix.clone(),
        }
    }
}

/// An arrival process.
#[derive(Clone, Debug)]
pub enum Arrivals {
    /// Exponential gaps.
    Poisson {
        /// Requests per second.
        rate_rps: f64,
    },
    /// Even gaps.
    Deterministic {
        /// Requests per second.
        rate_rps: f64,
    },
    /// A non-homogeneous Poisson process.
    Profile(Profile),
    /// A two-state Markov-modulated Poisson process.
    Mmpp(Mmpp),
    /// Poisson batches.
    Batch {
        /// Batches per second.
        batches_per_s: f64,
        /// Requests per batch.
        size: BatchSize,
    },
    /// A closed population.
    Closed {
        /// Users.
        users: u32,
        /// Think time.
        think: Dist,
        /// Users started per second; `None`: all at time 0.
        spawn_rate_per_s: Option<f64>,
    },
    /// A recorded trace.
    Trace(Trace),
}

/// A rate over time: points `(time_s, rate_rps)`, times increasing from 0;
/// after the last point the rate holds.
#[derive(Clone, Debug)]
pub struct Profile {
    /// The points, rates already scaled.
    pub points: Vec<(f64, f64)>,
    /// Linear between points (else a step).
    pub linear: bool,
}

impl Profile {
    /// The rate at `t` seconds.
    pub fn rate_at(&self, t: f64) -> f64 {
        let i = self.points.partition_point(|&(at, _)| at <= t).max(1) - 1;
        let (t0, r0) = self.points[i];
        match self.points.get(i + 1) {
            Some(&(t1, r1)) if self.linear => r0 + (r1 - r0) * (t - t0) / (t1 - t0),
            _ => r0,
        }
    }

    /// Expected arrivals in `[0, until_s]`: the integral of the rate.
    pub fn mass(&self, until_s: f64) -> f64 {
        let mut total = 0.0;
        for (i, &(t0, r0)) in self.points.iter().enumerate() {
            if t0 >= until_s {
                break;
            }
            let t1 = self.points.get(i + 1).map_or(until_s, |p| p.0.min(until_s));
            let r1 = if self.linear { self.rate_at(t1) } else { r0 };
            total += (r0 + r1) / 2.0 * (t1 - t0);
        }
        total
    }

    /// The highest rate in `[0, until_s]`.
    pub fn peak_rps(&self, until_s: f64) -> f64 {
        self.points
            .iter()
            .filter(|(t, _)| *t <= until_s)
            .map(|p| p.1)
            .fold(0.0, f64::max)
    }
}

/// A two-state MMPP.
#[derive(Clone, Debug)]
pub struct Mmpp {
    /// Rate while calm, per second.
    pub calm_rps: f64,
    /// Rate during a burst, per second.
    pub burst_rps: f64,
    /// Mean calm period, seconds.
    pub calm_mean_s: f64,
    /// Mean burst, seconds.
    pub burst_mean_s: f64,
}

impl Mmpp {
    /// Long-run share of time in a burst.
    pub fn burst_share(&self) -> f64 {
        self.burst_mean_s / (self.calm_mean_s + self.burst_mean_s)
    }

    /// Long-run arrival rate.
    pub fn mean_rate_rps(&self) -> f64 {
        let p = self.burst_share();
        (1.0 - p) * self.calm_rps + p * self.burst_rps
    }
}

/// Requests per batch.
#[derive(Clone, Copy, Debug)]
pub enum BatchSize {
    /// Always this many.
    Constant(u32),
    /// Uniform on `min..=max`.
    Uniform {
        /// Fewest.
        min: u32,
        /// Most.
        max: u32,
    },
    /// Geometric on 1, 2, … with this mean.
    Geometric {
        /// Mean, ≥ 1.
        mean: f64,
    },
}

impl BatchSize {
    /// Mean requests per batch.
    pub fn mean(&self) -> f64 {
        match *self {
            BatchSize::Constant(n) => f64::from(n),
            BatchSize::Uniform { min, max } => (f64::from(min) + f64::from(max)) / 2.0,
            BatchSize::Geometric { mean } => mean,
        }
    }
}

/// A key law.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Keys {
    /// Every request a fresh random 64-bit key.
    Distinct,
    /// Uniform over `0..n`.
    Uniform {
        /// Distinct keys.
        n: u32,
    },
    /// Key k in `1..=n` with probability ∝ k^-s.
    Zipf {
        /// Exponent.
        s: f64,
        /// Distinct keys.
        n: u32,
    },
}

/// A trace replay.
#[derive(Clone, Debug)]
pub struct Trace {
    /// File, format, window, speed, classification.
    pub config: TraceConfig,
    /// What the trace holds, from the scan at load.
    pub totals: TraceTotals,
}
