//! Simulated figures against closed forms (shared/reference/QUEUEING.md).
//!
//! Every test uses a fixed seed and independent replications; the tolerance
//! is the replications' own 95% interval (see `support::check_against_theory`),
//! and the run length is chosen so that this interval is narrow: its bound is
//! written beside each test.

use capsim::analytic;
use serde_json::json;

use crate::support::{self, check_against_theory, each, exponential, single_queue};

const SEED: u64 = 20_240_601;

/// M/M/1 at ρ = 0.5: 10 × 10^5 s at 5/s is 5·10^6 customers. Pilot half-widths
/// (relative to theory): mean 0.30%, p99 0.54%, utilization 0.13%; bounds
/// about three times those.
#[test]
fn mm1_at_half_load_mean_and_p99() {
    let runs = check_mm1(5.0, 10.0, 100_000.0, 10, 0.01, 0.02);
    let utilization = each(&runs, |r| r.nodes[0].utilization.unwrap());
    check_against_theory("utilization", &utilization, 0.5, 0.005);
}

/// M/M/1 at ρ = 0.9: slow to mix (relaxation time ≈ 1/(μ(1−√ρ)²) ≈ 38 s), so
/// 20 replications of 4·10^5 s (3.6·10^6 customers each). Pilot half-widths:
/// mean 0.36%, p99 1.03%; bounds 1.5% and 3%.
#[test]
fn mm1_at_high_load_mean_and_p99() {
    check_mm1(9.0, 10.0, 400_000.0, 20, 0.015, 0.03);
}

/// Replicates an M/M/1 and checks its mean and p99 response time against
/// theory with the given bounds on the relative half-widths.
fn check_mm1(
    lambda: f64,
    mu: f64,
    duration_s: f64,
    reps: u32,
    mean_bound: f64,
    p99_bound: f64,
) -> Vec<capsim::RunResult> {
    let model = single_queue(lambda, exponential(mu), 1, None, duration_s);
    let runs = support::replicate(&model, SEED, reps);
    let mean_s = analytic::mm1_response_mean(lambda, mu).unwrap();
    let p99_s = analytic::mm1_response_quantile(lambda, mu, 0.99).unwrap();
    let measured_mean = each(&runs, |r| r.end_to_end.mean_ms / 1e3);
    check_against_theory("mean R", &measured_mean, mean_s, mean_bound);
    let measured_p99 = each(&runs, |r| r.end_to_end.p99_ms / 1e3);
    check_against_theory("p99 R", &measured_p99, p99_s, p99_bound);
    runs
}

/// M/M/c, c = 4, ρ = 0.85 (Erlang C). 10 replications of 10^5 s at 34/s;
/// pilot half-widths: P(wait) 0.16%, mean wait 0.56%; bounds 0.5% and 2%.
#[test]
fn mmc_probability_of_waiting_and_mean_wait_match_erlang_c() {
    let (lambda, mu, c) = (34.0, 10.0, 4);
    let runs = support::replicate(
        &single_queue(lambda, exponential(mu), c, None, 100_000.0),
        SEED,
        10,
    );
    let wait_probability = analytic::erlang_c(lambda, mu, c).unwrap();
    let mean_wait = analytic::mmc_wait_mean(lambda, mu, c).unwrap();
    let measured_probability = each(&runs, |r| {
        r.nodes[0].queued as f64 / r.nodes[0].latency.completed as f64
    });
    check_against_theory("P(wait)", &measured_probability, wait_probability, 0.005);
    // Little's law on the queue: W = Lq / λ.
    let measured_wait = each(&runs, |r| {
        r.nodes[0].mean_queue / r.nodes[0].latency.throughput_rps
    });
    check_against_theory("mean W", &measured_wait, mean_wait, 0.02);
}

/// M/D/1 at ρ = 0.7 (Pollaczek–Khinchine with cv = 0): mean W = 1.1667 s.
/// 10 replications of 2·10^5 s; pilot half-width 0.98%; bound 3%.
#[test]
fn md1_mean_wait_matches_pollaczek_khinchine() {
    let lambda = 0.7;
    let service = json!({ "constant": { "ms": 1000.0 } });
    let runs = support::replicate(&single_queue(lambda, service, 1, None, 200_000.0), SEED, 10);
    let theory = analytic::mg1_wait_mean(lambda, 1.0, 0.0).unwrap();
    check_against_theory(
        "mean W",
        &each(&runs, |r| r.end_to_end.mean_ms / 1e3 - 1.0),
        theory,
        0.03,
    );
}

/// M/G/1 with lognormal service (mean 10 ms, cv 2) at ρ = 0.6: mean W = 37.5 ms.
/// The heavy tail makes the wait noisy: 20 replications of 2·10^5 s
/// (1.2·10^7 customers each); pilot half-width 0.41%; bound 1.5%.
#[test]
fn mg1_lognormal_mean_wait_matches_pollaczek_khinchine() {
    let lambda = 60.0;
    let service = json!({ "lognormal": { "mean_ms": 10.0, "cv": 2.0 } });
    let runs = support::replicate(&single_queue(lambda, service, 1, None, 200_000.0), SEED, 20);
    let theory_ms = analytic::mg1_wait_mean(lambda, 0.010, 4.0).unwrap() * 1e3;
    // The wait is the response minus the service; the service mean is exact
    // (10 ms), so measure W as Lq / λ, which does not carry service noise.
    let waits = each(&runs, |r| {
        r.nodes[0].mean_queue / r.nodes[0].latency.throughput_rps * 1e3
    });
    check_against_theory("mean W (ms)", &waits, theory_ms, 0.015);
}

/// M/M/c/K with c = 2, K = 5 (queue limit 3), λ = 3, μ = 1: blocking 0.37442.
/// 10 replications of 10^5 s; pilot half-widths: blocking 0.27%, response
/// 0.16%; bounds 1%.
#[test]
fn mmck_blocking_probability() {
    let (lambda, mu, c, k) = (3.0, 1.0, 2, 5);
    let runs = support::replicate(
        &single_queue(lambda, exponential(mu), c, Some(k - c), 100_000.0),
        SEED,
        10,
    );
    let theory = analytic::mmck(lambda, mu, c, k);
    check_against_theory(
        "blocking",
        &each(&runs, |r| r.end_to_end.error_rate),
        theory.blocking,
        0.01,
    );
    check_against_theory(
        "mean R admitted",
        &each(&runs, |r| r.end_to_end.mean_ms / 1e3),
        theory.mean_response,
        0.01,
    );
}

/// A Jackson network: Poisson 20/s split 0.5/0.3/0.2 over three pools
/// (exponential CPU work on one vCPU each, workers plentiful so only the CPU
/// queues), every request then looks up a cache (exponential 2 ms lookup,
/// hit ratio 0.7) whose misses go to a one-connection database (M/M/1).
/// Stations are independent M/M/1 queues (and an infinite-server lookup), so
/// E[R] = Σ visits × R_i. 10 replications of 2·10^4 s; pilot half-width 0.28%;
/// bound 1%.
#[test]
fn jackson_network_mean_response() {
    let (gamma, hit) = (20.0, 0.7);
    let pools = [("a", 0.5, 20.0), ("b", 0.3, 10.0), ("c", 0.2, 8.0)];
    let db_mu = 15.0;
    let mut nodes = serde_json::Map::new();
    for (name, _, mu) in pools {
        nodes.insert(
            name.into(),
            json!({ "pool": { "instance_type": "unit", "instances": 1, "workers_per_instance": 1000,
                              "service": exponential(mu), "calls": [ { "to": "cache" } ] } }),
        );
    }
    nodes.insert(
        "lb".into(),
        json!({ "load_balancer": { "split": pools.iter().map(|(n, w, _)| json!({ "to": n, "weight": w })).collect::<Vec<_>>() } }),
    );
    nodes.insert(
        "cache".into(),
        json!({ "cache": { "hit_ratio": hit, "latency": { "exponential": { "mean_ms": 2.0 } }, "on_miss": "db" } }),
    );
    nodes.insert(
        "db".into(),
        json!({ "database": { "instance_type": "unit", "read": exponential(db_mu) } }),
    );
    let model = support::model(json!({
        "simulation": { "duration_s": 20_000.0, "warmup_s": 500.0 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "lb", "arrivals": { "poisson": { "rate_rps": gamma } } },
        "nodes": nodes
    }));
    let runs = support::replicate(&model, SEED, 10);
    let pools_r: f64 = pools
        .iter()
        .map(|&(_, share, mu)| share * analytic::mm1_response_mean(share * gamma, mu).unwrap())
        .sum();
    let db_r = analytic::mm1_response_mean((1.0 - hit) * gamma, db_mu).unwrap();
    let theory = pools_r + 0.002 + (1.0 - hit) * db_r;
    check_against_theory(
        "mean R",
        &each(&runs, |r| r.end_to_end.mean_ms / 1e3),
        theory,
        0.01,
    );
}

/// A closed population: N users thinking 2 s (exponential), each request
/// using station A (one vCPU, 50 ms) then station B (four vCPUs, 200 ms).
/// Exact MVA gives throughput and response time. 10 replications of 2·10^4 s;
/// pilot half-widths 0.07–0.61% (widest at N = 1, fewest requests); bound 2%.
#[test]
fn closed_population_matches_mean_value_analysis() {
    for users in [1, 10, 100] {
        let model = support::model(json!({
            "simulation": { "duration_s": 20_000.0, "warmup_s": 500.0 },
            "instance_types": support::unit_types(),
            "traffic": { "entry": "a", "arrivals": { "closed": { "users": users, "think": { "exponential": { "mean_ms": 2000.0 } } } } },
            "nodes": {
                "a": { "pool": { "instance_type": "unit", "instances": 1, "workers_per_instance": 1000,
                                 "service": exponential(20.0), "calls": [ { "to": "b" } ] } },
                "b": { "pool": { "instance_type": "quad", "instances": 1, "workers_per_instance": 1000,
                                 "service": exponential(5.0) } }
            }
        }));
        let runs = support::replicate(&model, SEED, 10);
        let stations = [
            analytic::Station {
                servers: 1,
                service_s: 0.05,
            },
            analytic::Station {
                servers: 4,
                service_s: 0.2,
            },
        ];
        let theory = analytic::mva(&stations, 2.0, users);
        support::check_against_mva(&format!("N = {users}"), &runs, &theory, 0.02);
    }
}
