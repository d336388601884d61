//! Sharded and replicated databases: the hot shard, replica choice,
//! synchronous replication.

use serde_json::{Value, json};

use crate::support::{self, check_against_theory, each};

/// Reads at `rate`/s with Zipf(1.0) keys over 1,000 into a 4-shard database
/// (`sharding`), 2 connections per server on 4 vCPUs (the connections, not
/// the vCPUs, bound it), 4 ms exponential reads.
fn sharded(sharding: &str, rate: f64, db_extra: Value) -> capsim::model::Model {
    let mut db = json!({ "instance_type": "quad", "shards": 4, "sharding": sharding,
                         "connections": 2, "read": { "exponential": { "mean_ms": 4 } } });
    for (k, v) in db_extra.as_object().unwrap() {
        db[k] = v.clone();
    }
    support::model(json!({
        "simulation": { "duration_s": 1000, "warmup_s": 50 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "db", "arrivals": { "poisson": { "rate_rps": rate } },
                     "keys": { "zipf": { "s": 1.0, "n": 1000 } } },
        "nodes": { "db": { "database": db } }
    }))
}

/// The check: a shard's utilization is proportional to its share
/// of the key popularity mass, λ × share × S / connections. Range sharding
/// puts keys 1–250 (81% of Zipf(1.0)'s mass over 1,000 keys) on shard 0;
/// hashing spreads them, but key 1 alone (13%) still makes its shard the
/// hottest. Each utilization is checked against theory over 5 replications
/// of 950 s (3 half-widths; the half-width must be under 5% of theory).
#[test]
fn a_shards_utilization_is_proportional_to_its_popularity_mass() {
    for (sharding, rate) in [("range", 400.0), ("hash", 800.0)] {
        let model = sharded(sharding, rate, json!({}));
        let shares = capsim::analytic::shard_shares(&model, capsim::model::NodeId(0)).unwrap();
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        if sharding == "range" {
            assert!(shares[0] > 0.8 && shares[3] < 0.04, "{shares:?}");
        }
        let runs = support::replicate(&model, 21, 5);
        for (k, share) in shares.iter().enumerate() {
            let theory = rate * share * 0.004 / 2.0;
            let held = each(&runs, |r| r.nodes[0].shards[k].connection_utilization);
            check_against_theory(&format!("{sharding} shard {k}"), &held, theory, 0.05);
            // Its vCPUs are twice its connections: half as busy.
            let cpu = each(&runs, |r| r.nodes[0].shards[k].utilization);
            check_against_theory(
                &format!("{sharding} shard {k} vCPUs"),
                &cpu,
                theory / 2.0,
                0.05,
            );
        }
        // The hot shard queues, the cold ones barely: its mean is the largest.
        let hottest = (0..4)
            .max_by(|&a, &b| shares[a].total_cmp(&shares[b]))
            .unwrap();
        let means: Vec<f64> = runs[0].nodes[0].shards.iter().map(|s| s.mean_ms).collect();
        assert!((0..4).all(|k| means[k] <= means[hottest]), "{means:?}");
    }
}

/// Both replica policies spread reads evenly over identical replicas, but
/// sending each read to the idler one waits less than taking turns (the
/// join-the-shortest-queue effect). Two replicas, one connection each, reads
/// at 80% of their capacity.
#[test]
fn least_loaded_reads_wait_less_than_round_robin() {
    let mean = |policy: &str| {
        let model = sharded(
            "hash",
            400.0,
            json!({ "shards": 1, "replicas": 2, "connections": 1, "read_from": policy }),
        );
        let runs = support::replicate(&model, 4, 4);
        let held = each(&runs, |r| r.nodes[0].worker_utilization.unwrap());
        // 400/s × 4 ms over 3 servers (the primary serves no reads): 0.533.
        check_against_theory(policy, &held, 400.0 * 0.004 / 3.0, 0.05);
        each(&runs, |r| r.nodes[0].latency.mean_ms)
            .iter()
            .sum::<f64>()
            / 4.0
    };
    let (round_robin, least_loaded) = (mean("round_robin"), mean("least_loaded"));
    assert!(
        least_loaded < 0.8 * round_robin,
        "{least_loaded} vs {round_robin}"
    );
}

/// A write with synchronous replication holds its connection for its
/// service plus the replication latency: 2 ms + 3 ms constant, at a rate so
/// low that nothing waits, answers in exactly 5 ms.
#[test]
fn synchronous_replication_adds_its_latency_to_writes() {
    let model = support::model(json!({
        "simulation": { "duration_s": 200, "warmup_s": 10 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "web", "arrivals": { "deterministic": { "rate_rps": 10 } } },
        "nodes": {
            "web": { "pool": { "instance_type": "unit", "instances": 1,
                               "service": { "constant": { "ms": 1 } },
                               "calls": [ { "to": "db", "op": "write" } ] } },
            "db": { "database": { "instance_type": "unit", "replicas": 1,
                                  "read": { "constant": { "ms": 1 } },
                                  "write": { "constant": { "ms": 2 } },
                                  "replication": { "constant": { "ms": 3 } } } }
        }
    }));
    let run = capsim::simulate(&model, 1, 0);
    let db = run.nodes.iter().find(|n| n.name == "db").unwrap();
    assert!(
        (db.latency.mean_ms - 5.0).abs() < 1e-6,
        "{}",
        db.latency.mean_ms
    );
    // The primary's connection is held 5 ms of every 100: 5% busy, over its
    // 2 servers 2.5%; its vCPU only for the 2 ms of the write: 1%.
    let held = db.worker_utilization.unwrap();
    assert!((held - 0.025).abs() < 1e-3, "{held}");
    let cpu = db.utilization.unwrap();
    assert!((cpu - 0.01).abs() < 1e-3, "{cpu}");
}

#[test]
fn range_sharding_without_a_key_space_is_rejected() {
    let topology = json!({
        "simulation": { "duration_s": 60 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "db", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": { "db": { "database": { "instance_type": "unit", "shards": 4,
                                         "sharding": "range",
                                         "read": { "constant": { "ms": 1 } } } } }
    });
    let err = capsim::model::parse(&topology.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nodes.db.database.key_space: `range` sharding needs the key space"),
        "{err}"
    );
}

/// `db-primary-saturated-shows-50pct.json`: 48 writes/s of 90 ms over 4
/// shards load each primary's one connection 48 × 0.09 / 4 = 1.08 (it
/// saturates), while 480 reads/s of 4 ms load each shard's replica 480 ×
/// 0.004 / 4 = 0.48. The database's overall figure averages the two to
/// about 0.74; primaries and replicas are reported apart, and the table
/// names the busiest: a primary's connection, at about 100% (its 2 vCPUs
/// are half as busy).
#[test]
fn primaries_and_replicas_are_reported_apart() {
    let model = crate::support::defect("db-primary-saturated-shows-50pct.json");
    let run = capsim::simulate(&model, 1, 0);
    let db = run
        .nodes
        .iter()
        .find(|n| n.name == "db")
        .expect("a db node");
    for shard in &db.shards {
        assert!(shard.primary_connection_utilization > 0.95, "{shard:?}");
        let cpu = shard.primary_utilization;
        assert!((cpu - shard.primary_connection_utilization / 2.0).abs() < 1e-9);
        let replica = (shard.replica_connection_utilization).expect("one replica per shard");
        // Reads are Poisson-thinned, 120/s per replica over 600 s: a
        // utilization within 0.05 of 0.48 is several standard errors.
        assert!((replica - 0.48).abs() < 0.05, "{shard:?}");
    }
    let summary = capsim::Summary::of(&[run]);
    let mut table = Vec::new();
    capsim::report::table::write(&mut table, &summary, 600.0).expect("writes to memory");
    let table = String::from_utf8(table).expect("utf-8");
    assert!(table.contains("busiest server of db: shard "), "{table}");
    assert!(table.contains("'s primary at 99."), "{table}");
    assert!(table.contains("% of its connections"), "{table}");
}
