//! Tiny topologies built in code, and the statistical check shared by the
//! theory tests.

use capsim::model::Model;
use capsim::stats::t_interval;
use serde_json::{Value, json};

/// Parses a topology built with `json!`.
pub fn model(topology: Value) -> Model {
    capsim::model::parse(&topology.to_string()).expect("test topology is valid")
}

/// A single-vCPU instance type named `unit`, free of charge.
pub fn unit_types() -> Value {
    json!({ "unit": { "vcpus": 1 }, "quad": { "vcpus": 4 } })
}

/// One pool, `c` vCPUs and `c` workers (plus `queue_limit`), fed by Poisson
/// arrivals at `lambda`/s with `service` (a distribution spec).
pub fn single_queue(
    lambda: f64,
    service: Value,
    c: u32,
    queue_limit: Option<u32>,
    duration_s: f64,
) -> Model {
    let mut pool = json!({
        "instance_type": "cores", "instances": 1, "workers_per_instance": c, "service": service
    });
    if let Some(limit) = queue_limit {
        pool["queue_limit"] = json!(limit);
    }
    model(json!({
        "simulation": { "duration_s": duration_s, "warmup_s": duration_s / 20.0 },
        "instance_types": { "cores": { "vcpus": c } },
        "traffic": { "entry": "server", "arrivals": { "poisson": { "rate_rps": lambda } } },
        "nodes": { "server": { "pool": pool } }
    }))
}

/// Exponential service with mean `1/mu` seconds.
pub fn exponential(mu: f64) -> Value {
    json!({ "exponential": { "mean_ms": 1000.0 / mu } })
}

/// `reps` independent replications, in order.
pub fn replicate(model: &Model, seed: u64, reps: u32) -> Vec<capsim::RunResult> {
    capsim::replicate(model, seed, reps)
}

/// Checks replicated estimates `samples` of a figure against `theory`.
///
/// Two checks, so the test can fail both ways: the 95% interval must be
/// narrow (half-width at most `max_rel_half_width` of theory; else the runs
/// are too short to test anything), and theory must lie within 3
/// half-widths of the mean (a bare 95% interval would miss the truth for one
/// seed in twenty; 3 half-widths is about 4.5 standard errors). A floor of
/// 0.2% of theory allows for the HDR histogram's 0.1% bucket precision.
#[track_caller]
pub fn check_against_theory(what: &str, samples: &[f64], theory: f64, max_rel_half_width: f64) {
    let (mean, half_width) = t_interval(samples, 0.95).expect("at least two replications");
    assert!(
        half_width <= max_rel_half_width * theory.abs(),
        "{what}: interval too wide to test anything: {mean} ± {half_width} (theory {theory})"
    );
    let allowed = (3.0 * half_width).max(0.002 * theory.abs());
    assert!(
        (mean - theory).abs() <= allowed,
        "{what}: simulated {mean} ± {half_width}, theory {theory} (allowed ±{allowed})"
    );
}

/// Collects one figure from every run.
pub fn each(runs: &[capsim::RunResult], figure: impl Fn(&capsim::RunResult) -> f64) -> Vec<f64> {
    runs.iter().map(figure).collect()
}

/// Checks replicated end-to-end throughput and mean response time against
/// an MVA solution (see [`check_against_theory`]).
#[track_caller]
pub fn check_against_mva(
    what: &str,
    runs: &[capsim::RunResult],
    theory: &capsim::analytic::MvaPoint,
    max_rel_half_width: f64,
) {
    check_against_theory(
        &format!("{what}: X"),
        &each(runs, |r| r.end_to_end.throughput_rps),
        theory.throughput,
        max_rel_half_width,
    );
    check_against_theory(
        &format!("{what}: R"),
        &each(runs, |r| r.end_to_end.mean_ms / 1e3),
        theory.response,
        max_rel_half_width,
    );
}

/// The values of a series column, one per window (the test fails if there is none).
pub fn column(series: &capsim::Series, name: &str) -> Vec<f64> {
    series
        .column(name)
        .unwrap_or_else(|| panic!("no column `{name}` in {:?}", series.columns))
}

/// The built binary, run from the crate's root.
pub fn capsim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("capsim runs")
}

/// A model from `tests/data/defects/`, where the inputs of reported defects
/// are kept as regression cases.
pub fn defect(file: &str) -> Model {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/defects")
        .join(file);
    capsim::model::load(&path).expect("defect input is a valid model")
}
