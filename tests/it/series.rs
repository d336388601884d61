//! The time series (`RunOptions::series_window_s`, `capsim run --series`):
//! its windows add up to the run's own figures, it shows a step in load, it
//! does not depend on the thread count, and the CLI writes it.

use capsim::{RunOptions, RunResult, Series};
use rayon::prelude::*;
use serde_json::json;

use crate::support::{self, capsim, column, exponential, single_queue};

const SEED: u64 = 20_240_601;

fn with_series(window_s: f64) -> RunOptions {
    RunOptions {
        series_window_s: Some(window_s),
        ..RunOptions::default()
    }
}

fn simulate(model: &capsim::model::Model, window_s: f64) -> RunResult {
    capsim::simulate_with(model, SEED, 0, &with_series(window_s), &mut |_| {})
}

/// Rows of windows after the warm-up, and the column in them.
fn measured(series: &Series, name: &str) -> Vec<f64> {
    let warmup = column(series, "warmup");
    column(series, name)
        .into_iter()
        .zip(warmup)
        .filter(|&(_, warmup)| warmup == 0.0)
        .map(|(value, _)| value)
        .collect()
}

/// Counts back from rates: each rate is count / 10 s, so rate × 10 is the
/// count up to one rounding, which `round` removes: the sums are exact.
fn count(rates: &[f64], window_s: f64) -> u64 {
    rates
        .iter()
        .map(|rate| (rate * window_s).round() as u64)
        .sum()
}

/// M/M/1/6 at ρ = 0.8 (so some requests are rejected), 2000 s with 100 s of
/// warm-up, in 10 s windows that the warm-up's end falls on.
#[test]
fn windows_add_up_to_the_run() {
    let model = single_queue(8.0, exponential(10.0), 1, Some(5), 2000.0);
    let run = simulate(&model, 10.0);
    let series = run.series.as_ref().expect("a series was asked for");
    assert_eq!(series.rows.len(), 200);
    assert_eq!(column(series, "warmup").iter().sum::<f64>(), 10.0);

    assert_eq!(
        count(&measured(series, "arrivals_per_s"), 10.0),
        run.arrivals
    );
    assert_eq!(
        count(&measured(series, "completions_per_s"), 10.0),
        run.end_to_end.completed
    );
    let errors = count(&measured(series, "errors_per_s"), 10.0);
    assert_eq!(errors, run.end_to_end.errors);
    assert!(errors > 0, "the test should see rejections");

    // Both sides integrate the same occupancy changes, split at window
    // edges or not: equal up to floating-point rounding.
    let node = &run.nodes[0];
    for (name, whole_run) in [
        ("server.utilization", node.utilization.unwrap()),
        (
            "server.worker_utilization",
            node.worker_utilization.unwrap(),
        ),
    ] {
        let windows = measured(series, name);
        let mean = windows.iter().sum::<f64>() / windows.len() as f64;
        assert!(
            (mean - whole_run).abs() <= 1e-9 * whole_run,
            "{name}: windows average {mean}, run {whole_run}"
        );
    }

    // One in service and five waiting at most.
    let in_flight = column(series, "in_flight");
    assert!(in_flight.iter().all(|&n| (0.0..=6.0).contains(&n)));
    assert!(in_flight.iter().any(|&n| n > 0.0));
    for (row, (p50, p99)) in column(series, "p50_ms")
        .into_iter()
        .zip(column(series, "p99_ms"))
        .enumerate()
    {
        assert!(
            p50 > 0.0 && p50 <= p99,
            "window {row}: p50 {p50}, p99 {p99}"
        );
    }
}

/// There are ceil(duration / window) windows; the last one may be short.
#[test]
fn windows_cover_the_whole_run() {
    let model = single_queue(5.0, exponential(10.0), 1, None, 1000.0);
    for (window_s, rows) in [(10.0, 100), (7.0, 143), (30.0, 34), (2000.0, 1)] {
        let series = simulate(&model, window_s).series.expect("a series");
        assert_eq!(series.rows.len(), rows, "window {window_s} s");
        let starts = column(&series, "time_s");
        assert_eq!(starts[0], 0.0);
        assert_eq!(*starts.last().unwrap(), window_s * (rows - 1) as f64);
    }
}

/// 100/s for a minute, then 400/s. Each mean rate below counts about
/// 6000 and 24000 arrivals (Poisson: standard deviations 77 and 155, i.e.
/// 1.3/s and 2.6/s as rates); 4 standard deviations are allowed. CPU work
/// is exponential with mean 1 ms, so utilization is 0.1 then 0.4; the busy
/// time of N jobs has standard deviation √(2N) ms (compound Poisson), under
/// 0.004 as a share of the minute, and 0.015 is allowed.
#[test]
fn a_step_in_load_shows() {
    let model = support::model(json!({
        "simulation": { "duration_s": 120.0, "warmup_s": 10.0 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "web", "arrivals": { "profile": { "points": [[0, 100], [60, 400]] } } },
        "nodes": { "web": { "pool": { "instance_type": "unit", "instances": 1,
                                      "service": { "exponential": { "mean_ms": 1.0 } } } } }
    }));
    let series = simulate(&model, 10.0).series.expect("a series");
    let starts = column(&series, "time_s");
    let mean_over = |name: &str, before_step: bool| {
        let values: Vec<f64> = column(&series, name)
            .into_iter()
            .zip(&starts)
            .filter(|&(_, &start)| (start < 60.0) == before_step)
            .map(|(value, _)| value)
            .collect();
        assert_eq!(values.len(), 6);
        values.iter().sum::<f64>() / 6.0
    };
    for (name, before, after, tolerance) in [
        ("arrivals_per_s", 100.0, 400.0, (5.2, 10.4)),
        ("web.utilization", 0.1, 0.4, (0.015, 0.015)),
    ] {
        let (measured_before, measured_after) = (mean_over(name, true), mean_over(name, false));
        assert!(
            (measured_before - before).abs() <= tolerance.0,
            "{name} before the step: {measured_before}, expected {before}"
        );
        assert!(
            (measured_after - after).abs() <= tolerance.1,
            "{name} after the step: {measured_after}, expected {after}"
        );
    }
}

/// An unstable run stops early; its series stops there too.
#[test]
fn an_unstable_run_ends_its_series_where_it_stopped() {
    let model = support::model(json!({
        "simulation": { "duration_s": 1000.0, "max_in_flight": 500 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 12.0 } } },
        "nodes": { "web": { "pool": { "instance_type": "unit", "instances": 1,
                                      "service": { "exponential": { "mean_ms": 100.0 } } } } }
    }));
    let run = simulate(&model, 10.0);
    let capsim::Outcome::Unstable { at_s, .. } = run.outcome else {
        panic!("λ = 12 > μ = 10 should halt: {:?}", run.outcome);
    };
    let series = run.series.expect("a series");
    assert_eq!(series.rows.len(), (at_s / 10.0).ceil() as usize);
    let in_flight = column(&series, "in_flight");
    assert!(*in_flight.last().unwrap() > 400.0, "{in_flight:?}");
}

/// The series adds records only: the rest of the result is unchanged.
#[test]
fn recording_a_series_changes_nothing_else() {
    let model = single_queue(8.0, exponential(10.0), 1, Some(5), 500.0);
    let mut with = simulate(&model, 10.0);
    assert!(with.series.take().is_some());
    let without = capsim::simulate(&model, SEED, 0);
    assert_eq!(
        serde_json::to_string(&with).unwrap(),
        serde_json::to_string(&without).unwrap()
    );
}

#[test]
fn series_bytes_do_not_depend_on_thread_count() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/shop.json");
    let model = capsim::model::load(&path).expect("shop.json is valid");
    let csv = |threads: usize| {
        let runs: Vec<RunResult> = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| {
                (0..4)
                    .into_par_iter()
                    .map(|rep| {
                        capsim::simulate_with(&model, 7, rep, &with_series(5.0), &mut |_| {})
                    })
                    .collect()
            });
        capsim::report::series::render(&runs).expect("series render")
    };
    let one = csv(1);
    assert_eq!(one, csv(4));
    let text = String::from_utf8(one).unwrap();
    let replications: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap())
        .collect();
    assert!(replications.is_sorted(), "replication order");
    assert_eq!(replications.last(), Some(&"3"));
}

#[test]
fn cli_writes_the_series_and_rejects_an_empty_window() {
    let path = std::env::temp_dir().join(format!("capsim-test-{}-series.csv", std::process::id()));
    let path_text = path.to_str().unwrap();
    let run = capsim(&["run", "models/mm1.json", "--series", path_text]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&format!("wrote {path_text}")), "{stderr}");
    let csv = std::fs::read_to_string(&path).expect("the series was written");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "replication,time_s,warmup,arrivals_per_s,completions_per_s,errors_per_s,\
             p50_ms,p99_ms,in_flight,server.utilization,server.worker_utilization,\
             server.serving,server.starting,server.draining,server.failed,server.desired,cost_usd"
        )
    );
    // models/mm1.json runs 20000 s: 2000 windows of the default 10 s.
    assert_eq!(lines.clone().count(), 2000);
    assert!(lines.next().unwrap().starts_with("0,0,1,"));

    for window in ["0", "-5", "nan"] {
        let rejected = capsim(&[
            "run",
            "models/mm1.json",
            "--series",
            path_text,
            "--series-window",
            window,
        ]);
        assert_eq!(rejected.status.code(), Some(2), "--series-window {window}");
        let stderr = String::from_utf8_lossy(&rejected.stderr);
        assert!(
            stderr.contains("expected a positive number of seconds"),
            "{stderr}"
        );
    }
    std::fs::remove_file(&path).ok();
}
