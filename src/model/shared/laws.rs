//! Heavy-tailed and phase-type duration laws as written (bounded Pareto,
//! Weibull, hyperexponential, Erlang, general phase-type), with their exact
//! mean and squared coefficient of variation, which `capsim analyze` feeds
//! to Pollaczek–Khinchine and Allen–Cunneen. All durations in milliseconds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::units::{Count, Fraction, Positive};

/// `bounded_pareto`: density ∝ x^−(α+1) on `[min_ms, max_ms]` (Harchol-Balter's
/// B(k, p, α), the usual model of job sizes with a heavy tail and a largest job).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BoundedParetoSpec {
    /// Tail index α: smaller is heavier (1 to 2 is typical of file and job sizes).
    pub alpha: Positive,
    /// Smallest value, ms (> 0).
    pub min_ms: Positive,
    /// Largest value, ms (> `min_ms`).
    pub max_ms: Positive,
}

impl BoundedParetoSpec {
    /// E[X^k] / min^k = α/(1 − r^α) · ((H/L)^(k−α) − 1)/(k − α), with r = L/H;
    /// at k = α the limit α/(1 − r^α) · ln(H/L). `expm1` keeps both exact
    /// when k − α is small.
    fn moment_ms(&self, k: f64) -> f64 {
        let (alpha, low) = (self.alpha.get(), self.min_ms.get());
        let log_ratio = (self.max_ms.get() / low).ln();
        let mass = -(-alpha * log_ratio).exp_m1();
        let d = k - alpha;
        let integral = if d == 0.0 {
            log_ratio
        } else {
            (d * log_ratio).exp_m1() / d
        };
        low.powf(k) * alpha / mass * integral
    }

    /// Mean, ms.
    pub fn mean_ms(&self) -> f64 {
        self.moment_ms(1.0)
    }

    /// Squared coefficient of variation.
    pub fn scv(&self) -> f64 {
        self.moment_ms(2.0) / self.mean_ms().powi(2) - 1.0
    }
}

/// `weibull`: P(X > x) = exp(−(x/λ)^k), given its scale λ or its mean.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WeibullSpec {
    /// Shape k: below 1 a heavier tail than exponential, 1 is exponential,
    /// above 1 ever more concentrated (3.6 is close to normal).
    pub shape: Positive,
    /// Scale λ, ms (give this or `mean_ms`).
    #[serde(default)]
    pub scale_ms: Option<Positive>,
    /// Mean, ms (give this or `scale_ms`): λ = mean / Γ(1 + 1/k).
    #[serde(default)]
    pub mean_ms: Option<Positive>,
}

impl WeibullSpec {
    /// The scale λ, ms, whichever way it was given.
    pub fn scale_ms(&self) -> f64 {
        match (self.scale_ms, self.mean_ms) {
            (Some(scale), _) => scale.get(),
            (None, Some(mean)) => mean.get() / gamma(1.0 + 1.0 / self.shape.get()),
            // Refused by the checks; a value that reads as "no duration".
            (None, None) => 0.0,
        }
    }

    /// Mean, ms: λ Γ(1 + 1/k).
    pub fn mean_ms(&self) -> f64 {
        match self.mean_ms {
            Some(mean) if self.scale_ms.is_none() => mean.get(),
            _ => self.scale_ms() * gamma(1.0 + 1.0 / self.shape.get()),
        }
    }

    /// Squared coefficient of variation: Γ(1 + 2/k) / Γ(1 + 1/k)² − 1.
    pub fn scv(&self) -> f64 {
        let k = self.shape.get();
        (ln_gamma(1.0 + 2.0 / k) - 2.0 * ln_gamma(1.0 + 1.0 / k)).exp() - 1.0
    }
}

fn gamma(x: f64) -> f64 {
    statrs::function::gamma::gamma(x)
}

fn ln_gamma(x: f64) -> f64 {
    statrs::function::gamma::ln_gamma(x)
}

/// `hyperexponential`: with probability pᵢ an exponential of mean mᵢ (a mix
/// of fast and slow requests; SCV above 1).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HyperexponentialSpec {
    /// The branches (at least one); probabilities add up to 1.
    pub branches: Vec<BranchSpec>,
}

/// One branch of a [`HyperexponentialSpec`].
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BranchSpec {
    /// Probability of this branch.
    pub probability: Fraction,
    /// Mean of its exponential, ms.
    pub mean_ms: Positive,
}

impl HyperexponentialSpec {
    /// Mean, ms: Σ pᵢ mᵢ.
    pub fn mean_ms(&self) -> f64 {
        let branches = self.branches.iter();
        branches
            .map(|b| b.probability.get() * b.mean_ms.get())
            .sum()
    }

    /// Squared coefficient of variation: Σ 2 pᵢ mᵢ² / mean² − 1.
    pub fn scv(&self) -> f64 {
        let second: f64 = (self.branches.iter())
            .map(|b| 2.0 * b.probability.get() * b.mean_ms.get().powi(2))
            .sum();
        second / self.mean_ms().powi(2) - 1.0
    }
}

/// `erlang`: the sum of `k` exponential phases of mean `mean_ms / k` (SCV 1/k).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErlangSpec {
    /// Phases, at least 1.
    pub k: Count,
    /// Mean of the whole, ms.
    pub mean_ms: Positive,
}

impl ErlangSpec {
    /// Squared coefficient of variation: 1/k.
    pub fn scv(&self) -> f64 {
        1.0 / f64::from(self.k.get())
    }
}

/// `phase_type`: a continuous-time Markov chain that starts in phase i with
/// probability `start`, stays an exponential time of mean `mean_ms` in each
/// phase, then moves to phase j with probability `next[j]` or ends with the
/// rest. Hyperexponential, Erlang and Coxian laws are special cases.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseTypeSpec {
    /// The phases (at least one).
    pub phases: Vec<PhaseSpec>,
}

/// One phase of a [`PhaseTypeSpec`].
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseSpec {
    /// Mean time in this phase per visit, ms.
    pub mean_ms: Positive,
    /// Probability of starting here (default 0; the starts add up to 1).
    #[serde(default)]
    pub start: Option<Fraction>,
    /// Probability of moving to each phase next, by index (default none:
    /// the law ends after this phase); what is left of 1 ends it.
    #[serde(default)]
    pub next: Vec<Fraction>,
}

/// A phase-type law's figures from its transient chain: with P the phase
/// routing and m the phase means, t = (I − P)⁻¹ m (time to the end from each
/// phase), s = (I − P)⁻¹ (2m² + 2m·Pt) (second moment from each phase, since
/// X = Yᵢ + X' with Yᵢ exponential and independent of the rest), and the
/// visits v = (I − P)⁻¹ 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhaseMoments {
    /// Mean, ms.
    pub mean_ms: f64,
    /// Second moment, ms².
    pub second_ms2: f64,
    /// Expected phases visited per draw (the sampler's cost).
    pub visits: f64,
}

impl PhaseTypeSpec {
    /// Probability of starting in phase `i`.
    pub fn start(&self, i: usize) -> f64 {
        self.phases
            .get(i)
            .and_then(|p| p.start)
            .map_or(0.0, Fraction::get)
    }

    /// Probability of going from phase `i` to phase `j`.
    pub fn next(&self, i: usize, j: usize) -> f64 {
        let phase = self.phases.get(i);
        phase.and_then(|p| p.next.get(j)).map_or(0.0, |p| p.get())
    }

    /// The moments, or `None` when some phase never leads to the end
    /// (I − P is singular).
    pub fn moments(&self) -> Option<PhaseMoments> {
        let n = self.phases.len();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = f64::from(i == j) - self.next(i, j);
            }
        }
        let means: Vec<f64> = self.phases.iter().map(|p| p.mean_ms.get()).collect();
        let t = solve(&a, n, &means)?;
        let source: Vec<f64> = (0..n)
            .map(|i| {
                let onward: f64 = (0..n).map(|j| self.next(i, j) * t[j]).sum();
                2.0 * means[i] * (means[i] + onward)
            })
            .collect();
        let s = solve(&a, n, &source)?;
        let v = solve(&a, n, &vec![1.0; n])?;
        let by_start = |x: &[f64]| (0..n).map(|i| self.start(i) * x[i]).sum::<f64>();
        Some(PhaseMoments {
            mean_ms: by_start(&t),
            second_ms2: by_start(&s),
            visits: by_start(&v),
        })
    }

    /// Mean, ms (NaN for a chain the checks refuse).
    pub fn mean_ms(&self) -> f64 {
        self.moments().map_or(f64::NAN, |m| m.mean_ms)
    }

    /// Squared coefficient of variation.
    pub fn scv(&self) -> f64 {
        self.moments()
            .map_or(f64::NAN, |m| m.second_ms2 / m.mean_ms.powi(2) - 1.0)
    }
}

/// Solves `a x = b` (`a` n×n, row-major) by Gaussian elimination with
/// partial pivoting; `None` when a pivot vanishes (a singular `a`). Run once
/// per check or estimate, over at most [`MAX_PHASES`] phases.
///
/// [`MAX_PHASES`]: crate::model::shared::law_checks::MAX_PHASES
fn solve(a: &[f64], n: usize, b: &[f64]) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut x = b.to_vec();
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&r, &s| m[r * n + col].abs().total_cmp(&m[s * n + col].abs()))?;
        if m[pivot * n + col].abs() < 1e-12 {
            return None;
        }
        for k in 0..n {
            m.swap(col * n + k, pivot * n + k);
        }
        x.swap(col, pivot);
        for row in col + 1..n {
            let factor = m[row * n + col] / m[col * n + col];
            for k in col..n {
                m[row * n + k] -= factor * m[col * n + k];
            }
            x[row] -= factor * x[col];
        }
    }
    for col in (0..n).rev() {
        let rest: f64 = (col + 1..n).map(|k| m[col * n + k] * x[k]).sum();
        x[col] = (x[col] - rest) / m[col * n + col];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(json: &str) -> T {
        serde_json::from_str(json).expect("valid law")
    }

    /// Closed forms worked by hand: bounded Pareto α = 1 on [1, 10] has
    /// density x⁻²·10/9, so E[X] = (10/9) ln 10 and E[X²] = (10/9)·9 = 10.
    #[test]
    fn bounded_pareto_moments_match_the_integrals() {
        let p: BoundedParetoSpec = parse(r#"{"alpha":1,"min_ms":1,"max_ms":10}"#);
        let mean = 10.0 / 9.0 * 10f64.ln();
        assert!((p.mean_ms() - mean).abs() < 1e-12);
        assert!((p.scv() - (10.0 / mean.powi(2) - 1.0)).abs() < 1e-12);
        // α = 2 on [1, 2] (k = α for the second moment): density (8/3)x⁻³,
        // so E[X] = (8/3)(1 − 1/2) = 4/3 and E[X²] = (8/3) ln 2.
        let p: BoundedParetoSpec = parse(r#"{"alpha":2,"min_ms":1,"max_ms":2}"#);
        assert!((p.mean_ms() - 4.0 / 3.0).abs() < 1e-12);
        let second = 8.0 / 3.0 * 2f64.ln();
        assert!((p.scv() - (second / (16.0 / 9.0) - 1.0)).abs() < 1e-12);
    }

    /// Weibull with k = 1 is exponential (SCV 1); k = 2 is Rayleigh,
    /// SCV = 4/π − 1; the mean form gives back its mean.
    #[test]
    fn weibull_moments() {
        let w: WeibullSpec = parse(r#"{"shape":1,"scale_ms":5}"#);
        assert!((w.mean_ms() - 5.0).abs() < 1e-9 && (w.scv() - 1.0).abs() < 1e-9);
        let w: WeibullSpec = parse(r#"{"shape":2,"mean_ms":7}"#);
        assert!((w.mean_ms() - 7.0).abs() < 1e-12);
        assert!((w.scale_ms() - 7.0 / (std::f64::consts::PI.sqrt() / 2.0)).abs() < 1e-9);
        assert!((w.scv() - (4.0 / std::f64::consts::PI - 1.0)).abs() < 1e-9);
    }

    /// H2 with (0.9, 1 ms), (0.1, 10 ms): mean 1.9, E[X²] = 2(0.9 + 10) = 21.8.
    #[test]
    fn hyperexponential_moments() {
        let h: HyperexponentialSpec = parse(
            r#"{"branches":[{"probability":0.9,"mean_ms":1},{"probability":0.1,"mean_ms":10}]}"#,
        );
        assert!((h.mean_ms() - 1.9).abs() < 1e-12);
        assert!((h.scv() - (21.8 / 3.61 - 1.0)).abs() < 1e-12);
    }

    /// A chain of 3 phases of 2 ms is Erlang-3 (mean 6, SCV 1/3); one phase
    /// that loops back with probability 1/2 is exponential of mean 2·2 = 4.
    #[test]
    fn phase_type_moments() {
        let erlang: PhaseTypeSpec = parse(
            r#"{"phases":[{"mean_ms":2,"start":1,"next":[0,1]},{"mean_ms":2,"next":[0,0,1]},{"mean_ms":2}]}"#,
        );
        let m = erlang.moments().expect("transient");
        assert!((m.mean_ms - 6.0).abs() < 1e-12 && (m.visits - 3.0).abs() < 1e-12);
        assert!((erlang.scv() - 1.0 / 3.0).abs() < 1e-12);
        let geometric: PhaseTypeSpec =
            parse(r#"{"phases":[{"mean_ms":2,"start":1,"next":[0.5]}]}"#);
        assert!((geometric.mean_ms() - 4.0).abs() < 1e-12);
        assert!((geometric.scv() - 1.0).abs() < 1e-12);
        let trapped: PhaseTypeSpec = parse(r#"{"phases":[{"mean_ms":2,"start":1,"next":[1]}]}"#);
        assert_eq!(trapped.moments(), None);
    }
}
