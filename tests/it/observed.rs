//! Observed metrics: the real-format samples in tests/data/observed read to
//! the exact values in the files, PromQL's histogram_quantile by hand and
//! against Prometheus's own answers, the error arithmetic of `compare`,
//! calibration recovering a known service demand, and the CLI.

use std::path::{Path, PathBuf};

use approx::assert_relative_eq;
use capsim::observed::{
    self, Figure, Format, Load, Observed, Options, Tolerance, error_of, histogram_quantile,
    relative_error,
};
use serde_json::{Value, json};

use crate::support::capsim;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/observed")
        .join(name)
}

fn load(name: &str) -> Observed {
    observed::load(&data(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---- Locust ----------------------------------------------------------------

#[test]
fn locust_stats_reads_the_aggregated_row() {
    let observed = load("locust_stats.csv");
    assert_eq!(observed.format, Format::Locust);
    let f = &observed.figures;
    // `,Aggregated,120,41,3,3.2658503332640976,…,8.803131006589068,3.0077364272512646,3,3,3,4,5,6,8,10,…`
    assert_eq!(
        f.throughput_rps,
        Some(8.803131006589068 - 3.0077364272512646)
    );
    assert_eq!(f.mean_ms, Some(3.2658503332640976));
    assert_eq!(f.p50_ms, Some(3.0));
    assert_eq!(f.p95_ms, Some(6.0));
    assert_eq!(f.p99_ms, Some(10.0));
    assert_eq!(f.error_rate, Some(41.0 / 120.0));
    assert_eq!(observed.load, Load::AsModelled);
    // Each endpoint's row, for the class of its name:
    // `GET,/missing,41,41,3,3.057925365593713,…,3.0077364272512646,3.0077364272512646,3,3,3,3,5,6,10,10,…`
    let missing = &observed.classes["/missing"];
    assert_eq!(missing.throughput_rps, Some(0.0));
    assert_eq!(missing.mean_ms, Some(3.057925365593713));
    assert_eq!(missing.p99_ms, Some(10.0));
    assert_eq!(missing.error_rate, Some(1.0));
    assert_eq!(observed.classes["/"].error_rate, Some(0.0));
    assert_eq!(observed.classes.len(), 2);
}

#[test]
fn classes_named_like_locust_rows_are_compared() {
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(data("http-server.json")).unwrap()).unwrap();
    let observed = load("locust_stats.csv");
    let comparison = observed::compare(&model, Path::new(""), &observed, ONE_RUN).unwrap();
    let classes: Vec<Option<&str>> = comparison.rows.iter().map(|r| r.class.as_deref()).collect();
    let expected: Vec<Option<&str>> = [None, Some("/"), Some("/missing")]
        .iter()
        .flat_map(|c| [*c; 6])
        .collect();
    assert_eq!(classes, expected);
    assert!(comparison.unmatched_classes.is_empty());
    // A model whose classes are named otherwise compares end to end only, and says so.
    let mut renamed = model.clone();
    renamed["traffic"]["classes"] = json!({ "index": { "weight": 3 }, "missing": {} });
    let comparison = observed::compare(&renamed, Path::new(""), &observed, ONE_RUN).unwrap();
    assert_eq!(comparison.rows.len(), 6);
    assert_eq!(comparison.unmatched_classes, ["/", "/missing"]);
}

#[test]
fn locust_history_compares_the_full_population_only() {
    let observed = load("locust_stats_history.csv");
    // Users reach 5 at 1795441894 (line 7) and stay until 1795441903 (line
    // 16): 10 rows, too few to also wait out the 10 s rolling window.
    assert_eq!(observed.load, Load::Users(5));
    assert!(
        observed.window.starts_with("10 rows at 5 users, 5–14 s"),
        "{}",
        observed.window
    );
    let f = &observed.figures;
    // Totals at the window's ends: 30 requests, 9 failures, mean
    // 3.713081733379416 ms; and 120, 41, 3.2658503332640976 ms, 9 s later.
    let (requests, failures) = (120.0 - 30.0, 41.0 - 9.0);
    assert_relative_eq!(f.throughput_rps.unwrap(), (requests - failures) / 9.0);
    assert_relative_eq!(f.error_rate.unwrap(), failures / requests);
    let summed = 3.2658503332640976 * 120.0 - 3.713081733379416 * 30.0;
    assert_relative_eq!(f.mean_ms.unwrap(), summed / requests, max_relative = 1e-12);
    // Without `--csv-full-history` the percentile columns are cumulative
    // since the start (ramp-up included): not the window's, so not compared.
    assert_eq!((f.p50_ms, f.p95_ms, f.p99_ms), (None, None, None));
    assert!(observed.notes[0].starts_with("percentiles not compared: "));
}

#[test]
fn comparison_window_skips_ramp_up_and_the_rolling_window() {
    let times: Vec<f64> = (0..40).map(f64::from).collect();
    // Ramp to 10 users over 5 s, hold, and stop 2 users in the last 3 s.
    let users: Vec<u32> = (0..40)
        .map(|t| {
            if t < 5 {
                2 * t
            } else if t >= 37 {
                8
            } else {
                10
            }
        })
        .collect();
    // Full from t = 5; settled 10 s later; the last full row is t = 36.
    assert_eq!(
        observed::full_population(&times, &users, 10.0),
        (15, 37, true)
    );
    assert_eq!(
        observed::full_population(&times, &users, 0.0),
        (5, 37, true)
    );
    // Too short to settle: every full row.
    assert_eq!(
        observed::full_population(&times[..9], &users[..9], 10.0),
        (5, 9, false)
    );
}

#[test]
fn locust_reset_stats_restarts_the_totals() {
    // `--reset-stats`: totals fall to 0 when the last user spawns (t = 103).
    let header = std::fs::read_to_string(data("locust_stats_history.csv")).unwrap();
    let header = header.lines().next().unwrap();
    let row = |t: u32, users: u32, total: u32, failed: u32, mean: f64| {
        format!(
            "{t},{users},,Aggregated,2.0,0.0,3,3,3,3,3,3,3,5,5,5,5,{total},{failed},3,{mean},1,5,100"
        )
    };
    let text = [
        header.to_string(),
        row(100, 2, 10, 0, 4.0),
        row(101, 4, 30, 1, 4.0),
        row(102, 4, 60, 2, 4.0),
        row(103, 4, 20, 0, 2.0),
        row(104, 4, 50, 1, 3.0),
    ]
    .join("\n");
    let observed =
        observed::parse(Path::new("reset_stats_history.csv"), &text, Format::Locust).unwrap();
    let f = &observed.figures;
    // The rate from t = 103 to 104: 30 requests, 1 failed. The rest since
    // the reset, as the cumulative percentiles are: the last row's 50
    // requests, 1 failed, mean 3.0 ms, 99% 5 ms.
    assert_eq!(f.throughput_rps, Some(29.0));
    assert_eq!(f.error_rate, Some(1.0 / 50.0));
    assert_eq!(f.mean_ms, Some(3.0));
    assert_eq!(f.p99_ms, Some(5.0));
    assert!(observed.notes.is_empty(), "{:?}", observed.notes);
    assert_eq!(
        observed.window,
        "2 rows at 4 users, 3–4 s after the first row (from the last reset of Locust's totals (`--reset-stats`))"
    );
}

// ---- Prometheus ------------------------------------------------------------

#[test]
fn prometheus_config_reads_rate_buckets_and_cpu() {
    let observed = load("prometheus/config.json");
    assert_eq!(observed.format, Format::Prometheus);
    let f = &observed.figures;
    // rate.json: 9, then 8.88888888888889 seven times, then 5.333333333333334.
    let rate = (9.0 + 7.0 * 8.88888888888889 + 5.333333333333334) / 9.0;
    assert_relative_eq!(f.throughput_rps.unwrap(), rate, max_relative = 1e-12);
    // Every request in buckets.json took under 0.1 s (le="0.1" equals
    // le="+Inf" throughout), so each quantile is q × 100 ms.
    assert_relative_eq!(f.p50_ms.unwrap(), 50.0, max_relative = 1e-12);
    assert_relative_eq!(f.p95_ms.unwrap(), 95.0, max_relative = 1e-12);
    assert_relative_eq!(f.p99_ms.unwrap(), 99.0, max_relative = 1e-12);
    assert_eq!(f.mean_ms, None);
    // cpu.json, job="web": the mean of its nine samples.
    assert_relative_eq!(
        observed.utilization["web"],
        0.012962962962962963,
        max_relative = 1e-12
    );
    let Load::Rates { points, span_s } = &observed.load else {
        panic!("expected rates, got {:?}", observed.load);
    };
    assert_eq!(points.len(), 9);
    assert_eq!(points[0], (0.0, 9.0));
    assert_eq!(points[8], (40.0, 5.333333333333334));
    assert_eq!(*span_s, 45.0);
}

#[test]
fn histogram_quantile_matches_prometheus_on_a_real_histogram() {
    // sizes.json: response-size buckets; sizes_q90.json: Prometheus 2.42's
    // own `histogram_quantile(0.9, …)` of the same expression, per step.
    let read = |name: &str| {
        let path = data(name);
        observed::parse_response(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let buckets = read("prometheus/sizes.json");
    let answers = &read("prometheus/sizes_q90.json")[0];
    assert_eq!(answers.samples.len(), 9);
    for (step, answer) in answers.samples.iter().enumerate() {
        let at_step: Vec<(f64, f64)> = buckets
            .iter()
            .map(|s| {
                (
                    s.labels["le"].parse::<f64>().unwrap(),
                    s.samples[step].value,
                )
            })
            .collect();
        assert_relative_eq!(
            histogram_quantile(0.9, &at_step),
            answer.value,
            max_relative = 1e-9
        );
    }
}

#[test]
fn histogram_quantile_by_hand() {
    let buckets = [(0.5, 70.0), (0.1, 10.0), (f64::INFINITY, 80.0), (0.2, 30.0)];
    let q = |q: f64| histogram_quantile(q, &buckets);
    // Rank 40 lies in (0.2, 0.5], which holds 40 of which 10 are needed.
    assert_relative_eq!(q(0.5), 0.2 + 0.3 * 10.0 / 40.0);
    // The first bucket starts at 0: rank 4 of its 10.
    assert_relative_eq!(q(0.05), 0.1 * 4.0 / 10.0);
    // Rank exactly at a bucket's count: its upper bound.
    assert_relative_eq!(q(0.125), 0.1);
    // A rank in the +Inf bucket gives the largest finite bound.
    assert_eq!(q(0.9), 0.5);
    assert_eq!(q(-0.1), f64::NEG_INFINITY);
    assert_eq!(q(1.5), f64::INFINITY);
    assert!(
        histogram_quantile(0.5, &[(0.1, 1.0), (0.2, 2.0)]).is_nan(),
        "no +Inf"
    );
    assert!(
        histogram_quantile(0.5, &[(0.1, 0.0), (f64::INFINITY, 0.0)]).is_nan(),
        "empty"
    );
    assert!(
        histogram_quantile(0.5, &[(f64::INFINITY, 3.0)]).is_nan(),
        "one bucket"
    );
    // Counts that dip (rates of counters scraped apart) are made monotonic:
    // (0.2, 8) counts as (0.2, 10), so rank 10 ends at the first bucket.
    let dipping = [(0.1, 10.0), (0.2, 8.0), (f64::INFINITY, 20.0)];
    assert_relative_eq!(histogram_quantile(0.5, &dipping), 0.1);
    // Buckets with the same bound add up.
    let twice = [(0.1, 5.0), (0.1, 5.0), (f64::INFINITY, 20.0)];
    assert_relative_eq!(histogram_quantile(0.25, &twice), 0.1 * 5.0 / 10.0);
    // A first bucket with a bound at or below 0 gives that bound.
    assert_eq!(
        histogram_quantile(0.1, &[(0.0, 5.0), (f64::INFINITY, 10.0)]),
        0.0
    );
}

#[test]
fn prometheus_config_units_scales_windows_and_tiers() {
    let dir = std::env::temp_dir().join(format!("capsim-observed-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let matrix = |series: &[(&str, [&str; 3])]| {
        let result: Vec<Value> = series
            .iter()
            .map(|(labels, values)| {
                let metric: Value = serde_json::from_str(labels).unwrap();
                let values: Vec<Value> = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| json!([100 + 10 * i, v]))
                    .collect();
                json!({ "metric": metric, "values": values })
            })
            .collect();
        json!({ "status": "success", "data": { "resultType": "matrix", "result": result } })
            .to_string()
    };
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    write("mean.json", matrix(&[("{}", ["0.010", "0.020", "0.030"])]));
    write("errors.json", matrix(&[("{}", ["0", "0.1", "NaN"])]));
    // Two pods of `web` in percent, one series of `db` named by `node`.
    write(
        "cpu.json",
        matrix(&[
            (r#"{"tier":"web"}"#, ["20", "40", "60"]),
            (r#"{"tier":"web"}"#, ["40", "60", "80"]),
        ]),
    );
    write("db.json", matrix(&[("{}", ["0.5", "0.5", "0.5"])]));
    write(
        "config.json",
        json!({
            "error_rate": "errors.json",
            "latency_mean": { "file": "mean.json", "unit": "s" },
            "utilization": [ { "file": "cpu.json", "node_label": "tier", "scale": 0.01 },
                             { "file": "db.json", "node": "db" } ],
            "from_s": 10
        })
        .to_string(),
    );
    let observed = observed::load(&dir.join("config.json"), None).unwrap();
    // From 10 s after the first sample: the samples at 110 and 120 s.
    assert_relative_eq!(
        observed.figures.mean_ms.unwrap(),
        25.0,
        max_relative = 1e-12
    );
    // NaN (a step with no requests: 0 / 0) is left out rather than poisoning the mean.
    assert_relative_eq!(observed.figures.error_rate.unwrap(), 0.1);
    assert_relative_eq!(
        observed.utilization["web"],
        (0.5 + 0.7) / 2.0,
        max_relative = 1e-12
    );
    assert_eq!(observed.utilization["db"], 0.5);
    assert_eq!(observed.load, Load::AsModelled);
    assert_eq!(
        observed.window,
        "samples from 10 s after the first to the last"
    );
}

#[test]
fn locust_full_history_keeps_the_aggregated_rows() {
    // `--csv-full-history` adds a row per endpoint at each timestamp.
    let header = std::fs::read_to_string(data("locust_stats_history.csv")).unwrap();
    let header = header.lines().next().unwrap();
    let row = |t: u32, kind: &str, name: &str, total: u32| {
        format!("{t},4,{kind},{name},2.0,0.0,3,3,3,3,3,3,3,5,5,5,5,{total},0,3,2.5,1,5,100")
    };
    let text = [
        header.to_string(),
        row(100, "GET", "/", 10),
        row(100, "", "Aggregated", 20),
        row(101, "GET", "/", 40),
        row(101, "", "Aggregated", 80),
    ]
    .join("\n");
    let observed =
        observed::parse(Path::new("full_stats_history.csv"), &text, Format::Locust).unwrap();
    assert_eq!(observed.load, Load::Users(4));
    // (80 − 20) requests in 1 s, none failed.
    assert_eq!(observed.figures.throughput_rps, Some(60.0));
    assert_eq!(observed.figures.p99_ms, Some(5.0));
}

// ---- long CSV --------------------------------------------------------------

#[test]
fn long_csv_reads_figures_over_the_full_population() {
    let observed = load("long.csv");
    assert_eq!(observed.format, Format::Csv);
    assert_eq!(observed.load, Load::Users(20));
    let f = &observed.figures;
    // Rows at 20 users: t = 10, 20, 30; the class-labelled row counts for its class only.
    assert_relative_eq!(f.error_rate.unwrap(), 0.02);
    assert_relative_eq!(
        f.throughput_rps.unwrap(),
        (80.0 + 96.0 + 104.0) / 3.0 * 0.98
    );
    assert_eq!(f.mean_ms, Some(22.0));
    assert_eq!(f.p50_ms, Some(15.0));
    assert_eq!(f.p95_ms, Some(60.0));
    assert_eq!(f.p99_ms, Some(85.0));
    assert_relative_eq!(observed.utilization["web"], 0.6);
    assert_eq!(observed.tier_throughput_rps["web"], 100.0);
    // The `class=checkout` row, alone for its class.
    assert_eq!(observed.classes["checkout"].mean_ms, Some(40.0));
    assert_eq!(observed.classes["checkout"].p99_ms, None);
}

// ---- compare ---------------------------------------------------------------

#[test]
fn error_arithmetic() {
    assert_relative_eq!(relative_error(110.0, 100.0), 0.1);
    assert_relative_eq!(relative_error(90.0, 100.0), -0.1);
    assert_eq!(relative_error(0.0, 0.0), 0.0);
    assert_eq!(relative_error(1.0, 0.0), f64::INFINITY);
    // The error rate: percentage points, never relative (0.3% against 0.1%
    // would be +200%).
    assert_relative_eq!(error_of(&Figure::ErrorRate, 0.003, 0.001), 0.2);
    assert_relative_eq!(error_of(&Figure::P99Ms, 220.0, 200.0), 0.1);
    let tolerance = Tolerance {
        relative_pct: 10.0,
        error_rate_pp: 0.5,
    };
    assert!(tolerance.allows(&Figure::P99Ms, 0.1));
    assert!(!tolerance.allows(&Figure::P99Ms, -0.1001));
    assert!(tolerance.allows(&Figure::ErrorRate, 0.2));
    assert!(!tolerance.allows(&Figure::ErrorRate, -0.6));
    assert!(!tolerance.allows(&Figure::MeanMs, f64::INFINITY));
}

/// One pool `web` of 2 instances × 2 vCPUs, Poisson arrivals.
fn web_model(rate_rps: f64, service_mean_ms: f64) -> Value {
    json!({
        "name": "web",
        "simulation": { "duration_s": 120, "warmup_s": 10, "seed": 11 },
        "instance_types": { "two": { "vcpus": 2 } },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": rate_rps } } },
        "nodes": { "web": { "pool": {
            "instance_type": "two", "instances": 2, "workers_per_instance": 8,
            "service": { "exponential": { "mean_ms": service_mean_ms } } } } }
    })
}

fn csv_observed(text: &str) -> Observed {
    observed::parse(Path::new("synthetic.csv"), text, Format::Csv).unwrap()
}

const ONE_RUN: Options = Options {
    seed: 11,
    replications: 1,
};

#[test]
fn compare_puts_each_observed_figure_beside_its_prediction() {
    let observed = csv_observed(
        "time_s,metric,value,labels\n0,throughput_rps,100,\n0,error_rate,0,\n0,utilization,0.2,node=web\n",
    );
    let comparison =
        observed::compare(&web_model(100.0, 8.0), Path::new(""), &observed, ONE_RUN).unwrap();
    let figures: Vec<Figure> = comparison.rows.iter().map(|r| r.figure.clone()).collect();
    assert_eq!(
        figures,
        [
            Figure::ThroughputRps,
            Figure::ErrorRate,
            Figure::Utilization("web".into())
        ]
    );
    for row in &comparison.rows {
        assert_eq!(
            row.error,
            error_of(&row.figure, row.predicted, row.observed)
        );
    }
    // The model is right (D = 8 ms: 100/s × 8 ms / 4 vCPUs = 20%), so every
    // figure lands within 5% (about 12,000 requests: the estimates' noise
    // is near 1%).
    let mut comparison = comparison;
    assert!(comparison.check(&Tolerance {
        relative_pct: 5.0,
        error_rate_pp: 0.1
    }));
}

#[test]
fn observed_rates_drive_the_model_as_a_profile() {
    let observed = csv_observed(
        "time_s,metric,value,labels\n0,throughput_rps,50,\n30,throughput_rps,150,\n60,throughput_rps,100,\n",
    );
    let (driven, note) = observed::drive(&web_model(10.0, 8.0), &observed).unwrap();
    assert_eq!(
        driven["traffic"]["arrivals"],
        json!({ "profile": { "points": [[0.0, 50.0], [40.0, 150.0], [70.0, 100.0]] } })
    );
    // Warm-up 10 s, then three intervals of 30 s.
    assert_eq!(driven["simulation"]["duration_s"], json!(100.0));
    assert!(note.unwrap().contains("3 intervals over 90 s"));
    let comparison =
        observed::compare(&web_model(10.0, 8.0), Path::new(""), &observed, ONE_RUN).unwrap();
    // The window's mean rate, 100/s, not the model's 10/s.
    assert_relative_eq!(comparison.rows[0].predicted, 100.0, max_relative = 0.05);
}

#[test]
fn an_observed_population_sets_the_closed_users() {
    let mut model = web_model(1.0, 8.0);
    model["traffic"]["arrivals"] = json!({ "closed": {
        "users": 10, "spawn_rate_per_s": 2, "think": { "constant": { "ms": 100 } } } });
    let observed = csv_observed("time_s,metric,value,labels\n0,users,40,\n");
    let (driven, note) = observed::drive(&model, &observed).unwrap();
    assert_eq!(driven["traffic"]["arrivals"]["closed"]["users"], json!(40));
    assert_eq!(
        driven["traffic"]["arrivals"]["closed"]["spawn_rate_per_s"],
        json!(2)
    );
    // 40 users at 2/s take 20 s to start, past the 10 s warm-up: said.
    assert_eq!(
        note.unwrap(),
        "traffic: 40 closed users, as observed (the model has 10)\nnote: at 2 users/s the 40 users take 20 s to start, more than the model's 10 s warm-up: its figures include part of the ramp-up"
    );
}

// ---- calibrate -------------------------------------------------------------

/// Observations of `web` with a true demand of 8 ms: 100 req/s on 4 vCPUs
/// keep them 100 × 0.008 / 4 = 20% busy.
const D8_OPEN: &str =
    "time_s,metric,value,labels\n0,throughput_rps,100,\n0,utilization,0.2,node=web\n";

#[test]
fn calibration_recovers_a_known_demand_in_an_open_model() {
    let observed = csv_observed(D8_OPEN);
    let calibration =
        observed::calibrate(&web_model(100.0, 20.0), Path::new(""), &observed, ONE_RUN).unwrap();
    let tier = &calibration.tiers[0];
    assert_eq!(tier.node, "web");
    // Exact up to rounding: in an open model the demand before comes from
    // the traffic equations (20 ms), visits per request are 1 and instances
    // 2 exactly, so D = 0.2 × 2 × 2 / 100 s with no simulation noise.
    assert_relative_eq!(tier.demand_ms_before, 20.0, max_relative = 1e-12);
    assert_relative_eq!(tier.demand_ms_after, 8.0, max_relative = 1e-12);
    let mean = &calibration.model["nodes"]["web"]["pool"]["service"]["exponential"]["mean_ms"];
    assert_eq!(mean, &json!(8.0));
    // The rest of the model is as written.
    assert_eq!(
        calibration.model["traffic"],
        web_model(100.0, 20.0)["traffic"]
    );
    // And the fit improves: utilization off by +150% before, close after.
    let util = |c: &observed::Comparison| c.rows.last().unwrap().error;
    assert!(util(&calibration.before) > 1.0);
    assert!(util(&calibration.after).abs() < 0.05);
}

#[test]
fn calibration_recovers_a_known_demand_under_closed_users() {
    let mut model = web_model(1.0, 3.0);
    model["traffic"]["arrivals"] =
        json!({ "closed": { "users": 50, "think": { "constant": { "ms": 400 } } } });
    // The service is lognormal and class-specific, to check shapes scale too.
    model["nodes"]["web"]["pool"]["service"] = json!({ "lognormal": { "mean_ms": 3, "cv": 0.5 } });
    // 50 users thinking 400 ms at 8 ms demand, lightly loaded: X ≈ 50 / 0.408
    // ≈ 122.5/s; U = X × 0.008 / 4. Exact consistency of U and X is what
    // matters: D = U × 4 / X = 8 ms.
    let x = 122.5;
    let text = format!(
        "time_s,metric,value,labels\n0,users,50,\n0,throughput_rps,{x},\n0,utilization,{},node=web\n",
        x * 0.008 / 4.0
    );
    let observed = csv_observed(&text);
    let calibration = observed::calibrate(&model, Path::new(""), &observed, ONE_RUN).unwrap();
    let tier = &calibration.tiers[0];
    assert_relative_eq!(tier.demand_ms_after, 8.0, max_relative = 1e-9);
    // A closed model has no traffic equations: the demand before is the
    // simulation's U·n·c / X, an average over ~13,000 lognormal service
    // times (cv 0.5): its relative standard error is about 0.5/√13000 ≈
    // 0.4%, so 2% is five standard errors.
    let mean = calibration.model["nodes"]["web"]["pool"]["service"]["lognormal"]["mean_ms"]
        .as_f64()
        .unwrap();
    assert_relative_eq!(mean, 8.0, max_relative = 0.02);
    assert_eq!(
        calibration.model["nodes"]["web"]["pool"]["service"]["lognormal"]["cv"],
        json!(0.5)
    );
}

#[test]
fn latency_fit_recovers_the_service_mean_of_a_single_queue() {
    // M/M/1 at 50/s with an 8 ms service: mean response 1 / (125 − 50) s =
    // 13.33 ms. No utilization observed, so the service is fitted to it.
    let mut model = json!({
        "name": "mm1",
        "simulation": { "duration_s": 300, "warmup_s": 10, "seed": 5 },
        "instance_types": { "one": { "vcpus": 1 } },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 50 } } },
        "nodes": { "web": { "pool": { "instance_type": "one", "instances": 1,
            "service": { "exponential": { "mean_ms": 3 } } } } }
    });
    let observed = csv_observed(&format!(
        "time_s,metric,value,labels\n0,latency_mean_ms,{},\n",
        1000.0 / 75.0
    ));
    let calibration = observed::calibrate(&model, Path::new(""), &observed, ONE_RUN).unwrap();
    let fitted = calibration.model["nodes"]["web"]["pool"]["service"]["exponential"]["mean_ms"]
        .as_f64()
        .unwrap();
    // ~15,000 requests at ρ = 0.4: the simulated mean response has a
    // relative standard error near 1.5% (autocorrelation included), and
    // W = S / (1 − λS) moves 1.67 times faster than S, so S is known to
    // about 1%: 5% is a safe bound that still catches a wrong fit.
    assert_relative_eq!(fitted, 8.0, max_relative = 0.05);
    model["nodes"]["web"]["pool"]["service"]["exponential"]["mean_ms"] = json!(fitted);
    let observed::Method::LatencyFit { fitted_mean_ms, .. } = calibration.tiers[0].method else {
        panic!("expected a latency fit");
    };
    assert_relative_eq!(fitted_mean_ms, 1000.0 / 75.0, max_relative = 0.01);
}

// ---- CLI -------------------------------------------------------------------

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("capsim-observed-{}-{name}", std::process::id()))
}

#[test]
fn cli_compare_prints_every_figure_and_writes_json() {
    let json_path = temp("compare.json");
    let out = capsim(&[
        "compare",
        "tests/data/observed/prometheus/web.json",
        "--observed",
        "tests/data/observed/prometheus/config.json",
        "--json",
        json_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "model `prometheus-api` against `tests/data/observed/prometheus/config.json` (prometheus)",
        "traffic: the observed arrival rate, 9 intervals over 45 s",
        "figure            predicted  observed",
        "throughput req/s",
        "p99 ms",
        "util % web",
    ] {
        assert!(stdout.contains(expected), "no `{expected}` in\n{stdout}");
    }
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(document["rows"].as_array().unwrap().len(), 5);
    assert_eq!(
        document["rows"][4]["figure"],
        json!({ "utilization": "web" })
    );
}

#[test]
fn cli_tolerance_sets_the_exit_code() {
    let args = |tolerance: &str| {
        capsim(&[
            "compare",
            "tests/data/observed/prometheus/web.json",
            "--observed",
            "tests/data/observed/prometheus/config.json",
            "--tolerance",
            tolerance,
        ])
    };
    // The model's 2 ms service is far from 50 ms medians: outside 10%.
    let out = args("10");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("OVER"), "{stdout}");
    assert!(stdout.contains("outside the tolerance (10% relative, 1 pp for errors): "));
    let out = args("100000");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn cli_calibrate_writes_a_model_that_loads() {
    let model = temp("model.json");
    let observed = temp("d8.csv");
    let calibrated = temp("calibrated.json");
    std::fs::write(&model, web_model(100.0, 20.0).to_string()).unwrap();
    std::fs::write(&observed, D8_OPEN).unwrap();
    let out = capsim(&[
        "calibrate",
        model.to_str().unwrap(),
        "--observed",
        observed.to_str().unwrap(),
        "-o",
        calibrated.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("web   D = U/X"), "{stdout}");
    assert!(stdout.contains("figure            observed"), "{stdout}");
    let check = capsim(&["check", calibrated.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}
