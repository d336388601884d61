//! `analyze`: theory's figures for shipped models against the formulas and
//! QUEUEING.md's worked numbers, beside the simulation, and the reasons it
//! gives where theory does not apply.

use capsim::analytic::{self, Analysis, Method, Network, NodeTheory, Reason};
use serde_json::json;

use crate::support::{self, capsim, check_against_theory, each};

fn analyze(path: &str) -> (capsim::model::Model, Analysis) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let model = capsim::model::load(&path).expect("shipped model loads");
    let analysis = analytic::analyze(&model);
    (model, analysis)
}

fn node<'a>(analysis: &'a Analysis, name: &str) -> &'a NodeTheory {
    analysis
        .nodes
        .iter()
        .find(|n| n.name == name)
        .expect("node")
}

/// Equal to floating point: the analysis must compute exactly the formula.
#[track_caller]
fn same(what: &str, got: Option<f64>, want: f64) {
    let got = got.unwrap_or_else(|| panic!("{what}: no estimate"));
    assert!(
        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{what}: {got} against {want}"
    );
}

/// The printed worked number, to its printed digits.
#[track_caller]
fn worked(what: &str, got: Option<f64>, want: f64, digits: f64) {
    let got = got.unwrap();
    assert!(
        (got - want).abs() <= digits / 2.0,
        "{what}: {got} against {want}"
    );
}

#[test]
fn mm1_model_matches_the_mm1_formulas_and_worked_numbers() {
    let (_, analysis) = analyze("models/mm1.json");
    let server = node(&analysis, "server");
    assert_eq!(analysis.network, Some(Network::Jackson));
    assert_eq!(server.groups[0].1.method, Method::ErlangC);
    assert!(server.reasons.is_empty() && analysis.reasons.is_empty());
    // λ = 7/s, μ = 10/s.
    same("utilization", server.utilization, 0.7);
    same(
        "P(wait)",
        server.wait_probability,
        analytic::erlang_c(7.0, 10.0, 1).unwrap(),
    );
    same(
        "mean R",
        server.response_ms,
        1e3 * analytic::mm1_response_mean(7.0, 10.0).unwrap(),
    );
    same("end-to-end mean", analysis.response_ms, 1e3 / 3.0);
    same("throughput", analysis.throughput_rps, 7.0);
    // QUEUEING.md: ρ = 0.7, P(wait) = ρ, mean R = 0.3333 s, mean W = 0.2333 s.
    worked("P(wait)", server.wait_probability, 0.7, 1e-12);
    worked("mean R ms", server.response_ms, 333.3, 0.1);
    worked("mean W ms", server.wait_ms, 233.3, 0.1);
}

#[test]
fn mmc_model_matches_erlang_c_and_worked_numbers() {
    let (_, analysis) = analyze("models/mmc.json");
    let server = node(&analysis, "server");
    // λ = 30/s, μ = 10/s, c = 4.
    same("utilization", server.utilization, 0.75);
    same(
        "P(wait)",
        server.wait_probability,
        analytic::erlang_c(30.0, 10.0, 4).unwrap(),
    );
    same(
        "mean W",
        server.wait_ms,
        1e3 * analytic::mmc_wait_mean(30.0, 10.0, 4).unwrap(),
    );
    same(
        "mean R",
        analysis.response_ms,
        1e3 * analytic::mmc_wait_mean(30.0, 10.0, 4).unwrap() + 100.0,
    );
    // QUEUEING.md: C = 0.5094, mean W = 0.05094 s, mean R = 0.15094 s.
    worked("C", server.wait_probability, 0.5094, 1e-4);
    worked("mean W ms", server.wait_ms, 50.94, 0.01);
    worked("mean R ms", analysis.response_ms, 150.94, 0.01);
}

/// Simulation beside theory on both models. Each model's own run length
/// (mm1: 19,000 s measured at 7/s, 1.3·10^5 requests; mmc: 4,800 s at
/// 30/s, 1.4·10^5), 5 replications. Pilot 95% half-widths, relative to
/// theory: mean response 2.1% (M/M/1) and 1.2% (M/M/4), mean wait 2.9% and
/// 3.1%, P(wait) 0.7% and 1.4%, utilization and throughput under 0.5%; so
/// 5% bounds the interval, and theory must lie within 3 half-widths
/// (`check_against_theory`).
#[test]
fn simulation_agrees_with_the_analysis_within_its_interval() {
    for path in ["models/mm1.json", "models/mmc.json"] {
        let (model, analysis) = analyze(path);
        let runs = support::replicate(&model, model.seed, 5);
        for row in analytic::versus(&analysis, &runs) {
            let what = format!("{path} {:?} {}", row.node, row.figure);
            let samples: Vec<f64> = match (row.node.as_deref(), row.figure) {
                (None, "req/s") => each(&runs, |r| r.end_to_end.throughput_rps),
                (None, "mean ms") => each(&runs, |r| r.end_to_end.mean_ms),
                (Some(_), "util %") => each(&runs, |r| r.nodes[0].utilization.unwrap() * 100.0),
                (Some(_), "P(wait)") => each(&runs, |r| {
                    r.nodes[0].queued as f64 / r.nodes[0].latency.completed as f64
                }),
                (Some(_), "wait ms") => each(&runs, |r| {
                    r.nodes[0].mean_queue / r.nodes[0].latency.throughput_rps * 1e3
                }),
                (Some(_), "mean ms") => each(&runs, |r| r.nodes[0].latency.mean_ms),
                other => panic!("unexpected row {other:?}"),
            };
            assert!((samples.iter().sum::<f64>() / 5.0 - row.simulated.mean).abs() < 1e-9);
            check_against_theory(&what, &samples, row.theory, 0.05);
            assert!(row.reasons.is_empty(), "{what}: {:?}", row.reasons);
        }
    }
}

#[test]
fn closed_population_is_solved_by_mva() {
    let (_, analysis) = analyze("experiments/real-check/model-u85.json");
    assert_eq!(analysis.network, Some(Network::Mva));
    // 48 users, think 500 ms plus the 0.7 ms `http` latency (a pure delay),
    // one station of 4 servers with S = 40 ms.
    let point = analytic::mva(
        &[analytic::Station {
            servers: 4,
            service_s: 0.040,
        }],
        0.5007,
        48,
    );
    same("X", analysis.throughput_rps, point.throughput);
    same("R", analysis.response_ms, (point.response + 0.0007) * 1e3);
    same(
        "utilization",
        node(&analysis, "server").utilization,
        point.throughput * 0.040 / 4.0,
    );
}

#[test]
fn non_exponential_service_uses_allen_cunneen_and_says_so() {
    // M/G/1 with lognormal service, mean 10 ms and cv 2, at 60/s: QUEUEING.md
    // gives mean W = 37.5 ms, mean R = 47.5 ms (Allen–Cunneen is P-K here).
    let model = support::single_queue(
        60.0,
        json!({ "lognormal": { "mean_ms": 10, "cv": 2 } }),
        1,
        None,
        100.0,
    );
    let analysis = analytic::analyze(&model);
    let server = &analysis.nodes[0];
    assert_eq!(server.groups[0].1.method, Method::AllenCunneen);
    assert!((server.groups[0].0.scv - 4.0).abs() < 1e-12);
    worked("mean W ms", server.wait_ms, 37.5, 1e-9);
    worked("mean R ms", analysis.response_ms, 47.5, 1e-9);
    assert_eq!(server.reasons, [Reason::NonExponential]);
}

#[test]
fn finite_exponential_queue_is_mmck_exactly() {
    // QUEUEING.md: λ = 3, μ = 1, c = 2, K = 5: throughput 1.8767/s, mean R 1.9532 s.
    let model = support::single_queue(3.0, support::exponential(1.0), 2, Some(3), 100.0);
    let analysis = analytic::analyze(&model);
    let server = &analysis.nodes[0];
    assert_eq!(server.groups[0].1.method, Method::Mmck);
    worked("blocking", Some(server.groups[0].1.blocking), 0.37442, 1e-5);
    worked("throughput", analysis.throughput_rps, 1.8767, 1e-4);
    worked("mean R ms", analysis.response_ms, 1953.2, 0.1);
}

#[test]
fn where_theory_does_not_apply_it_says_why() {
    // Unstable: 12/s against 10/s of capacity.
    let unstable = analytic::analyze(&support::single_queue(
        12.0,
        support::exponential(10.0),
        1,
        None,
        100.0,
    ));
    assert_eq!(unstable.response_ms, None);
    assert!(unstable.reasons.contains(&Reason::Unstable));
    // A rate profile: theory at the mean rate only.
    let (_, flash) = analyze("models/flash-sale.json");
    assert!(
        flash.reasons.contains(&Reason::TimeVarying),
        "{:?}",
        flash.reasons
    );
    // Closed users against lognormal pools that call a database.
    let (_, locust) = analyze("models/locust.json");
    let web = node(&locust, "web");
    assert!(web.reasons.contains(&Reason::NonExponential));
    assert!(web.reasons.contains(&Reason::HeldWorkers));
}

#[test]
fn cli_prints_theory_and_simulation_side_by_side() {
    let out = capsim(&[
        "analyze",
        "models/mmc.json",
        "--simulate",
        "--replications",
        "2",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    for expected in [
        "M/M/c Erlang C",
        "end to end (Jackson",
        "theory against simulation (2 replications",
        "P(wait)",
    ] {
        assert!(stdout.contains(expected), "no `{expected}` in:\n{stdout}");
    }
}

#[test]
fn cli_writes_the_analysis_and_the_comparison_as_json() {
    let path = std::env::temp_dir().join(format!("capsim-analyze-{}.json", std::process::id()));
    let out = capsim(&[
        "analyze",
        "models/mmc.json",
        "--simulate",
        "--replications",
        "2",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).ok();
    // Erlang C for M/M/4 at ρ = 0.75 (QUEUEING.md): P(wait) = 0.5094.
    let server = &json["analysis"]["nodes"][0];
    assert!((server["wait_probability"].as_f64().unwrap() - 0.5094).abs() < 1e-4);
    let versus = json["versus"].as_array().unwrap();
    assert!(versus.iter().any(|row| row["figure"] == "req/s"));
}

/// The closed model of the real check (48 users, M/M/4 at 85%), simulated:
/// 4 replications of 2,940 s (2.5·10^5 requests each). Pilot half-widths:
/// throughput 0.03%, mean response 0.25%, P(wait) 0.5%, mean wait 0.6%;
/// bound 2%, theory within 3 half-widths. MVA's probability of waiting
/// comes from the arrival theorem, so this checks it too.
#[test]
fn closed_population_simulation_agrees_with_mva() {
    let (model, analysis) = analyze("experiments/real-check/model-u85.json");
    let runs = support::replicate(&model, model.seed, 4);
    let server = model.node_id("server").unwrap().index();
    for row in analytic::versus(&analysis, &runs) {
        let what = format!("{:?} {}", row.node, row.figure);
        let samples: Vec<f64> = match (row.node.as_deref(), row.figure) {
            (None, "req/s") => each(&runs, |r| r.end_to_end.throughput_rps),
            (None, "mean ms") => each(&runs, |r| r.end_to_end.mean_ms),
            (Some("server"), "P(wait)") => each(&runs, |r| {
                let n = &r.nodes[server];
                n.queued as f64 / n.latency.completed as f64
            }),
            (Some("server"), "wait ms") => each(&runs, |r| {
                let n = &r.nodes[server];
                n.mean_queue / n.latency.throughput_rps * 1e3
            }),
            _ => continue,
        };
        check_against_theory(&what, &samples, row.theory, 0.02);
    }
}

#[test]
fn cli_exits_3_when_theory_finds_a_station_over_capacity() {
    let path = std::env::temp_dir().join(format!("capsim-analyze-{}.json", std::process::id()));
    let model = json!({
        "simulation": { "duration_s": 100, "warmup_s": 10 },
        "instance_types": { "one": { "vcpus": 1 } },
        "traffic": { "entry": "server", "arrivals": { "poisson": { "rate_rps": 12 } } },
        "nodes": { "server": { "pool": { "instance_type": "one", "instances": 1,
                                         "service": { "exponential": { "mean_ms": 100 } } } } }
    });
    std::fs::write(&path, model.to_string()).unwrap();
    let out = capsim(&["analyze", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("unstable"), "{stdout}");
}
