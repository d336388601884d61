//! Heavy-tailed and phase-type service laws: `analyze` uses their exact
//! moments (Pollaczek–Khinchine for M/G/1), the simulation agrees with it,
//! and bad parameters get messages that name their JSON path.

use capsim::analytic::{self, Method, Reason};
use serde_json::{Value, json};

use crate::support::{self, check_against_theory, each, single_queue};

const SEED: u64 = 20_251_202;

/// H2 service: with probability 0.9 an exponential of 1 ms, with 0.1 one of
/// 10 ms. Mean 1.9 ms, E[S²] = 2(0.9·1² + 0.1·10²) = 21.8 ms², SCV ≈ 5.04.
fn h2() -> Value {
    json!({ "hyperexponential": { "branches": [
        { "probability": 0.9, "mean_ms": 1 },
        { "probability": 0.1, "mean_ms": 10 } ] } })
}

/// P-K by hand at λ = 300/s (ρ = 0.57): W = λE[S²] / (2(1 − ρ))
/// = 300 · 21.8·10⁻⁶ / 0.86 s = 7.604651… ms, R = W + 1.9 ms.
#[test]
fn analyze_gives_the_pollaczek_khinchine_wait_of_hyperexponential_service() {
    let model = single_queue(300.0, h2(), 1, None, 100.0);
    let analysis = analytic::analyze(&model);
    let server = &analysis.nodes[0];
    assert_eq!(server.groups[0].1.method, Method::AllenCunneen);
    assert!((server.groups[0].0.scv - (21.8 / 3.61 - 1.0)).abs() < 1e-12);
    let wait_ms = 300.0 * 21.8e-6 / 0.86 * 1e3;
    let got = server.wait_ms.expect("a stable queue");
    assert!((got - wait_ms).abs() < 1e-9, "W {got} against {wait_ms}");
    let response = analysis.response_ms.expect("a stable queue");
    assert!((response - (wait_ms + 1.9)).abs() < 1e-9);
    assert_eq!(server.reasons, [Reason::NonExponential]);
}

/// The simulated M/H2/1 against the same P-K wait (7.6047 ms). W is measured
/// as Lq / λ (Little), which carries no service noise. 10 replications of
/// 2·10^4 s (6·10^6 customers each); pilot half-width 0.41%; bound 1.5%.
#[test]
fn simulated_hyperexponential_wait_matches_pollaczek_khinchine() {
    let lambda = 300.0;
    let runs = support::replicate(&single_queue(lambda, h2(), 1, None, 20_000.0), SEED, 10);
    let theory_ms = analytic::mg1_wait_mean(lambda, 0.0019, 21.8 / 3.61 - 1.0).unwrap() * 1e3;
    assert!((theory_ms - 300.0 * 21.8e-6 / 0.86 * 1e3).abs() < 1e-9);
    let waits = each(&runs, |r| {
        r.nodes[0].mean_queue / r.nodes[0].latency.throughput_rps * 1e3
    });
    check_against_theory("mean W (ms)", &waits, theory_ms, 0.015);
}

/// Each law's SCV reaches the station exactly, from its closed form worked
/// by hand: Weibull k = 2 (Rayleigh) 4/π − 1, Erlang-4 1/4, bounded Pareto
/// α = 1 on [1, 10] E[X²]/E[X]² − 1 with E[X] = (10/9) ln 10 and E[X²] = 10,
/// a two-phase chain (Erlang-2 written as phases) 1/2.
#[test]
fn analyze_uses_each_laws_exact_scv() {
    let mean = 10.0 / 9.0 * 10f64.ln();
    let cases = [
        (
            json!({ "weibull": { "shape": 2, "mean_ms": 2 } }),
            2.0,
            4.0 / std::f64::consts::PI - 1.0,
        ),
        (json!({ "erlang": { "k": 4, "mean_ms": 2 } }), 2.0, 0.25),
        (
            json!({ "bounded_pareto": { "alpha": 1, "min_ms": 1, "max_ms": 10 } }),
            mean,
            10.0 / (mean * mean) - 1.0,
        ),
        (
            json!({ "phase_type": { "phases": [
                { "mean_ms": 1, "start": 1, "next": [0, 1] }, { "mean_ms": 1 } ] } }),
            2.0,
            0.5,
        ),
    ];
    for (law, mean_ms, scv) in cases {
        let analysis = analytic::analyze(&single_queue(100.0, law.clone(), 1, None, 100.0));
        let station = &analysis.nodes[0].groups[0].0;
        assert!(
            (station.scv - scv).abs() < 1e-9,
            "{law}: scv {}",
            station.scv
        );
        assert!(
            (station.service_s - mean_ms / 1e3).abs() < 1e-12,
            "{law}: mean"
        );
    }
}

/// The message for `service`; serde's own range errors end with the line
/// and column of the compact JSON, which `rejected` does not pin.
#[track_caller]
fn rejected(service: Value, expected: &str) {
    let message = message_for(service);
    match message.split_once(" at line 1 column ") {
        Some((head, _)) => assert_eq!(head, expected),
        None => assert_eq!(message, expected),
    }
}

fn message_for(service: Value) -> String {
    let model = json!({
        "simulation": { "duration_s": 60, "warmup_s": 10 },
        "instance_types": { "box": { "vcpus": 2 } },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": { "web": { "pool": { "instance_type": "box", "instances": 2, "service": service } } }
    });
    let err = capsim::model::parse(&model.to_string()).expect_err("rejected");
    err.to_string()
}

#[test]
fn bad_law_parameters_name_their_path() {
    let at = "nodes.web.pool.service";
    rejected(
        json!({ "bounded_pareto": { "alpha": 1.5, "min_ms": 10, "max_ms": 10 } }),
        &format!("{at}.bounded_pareto.max_ms: expected more than `min_ms` (10), got 10"),
    );
    rejected(
        json!({ "bounded_pareto": { "alpha": 1e6, "min_ms": 1, "max_ms": 10 } }),
        &format!(
            "{at}.bounded_pareto.alpha: expected a tail index between 0.001 and 1000, got 1000000"
        ),
    );
    rejected(
        json!({ "weibull": { "shape": 0.01, "scale_ms": 1 } }),
        &format!("{at}.weibull.shape: expected a shape between 0.1 and 100, got 0.01"),
    );
    rejected(
        json!({ "weibull": { "shape": 1, "scale_ms": 1, "mean_ms": 2 } }),
        &format!(
            "{at}.weibull: expected `scale_ms` or `mean_ms`, got both (give one: the other follows from the shape)"
        ),
    );
    rejected(
        json!({ "weibull": { "shape": 1 } }),
        &format!("{at}.weibull: expected `scale_ms` or `mean_ms`, got neither"),
    );
    rejected(
        json!({ "hyperexponential": { "branches": [
            { "probability": 0.33, "mean_ms": 1 }, { "probability": 0.33, "mean_ms": 2 } ] } }),
        &format!(
            "{at}.hyperexponential.branches: expected `probability` values that add up to 1, got 0.66"
        ),
    );
    rejected(
        json!({ "hyperexponential": { "branches": [] } }),
        &format!("{at}.hyperexponential.branches: expected at least one branch, got none"),
    );
    rejected(
        json!({ "hyperexponential": { "branches": [{ "probability": 1.5, "mean_ms": 1 }] } }),
        &format!(
            "{at}.hyperexponential.branches[0].probability: expected a number between 0 and 1, got 1.5"
        ),
    );
    rejected(
        json!({ "erlang": { "k": 0, "mean_ms": 1 } }),
        &format!("{at}.erlang.k: expected an integer ≥ 1, got 0"),
    );
}

#[test]
fn bad_phase_type_chains_name_their_path() {
    let at = "nodes.web.pool.service.phase_type.phases";
    rejected(
        json!({ "phase_type": { "phases": [
            { "mean_ms": 1, "start": 1, "next": [0, 1] }, { "mean_ms": 1, "next": [1] } ] } }),
        &format!(
            "{at}: expected a chain that ends, got phases whose `next` probabilities add up to 1 among themselves (they loop forever)"
        ),
    );
    rejected(
        json!({ "phase_type": { "phases": [{ "mean_ms": 1, "start": 0.5 }] } }),
        &format!("{at}: expected `start` values that add up to 1, got 0.5"),
    );
    rejected(
        json!({ "phase_type": { "phases": [{ "mean_ms": 1, "start": 1, "next": [0.5, 0.5] }] } }),
        &format!("{at}[0].next: expected at most 1 probabilities (one per phase), got 2"),
    );
    rejected(
        json!({ "phase_type": { "phases": [
            { "mean_ms": 1, "start": 1, "next": [0.7, 0.7] }, { "mean_ms": 1 } ] } }),
        &format!("{at}[0].next: expected probabilities that add up to at most 1, got 1.4"),
    );
    rejected(
        json!({ "phase_type": { "phases": [{ "mean_ms": 1, "start": 1, "next": [0.99999] }] } }),
        &format!("{at}: expected at most 1e4 phases visited per draw on average, got 100000"),
    );
}
