//! Distributions compiled for drawing: parameters converted to nanoseconds
//! and to the generator's own form once, before the run.

use rand::RngExt;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal};

use crate::engine::rng::Rng;
use crate::engine::sample_laws::{BoundedPareto, Hyperexponential, PhaseType, Weibull};
use crate::model::Dist;

const NS_PER_MS: f64 = 1e6;

/// A duration distribution ready to draw from, in nanoseconds.
#[derive(Clone, Debug)]
pub enum Sampler {
    /// Always this many ns.
    Constant(f64),
    /// Exponential with this mean, ns.
    Exponential(f64),
    /// Uniform on `[low, low + width)`, ns.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Width.
        width: f64,
    },
    /// Lognormal, ns.
    LogNormal(LogNormal<f64>),
    /// Gamma, ns.
    Gamma(Gamma<f64>),
    /// One of these values, ns, uniformly.
    Empirical(Box<[f64]>),
    /// Bins with cumulative probabilities.
    Histogram {
        /// Cumulative probability at each bin's end.
        cumulative: Box<[f64]>,
        /// Each bin's (low, width), ns.
        bins: Box<[(f64, f64)]>,
    },
    /// Bounded Pareto, by inversion.
    BoundedPareto(BoundedPareto),
    /// Weibull.
    Weibull(Weibull),
    /// A mix of exponentials.
    Hyperexponential(Hyperexponential),
    /// A general phase-type law, walked phase by phase.
    PhaseType(PhaseType),
}

impl Sampler {
    /// Compiles `dist` (validated: parameters are in range) scaled by `1 / speed`.
    pub fn new(dist: &Dist, speed: f64) -> Sampler {
        let scale = NS_PER_MS / speed;
        match dist {
            Dist::Constant { ms } => Sampler::Constant(ms.get() * scale),
            Dist::Exponential { mean_ms } => Sampler::Exponential(mean_ms.get() * scale),
            Dist::Uniform { min_ms, max_ms } => Sampler::Uniform {
                low: min_ms.get() * scale,
                width: (max_ms.get() - min_ms.get()) * scale,
            },
            Dist::Lognormal { mean_ms, cv } => {
                // σ² = ln(1 + cv²), μ = ln(mean) − σ²/2 gives the requested mean and cv.
                let sigma2 = (1.0 + cv.get().powi(2)).ln();
                let mu = (mean_ms.get() * scale).ln() - sigma2 / 2.0;
                Sampler::LogNormal(LogNormal::new(mu, sigma2.sqrt()).expect("validated parameters"))
            }
            Dist::Gamma { mean_ms, cv } => {
                // shape k = 1/cv², scale θ = mean/k.
                let shape = 1.0 / cv.get().powi(2);
                let theta = mean_ms.get() * scale / shape;
                Sampler::Gamma(Gamma::new(shape, theta).expect("validated parameters"))
            }
            Dist::Empirical { samples_ms } => {
                Sampler::Empirical(samples_ms.iter().map(|s| s.get() * scale).collect())
            }
            Dist::Histogram { bins } => {
                let total: f64 = bins.iter().map(|b| b.weight.get()).sum();
                let mut running = 0.0;
                let cumulative = bins
                    .iter()
                    .map(|b| {
                        running += b.weight.get() / total;
                        running
                    })
                    .collect();
                let bins = bins
                    .iter()
                    .map(|b| {
                        (
                            b.from_ms.get() * scale,
                            (b.to_ms.get() - b.from_ms.get()) * scale,
                        )
                    })
                    .collect();
                Sampler::Histogram { cumulative, bins }
            }
            Dist::BoundedPareto(law) => Sampler::BoundedPareto(BoundedPareto::new(law, scale)),
            Dist::Weibull(law) => Sampler::Weibull(Weibull::new(law, scale)),
            Dist::Hyperexponential(law) => {
                Sampler::Hyperexponential(Hyperexponential::new(law, scale))
            }
            Dist::Erlang(law) => {
                // Erlang-k is gamma with the integer shape k, scale mean/k.
                let k = f64::from(law.k.get());
                let theta = law.mean_ms.get() * scale / k;
                Sampler::Gamma(Gamma::new(k, theta).expect("validated parameters"))
            }
            Dist::PhaseType(law) => Sampler::PhaseType(PhaseType::new(law, scale)),
        }
    }

    /// Draws a duration, in whole nanoseconds.
    #[inline]
    pub fn draw(&self, rng: &mut Rng) -> u64 {
        let nanos = match self {
            Sampler::Constant(value) => *value,
            Sampler::Exponential(mean) => {
                let unit: f64 = Exp1.sample(rng);
                unit * mean
            }
            Sampler::Uniform { low, width } => low + width * rng.random::<f64>(),
            Sampler::LogNormal(dist) => dist.sample(rng),
            Sampler::Gamma(dist) => dist.sample(rng),
            Sampler::Empirical(values) => values[rng.random_range(0..values.len())],
            Sampler::Histogram { cumulative, bins } => {
                let u: f64 = rng.random();
                let bin = cumulative.partition_point(|&c| c <= u).min(bins.len() - 1);
                let (low, width) = bins[bin];
                low + width * rng.random::<f64>()
            }
            Sampler::BoundedPareto(law) => law.draw(rng),
            Sampler::Weibull(law) => law.draw(rng),
            Sampler::Hyperexponential(law) => law.draw(rng),
            Sampler::PhaseType(law) => law.draw(rng),
        };
        // Adding one half then truncating rounds a non-negative number; it
        // is much cheaper than `f64::round`, a libm call on this hot path.
        (nanos.max(0.0) + 0.5) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn mean_and_cv(dist: &Dist) -> (f64, f64) {
        let sampler = Sampler::new(dist, 1.0);
        let mut rng = stream(7, 0, "test");
        let n = 200_000;
        let draws: Vec<f64> = (0..n)
            .map(|_| sampler.draw(&mut rng) as f64 / NS_PER_MS)
            .collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var.sqrt() / mean)
    }

    fn parse(json: &str) -> Dist {
        serde_json::from_str(json).unwrap()
    }

    /// 2·10^5 draws: the standard error of the mean is cv/√n ≤ 2/447 ≈ 0.45% of
    /// the mean, so 2% is over four standard errors. The sample cv of heavy
    /// tails (lognormal, cv 2) converges slowly; 10% is enough to catch a
    /// wrong parameterization (which would be off by 50% or more).
    #[test]
    fn families_have_the_requested_mean_and_cv() {
        let cases = [
            (r#"{"exponential":{"mean_ms":4}}"#, 4.0, 1.0),
            (r#"{"constant":{"ms":3}}"#, 3.0, 0.0),
            (
                r#"{"uniform":{"min_ms":2,"max_ms":4}}"#,
                3.0,
                (1.0f64 / 3.0).sqrt() / 3.0,
            ),
            (r#"{"lognormal":{"mean_ms":10,"cv":2}}"#, 10.0, 2.0),
            (r#"{"gamma":{"mean_ms":12,"cv":0.5}}"#, 12.0, 0.5),
            (
                r#"{"empirical":{"samples_ms":[1,2,3]}}"#,
                2.0,
                (2.0f64 / 3.0).sqrt() / 2.0,
            ),
        ];
        for (json, mean, cv) in cases {
            let dist = parse(json);
            let (got_mean, got_cv) = mean_and_cv(&dist);
            assert!(
                (got_mean - mean).abs() <= 0.02 * mean,
                "{json}: mean {got_mean}"
            );
            assert!(
                (got_cv - cv).abs() <= 0.1 * cv.max(0.01),
                "{json}: cv {got_cv}"
            );
            assert!(
                (dist.mean_ms() - mean).abs() < 1e-9,
                "{json}: analytic mean"
            );
            assert!((dist.scv() - cv * cv).abs() < 1e-9, "{json}: analytic scv");
        }
    }

    #[test]
    fn histogram_draws_fall_in_bins_by_weight() {
        let dist = parse(
            r#"{"histogram":{"bins":[{"from_ms":0,"to_ms":1,"weight":3},{"from_ms":10,"to_ms":11,"weight":1}]}}"#,
        );
        let sampler = Sampler::new(&dist, 1.0);
        let mut rng = stream(7, 0, "hist");
        let n = 100_000;
        let high = (0..n)
            .filter(|_| sampler.draw(&mut rng) >= 10_000_000)
            .count();
        // Expected share 0.25; standard error √(0.25·0.75/10^5) ≈ 0.0014, so ±0.01 is 7 se.
        assert!((high as f64 / n as f64 - 0.25).abs() < 0.01);
    }

    #[test]
    fn speed_divides_durations() {
        let dist = parse(r#"{"constant":{"ms":8}}"#);
        let mut rng = stream(1, 0, "x");
        assert_eq!(Sampler::new(&dist, 2.0).draw(&mut rng), 4_000_000);
    }
}
