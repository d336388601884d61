//! Samplers of the heavy-tailed and phase-type laws, in nanoseconds: every
//! table is built once with the sampler, so a draw allocates nothing.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::engine::rng::Rng;
use crate::model::laws::{BoundedParetoSpec, HyperexponentialSpec, PhaseTypeSpec, WeibullSpec};

/// Bounded Pareto by inversion: F(x) = (1 − (L/x)^α) / (1 − (L/H)^α), so
/// x = L · (1 − u·c)^(−1/α) with c = 1 − (L/H)^α; 1 − u·c ≥ (L/H)^α > 0.
#[derive(Clone, Debug)]
pub struct BoundedPareto {
    low: f64,
    mass: f64,
    inverse_alpha: f64,
}

impl BoundedPareto {
    /// `law` with durations multiplied by `scale` (ms → ns, over speed).
    pub fn new(law: &BoundedParetoSpec, scale: f64) -> Self {
        let alpha = law.alpha.get();
        let log_ratio = (law.max_ms.get() / law.min_ms.get()).ln();
        BoundedPareto {
            low: law.min_ms.get() * scale,
            mass: -(-alpha * log_ratio).exp_m1(),
            inverse_alpha: 1.0 / alpha,
        }
    }

    /// One draw, ns.
    #[inline]
    pub fn draw(&self, rng: &mut Rng) -> f64 {
        let u: f64 = rng.random();
        self.low * (-(1.0 - u * self.mass).ln() * self.inverse_alpha).exp()
    }
}

/// Weibull as λ · E^(1/k) with E a unit exponential (P(E^(1/k) > y) = e^(−y^k)).
#[derive(Clone, Debug)]
pub struct Weibull {
    scale: f64,
    inverse_shape: f64,
}

impl Weibull {
    /// `law` with durations multiplied by `scale`.
    pub fn new(law: &WeibullSpec, scale: f64) -> Self {
        Weibull {
            scale: law.scale_ms() * scale,
            inverse_shape: 1.0 / law.shape.get(),
        }
    }

    /// One draw, ns.
    #[inline]
    pub fn draw(&self, rng: &mut Rng) -> f64 {
        let unit: f64 = Exp1.sample(rng);
        self.scale * unit.powf(self.inverse_shape)
    }
}

/// A branch picked by its cumulative probability, then its exponential.
#[derive(Clone, Debug)]
pub struct Hyperexponential {
    cumulative: Box<[f64]>,
    means: Box<[f64]>,
}

impl Hyperexponential {
    /// `law` with durations multiplied by `scale`; probabilities are
    /// normalized (the checks let them miss 1 by 10^-6).
    pub fn new(law: &HyperexponentialSpec, scale: f64) -> Self {
        let weights: Vec<f64> = law.branches.iter().map(|b| b.probability.get()).collect();
        Hyperexponential {
            cumulative: cumulative(&weights),
            means: law
                .branches
                .iter()
                .map(|b| b.mean_ms.get() * scale)
                .collect(),
        }
    }

    /// One draw, ns.
    #[inline]
    pub fn draw(&self, rng: &mut Rng) -> f64 {
        let branch = pick(&self.cumulative, rng.random()).min(self.means.len() - 1);
        let unit: f64 = Exp1.sample(rng);
        unit * self.means[branch]
    }
}

/// The chain walked phase by phase: an exponential per visit, then the next
/// phase by its row of cumulative probabilities (past the row's end: done).
#[derive(Clone, Debug)]
pub struct PhaseType {
    start: Box<[f64]>,
    means: Box<[f64]>,
    /// Row i holds phase i's cumulative probabilities of moving to 0..n.
    routes: Box<[f64]>,
}

impl PhaseType {
    /// `law` with durations multiplied by `scale`.
    pub fn new(law: &PhaseTypeSpec, scale: f64) -> Self {
        let n = law.phases.len();
        let starts: Vec<f64> = (0..n).map(|i| law.start(i)).collect();
        let mut routes = Vec::with_capacity(n * n);
        for i in 0..n {
            let mut running = 0.0;
            routes.extend((0..n).map(|j| {
                running += law.next(i, j);
                running
            }));
        }
        PhaseType {
            start: cumulative(&starts),
            means: law.phases.iter().map(|p| p.mean_ms.get() * scale).collect(),
            routes: routes.into(),
        }
    }

    /// One draw, ns. The checks bound the expected visits, so the walk ends.
    #[inline]
    pub fn draw(&self, rng: &mut Rng) -> f64 {
        let n = self.means.len();
        let mut phase = pick(&self.start, rng.random()).min(n - 1);
        let mut total = 0.0;
        loop {
            let unit: f64 = Exp1.sample(rng);
            total += unit * self.means[phase];
            let row = &self.routes[phase * n..(phase + 1) * n];
            match pick(row, rng.random()) {
                next if next < n => phase = next,
                _ => return total,
            }
        }
    }
}

/// Running sums of `weights` over their total (the last is exactly 1).
fn cumulative(weights: &[f64]) -> Box<[f64]> {
    let total: f64 = weights.iter().sum();
    let mut running = 0.0;
    let mut sums: Vec<f64> = weights
        .iter()
        .map(|w| {
            running += w / total;
            running
        })
        .collect();
    if let Some(last) = sums.last_mut() {
        *last = 1.0;
    }
    sums.into()
}

/// The first index whose cumulative probability exceeds `u` (the length
/// when none does).
#[inline]
fn pick(cumulative: &[f64], u: f64) -> usize {
    cumulative.partition_point(|&c| c <= u)
}

#[cfg(test)]
mod tests {
    use crate::engine::Sampler;
    use crate::engine::rng::stream;
    use crate::model::Dist;

    /// Draws `n` values (ms) and returns (sample mean, sample second moment).
    fn moments(dist: &Dist, n: usize) -> (f64, f64) {
        let sampler = Sampler::new(dist, 1.0);
        let mut rng = stream(11, 0, "laws");
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for _ in 0..n {
            let x = sampler.draw(&mut rng) as f64 / 1e6;
            sum += x;
            sum_sq += x * x;
        }
        (sum / n as f64, sum_sq / n as f64)
    }

    /// Each law's sample mean and second moment against its closed form
    /// (`Dist::mean_ms`, `Dist::scv`). With n = 4·10^5 draws (√n ≈ 632) the
    /// standard error of the sample mean is σ/√n and that of the sample second
    /// moment √(E[X⁴] − E[X²]²)/√n; each tolerance is about 5 of them (worked
    /// out per law below), so a wrong parameterization, off by far more,
    /// fails and noise does not.
    #[test]
    fn each_law_matches_its_moments() {
        let n = 400_000;
        // (law, relative tolerance of the mean, of the second moment)
        let cases = [
            // Pareto α = 1.5 on [1, 100]: E[X] = 2.70, E[X²] = 27.0, E[X⁴] = 6.0·10^4;
            // se of the mean √(27 − 7.3)/632 ≈ 0.26%, of E[X²] √(6.0·10^4)/632 ≈ 1.4%.
            (
                r#"{"bounded_pareto":{"alpha":1.5,"min_ms":1,"max_ms":100}}"#,
                0.015,
                0.07,
            ),
            // Weibull k = 0.5 (SCV 5): E[X⁴]/E[X²]² = Γ(9)/Γ(5)² = 70, so the
            // second moment's se is √69/632 ≈ 1.3%: 5 se ≈ 7%; the mean's √5/632 ≈ 0.35%.
            (r#"{"weibull":{"shape":0.5,"mean_ms":4}}"#, 0.02, 0.07),
            // Weibull k = 2 (Rayleigh): light tail, se well under 0.5%.
            (r#"{"weibull":{"shape":2,"scale_ms":3}}"#, 0.01, 0.02),
            // H2 (0.9, 1), (0.1, 10): E[X²] = 21.8, E[X⁴] = 24(0.9 + 1000) ≈ 24022,
            // se = √(24022 − 475)/632 ≈ 0.24 ≈ 1.1%: 5 se ≈ 6%; the mean's √18.2/632/1.9 ≈ 0.36%.
            (
                r#"{"hyperexponential":{"branches":[{"probability":0.9,"mean_ms":1},{"probability":0.1,"mean_ms":10}]}}"#,
                0.02,
                0.06,
            ),
            // Erlang-4 (SCV 1/4): light tail.
            (r#"{"erlang":{"k":4,"mean_ms":8}}"#, 0.01, 0.02),
            // Coxian: phase 0 (1 ms), then phase 1 (5 ms) with probability 0.3,
            // and back to phase 0 with 0.2 from phase 1: by k!·α(−T)^−k·1, mean
            // 2.66, E[X²] = 23.3, SCV 2.30; se of the mean 0.24%, of E[X²] 0.58%.
            (
                r#"{"phase_type":{"phases":[{"mean_ms":1,"start":1,"next":[0,0.3]},{"mean_ms":5,"next":[0.2]}]}}"#,
                0.012,
                0.03,
            ),
        ];
        for (json, mean_tol, second_tol) in cases {
            let dist: Dist = serde_json::from_str(json).expect("valid law");
            let (mean, second) = moments(&dist, n);
            let want_mean = dist.mean_ms();
            let want_second = want_mean * want_mean * (1.0 + dist.scv());
            assert!(
                (mean / want_mean - 1.0).abs() < mean_tol,
                "{json}: mean {mean} vs {want_mean}"
            );
            assert!(
                (second / want_second - 1.0).abs() < second_tol,
                "{json}: second moment {second} vs {want_second}"
            );
        }
    }

    /// Draws of a bounded Pareto stay within its bounds.
    #[test]
    fn bounded_pareto_stays_within_its_bounds() {
        let dist: Dist =
            serde_json::from_str(r#"{"bounded_pareto":{"alpha":0.5,"min_ms":2,"max_ms":3}}"#)
                .expect("valid law");
        let sampler = Sampler::new(&dist, 1.0);
        let mut rng = stream(3, 0, "bounds");
        for _ in 0..10_000 {
            let ns = sampler.draw(&mut rng);
            assert!((2_000_000..=3_000_000).contains(&ns), "{ns}");
        }
    }
}
