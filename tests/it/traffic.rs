//! Traffic sources against their definitions: rate profiles (χ² on counts
//! per window), MMPP and batch moments, exact trace replay, the shipped
//! access log, and closed Locust-style users against the response-time law
//! and Mean Value Analysis.

use std::path::{Path, PathBuf};

use capsim::analytic;
use capsim::model::{Arrivals, Model};
use capsim::traffic::{Request, SourceState};
use serde_json::{Value, json};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::support::{self, check_against_theory};

const SEED: u64 = 20_261_123;

/// A topology with `traffic` in front of one fast delay node.
fn fronting(traffic: Value, duration_s: f64) -> Value {
    json!({
        "simulation": { "duration_s": duration_s, "warmup_s": 0 },
        "traffic": traffic,
        "nodes": { "front": { "delay": { "latency": { "constant": { "ms": 1 } } } } }
    })
}

/// Every arrival of `model`'s first source up to `until_s`, drawn straight
/// from the source (no network in between).
fn arrivals(model: &Model, replication: u32, until_s: f64) -> Vec<(u64, Request)> {
    let stream = capsim::engine::rng::stream(SEED, replication, "test");
    let mut source = SourceState::new(&model.sources[0], stream);
    let mut starts = Vec::new();
    source.start(&mut starts);
    assert!(
        starts.len() <= 1,
        "an open source schedules one arrival at a time"
    );
    let until_ns = (until_s * 1e9) as u64;
    let mut next = starts.first().copied();
    let (mut out, mut now) = (Vec::new(), Vec::new());
    while let Some(at) = next.filter(|&at| at <= until_ns) {
        next = source.arrive(&mut now);
        out.extend(now.drain(..).map(|request| (at, request)));
    }
    assert!(
        source.error().is_none(),
        "{}",
        source.error().unwrap().message
    );
    out
}

/// Counts of arrivals per window of `window_s` over `[0, until_s)`.
fn counts(times: &[(u64, Request)], window_s: f64, until_s: f64) -> Vec<f64> {
    let mut counts = vec![0.0; (until_s / window_s).round() as usize];
    for &(at, _) in times {
        let bin = (at as f64 / 1e9 / window_s) as usize;
        if let Some(count) = counts.get_mut(bin) {
            *count += 1.0;
        }
    }
    counts
}

/// Pearson's χ² of observed counts against expected ones.
fn chi_square(observed: &[f64], expected: &[f64]) -> f64 {
    observed
        .iter()
        .zip(expected)
        .map(|(o, e)| (o - e).powi(2) / e)
        .sum()
}

/// A day-shaped profile, ramps and plateaus, linear between points. Counts
/// in 100 windows of 10 s against the integral of the rate over each
/// window: Pearson's statistic has 100 degrees of freedom (no parameter is
/// fitted), and its 0.999 quantile is 149.4 (statrs computes it below).
/// The same counts against the step reading of the same points must fail:
/// the test can tell a wrong process from the right one.
#[test]
fn profile_counts_per_window_match_the_profile() {
    let points = json!([
        [0, 50],
        [200, 50],
        [300, 400],
        [400, 400],
        [500, 100],
        [800, 20],
        [1000, 20]
    ]);
    let traffic = |interpolation: &str| json!({ "entry": "front", "arrivals": { "profile": { "points": points, "interpolation": interpolation } } });
    let model = support::model(fronting(traffic("linear"), 1000.0));
    let times = arrivals(&model, 0, 1000.0);
    let observed = counts(&times, 10.0, 1000.0);
    let expected_under = |model: &Model| -> Vec<f64> {
        let Arrivals::Profile(profile) = &model.sources[0].arrivals else {
            panic!("a profile source")
        };
        (0..100)
            .map(|i| profile.mass(f64::from(i + 1) * 10.0) - profile.mass(f64::from(i) * 10.0))
            .collect()
    };
    let critical = ChiSquared::new(100.0).unwrap().inverse_cdf(0.999);
    assert!(
        (critical - 149.4).abs() < 0.1,
        "χ²(100) 0.999 quantile: {critical}"
    );

    let statistic = chi_square(&observed, &expected_under(&model));
    assert!(statistic < critical, "χ² = {statistic} ≥ {critical}");

    let step = support::model(fronting(traffic("step"), 1000.0));
    let wrong = chi_square(&observed, &expected_under(&step));
    assert!(
        wrong > critical,
        "the step profile should not fit: χ² = {wrong}"
    );
}

/// A two-state MMPP (calm 2/s for 30 s on average, bursts of 20/s for 5 s):
/// the mean rate and the index of dispersion of counts in 60 s windows
/// against theory (`analytic::mmpp2_dispersion`). 10 replications of 10^5 s
/// (1,666 windows each); pilot half-widths 0.7% (rate) and 1.8% (IDC), so
/// bounds of 2% and 5%.
#[test]
fn mmpp_mean_rate_and_dispersion_match_theory() {
    let model = support::model(fronting(
        json!({ "entry": "front", "arrivals": { "mmpp": {
            "calm_rps": 2, "burst_rps": 20, "calm_mean_s": 30, "burst_mean_s": 5 } } }),
        1e5,
    ));
    let (rates, idcs) = moments_over_replications(&model, 1e5, 60.0);
    check_against_theory(
        "MMPP mean rate",
        &rates,
        (30.0 * 2.0 + 5.0 * 20.0) / 35.0,
        0.02,
    );
    let theory = analytic::mmpp2_dispersion(2.0, 20.0, 30.0, 5.0, 60.0);
    check_against_theory("MMPP index of dispersion", &idcs, theory, 0.05);
}

/// Batches of a geometric size (mean 4) at 5 batches/s: 20 requests/s, and
/// counts with index of dispersion E[K²]/E[K] = 2·4 − 1 = 7 (a compound
/// Poisson process). 10 replications of 2·10^4 s in 10 s windows; pilot
/// half-widths 0.3% (rate) and 1.9% (IDC), so bounds of 2% and 5%.
#[test]
fn batch_arrivals_have_the_compound_poisson_moments() {
    let model = support::model(fronting(
        json!({ "entry": "front", "arrivals": { "batch": {
            "batches_per_s": 5, "size": { "geometric": { "mean": 4 } } } } }),
        2e4,
    ));
    let (rates, idcs) = moments_over_replications(&model, 2e4, 10.0);
    check_against_theory("batch mean rate", &rates, 20.0, 0.02);
    check_against_theory("batch index of dispersion", &idcs, 7.0, 0.05);
}

/// Per replication: mean rate, and variance / mean of counts per window.
fn moments_over_replications(model: &Model, until_s: f64, window_s: f64) -> (Vec<f64>, Vec<f64>) {
    (0..10)
        .map(|rep| {
            let counts = counts(&arrivals(model, rep, until_s), window_s, until_s);
            let n = counts.len() as f64;
            let mean = counts.iter().sum::<f64>() / n;
            let variance = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean / window_s, variance / mean)
        })
        .unzip()
}

/// A scratch directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capsim-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load(topology: Value, base: &Path) -> Result<Model, capsim::model::ModelError> {
    let topology = capsim::model::parse_topology(&topology.to_string())?;
    capsim::model::from_topology_in(&topology, base, Default::default())
}

/// Recorded times replay to the nanosecond (digits an f64 would lose at
/// epoch scale), with their classes and keys; the window and speed shift
/// and scale them exactly as documented.
#[test]
fn a_timestamp_trace_replays_exactly_those_times() {
    let dir = scratch("timestamps");
    std::fs::write(
        dir.join("trace.csv"),
        "time_s,class,key\n\
         1700000000.5,browse,42\n\
         1700000000.500000001,buy,\n\
         1700000001.25,,user-7\n\
         1700000003.999999999,browse,42\n",
    )
    .unwrap();
    let traffic = |extra: Value| {
        let mut trace = json!({ "file": "trace.csv", "format": "timestamps" });
        trace
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "entry": "front", "classes": { "browse": {}, "buy": {} },
                "arrivals": { "trace": trace } })
    };
    let model = load(fronting(traffic(json!({})), 10.0), &dir).unwrap();
    let names: Vec<&str> = model.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["browse", "buy", "default"]);
    let replayed = arrivals(&model, 0, 10.0);
    let times: Vec<u64> = replayed.iter().map(|(at, _)| *at).collect();
    assert_eq!(times, [0, 1, 750_000_000, 3_499_999_999]);
    let classes: Vec<u16> = replayed.iter().map(|(_, r)| r.class.0).collect();
    assert_eq!(classes, [0, 1, 2, 0]);
    assert_eq!(replayed[0].1.key, 42);
    assert_eq!(replayed[3].1.key, 42);
    assert_ne!(replayed[2].1.key, 42, "a text key is hashed");

    // Window [0.5 s, 4 s) of the trace at twice the speed.
    let window = json!({ "from_s": 0.5, "to_s": 4, "speed": 2 });
    let model = load(fronting(traffic(window), 10.0), &dir).unwrap();
    let times: Vec<u64> = arrivals(&model, 0, 10.0)
        .iter()
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(times, [125_000_000, 1_500_000_000]);

    // Through the whole simulation: every request arrives and completes.
    let model = load(fronting(traffic(json!({})), 10.0), &dir).unwrap();
    let run = capsim::simulate(&model, SEED, 0);
    assert_eq!(run.arrivals, 4);
    let completed: Vec<u64> = run.classes.iter().map(|c| c.latency.completed).collect();
    assert_eq!(completed, [2, 1, 1]);
}

/// The class the shipped model's rules give a logged request, computed
/// here independently of the parser: method and path are the first two
/// words between the first pair of quotes.
fn expected_class(line: &str) -> &'static str {
    let request = line.split('"').nth(1).expect("a quoted request");
    let mut words = request.split(' ');
    let (method, path) = (words.next().unwrap(), words.next().unwrap_or(""));
    let catalog = path
        .strip_prefix("/products/")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        || path.starts_with("/search");
    match () {
        _ if path.starts_with("/static/") => "static",
        _ if path.starts_with("/api/checkout") && method == "POST" => "checkout",
        _ if path.starts_with("/api/") => "api",
        _ if catalog => "catalog",
        _ => "page",
    }
}

/// The sample access log (tests/data/access.log, combined format) replays
/// as many requests as it has lines, each classed by the model's rules.
#[test]
fn the_sample_access_log_replays_every_line_classed_by_the_rules() {
    let log = std::fs::read_to_string("tests/data/access.log").unwrap();
    let lines: Vec<&str> = log.lines().filter(|l| !l.is_empty()).collect();
    assert!(lines.len() > 2000, "the sample has {} lines", lines.len());

    let json = std::fs::read_to_string("models/replay-access-log.json").unwrap();
    let mut topology: Value = serde_json::from_str(&json).unwrap();
    // Measure from the start, and run long enough for the last request to finish.
    topology["simulation"]["warmup_s"] = json!(0);
    topology["simulation"]["duration_s"] = json!(120);
    let model = load(topology, Path::new("models")).unwrap();
    let run = capsim::simulate(&model, SEED, 0);
    assert_eq!(run.arrivals, lines.len() as u64);
    for class in &run.classes {
        let expected = lines
            .iter()
            .filter(|line| expected_class(line) == class.name)
            .count();
        assert!(
            expected > 0,
            "class {} has requests in the sample",
            class.name
        );
        assert_eq!(
            class.latency.completed, expected as u64,
            "class {}",
            class.name
        );
    }
}

/// Locust's own example: users wait between 1 and 5 s (`between(1, 5)`),
/// 50 users spawned at 10 per second, against one vCPU serving 40 ms.
/// The response-time law X = N / (R + Z) holds in every replication within
/// 1% (the realised mean think time differs from 3 s by about 0.2% over
/// ~6·10^4 thinks, and users caught mid-request at the window's edges add
/// about 0.1%); X and R match exact MVA (the think station is insensitive
/// to its distribution) within the usual interval check. 10 replications of
/// 4,000 s; pilot half-widths 0.1% (X) and 0.9% (R), so a 3% bound. (Pilot:
/// X (R + Z) within 0.3% of N in all ten.)
#[test]
fn locust_style_users_obey_the_response_time_law_and_mva() {
    let users = 50;
    let model = support::model(json!({
        "simulation": { "duration_s": 4000.0, "warmup_s": 100.0 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "web", "arrivals": { "closed": {
            "users": users, "think": { "uniform": { "min_ms": 1000, "max_ms": 5000 } },
            "spawn_rate_per_s": 10 } } },
        "nodes": { "web": { "pool": { "instance_type": "unit", "instances": 1,
                                      "workers_per_instance": 100,
                                      "service": support::exponential(25.0) } } }
    }));
    let runs = support::replicate(&model, SEED, 10);
    for run in &runs {
        let x = run.end_to_end.throughput_rps;
        let r = run.end_to_end.mean_ms / 1e3;
        let law = x * (r + 3.0);
        assert!(
            (law - f64::from(users)).abs() < 0.01 * f64::from(users),
            "X (R + Z) = {law}, N = {users}"
        );
    }
    let stations = [analytic::Station {
        servers: 1,
        service_s: 0.04,
    }];
    let theory = analytic::mva(&stations, 3.0, users);
    support::check_against_mva("Locust users", &runs, &theory, 0.03);
}

/// Two sources into different entries: each node sees its own source's rate.
#[test]
fn several_sources_feed_their_own_entries() {
    let model = support::model(json!({
        "simulation": { "duration_s": 2000.0, "warmup_s": 100.0 },
        "traffic": { "sources": {
            "browsers": { "entry": "cdn", "arrivals": { "poisson": { "rate_rps": 30 } },
                          "classes": { "page": {} } },
            "partners": { "entry": "api", "arrivals": { "deterministic": { "rate_rps": 5 } },
                          "classes": { "feed": {} } }
        } },
        "nodes": {
            "cdn": { "delay": { "latency": { "constant": { "ms": 5 } } } },
            "api": { "delay": { "latency": { "constant": { "ms": 50 } } } }
        }
    }));
    let run = capsim::simulate(&model, SEED, 0);
    let rate = |name: &str| {
        run.nodes
            .iter()
            .find(|n| n.name == name)
            .unwrap()
            .latency
            .throughput_rps
    };
    // 57,000 Poisson arrivals: sd 0.4%; 1% is 2.5 sd.
    assert!((rate("cdn") - 30.0).abs() < 0.3, "cdn {}", rate("cdn"));
    // Deterministic: exact up to the one request at the window's edge.
    assert!((rate("api") - 5.0).abs() < 0.001, "api {}", rate("api"));
    let classes: Vec<(&str, f64)> = run
        .classes
        .iter()
        .map(|c| (c.name.as_str(), c.latency.throughput_rps))
        .collect();
    assert_eq!(classes.len(), 2);
    assert_eq!((classes[0].0, classes[1].0), ("feed", "page"));
}

/// Zipf keys: the most popular key's share is 1 / H(n, s).
#[test]
fn zipf_keys_follow_their_law() {
    let model = support::model(fronting(
        json!({ "entry": "front", "arrivals": { "poisson": { "rate_rps": 1000 } },
                "keys": { "zipf": { "s": 1.0, "n": 100 } } }),
        200.0,
    ));
    let replayed = arrivals(&model, 0, 200.0);
    let n = replayed.len() as f64;
    let top = replayed.iter().filter(|(_, r)| r.key == 1).count() as f64 / n;
    let harmonic: f64 = (1..=100).map(|k| 1.0 / f64::from(k)).sum();
    // 2·10^5 draws of a share near 0.19: sd 0.0009; bound 0.005 ≈ 5.5 sd.
    assert!((top - 1.0 / harmonic).abs() < 0.005, "top key share {top}");
    assert!(replayed.iter().all(|(_, r)| (1..=100).contains(&r.key)));
}

/// A counts trace (tests/data/counts.csv: 120, 0, 300, 60 per minute)
/// replays exactly each interval's count inside that interval, at twice the
/// speed here, so in 30 s intervals.
#[test]
fn a_counts_trace_keeps_every_intervals_count() {
    let model = load(
        fronting(
            json!({ "entry": "front", "arrivals": { "trace": {
                "file": "counts.csv", "format": "counts", "speed": 2 } } }),
            200.0,
        ),
        Path::new("tests/data"),
    )
    .unwrap();
    for replication in 0..3 {
        let replayed = arrivals(&model, replication, 200.0);
        assert_eq!(counts(&replayed, 30.0, 120.0), [120.0, 0.0, 300.0, 60.0]);
        assert!(replayed.windows(2).all(|pair| pair[0].0 <= pair[1].0));
    }
    // Poisson given the count: uniform within the interval. 300 points in
    // [60, 90) s: their mean is 75 s ± 0.5 s (sd 30/√12/√300).
    let replayed = arrivals(&model, 0, 200.0);
    let third: Vec<f64> = replayed
        .iter()
        .map(|(at, _)| *at as f64 / 1e9)
        .filter(|t| (60.0..90.0).contains(t))
        .collect();
    let mean = third.iter().sum::<f64>() / third.len() as f64;
    assert!((mean - 75.0).abs() < 2.0, "mean {mean}");
}

/// A counts trace on a source with `classes` (the defect `counts2.json`:
/// weights 1 and 3, 60,000 requests in an hour) draws each request's class
/// by weight; it used to panic at load. 60,000 draws of a share of 0.75
/// have sd √(0.75·0.25/60000) ≈ 0.0018; the bound 0.01 is about 5.6 sd.
#[test]
fn a_counts_trace_draws_classes_by_weight() {
    let model = capsim::model::load(Path::new("tests/data/defects/counts2.json")).unwrap();
    let names: Vec<&str> = model.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    let replayed = arrivals(&model, 0, 3600.0);
    assert_eq!(replayed.len(), 60_000);
    let b = replayed.iter().filter(|(_, r)| r.class.0 == 1).count() as f64;
    let share = b / replayed.len() as f64;
    assert!((share - 0.75).abs() < 0.01, "share of `b` {share}");
}
