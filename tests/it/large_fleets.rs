//! Large fleets pick the same instances as small ones did: the event-trace
//! fingerprints of models with tens to thousands of instances, pinned from
//! the linear-scan balancers (commit f0823f2) before the indexed ones
//! replaced them, so any pick that differs, ties included, changes a hash.
//!
//! The models: `benches/shop-x1000.json` (5,000 web instances behind
//! `least_connections`, 1,000 consumers of a shared queue, 4,000 shards),
//! and the same with each other balancing policy; and
//! `tests/data/large-fleets/fleet-churn.json`, where instances crash (noticed
//! by health checks or at once), are replaced, scale out and in (draining),
//! and a zone goes down, behind a `least_connections` balancer, a pool that
//! balances by `least_connections` itself, and a shared queue.
//!
//! The shop's hashes were pinned again when databases began to use their
//! vCPUs (the shards' queries queue for them, and report it): the
//! balancers' picks were not touched, and the churning fleet, which has no
//! database, still matches its pin from the scans.

use std::path::Path;

use capsim::fingerprint::fingerprint;
use capsim::model::Model;

fn load(relative: &str, edit: impl Fn(String) -> String) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).expect("the model is readable");
    capsim::model::parse(&edit(text)).expect("the model is valid")
}

/// `(hash, events)` of the first `max_events` events of `model`.
fn print(model: &Model, max_events: u64) -> (String, u64) {
    let print = fingerprint(model, model.seed, 0, max_events);
    (format!("{:016x}", print.hash), print.events)
}

#[test]
fn the_shop_at_scale_routes_as_pinned_with_every_policy() {
    // Re-pinned when the shop's t3.medium tier began reporting its CPU
    // credits (unlimited mode: timers and reports added, no timing moved;
    // the indexed picks against the scan's are checked in pool_picks_tests).
    let pinned = [
        ("least_connections", "6adda66cb744293b"),
        ("power_of_two", "482fb6f1df4eea13"),
        ("round_robin", "c4c4e24539675df7"),
        ("random", "e4761e881cd85f6f"),
    ];
    let actual: Vec<(&str, String)> = pinned
        .iter()
        .map(|&(policy, _)| {
            let model = load("benches/shop-x1000.json", |text| {
                text.replace("\"least_connections\"", &format!("\"{policy}\""))
            });
            let (hash, events) = print(&model, 400_000);
            assert_eq!(events, 400_000);
            (policy, hash)
        })
        .collect();
    let expected: Vec<(&str, String)> = pinned.iter().map(|&(p, h)| (p, h.to_string())).collect();
    assert_eq!(actual, expected);
}

#[test]
fn a_churning_fleet_routes_as_pinned() {
    let model = load("tests/data/large-fleets/fleet-churn.json", |text| text);
    assert_eq!(
        print(&model, 10_000_000),
        ("df4ff12ebb1b5556".to_string(), 3_794_952)
    );
}
