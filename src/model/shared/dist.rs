//! Distributions of durations, as written in the topology (all in milliseconds).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::laws::{
    BoundedParetoSpec, ErlangSpec, HyperexponentialSpec, PhaseTypeSpec, WeibullSpec,
};
use crate::model::shared::units::{NonNegative, Positive};

/// A distribution of a duration, written `{ "<family>": { … } }`, in milliseconds.
///
/// Externally tagged, so a misspelt family gets "unknown variant `expo`,
/// expected one of `exponential`, `constant`, …".
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DistSpec {
    /// Exponential with the given mean (memoryless: the textbook M).
    Exponential {
        /// Mean, ms.
        mean_ms: Positive,
    },
    /// Always the same value (the textbook D).
    Constant {
        /// The value, ms.
        ms: NonNegative,
    },
    /// Uniform between two values.
    Uniform {
        /// Lower bound, ms.
        min_ms: NonNegative,
        /// Upper bound, ms (≥ `min_ms`).
        max_ms: NonNegative,
    },
    /// Lognormal with the given mean and coefficient of variation (sd / mean).
    Lognormal {
        /// Mean, ms.
        mean_ms: Positive,
        /// Coefficient of variation, > 0.
        cv: Positive,
    },
    /// Gamma with the given mean and coefficient of variation (sd / mean).
    Gamma {
        /// Mean, ms.
        mean_ms: Positive,
        /// Coefficient of variation, > 0.
        cv: Positive,
    },
    /// Draws uniformly from a list of measured values.
    Empirical {
        /// The measured values, ms (at least one).
        samples_ms: Vec<NonNegative>,
    },
    /// A histogram: picks a bin by weight, then a value uniformly within it.
    Histogram {
        /// The bins (at least one).
        bins: Vec<BinSpec>,
    },
    /// Pareto cut to `[min_ms, max_ms]`: a heavy tail with a largest value.
    BoundedPareto(BoundedParetoSpec),
    /// Weibull, by shape and scale or shape and mean.
    Weibull(WeibullSpec),
    /// A mix of exponentials: branches with a probability and a mean each.
    Hyperexponential(HyperexponentialSpec),
    /// The sum of `k` exponential phases with the given total mean.
    Erlang(ErlangSpec),
    /// A general phase-type law: exponential phases chained by probabilities.
    PhaseType(PhaseTypeSpec),
}

/// One bin of a [`DistSpec::Histogram`].
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BinSpec {
    /// Lower edge, ms.
    pub from_ms: NonNegative,
    /// Upper edge, ms (≥ `from_ms`).
    pub to_ms: NonNegative,
    /// Relative frequency (any positive scale).
    pub weight: Positive,
}

impl DistSpec {
    /// The smallest value it can take, ms (0 for the unbounded families).
    pub fn min_ms(&self) -> f64 {
        match self {
            DistSpec::Exponential { .. }
            | DistSpec::Lognormal { .. }
            | DistSpec::Gamma { .. }
            | DistSpec::Weibull(_)
            | DistSpec::Hyperexponential(_)
            | DistSpec::Erlang(_)
            | DistSpec::PhaseType(_) => 0.0,
            DistSpec::BoundedPareto(law) => law.min_ms.get(),
            DistSpec::Constant { ms } => ms.get(),
            DistSpec::Uniform { min_ms, .. } => min_ms.get(),
            DistSpec::Empirical { samples_ms } => samples_ms
                .iter()
                .map(|s| s.get())
                .fold(f64::INFINITY, f64::min),
            DistSpec::Histogram { bins } => bins
                .iter()
                .map(|b| b.from_ms.get())
                .fold(f64::INFINITY, f64::min),
        }
    }

    /// Mean in milliseconds; used by the analytic estimates.
    pub fn mean_ms(&self) -> f64 {
        match self {
            DistSpec::Exponential { mean_ms } => mean_ms.get(),
            DistSpec::Constant { ms } => ms.get(),
            DistSpec::Uniform { min_ms, max_ms } => (min_ms.get() + max_ms.get()) / 2.0,
            DistSpec::Lognormal { mean_ms, .. } | DistSpec::Gamma { mean_ms, .. } => mean_ms.get(),
            DistSpec::Empirical { samples_ms } => {
                samples_ms.iter().map(|s| s.get()).sum::<f64>() / samples_ms.len().max(1) as f64
            }
            DistSpec::Histogram { bins } => {
                let total: f64 = bins.iter().map(|b| b.weight.get()).sum();
                bins.iter()
                    .map(|b| b.weight.get() * (b.from_ms.get() + b.to_ms.get()) / 2.0)
                    .sum::<f64>()
                    / total
            }
            DistSpec::BoundedPareto(law) => law.mean_ms(),
            DistSpec::Weibull(law) => law.mean_ms(),
            DistSpec::Hyperexponential(law) => law.mean_ms(),
            DistSpec::Erlang(law) => law.mean_ms.get(),
            DistSpec::PhaseType(law) => law.mean_ms(),
        }
    }

    /// Squared coefficient of variation; used by the analytic estimates.
    pub fn scv(&self) -> f64 {
        let mean = self.mean_ms();
        if mean == 0.0 {
            return 0.0;
        }
        let exact = match self {
            DistSpec::BoundedPareto(law) => Some(law.scv()),
            DistSpec::Weibull(law) => Some(law.scv()),
            DistSpec::Hyperexponential(law) => Some(law.scv()),
            DistSpec::Erlang(law) => Some(law.scv()),
            DistSpec::PhaseType(law) => Some(law.scv()),
            _ => None,
        };
        if let Some(scv) = exact {
            return scv;
        }
        let variance = match self {
            DistSpec::Exponential { mean_ms } => mean_ms.get().powi(2),
            DistSpec::Constant { .. } => 0.0,
            DistSpec::Uniform { min_ms, max_ms } => (max_ms.get() - min_ms.get()).powi(2) / 12.0,
            DistSpec::Lognormal { mean_ms, cv } | DistSpec::Gamma { mean_ms, cv } => {
                (mean_ms.get() * cv.get()).powi(2)
            }
            DistSpec::Empirical { samples_ms } => {
                samples_ms
                    .iter()
                    .map(|s| (s.get() - mean).powi(2))
                    .sum::<f64>()
                    / samples_ms.len().max(1) as f64
            }
            DistSpec::Histogram { bins } => {
                let total: f64 = bins.iter().map(|b| b.weight.get()).sum();
                bins.iter()
                    .map(|b| {
                        let (lo, hi) = (b.from_ms.get(), b.to_ms.get());
                        let second_moment = (lo * lo + lo * hi + hi * hi) / 3.0;
                        b.weight.get() * second_moment
                    })
                    .sum::<f64>()
                    / total
                    - mean * mean
            }
            // Answered above, from each law's own closed form.
            DistSpec::BoundedPareto(_)
            | DistSpec::Weibull(_)
            | DistSpec::Hyperexponential(_)
            | DistSpec::Erlang(_)
            | DistSpec::PhaseType(_) => 0.0,
        };
        variance / (mean * mean)
    }
}
