//! Inputs the fuzzer found (`fuzz/`, README "Fuzzing"), kept in
//! `tests/data/fuzz/`: each one now gets its exact message, where it once
//! panicked (or, without overflow checks, silently went wrong).

use serde_json::json;

#[track_caller]
fn rejected(traffic: serde_json::Value, expected: &str) {
    let topology = json!({
        "simulation": { "duration_s": 60 },
        "traffic": traffic,
        "nodes": { "front": { "delay": { "latency": { "constant": { "ms": 1 } } } } }
    });
    let err = capsim::model::parse(&topology.to_string()).expect_err("the input is rejected");
    assert_eq!(err.to_string(), expected);
}

/// A log line 600 years after the one before it: its time in nanoseconds
/// overflowed u64 (a panic in a debug build, a wrapped replay time in a
/// release build).
#[test]
fn an_access_log_year_past_2500_is_an_error_at_its_line() {
    rejected(
        json!({ "entry": "front", "arrivals": { "trace": {
            "file": "tests/data/fuzz/access-log-year-2625.log", "format": "access_log" } } }),
        "traffic.arrivals.trace.file: tests/data/fuzz/access-log-year-2625.log, line 2: expected a year from 1970 to 2500, got 2625 in `10/Oct/2625:13:50:02 -0700`",
    );
}
