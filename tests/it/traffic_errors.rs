//! Bad traffic -> its exact message: traces (named by file and line),
//! profiles, sources, rules. Trace fixtures live in tests/data/bad/.

use serde_json::{Value, json};

#[track_caller]
fn check(traffic: Value, expected: &str) {
    let err = capsim::model::parse(&topology(traffic).to_string())
        .expect_err("topology should be rejected");
    assert_eq!(err.to_string(), expected);
}

/// `traffic` in front of one delay node `front`.
fn topology(traffic: Value) -> Value {
    json!({
        "simulation": { "duration_s": 60 },
        "traffic": traffic,
        "nodes": { "front": { "delay": { "latency": { "constant": { "ms": 1 } } } } }
    })
}

fn trace(file: &str, format: &str) -> Value {
    json!({ "entry": "front", "arrivals": { "trace": { "file": file, "format": format } } })
}

fn profile(profile: Value) -> Value {
    json!({ "entry": "front", "arrivals": { "profile": profile } })
}

#[test]
fn unsorted_trace_names_the_file_and_line() {
    check(
        trace("tests/data/bad/unsorted.csv", "timestamps"),
        "traffic.arrivals.trace.file: tests/data/bad/unsorted.csv, line 5: time 11 s is earlier than the line before it (12 s): a trace must be sorted by time",
    );
}

#[test]
fn malformed_trace_line_names_the_file_and_line() {
    check(
        trace("tests/data/bad/malformed.csv", "timestamps"),
        "traffic.arrivals.trace.file: tests/data/bad/malformed.csv, line 4: expected a time in seconds (a number ≥ 0), got `soon`",
    );
}

#[test]
fn trace_class_must_be_declared() {
    let mut traffic = trace("tests/data/bad/unknown-class.csv", "timestamps");
    traffic["classes"] = json!({ "browse": {} });
    check(
        traffic,
        "traffic.arrivals.trace.file: tests/data/bad/unknown-class.csv, line 3: unknown class `buy` (declare it in the source's `classes`; known: browse)",
    );
}

#[test]
fn missing_trace_file() {
    check(
        trace("tests/data/bad/no-such-file.csv", "timestamps"),
        "traffic.arrivals.trace.file: tests/data/bad/no-such-file.csv: cannot open: No such file or directory (os error 2)",
    );
}

#[test]
fn csv_trace_without_its_time_column() {
    check(
        trace("tests/data/bad/negative-rate.csv", "counts"),
        "traffic.arrivals.trace.file: tests/data/bad/negative-rate.csv, line 1: expected a header with a `count` column, got `time_s,rate_rps`",
    );
}

#[test]
fn log_line_in_an_unknown_format() {
    check(
        trace("tests/data/bad/json-lines.log", "access_log"),
        "traffic.arrivals.trace.file: tests/data/bad/json-lines.log, line 1: expected the common or combined log format: host ident user [10/Oct/2025:13:55:36 -0700] \"GET /path HTTP/1.1\" status bytes; got `{\"time\": \"2025-10-10T20:50:02Z\", \"method\": \"GET\", \"path\": \"/\"}`",
    );
}

#[test]
fn log_out_of_order_names_its_line() {
    // The JSON line (4) is skipped only with --skip-bad-lines; without it,
    // it is the first problem.
    check(
        trace("tests/data/bad/some-bad-lines.log", "access_log"),
        "traffic.arrivals.trace.file: tests/data/bad/some-bad-lines.log, line 4: expected the common or combined log format: host ident user [10/Oct/2025:13:55:36 -0700] \"GET /path HTTP/1.1\" status bytes; got `{\"time\": \"2025-10-10T20:50:02Z\", \"method\": \"GET\", \"path\": \"/\"}`",
    );
}

#[test]
fn skipping_bad_lines_counts_them() {
    let topology = capsim::model::parse_topology(
        &topology(trace("tests/data/bad/some-bad-lines.log", "access_log")).to_string(),
    )
    .unwrap();
    let options = capsim::model::LoadOptions {
        skip_bad_lines: true,
    };
    let model =
        capsim::model::from_topology_in(&topology, std::path::Path::new("."), options).unwrap();
    let capsim::model::Arrivals::Trace(trace) = &model.sources[0].arrivals else {
        panic!("a trace source")
    };
    // 11 lines: one JSON line and one logged 2 s before the line above it.
    assert_eq!((trace.totals.requests, trace.totals.skipped), (9, 2));
    let run = capsim::simulate(&model, 1, 0);
    assert_eq!(run.arrivals, 9);
}

#[test]
fn negative_rate_in_a_profile() {
    check(
        profile(json!({ "points": [[0, 5], [10, -3]] })),
        "traffic.arrivals.profile.points[1][1]: expected a number ≥ 0, got -3 at line 1 column 151",
    );
}

#[test]
fn negative_rate_in_a_profile_file() {
    check(
        profile(json!({ "file": "tests/data/bad/negative-rate.csv" })),
        "traffic.arrivals.profile.file: tests/data/bad/negative-rate.csv, line 3: expected `rate_rps` to be a number ≥ 0, got `-5`",
    );
}

#[test]
fn profile_times_going_backwards() {
    check(
        profile(json!({ "points": [[0, 5], [10, 3], [5, 1]] })),
        "traffic.arrivals.profile.points[2]: time 5 is not after the previous point's 10 (times must increase)",
    );
}

#[test]
fn profile_file_times_going_backwards() {
    check(
        profile(json!({ "file": "tests/data/bad/backwards.csv" })),
        "traffic.arrivals.profile.file: tests/data/bad/backwards.csv, point 3: time 30 is not after the previous point's 60 (times must increase)",
    );
}

#[test]
fn profile_must_start_at_zero() {
    check(
        profile(json!({ "points": [[2, 5]] })),
        "traffic.arrivals.profile.points[0]: expected the first point at time 0, got 2",
    );
}

#[test]
fn profile_needs_points_or_a_file() {
    check(
        profile(json!({ "interpolation": "linear" })),
        "traffic.arrivals.profile: expected `points` ([[time_s, rate_rps], …]) or `file` (a CSV), got neither",
    );
}

#[test]
fn negative_rate() {
    check(
        json!({ "entry": "front", "arrivals": { "poisson": { "rate_rps": -3 } } }),
        "traffic.arrivals.poisson.rate_rps: expected a number > 0, got -3 at line 1 column 142",
    );
}

#[test]
fn sources_and_an_inline_source_together() {
    check(
        json!({ "entry": "front", "arrivals": { "poisson": { "rate_rps": 1 } },
                "sources": { "api": { "entry": "front", "arrivals": { "poisson": { "rate_rps": 1 } } } } }),
        "traffic: expected either `sources` or one inline source (`entry`, `arrivals`, `classes`, `keys`, `client`), got both",
    );
}

#[test]
fn source_entry_names_a_missing_node() {
    check(
        json!({ "sources": { "api": { "entry": "gateway", "arrivals": { "poisson": { "rate_rps": 1 } } } } }),
        "traffic.sources.api.entry: no node named `gateway` (nodes: front)",
    );
}

#[test]
fn inline_source_without_arrivals() {
    check(
        json!({ "entry": "front" }),
        "traffic.arrivals: missing: give `entry` and `arrivals` (one source), or `sources` (several)",
    );
}

#[test]
fn rules_on_a_csv_trace_and_bad_rules() {
    let mut traffic = trace("tests/data/access.log", "timestamps");
    traffic["arrivals"]["trace"]["rules"] =
        json!([{ "pattern": "([", "class": "x" }, { "class": "y" }]);
    check(
        traffic,
        "traffic.arrivals.trace.rules: rules classify access-log requests by path; a CSV trace names classes in its `class` column\n\
         traffic.arrivals.trace.rules[0].pattern: not a valid regular expression: regex parse error:\n    ([\n     ^\nerror: unclosed character class\n\
         traffic.arrivals.trace.rules[1]: expected `prefix`, `pattern` or `method` to match on, got none",
    );
}

#[test]
fn batch_size_bounds() {
    check(
        json!({ "entry": "front", "arrivals": { "batch": { "batches_per_s": 1,
                "size": { "uniform": { "min": 5, "max": 2 } } } } }),
        "traffic.arrivals.batch.size.uniform.max: expected at least `min` (5), got 2",
    );
}

#[test]
fn mmpp_without_any_rate() {
    check(
        json!({ "entry": "front", "arrivals": { "mmpp": { "calm_rps": 0, "burst_rps": 0,
                "calm_mean_s": 10, "burst_mean_s": 1 } } }),
        "traffic.arrivals.mmpp: expected a positive rate in at least one state, got 0 in both",
    );
}

#[test]
fn a_route_to_a_class_no_source_sends() {
    let mut t = topology(
        json!({ "entry": "lb", "arrivals": { "poisson": { "rate_rps": 1 } },
                                 "classes": { "browse": {} } }),
    );
    t["nodes"]["lb"] = json!({ "load_balancer": { "to": "front",
                                                  "routes": [ { "classes": ["buy"], "to": "front" } ] } });
    let err = capsim::model::parse(&t.to_string()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nodes.lb.load_balancer.routes[0].classes[0]: no class named `buy` (classes: browse)"
    );
}

/// CRLF files (Locust and Windows tools write them) get the real line: the
/// csv crate alone counts one too few (BurntSushi/rust-csv#395).
#[test]
fn crlf_files_get_the_right_line() {
    check(
        trace("tests/data/bad/crlf-timestamps.csv", "timestamps"),
        "traffic.arrivals.trace.file: tests/data/bad/crlf-timestamps.csv, line 4: expected a time in seconds (a number ≥ 0), got `soon`",
    );
    check(
        trace("tests/data/bad/crlf-counts.csv", "counts"),
        "traffic.arrivals.trace.file: tests/data/bad/crlf-counts.csv, line 3: expected `count` to be an integer ≥ 0, got `ten`",
    );
    check(
        trace("tests/data/bad/crlf-access.log", "access_log"),
        "traffic.arrivals.trace.file: tests/data/bad/crlf-access.log, line 3: expected the common or combined log format: host ident user [10/Oct/2025:13:55:36 -0700] \"GET /path HTTP/1.1\" status bytes; got `not a log line`",
    );
    let err = capsim::model::load(std::path::Path::new(
        "tests/data/defects/crlf-profile-model.json",
    ))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "traffic.arrivals.profile.file: tests/data/defects/crlf-profile.csv, line 3: expected `rate_rps` to be a number ≥ 0, got `x`"
    );
}

/// A profile's integrated rate must stay finite: rates are bounded, and a
/// linear ramp's slope is bounded by points at least 1 ms apart. Beyond
/// either, the generator met NaN and panicked.
#[test]
fn profile_rates_and_steps_are_bounded() {
    check(
        profile(json!({ "points": [[0, 10], [60, 1e300]], "interpolation": "linear" })),
        "traffic.arrivals.profile.points[1]: expected a rate of at most 1e9 req/s (after `scale` 1), got 1e300",
    );
    check(
        profile(json!({ "points": [[0, 10], [1e-9, 100]], "interpolation": "linear" })),
        "traffic.arrivals.profile.points[1]: time 0.000000001 is less than 1 ms after the previous point's 0 (points must be at least 1 ms apart)",
    );
}

/// The generator walks every calm–burst switch up to the next arrival: a
/// 1 µs state, or a cycle that almost never brings a request, would keep it
/// switching for ever (found by hand in the audit of issue 12).
#[test]
fn mmpp_states_and_cycles_are_bounded() {
    let mmpp = |burst_rps: f64, calm_mean_s: f64| {
        json!({ "entry": "front", "arrivals": { "mmpp": {
            "calm_rps": 1e-300, "burst_rps": burst_rps, "calm_mean_s": calm_mean_s, "burst_mean_s": 1 } } })
    };
    check(
        mmpp(10.0, 1e-6),
        "traffic.arrivals.mmpp.calm_mean_s: expected at least 0.001 s (a state shorter than 1 ms is no burst), got 1e-6",
    );
    check(
        mmpp(0.0, 1.0),
        "traffic.arrivals.mmpp: expected at least one arrival per 1000 calm–burst cycles (calm_rps × calm_mean_s + burst_rps × burst_mean_s ≥ 0.001), got 1e-300",
    );
}

#[test]
fn an_alb_log_replayed_as_an_access_log_names_its_format() {
    let err = capsim::model::parse(
        &topology(trace("tests/data/observed/logs/alb.log", "access_log")).to_string(),
    )
    .expect_err("an ALB log is not the combined format");
    assert!(
        err.to_string().starts_with("traffic.arrivals.trace.file: tests/data/observed/logs/alb.log, line 1: expected the common or combined log format: host ident user [10/Oct/2025:13:55:36 -0700] \"GET /path HTTP/1.1\" status bytes; the line looks like an AWS ALB access log: `http 2018-07-02T22:23:00.186641Z "),
        "{err}"
    );
    // Not the hint to skip bad lines: every line would be skipped.
    assert_eq!(
        err.hint(),
        Some(
            "the trace is an AWS ALB access log, which is not replayed as `access_log`: compare it as observed metrics (`capsim compare MODEL --observed FILE --format alb`), or replay its request times written as a `timestamps` CSV"
        )
    );
}
