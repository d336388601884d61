//! Che's approximation of an LRU cache's hit ratio (Che, Tung and Wang,
//! "Hierarchical Web caching systems: modeling, design and experimental
//! results", IEEE JSAC 20(7), 2002): with independent requests, key i of
//! popularity p_i is in a cache of C keys if it was requested within the
//! characteristic time T, where Σ_i (1 − e^(−p_i T)) = C; the hit ratio is
//! Σ_i p_i (1 − e^(−p_i T)).

use crate::model::{Hits, Keys, Model, NodeId, NodeKind};

/// Keys beyond which the estimate is not computed (it costs O(keys)).
const MAX_KEYS: u32 = 10_000_000;

/// The hit ratio of an LRU cache of `capacity` keys under `popularity`
/// (non-negative, summing to 1).
pub fn che_lru(popularity: &[f64], capacity: f64) -> f64 {
    if capacity >= popularity.len() as f64 {
        return 1.0;
    }
    let occupied = |t: f64| popularity.iter().map(|p| 1.0 - (-p * t).exp()).sum::<f64>();
    let mut hi = capacity.max(1.0);
    while occupied(hi) < capacity {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if occupied(mid) < capacity {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let t = (lo + hi) / 2.0;
    popularity.iter().map(|p| p * (1.0 - (-p * t).exp())).sum()
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
/// the keys are not known that way (several laws, traces) or too many.
pub fn expected_hit_ratio(model: &Model, node: NodeId) -> Option<f64> {
    let NodeKind::Cache(cache) = &model.node(node).kind else {
        return None;
    };
    let Hits::Store { capacity, .. } = cache.hits else {
        let Hits::Ratio(ratio) = cache.hits else {
            unreachable!()
        };
        return Some(ratio);
    };
    let law = model.sources.first()?.keys;
    if model.sources.iter().any(|s| s.keys != law) {
        return None;
    }
    match law {
        // Every request a new key: nothing is ever found again.
        Keys::Distinct => Some(0.0),
        Keys::Uniform { n } => Some((f64::from(capacity) / f64::from(n)).min(1.0)),
        Keys::Zipf { s, n } if n <= MAX_KEYS => {
            Some(che_lru(&zipf_popularity(n, s), f64::from(capacity)))
        }
        Keys::Zipf { .. } => None,
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
    }
}
