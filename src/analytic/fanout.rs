//! Theory of calls made at once. A group's time is an order statistic of
//! its branches' times: the largest for `all` and a scatter, the k-th
//! smallest for a quorum, the smallest for `first`, and for a hedge the
//! first of copies sent `d` apart. Branch times are taken as independent
//! exponentials with the branches' means: exact for pure exponential
//! latencies (delays), an upper bound on `all` where the branches queue,
//! since sojourns that share arrivals are positively correlated (Nelson and
//! Tantawi 1988). For two identical M/M/1 branches `all` is exact:
//! E[T] = (12 − ρ)/8 · 1/(μ − λ); for n > 2 identical ones, their
//! approximation [H_n/H_2 + (4/11)(1 − H_n/H_2) ρ] · (12 − ρ)/8 · 1/(μ − λ).

use crate::model::{Call, CallGroup, GroupKind, HedgeAfter, Join, Model, NodeKind};

/// Branches at most for the exact order statistics of unequal means
/// (inclusion–exclusion over subsets); past it, the mean of the means.
const EXACT_BRANCHES: usize = 12;

/// Mean time of `group` from its branches' mean times `means` (s), given
/// `rho` when every branch is one M/M/1 queue at that utilization.
pub fn group_mean_s(group: &CallGroup, means: &[f64], rho: Option<f64>) -> f64 {
    let n = means.len();
    if n == 0 {
        return 0.0;
    }
    if let GroupKind::Hedge { after } = group.kind {
        let d = hedge_delay_s(after, means[0], n, group.cancel_losers);
        return hedge_mean_s(means[0], d, n);
    }
    let k = match group.join {
        Join::All => n,
        Join::First => 1,
        Join::Quorum(k) => usize::from(k).min(n),
    };
    let identical = means
        .iter()
        .all(|m| (m - means[0]).abs() <= 1e-12 * means[0]);
    if k == n
        && identical
        && let Some(rho) = rho
    {
        return nelson_tantawi_s(means[0], rho, n);
    }
    if identical || n > EXACT_BRANCHES {
        let m = means.iter().sum::<f64>() / n as f64;
        return kth_of_identical(m, n, k);
    }
    kth_of_unequal(means, k)
}

/// Nelson–Tantawi: exact for n = 2, their approximation beyond; `sojourn`
/// is one branch's mean, 1/(μ − λ).
pub fn nelson_tantawi_s(sojourn: f64, rho: f64, n: usize) -> f64 {
    let h = |n: usize| (1..=n).map(|i| 1.0 / i as f64).sum::<f64>();
    let two = (12.0 - rho) / 8.0 * sojourn;
    if n <= 2 {
        return if n == 2 { two } else { sojourn };
    }
    let ratio = h(n) / h(2);
    (ratio + 4.0 / 11.0 * (1.0 - ratio) * rho) * two
}

/// E of the k-th smallest of n independent exponentials of mean m:
/// Σ_{i<k} m / (n − i).
pub fn kth_of_identical(m: f64, n: usize, k: usize) -> f64 {
    (0..k).map(|i| m / (n - i) as f64).sum()
}

/// E of the k-th smallest of independent exponentials of unequal means:
/// E[X_(k)] = ∫ P(fewer than k done by t) dt. The chance that exactly the
/// set A is done is Π_{i∈A} (1 − e^{−r_i t}) Π_{i∉A} e^{−r_i t}; expanded,
/// each subset B ⊆ A gives (−1)^{|A∖B|} e^{−t Σ_{i∉B} r_i}, which
/// integrates to (−1)^{|A∖B|} / Σ_{i∉B} r_i.
fn kth_of_unequal(means: &[f64], k: usize) -> f64 {
    let n = means.len();
    let rates: Vec<f64> = means.iter().map(|m| 1.0 / m.max(1e-12)).collect();
    let mut total = 0.0;
    for done in 0..(1usize << n) {
        if (done.count_ones() as usize) >= k {
            continue;
        }
        let mut b = done;
        loop {
            let sign = if (done & !b).count_ones() % 2 == 0 {
                1.0
            } else {
                -1.0
            };
            let rate: f64 = (0..n).filter(|i| b & (1 << i) == 0).map(|i| rates[i]).sum();
            total += sign / rate;
            if b == 0 {
                break;
            }
            b = (b - 1) & done;
        }
    }
    total
}

/// E of the first answer of `copies` copies of an exponential call of mean
/// m, sent at 0, d, 2d, …: between jd and (j+1)d, j + 1 copies are out and
/// P(T > t) = exp(−((j+1)t − d·j(j+1)/2)/m).
pub fn hedge_mean_s(m: f64, d: f64, copies: usize) -> f64 {
    let mut total = 0.0;
    for j in 0..copies {
        let out = (j + 1) as f64;
        let exponent = |t: f64| (out * t - d * (j * (j + 1)) as f64 / 2.0) / m;
        let start = (-exponent(j as f64 * d)).exp();
        let end = if j + 1 == copies {
            0.0
        } else {
            (-exponent((j + 1) as f64 * d)).exp()
        };
        total += m / out * (start - end);
    }
    total
}

/// A hedge's delay, s, for exponential copies of mean `m`: the fixed one,
/// or where a running percentile settles. The percentile is taken over
/// every copy's time. Copies that run on are each an unconditional
/// exponential, so it settles at the callee's own quantile −m·ln(1 − q).
/// Cancelled ones are recorded when cancelled (as Finagle records a
/// superseded request): for two copies the original is above d exactly
/// when it is slower than d (x = e^{−d/m}), and the backup's recorded time
/// is min(X₁, X₀ − d), exponential of mean m/2, above d with x²; with x
/// backups per request, (x + x³)/(1 + x) = 1 − q. Beyond two copies the
/// callee's quantile is kept (an approximation).
pub fn hedge_delay_s(after: HedgeAfter, m: f64, copies: usize, cancel: bool) -> f64 {
    let quantile = match after {
        HedgeAfter::Fixed(ns) => return ns as f64 / 1e9,
        HedgeAfter::Percentile { quantile, .. } => quantile,
    };
    let above = 1.0 - quantile;
    if !cancel || copies != 2 {
        return -m * above.ln();
    }
    // (x + x³)/(1 + x) rises from 0 to 1 on [0, 1]: bisect.
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..60 {
        let x = (lo + hi) / 2.0;
        if (x + x * x * x) / (1.0 + x) < above {
            lo = x;
        } else {
            hi = x;
        }
    }
    -m * ((lo + hi) / 2.0).ln()
}

/// Visits one call makes: the shards a scatter reaches (a key range's on
/// average), else one.
pub fn visits_per_call(model: &Model, call: &Call) -> f64 {
    let Some(group) = call
        .group
        .and_then(|g| model.call_groups.get(usize::from(g)))
    else {
        return 1.0;
    };
    let GroupKind::Scatter {
        shard_keys,
        key_range,
    } = &group.kind
    else {
        return 1.0;
    };
    let shards = shard_keys.len() as f64;
    match (key_range, &model.nodes[call.to.index()].kind) {
        (None, _) => shards,
        (Some(span), NodeKind::Database(db)) => match db.sharding {
            crate::model::ShardMap::Range { key_space } => {
                (1.0 + (*span as f64 - 1.0) * shards / key_space as f64).min(shards)
            }
            crate::model::ShardMap::Hash => shards,
        },
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unequal_order_statistics_agree_with_the_identical_formula() {
        let means = [0.1; 5];
        for k in 1..=5 {
            let exact = kth_of_unequal(&means, k);
            assert!(
                (exact - kth_of_identical(0.1, 5, k)).abs() < 1e-12,
                "k = {k}"
            );
        }
        // Max of two exponentials with rates a, b: 1/a + 1/b − 1/(a + b).
        let max = kth_of_unequal(&[0.1, 0.2], 2);
        assert!((max - (0.1 + 0.2 - 1.0 / 15.0)).abs() < 1e-12);
    }

    #[test]
    fn a_hedge_of_two_copies_is_the_closed_form() {
        let (m, d): (f64, f64) = (0.1, 0.05);
        let slow = (-d / m).exp();
        let closed = m * (1.0 - slow) + slow * m / 2.0;
        assert!((hedge_mean_s(m, d, 2) - closed).abs() < 1e-12);
        // One copy is the call itself.
        assert!((hedge_mean_s(m, d, 1) - m).abs() < 1e-12);
    }

    #[test]
    fn nelson_tantawi_for_two_at_half_load() {
        // ρ = 0.5, 1/(μ − λ) = 0.2 s: (12 − 0.5)/8 × 0.2 = 0.2875 s.
        assert!((nelson_tantawi_s(0.2, 0.5, 2) - 0.2875).abs() < 1e-12);
    }
}
