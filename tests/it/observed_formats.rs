//! The load-test and server formats of observed metrics (k6, JMeter,
//! CloudWatch, nginx and ALB access logs): the samples in
//! tests/data/observed/{k6,jmeter,cloudwatch,logs} read to figures computed
//! by hand from their rows, each format found without `--format`, and
//! `capsim compare` run end to end on each.

use std::path::{Path, PathBuf};

use approx::assert_relative_eq;
use capsim::observed::{self, Figures, Format, Load, Observed, Window};

use crate::support::capsim;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/observed")
        .join(name)
}

fn load(name: &str) -> Observed {
    observed::load(&data(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Checks figures: throughput, mean, p50, p95, p99, error rate.
#[track_caller]
fn check(figures: &Figures, expected: [Option<f64>; 6]) {
    let found = [
        figures.throughput_rps,
        figures.mean_ms,
        figures.p50_ms,
        figures.p95_ms,
        figures.p99_ms,
        figures.error_rate,
    ];
    for (i, (found, expected)) in found.iter().zip(expected).enumerate() {
        match (found, expected) {
            (Some(x), Some(y)) => assert_relative_eq!(*x, y, max_relative = 1e-9),
            (x, y) => assert_eq!(*x, y, "figure {i}"),
        }
    }
}

/// The load tests in k6/ and jmeter/ hold the same requests. At the full
/// population (seconds 1–3 after the first; the ramp-up second 0 and
/// ramp-down second 4 cut off): `home` 40, 10, 30, 20 ms and a failure,
/// `cart` 50, 60, 70, 80 ms and a failure. End to end: 8 successes in 3 s
/// (2.667 req/s), mean 360 / 8 = 45 ms, nearest-rank p50 the 4th of the 8
/// sorted (40), p95 and p99 the 8th (80), 2 errors in 10.
const LOAD_TEST: [Option<f64>; 6] = [
    Some(8.0 / 3.0),
    Some(45.0),
    Some(40.0),
    Some(80.0),
    Some(80.0),
    Some(0.2),
];

/// `home`: 4 successes in 3 s, mean 25, p50 the 2nd of 4 (20), p95 40, 1 error in 5.
const HOME: [Option<f64>; 6] = [
    Some(4.0 / 3.0),
    Some(25.0),
    Some(20.0),
    Some(40.0),
    Some(40.0),
    Some(0.2),
];

/// `cart`: 4 successes in 3 s, mean 65, p50 60, p95 80, 1 error in 5.
const CART: [Option<f64>; 6] = [
    Some(4.0 / 3.0),
    Some(65.0),
    Some(60.0),
    Some(80.0),
    Some(80.0),
    Some(0.2),
];

#[track_caller]
fn check_load_test(observed: &Observed, format: Format, users: u32) {
    assert_eq!(observed.format, format);
    check(&observed.figures, LOAD_TEST);
    check(&observed.classes["home"], HOME);
    check(&observed.classes["cart"], CART);
    assert_eq!(observed.classes.len(), 2);
    assert_eq!(observed.load, Load::Users(users));
    assert_eq!(
        observed.window,
        format!("requests at {users} users, 1–4 s after the first second (ramp-up skipped)")
    );
}

#[test]
fn k6_csv_samples_give_percentiles_classes_and_users() {
    check_load_test(&load("k6/results.csv"), Format::K6, 4);
}

#[test]
fn k6_json_samples_read_as_the_csv() {
    // The same samples as JSON lines, `vus` stamped with a +01:00 offset.
    check_load_test(&load("k6/results.json"), Format::K6, 4);
}

#[test]
fn jmeter_jtl_rows_give_percentiles_per_label() {
    // The Transaction Controller's row (`checkout`, 110 ms) sums two
    // samples with rows of their own: not counted again.
    check_load_test(&load("jmeter/results.jtl"), Format::Jmeter, 2);
}

#[test]
fn a_window_cuts_per_request_files_by_second() {
    let window = Window {
        from_s: Some(3.0),
        to_s: Some(4.0),
    };
    let observed = observed::load_window(&data("k6/results.csv"), None, window).unwrap();
    // Second 3: cart 60, 70, 80 and a failed home: 3 successes in 1 s.
    check(
        &observed.figures,
        [
            Some(3.0),
            Some(70.0),
            Some(70.0),
            Some(80.0),
            Some(80.0),
            Some(0.25),
        ],
    );
    assert_eq!(
        observed.window,
        "requests 3–4 s after the first second (the window asked for)"
    );
}

#[test]
fn k6_summaries_in_both_shapes() {
    // handleSummary's data: `http_req_duration{expected_response:true}`
    // for latency, `http_reqs.rate` × (1 − `http_req_failed.rate`) =
    // 2.4 × 0.75 for throughput.
    for (name, p99) in [
        ("k6/summary.json", Some(80.0)),
        ("k6/summary-export.json", None),
    ] {
        let observed = load(name);
        assert_eq!(observed.format, Format::K6);
        check(
            &observed.figures,
            [
                Some(1.8),
                Some(45.0),
                Some(40.0),
                Some(80.0),
                p99,
                Some(0.25),
            ],
        );
        assert_eq!(observed.load, Load::AsModelled);
        assert!(
            observed
                .notes
                .iter()
                .any(|n| n == "k6 ran up to 4 virtual users")
        );
    }
    let export = load("k6/summary-export.json");
    assert!(
        export
            .notes
            .iter()
            .any(|n| n.contains("no p(99) in the summary"))
    );
}

#[test]
fn nginx_log_with_request_times() {
    let observed = load("logs/nginx-timed.log");
    assert_eq!(observed.format, Format::Nginx);
    // 8 requests over 3 s; the 503 and the 502 fail (a 404 is answered);
    // the six others took 10, 20, 30, 40, 50, 60 ms (the last as `rt=`):
    // mean 35, p50 the 3rd (30), p95 the 6th (60).
    check(
        &observed.figures,
        [
            Some(2.0),
            Some(35.0),
            Some(30.0),
            Some(60.0),
            Some(60.0),
            Some(0.25),
        ],
    );
    assert_eq!(
        observed.load,
        Load::Rates {
            points: vec![(0.0, 3.0), (1.0, 2.0), (2.0, 3.0)],
            span_s: 3.0
        }
    );
    assert!(observed.classes.is_empty());
}

#[test]
fn alb_log_with_processing_times() {
    let observed = load("logs/alb.log");
    assert_eq!(observed.format, Format::Alb);
    // 7 requests over 3 s: the 502 (no target answered, `-1`) and the 503
    // fail; the others took 0.001 + 0.010, 0.021, 0.031, 0.050 and 0.009 s:
    // mean 122 / 5 = 24.4 ms, p50 the 3rd of 9, 11, 21, 31, 50 (21), p95 50.
    check(
        &observed.figures,
        [
            Some(5.0 / 3.0),
            Some(24.4),
            Some(21.0),
            Some(50.0),
            Some(50.0),
            Some(2.0 / 7.0),
        ],
    );
}

#[test]
fn cloudwatch_results_named_by_a_config() {
    let observed = load("cloudwatch/config.json");
    assert_eq!(observed.format, Format::Cloudwatch);
    // RequestCount sums to 24,000 over four 60 s periods: 100 req/s, of
    // which 240 failed (1%): 99 req/s served. TargetResponseTime's
    // periods average 0.05 s, their p99 0.2 s; CPU 50%.
    check(
        &observed.figures,
        [Some(99.0), Some(50.0), None, None, Some(200.0), Some(0.01)],
    );
    assert_relative_eq!(observed.utilization["web"], 0.5);
    // Newest first in the file, oldest first here.
    assert_eq!(
        observed.load,
        Load::Rates {
            points: vec![(0.0, 100.0), (60.0, 90.0), (120.0, 110.0), (180.0, 100.0)],
            span_s: 240.0
        }
    );
    let window = Window {
        from_s: Some(60.0),
        to_s: Some(120.0),
    };
    let cut = observed::load_window(&data("cloudwatch/config.json"), None, window).unwrap();
    // 12:01 and 12:02: 12,000 requests in 120 s, 120 failed.
    assert_relative_eq!(cut.figures.throughput_rps.unwrap(), 99.0);
    assert_relative_eq!(cut.figures.mean_ms.unwrap(), 50.0);
}

#[test]
fn each_format_is_recognised_by_its_start() {
    for (name, format) in [
        ("k6/results.csv", Format::K6),
        ("k6/results.json", Format::K6),
        ("k6/summary.json", Format::K6),
        ("k6/summary-export.json", Format::K6),
        ("jmeter/results.jtl", Format::Jmeter),
        ("cloudwatch/config.json", Format::Cloudwatch),
        ("cloudwatch/metric-data.json", Format::Cloudwatch),
        ("logs/nginx-timed.log", Format::Nginx),
        ("logs/alb.log", Format::Alb),
        ("prometheus/config.json", Format::Prometheus),
        ("long.csv", Format::Csv),
    ] {
        let text = std::fs::read_to_string(data(name)).unwrap();
        assert_eq!(
            Format::looks_like(&data(name), &text),
            Some(format),
            "{name}"
        );
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn cli_compares_a_model_with_each_format() {
    for (model, file, format, expected) in [
        (
            "k6/shop.json",
            "k6/results.csv",
            "k6",
            "traffic: 4 closed users, as observed (the model has 2)",
        ),
        ("k6/shop.json", "k6/results.json", "k6", "mean ms [cart]"),
        (
            "k6/shop.json",
            "k6/summary.json",
            "k6",
            "window: the whole test (k6's end-of-test summary, ramp-up included)",
        ),
        (
            "k6/shop.json",
            "jmeter/results.jtl",
            "jmeter",
            "traffic: 2 closed users, as observed (the model has 2)",
        ),
        (
            "logs/web.json",
            "logs/nginx-timed.log",
            "nginx",
            "traffic: the observed arrival rate, 3 intervals over 3 s",
        ),
        ("logs/web.json", "logs/alb.log", "alb", "errors %"),
        (
            "cloudwatch/web.json",
            "cloudwatch/config.json",
            "cloudwatch",
            "util % web",
        ),
    ] {
        let (model, file) = (data(model), data(file));
        let out = capsim(&[
            "compare",
            model.to_str().unwrap(),
            "--observed",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        let header = format!("against `{}` ({format})", file.display());
        for wanted in [header.as_str(), expected, "p99 ms"] {
            assert!(stdout.contains(wanted), "no `{wanted}` in\n{stdout}");
        }
        let out = capsim(&[
            "compare",
            model.to_str().unwrap(),
            "--observed",
            file.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}
