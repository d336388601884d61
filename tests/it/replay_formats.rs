//! k6, JMeter and ALB files replayed as arrival traces: the samples in
//! tests/data/observed (written to each tool's documented format) to
//! hand-computed arrival times and class counts, and bad files to their
//! exact messages (file, line, column). Fixtures of bad files: tests/data/bad/.

use capsim::model::{Arrivals, Model};
use capsim::trace::{Classifier, Format, RequestReader, TraceConfig};
use serde_json::{Value, json};

/// `traffic` in front of one delay node `front`.
fn topology(traffic: Value) -> String {
    json!({
        "simulation": { "duration_s": 10 },
        "traffic": traffic,
        "nodes": { "front": { "delay": { "latency": { "constant": { "ms": 1 } } } } }
    })
    .to_string()
}

fn trace(file: &str, format: &str, extra: Value) -> Value {
    let mut spec = json!({ "file": file, "format": format });
    spec.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({ "entry": "front", "arrivals": { "trace": spec }, "classes": { "home": {} } })
}

/// Requests per class name, and the span in ms, of a model's one trace.
fn totals(model: &Model) -> (Vec<(String, u64)>, u64, u64) {
    let Arrivals::Trace(trace) = &model.sources[0].arrivals else {
        panic!("a trace source");
    };
    let per_class = trace
        .totals
        .per_class
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(class, n)| (model.classes[class].name.clone(), *n))
        .collect();
    (
        per_class,
        trace.totals.requests,
        trace.totals.span_ns / 1_000_000,
    )
}

/// Replay times (ms) of every request of `path` read as `format`, names
/// `home` → 0 and `cart` → 1, anything else 2.
fn replay_ms(path: &str, format: Format) -> Vec<(u64, u16)> {
    let config = TraceConfig {
        path: path.into(),
        format,
        speed: 1.0,
        from_ns: 0,
        to_ns: None,
        classifier: Classifier {
            rules: Vec::new(),
            names: vec![("home".into(), 0), ("cart".into(), 1)],
            default: 2,
        },
        skip_bad_lines: false,
    };
    let mut reader = RequestReader::open(&config).expect("opens");
    let mut out = Vec::new();
    while let Some(record) = reader.next_record().expect("reads") {
        out.push((record.at_ns / 1_000_000, record.class));
    }
    out
}

#[test]
fn jmeter_samples_arrive_at_their_start_in_time_order() {
    // timeStamp is each sample's start: 1700000000.100 s first; the
    // Transaction Controller's row (a sum of two samples) is not a request.
    assert_eq!(
        replay_ms("tests/data/observed/jmeter/results.jtl", Format::Jmeter),
        [
            (0, 0),
            (900, 0),
            (1000, 1),
            (1200, 0),
            (1400, 1),
            (2100, 0),
            (2200, 1),
            (2900, 0),
            (3000, 1),
            (3300, 0),
            (3400, 1),
            (4000, 0)
        ]
    );
}

#[test]
fn k6_json_requests_arrive_at_their_end_less_their_duration() {
    // Points end at 20.25, 20.75, 21.1, 21.3, 21.5, … s past 22:13 with
    // durations 100, 200, 40, 10, 500 ms, …: starts 20.15, 20.55, 21.06,
    // 21.29, 21.0 — the fifth (a 500 ms request) started before the third and
    // is replayed in its place.
    assert_eq!(
        replay_ms("tests/data/observed/k6/results.json", Format::K6Json),
        [
            (0, 0),
            (400, 1),
            (850, 1),
            (910, 0),
            (1140, 0),
            (1420, 0),
            (2030, 0),
            (2200, 1),
            (2890, 1),
            (3045, 0),
            (3280, 1),
            (3670, 1),
            (4050, 0)
        ]
    );
}

#[test]
fn k6_csv_whole_seconds_spread_their_requests_evenly() {
    // 2, 4, 2, 4 and 1 requests in seconds 0–4: at (i + ½) / k of each
    // second, counted from the first at 0.25 s.
    assert_eq!(
        replay_ms("tests/data/observed/k6/results.csv", Format::K6Csv),
        [
            (0, 0),
            (500, 1),
            (875, 0),
            (1125, 0),
            (1375, 1),
            (1625, 0),
            (2000, 0),
            (2500, 1),
            (2875, 1),
            (3125, 0),
            (3375, 1),
            (3625, 1),
            (4250, 0)
        ]
    );
}

#[test]
fn alb_requests_arrive_at_their_creation_time_classed_by_rules() {
    // request_creation_time: 00.175641, 00.565641, 01.186641, 01.355641,
    // 01.746641, 02.136641, 02.577641 s past 22:23.
    let json = topology(json!({ "entry": "front", "arrivals": { "trace": {
        "file": "tests/data/observed/logs/alb.log", "format": "alb_log",
        "rules": [ { "prefix": "/cart", "class": "cart" } ], "default_class": "page" } } }));
    let model = capsim::model::parse(&json).expect("valid");
    assert_eq!(
        totals(&model),
        (vec![("cart".into(), 1), ("page".into(), 6)], 7, 2402)
    );
}

#[test]
fn names_that_are_classes_win_and_the_rest_go_by_rules() {
    // JMeter labels: `home` is a declared class; `cart` is not, and goes by
    // the rule on its URL's path; 7 home and 5 cart samples over 4.0 s.
    let json = topology(trace(
        "tests/data/observed/jmeter/results.jtl",
        "jmeter",
        json!({ "rules": [ { "prefix": "/cart", "class": "basket" } ] }),
    ));
    let model = capsim::model::parse(&json).expect("valid");
    assert_eq!(
        totals(&model),
        (vec![("basket".into(), 5), ("home".into(), 7)], 12, 4000)
    );
    let json = topology(trace(
        "tests/data/observed/k6/results.json",
        "k6_json",
        json!({}),
    ));
    let model = capsim::model::parse(&json).expect("valid");
    // Without a rule, k6's `cart` requests fall to the default class.
    assert_eq!(
        totals(&model),
        (vec![("default".into(), 6), ("home".into(), 7)], 13, 4050)
    );
}

#[test]
fn the_example_model_replays_its_jmeter_file() {
    let model = capsim::model::load(std::path::Path::new("models/replay-jmeter.json"))
        .expect("the example loads");
    assert_eq!(
        totals(&model),
        (vec![("cart".into(), 5), ("home".into(), 7)], 12, 4000)
    );
}

#[track_caller]
fn check(file: &str, format: &str, expected: &str) {
    let json = topology(trace(file, format, json!({})));
    let err = capsim::model::parse(&json).expect_err("refused");
    assert_eq!(err.to_string(), expected);
}

#[test]
fn bad_files_name_the_file_line_and_column() {
    check(
        "tests/data/bad/k6-bad-time.csv",
        "k6_csv",
        "traffic.arrivals.trace.file: tests/data/bad/k6-bad-time.csv, line 3, column 2: `timestamp`: expected a time as k6 writes it (Unix seconds such as 1614173830, or RFC 3339 such as 2021-02-24T13:37:10Z), found `yesterday`",
    );
    check(
        "tests/data/bad/k6-negative.csv",
        "k6_csv",
        "traffic.arrivals.trace.file: tests/data/bad/k6-negative.csv, line 2, column 3: `metric_value`: expected a duration ≥ 0 in ms, found `-5`",
    );
    check(
        "tests/data/bad/k6-out-of-order.json",
        "k6_json",
        "traffic.arrivals.trace.file: tests/data/bad/k6-out-of-order.json, line 3, column 1: a request started at 1699999990 s, before one already replayed (at 1700000000 s): requests may be out of time order by at most 60 s",
    );
    check(
        "tests/data/bad/k6-cut.json",
        "k6_json",
        "traffic.arrivals.trace.file: tests/data/bad/k6-cut.json, line 2, column 117: not a k6 JSON line: EOF while parsing an object at line 1 column 117",
    );
    check(
        "tests/data/bad/jmeter-date.jtl",
        "jmeter",
        "traffic.arrivals.trace.file: tests/data/bad/jmeter-date.jtl, line 2, column 1: `timeStamp`: expected milliseconds since 1970 (JMeter's default `jmeter.save.saveservice.timestamp_format=ms`), found `2023/11/14 22:13:20`",
    );
    check(
        "tests/data/bad/alb-bad.log",
        "alb_log",
        // "https " 6 + time 27 + … : `fast` starts at column 116.
        "traffic.arrivals.trace.file: tests/data/bad/alb-bad.log, line 2, column 116: `response_processing_time` (field 8): expected seconds ≥ 0 or -1, got `fast`",
    );
    check(
        "tests/data/observed/jmeter/results.jtl",
        "k6_csv",
        "traffic.arrivals.trace.file: tests/data/observed/jmeter/results.jtl, line 1: expected a header with a `metric_name` column, got `timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect`",
    );
}
