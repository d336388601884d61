//! Caches sized by capacity: the simulated LRU hit ratio against Che's
//! approximation, eviction policies compared, TTL expiry, and bad input.

use serde_json::{Value, json};

use crate::support;

/// Zipf(`s`) keys over 50,000 at 1,000 lookups/s into a cache of
/// `capacity` keys; nothing behind it.
fn cache(s: f64, capacity: u32, policy: &str, ttl: Option<f64>) -> Value {
    let mut cache = json!({ "capacity_keys": capacity, "policy": policy,
                            "latency": { "constant": { "ms": 0.1 } } });
    if let Some(ttl) = ttl {
        cache["ttl_s"] = json!(ttl);
    }
    json!({
        "simulation": { "duration_s": 2000, "warmup_s": 200 },
        "traffic": { "entry": "cache", "arrivals": { "poisson": { "rate_rps": 1000 } },
                     "keys": { "zipf": { "s": s, "n": 50000 } } },
        "nodes": { "cache": { "cache": cache } }
    })
}

fn measured(topology: Value) -> (f64, Option<f64>) {
    let model = support::model(topology);
    let run = capsim::simulate(&model, 3, 0);
    let expected = capsim::analytic::expected_hit_ratio(&model, capsim::model::NodeId(0));
    (run.nodes[0].hit_ratio.unwrap(), expected)
}

/// The check: LRU under Zipf(0.7) and Zipf(1.2), 5·10^4 keys,
/// capacities 500 and 5,000, within one percentage point of Che. Each run
/// measures 1.8·10^6 lookups after a 200 s warm-up (the cache full long
/// before), so the sampling error of a hit ratio is about 0.04 points
/// (a few times that with the correlation of an LRU's state): the 1-point
/// bound tests Che's approximation, not the noise.
#[test]
fn lru_hit_ratio_matches_ches_approximation() {
    for s in [0.7, 1.2] {
        for capacity in [500, 5000] {
            let (simulated, che) = measured(cache(s, capacity, "lru", None));
            let che = che.unwrap();
            assert!(
                (simulated - che).abs() < 0.01,
                "Zipf({s}), {capacity} keys: simulated {simulated:.4}, Che {che:.4}"
            );
        }
    }
}

/// Under a skewed law, LRU keeps the popular keys better than FIFO, and
/// FIFO about as well as random eviction (both forget a popular key on
/// schedule); a 1-second TTL costs hits.
#[test]
fn policies_and_expiry_order_as_expected() {
    let hit = |policy: &str, ttl: Option<f64>| measured(cache(0.9, 1000, policy, ttl)).0;
    let (lru, fifo, random) = (hit("lru", None), hit("fifo", None), hit("random", None));
    assert!(lru > fifo + 0.02, "lru {lru}, fifo {fifo}");
    assert!((fifo - random).abs() < 0.02, "fifo {fifo}, random {random}");
    let expiring = hit("lru", Some(1.0));
    assert!(expiring < lru - 0.02, "ttl 1 s {expiring}, lru {lru}");
}

#[test]
fn a_cache_needs_a_hit_ratio_or_a_capacity() {
    let mut t = cache(0.9, 1000, "lru", None);
    t["nodes"]["cache"]["cache"]["hit_ratio"] = json!(0.5);
    let err = capsim::model::parse(&t.to_string()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nodes.cache.cache: expected either `hit_ratio` or `capacity_keys`, got both"
    );
    let mut t = cache(0.9, 1000, "lru", None);
    t["nodes"]["cache"]["cache"]
        .as_object_mut()
        .unwrap()
        .remove("capacity_keys");
    let err = capsim::model::parse(&t.to_string()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nodes.cache.cache: expected `hit_ratio` (a fixed share of hits) or `capacity_keys` (a store of keys)"
    );
}
