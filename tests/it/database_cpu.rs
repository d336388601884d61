//! Databases use CPU: a query holds a connection for its whole time and a
//! vCPU for its CPU share; connections beyond the vCPUs wait for one.

use serde_json::{Value, json};

use crate::support::{self, check_against_theory, each};

/// One database of `vcpus` vCPUs and `connections` connections, Poisson
/// reads at `rate`/s, 10 ms exponential, `cpu_share` of it on a vCPU.
fn database(vcpus: u32, connections: u32, rate: f64, cpu_share: f64) -> capsim::model::Model {
    support::model(json!({
        "simulation": { "duration_s": 2000, "warmup_s": 100 },
        "instance_types": { "box": { "vcpus": vcpus } },
        "traffic": { "entry": "db", "arrivals": { "poisson": { "rate_rps": rate } } },
        "nodes": { "db": { "database": {
            "instance_type": "box", "connections": connections,
            "read": { "exponential": { "mean_ms": 10 } }, "read_cpu_share": cpu_share } } }
    }))
}

/// M/M/c's mean response, seconds.
fn mmc_response(lambda: f64, mu: f64, c: u32) -> f64 {
    1.0 / mu + capsim::analytic::mmc_wait_mean(lambda, mu, c).unwrap()
}

/// Pure CPU on 2 vCPUs with 8 connections: the connections only hold
/// queries waiting for a vCPU, so the database is M/M/2 (ρ = 150 × 0.01 / 2
/// = 0.75), not the M/M/8 the connections alone would make. Five
/// replications of 1,900 s (285,000 queries each): the mean's half-width is
/// well under 5% of theory, and theory must lie within 3 half-widths.
#[test]
fn a_query_of_pure_cpu_on_fewer_vcpus_than_connections_is_m_m_vcpus() {
    let model = database(2, 8, 150.0, 1.0);
    let runs = support::replicate(&model, 3, 5);
    let theory_ms = 1e3 * mmc_response(150.0, 100.0, 2);
    let mean = each(&runs, |r| r.nodes[0].latency.mean_ms);
    check_against_theory("M/M/2 mean", &mean, theory_ms, 0.05);
    let cpu = each(&runs, |r| r.nodes[0].utilization.unwrap());
    check_against_theory("vCPU utilization", &cpu, 0.75, 0.05);
    // A connection is held through the wait for a vCPU too: by M/M/2's
    // P(N = n) = 2 p0 ρⁿ (n ≥ 1), p0 = (1 − ρ)/(1 + ρ), E[min(N, 8)] / 8.
    let (rho, p0) = (0.75_f64, 0.25 / 1.75);
    let p = |n: i32| if n == 0 { p0 } else { 2.0 * p0 * rho.powi(n) };
    let held_theory = ((0..8).map(|n| f64::from(n) * p(n)).sum::<f64>()
        + 8.0 * (1.0 - (0..8).map(p).sum::<f64>()))
        / 8.0;
    let held = each(&runs, |r| r.nodes[0].worker_utilization.unwrap());
    check_against_theory("connections held", &held, held_theory, 0.05);
    // Theory says the same: one layer of c = 2 by Erlang C.
    let analysis = capsim::analytic::analyze(&model);
    let group = &analysis.nodes[0].groups[0].0;
    assert_eq!(group.servers, 2, "{group:?}");
    assert!((analysis.nodes[0].response_ms.unwrap() - theory_ms).abs() < 1e-9);
}

/// Pure I/O (`read_cpu_share` 0) needs no vCPU: 4 connections on 1 vCPU
/// serve as M/M/4 (ρ = 300 × 0.01 / 4 = 0.75), and the vCPU stays idle.
/// Tolerance as above (570,000 queries per replication).
#[test]
fn a_query_of_pure_io_is_m_m_connections() {
    let model = database(1, 4, 300.0, 0.0);
    let runs = support::replicate(&model, 4, 5);
    let theory_ms = 1e3 * mmc_response(300.0, 100.0, 4);
    let mean = each(&runs, |r| r.nodes[0].latency.mean_ms);
    check_against_theory("M/M/4 mean", &mean, theory_ms, 0.05);
    assert!(runs.iter().all(|r| r.nodes[0].utilization == Some(0.0)));
    let held = each(&runs, |r| r.nodes[0].worker_utilization.unwrap());
    check_against_theory("connections held", &held, 0.75, 0.05);
    let analysis = capsim::analytic::analyze(&model);
    assert!((analysis.nodes[0].response_ms.unwrap() - theory_ms).abs() < 1e-9);
}

/// By hand: a 10 ms query with 40% on a vCPU, on a server of speed 2, runs
/// 10 × 0.4 / 2 = 2 ms of CPU, then waits 6 ms on I/O (which speed does not
/// shorten): 8 ms. Ten a second, evenly spaced, never wait: the vCPU is busy
/// 10 × 2 ms = 2% of the time, the one connection held 10 × 8 ms = 8%.
/// Writes take `write_cpu_share` (all CPU here): 10 / 2 = 5 ms.
#[test]
fn a_query_splits_into_its_cpu_part_at_speed_and_its_io_wait() {
    let topology = |op: &str| {
        json!({
            "simulation": { "duration_s": 100, "warmup_s": 10 },
            "instance_types": { "fast": { "vcpus": 1, "speed": 2 }, "unit": { "vcpus": 1 } },
            "traffic": { "entry": "web", "arrivals": { "deterministic": { "rate_rps": 10 } } },
            "nodes": {
                "web": { "pool": { "instance_type": "unit", "instances": 1,
                                   "service": { "constant": { "ms": 0 } },
                                   "calls": [ { "to": "db", "op": op } ] } },
                "db": { "database": { "instance_type": "fast",
                                      "read": { "constant": { "ms": 10 } },
                                      "read_cpu_share": 0.4, "write_cpu_share": 1 } }
            }
        })
    };
    for (op, latency_ms, cpu, held) in [("read", 8.0, 0.02, 0.08), ("write", 5.0, 0.05, 0.05)] {
        let run = capsim::simulate(&support::model(topology(op)), 1, 0);
        let db = run.nodes.iter().find(|n| n.name == "db").unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-3 * b;
        assert!(
            close(db.latency.mean_ms, latency_ms),
            "{op}: {}",
            db.latency.mean_ms
        );
        assert!(
            close(db.utilization.unwrap(), cpu),
            "{op}: {:?}",
            db.utilization
        );
        let connections = db.worker_utilization.unwrap();
        assert!(close(connections, held), "{op}: {connections}");
        let shard = &db.shards[0];
        assert!(close(shard.utilization, cpu) && close(shard.connection_utilization, held));
    }
}

/// `db-vcpu.json`: 2,000 queries/s of 10 ms on a 2-vCPU db.t3.medium with
/// 32 connections offer 20 vCPUs of work: theory says 1000% and unstable,
/// and the run saturates its vCPUs and is halted with the backlog at `db`,
/// where it once reported "62.6% util" for its connections.
#[test]
fn db_vcpu_reports_its_cpu_at_saturation() {
    let model = support::defect("db-vcpu.json");
    let load = capsim::analytic::offered_load(&model).unwrap();
    assert!(
        (load[0].utilization.unwrap() - 10.0).abs() < 1e-9,
        "{load:?}"
    );
    assert!(load[0].is_saturated());
    let run = capsim::simulate(&model, 2, 0);
    assert!(
        run.nodes[0].utilization.unwrap() > 0.99,
        "{:?}",
        run.nodes[0].utilization
    );
    assert!(
        matches!(&run.outcome, capsim::stats::Outcome::Unstable { node, .. } if node == "db"),
        "{:?}",
        run.outcome
    );
    let out = support::capsim(&["analyze", "tests/data/defects/db-vcpu.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("unstable  2  10.0   2000    1000"), "{text}");
}

/// A share outside [0, 1] is named with its path and the range.
#[test]
fn a_cpu_share_above_one_is_rejected_with_its_path() {
    let mut topology: Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/defects/db-vcpu.json").unwrap())
            .unwrap();
    topology["nodes"]["db"]["database"]["write_cpu_share"] = json!(1.5);
    let err = capsim::model::parse(&topology.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "nodes.db.database.write_cpu_share: expected a number between 0 and 1, got 1.5"
        ),
        "{err}"
    );
}
