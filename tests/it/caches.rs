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

/// Under a skewed, unchanging law, LFU keeps the popular keys best (it
/// approaches the cache that always holds the most popular), LRU better
/// than FIFO, and FIFO about as well as random eviction (both forget a
/// popular key on schedule); a 1-second TTL costs hits.
#[test]
fn policies_and_expiry_order_as_expected() {
    let hit = |policy: &str, ttl: Option<f64>| measured(cache(0.9, 1000, policy, ttl)).0;
    let (lru, fifo, random) = (hit("lru", None), hit("fifo", None), hit("random", None));
    let lfu = hit("lfu", None);
    assert!(lfu > lru + 0.02, "lfu {lfu}, lru {lru}");
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
        "nodes.cache.cache: expected one of `hit_ratio`, `capacity_keys` and `capacity_mb`, got several"
    );
    let mut t = cache(0.9, 1000, "lru", None);
    t["nodes"]["cache"]["cache"]
        .as_object_mut()
        .unwrap()
        .remove("capacity_keys");
    let err = capsim::model::parse(&t.to_string()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nodes.cache.cache: expected `hit_ratio` (a fixed share of hits), `capacity_keys` or `capacity_mb` (a store of keys)"
    );
}

/// A prewarmed cache starts with the most popular keys: over the first
/// 5 s (5,000 lookups) it hits far more than a cold one, at least as often
/// as Che's LRU steady state and at most as often as a cache that always
/// held the most popular keys (it starts there and drifts down to Che's).
/// ±0.02 allows for the 5,000 lookups' sampling error (sd about 0.007).
#[test]
fn a_prewarmed_cache_starts_with_the_most_popular_keys() {
    let short = |prewarm: bool| {
        let mut t = cache(1.0, 2000, "lru", None);
        t["simulation"] = json!({ "duration_s": 5, "warmup_s": 0 });
        t["nodes"]["cache"]["cache"]["prewarm"] = json!(prewarm);
        measured(t)
    };
    let (cold, che) = short(false);
    let (warm, _) = short(true);
    let che = che.unwrap();
    assert!(warm > cold + 0.1, "warm {warm}, cold {cold}");
    let best: f64 = capsim::analytic::zipf_popularity(50_000, 1.0)[..2000]
        .iter()
        .sum();
    assert!(
        warm > che - 0.02 && warm < best + 0.02,
        "warm {warm}, Che {che}, best {best}"
    );
}

/// A size in MB with a mean object size is that many keys: 10 MB of 20 KB
/// objects hold 512, and replay exactly as `capacity_keys: 512`.
#[test]
fn capacity_in_megabytes_is_capacity_in_keys() {
    let mut by_mb = cache(0.9, 1, "lru", None);
    let store = by_mb["nodes"]["cache"]["cache"].as_object_mut().unwrap();
    store.remove("capacity_keys");
    store.insert("capacity_mb".into(), json!(10));
    store.insert("object_kb".into(), json!(20));
    assert_eq!(measured(by_mb).0, measured(cache(0.9, 512, "lru", None)).0);
}

/// Reads and writes (30%) of 100 uniform keys through a cache that holds
/// them all. Write-around drops a key on each write, so a read hits exactly
/// when the key's previous access was a read: hit ratio 1 − 0.3 = 0.7.
/// Write-through keeps every key: all reads hit once warm. 10^5 reads make
/// the binomial standard error 0.0015; the bound is 0.01.
#[test]
fn writes_invalidate_around_and_update_through() {
    for (writes, expected) in [("around", 0.7), ("through", 1.0)] {
        let model = support::model(json!({
            "simulation": { "duration_s": 520, "warmup_s": 20 },
            "instance_types": support::unit_types(),
            "traffic": { "entry": "app", "arrivals": { "poisson": { "rate_rps": 300 } },
                         "classes": { "read": { "weight": 0.7 }, "write": { "weight": 0.3 } },
                         "keys": { "uniform": { "n": 100 } } },
            "nodes": {
                "app": { "pool": { "instance_type": "quad", "instances": 1, "workers_per_instance": 8,
                                   "service": { "constant": { "ms": 1 } },
                                   "calls": [ { "to": "cache", "classes": ["read"] },
                                              { "to": "cache", "classes": ["write"], "op": "write" } ] } },
                "cache": { "cache": { "capacity_keys": 100, "writes": writes, "on_miss": "db",
                                      "latency": { "constant": { "ms": 0.2 } } } },
                "db": { "delay": { "latency": { "constant": { "ms": 2 } } } }
            }
        }));
        let run = capsim::simulate(&model, 8, 0);
        let cache = run.nodes.iter().find(|n| n.name == "cache").unwrap();
        let hit = cache.hit_ratio.unwrap();
        assert!((hit - expected).abs() < 0.01, "{writes}: hit ratio {hit}");
        // Every write reaches the origin, and so does every read miss.
        let db = run.nodes.iter().find(|n| n.name == "db").unwrap();
        let expected_db = 300.0 * (0.3 + 0.7 * (1.0 - expected));
        assert!((db.latency.throughput_rps - expected_db).abs() < 0.03 * expected_db);
    }
}
