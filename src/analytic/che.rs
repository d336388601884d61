//! Che's approximation of an LRU cache's hit ratio (Che, Tung and Wang,
//! "Hierarchical Web caching systems: modeling, design and experimental
//! results", IEEE JSAC 20(7), 2002): with independent requests, key i of
//! popularity p_i is in a cache of C keys if it was requested within the
//! characteristic time T, where Σ_i (1 − e^(−p_i T)) = C; the hit ratio is
//! Σ_i p_i (1 − e^(−p_i T)).

use super::zipf::Zipf;
use crate::model::{Hits, Keys, Model, NodeId, NodeKind};

/// Newton steps before giving up on the characteristic time (each costs
/// O(head + quadrature), not O(keys)). From T = C the iteration rises
/// monotonically to the root (the occupancy is concave in T), typically in
/// under 20 steps.
const MAX_NEWTON_STEPS: u32 = 200;

/// The hit ratio of an LRU cache of `capacity` keys under `popularity`
/// (non-negative, summing to 1).
pub fn che_lru(popularity: &[f64], capacity: f64) -> f64 {
    if capacity >= popularity.len() as f64 {
        return 1.0;
    }
    let sum = |f: &dyn Fn(f64) -> f64| popularity.iter().map(|&p| f(p)).sum::<f64>();
    che(&sum, capacity).unwrap_or_else(|| best_static(popularity.iter().copied(), capacity))
}

/// Che's hit ratio of an LRU cache of `capacity` keys under Zipf(s) over
/// `n` keys, with the tail of the law summed in closed form.
pub fn che_lru_zipf(s: f64, n: u32, capacity: f64) -> f64 {
    if capacity >= f64::from(n) {
        return 1.0;
    }
    let zipf = Zipf::new(s, n);
    let sum = |f: &dyn Fn(f64) -> f64| zipf.sum(f);
    // Keys whose popularity has not underflowed: as T grows the occupancy
    // tends to their number, so with fewer than C of them T does not exist
    // in floating point (Zipf(80): a few thousand keys).
    let representable = sum(&|p| if p > 0.0 { 1.0 } else { 0.0 });
    let fallback = || best_static(zipf.head().iter().copied(), capacity);
    if representable <= capacity {
        return fallback();
    }
    che(&sum, capacity).unwrap_or_else(fallback)
}

/// Solves Σ_i (1 − e^(−p_i T)) = C for T by Newton's method and returns
/// Σ_i p_i (1 − e^(−p_i T)); `sum(f)` is Σ_i f(p_i). `None` when T is not
/// representable: the popularity is so steep that the keys beyond the
/// first few have underflowed to zero.
/// Σ_i f(p_i) over a key law, for any f.
type KeySum<'a> = &'a dyn Fn(&dyn Fn(f64) -> f64) -> f64;

fn che(sum: KeySum, capacity: f64) -> Option<f64> {
    // Σ (1 − e^(−pT)) ≤ Σ pT = T, so T = C starts at or below the root.
    let mut t = capacity.max(1.0);
    for _ in 0..MAX_NEWTON_STEPS {
        let occupied = sum(&|p| 1.0 - (-p * t).exp());
        let gap = capacity - occupied;
        if gap.abs() <= 1e-10 * capacity {
            break;
        }
        let slope = sum(&|p| p * (-p * t).exp());
        if slope.is_nan() || slope <= 0.0 {
            return None;
        }
        t += gap / slope;
        if !t.is_finite() {
            return None;
        }
    }
    let hit = sum(&|p| p * (1.0 - (-p * t).exp()));
    hit.is_finite().then(|| hit.clamp(0.0, 1.0))
}

/// The popularity of the `capacity` most popular keys (given most popular
/// first): what a cache that always held exactly them would hit, and what
/// LRU tends to when the law is so steep that Che's T cannot be computed.
fn best_static(popularity: impl Iterator<Item = f64>, capacity: f64) -> f64 {
    popularity
        .take(capacity as usize)
        .sum::<f64>()
        .clamp(0.0, 1.0)
}

/// Popularity of keys 1..=n under Zipf(s).
pub fn zipf_popularity(n: u32, s: f64) -> Vec<f64> {
    let weights: Vec<f64> = (1..=n).map(|k| f64::from(k).powf(-s)).collect();
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / total).collect()
}

/// The expected hit ratio of cache `node`: its fixed ratio, or Che's
/// estimate (an LRU's; FIFO and random evictions hit somewhat less) when
/// every source draws keys from the same uniform or Zipf law. `None` when
/// the keys are not known that way (several laws, traces).
pub fn expected_hit_ratio(model: &Model, node: NodeId) -> Option<f64> {
    let NodeKind::Cache(cache) = &model.node(node).kind else {
        return None;
    };
    let capacity = match cache.hits {
        Hits::Ratio(ratio) => return Some(ratio),
        Hits::Store { capacity, .. } => capacity,
    };
    let law = model.sources.first()?.keys;
    if model.sources.iter().any(|s| s.keys != law) {
        return None;
    }
    match law {
        // Every request a new key: nothing is ever found again.
        Keys::Distinct => Some(0.0),
        Keys::Uniform { n } => Some((f64::from(capacity) / f64::from(n)).min(1.0)),
        Keys::Zipf { s, n } => Some(che_lru_zipf(s, n, f64::from(capacity))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_popularity_gives_capacity_over_keys() {
        let uniform = vec![1.0 / 1000.0; 1000];
        assert!((che_lru(&uniform, 250.0) - 0.25).abs() < 1e-9);
        assert_eq!(che_lru(&uniform, 2000.0), 1.0);
    }

    #[test]
    fn skewed_popularity_falls_between_the_share_of_keys_and_the_best_static_cache() {
        // An LRU of 100 of 10,000 Zipf(1) keys hits more than 100 / 10,000
        // (what uniform keys would give) and less than the popularity of
        // the 100 most popular keys (a cache that always held exactly them).
        let zipf = zipf_popularity(10_000, 1.0);
        let h = che_lru(&zipf, 100.0);
        let best: f64 = zipf[..100].iter().sum();
        assert!(h > 0.01 && h < best, "{h} against {best}");
        // The closed-form tail gives the same figure as the sum key by key.
        assert!((che_lru_zipf(1.0, 10_000, 100.0) - h).abs() < 1e-9);
        let (keys, big) = (500_000, 20_000.0);
        let by_key = che_lru(&zipf_popularity(keys, 0.9), big);
        assert!((che_lru_zipf(0.9, keys, big) - by_key).abs() < 1e-9);
    }

    /// Zipf(80): key 1 has all but 10^-24 of the popularity and the keys
    /// past a few thousand underflow to zero. Che's T is then not
    /// representable; the estimate is the top keys' popularity, ≈ 1.
    #[test]
    fn steep_popularity_gives_a_finite_hit_ratio() {
        let h = che_lru_zipf(80.0, 500_000, 20_000.0);
        assert!((h - 1.0).abs() < 1e-12, "{h}");
    }
}
