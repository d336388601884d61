//! Inputs the fuzzer found (`fuzz/`, docs/src/explanation/checking.md, "Fuzzing"), kept in
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

/// An instance that crashes 1 ms after it serves, replaced at once: a job
/// whose instance had crashed and already gone was taken for a live one, and
/// its worker was released twice (a panic on `load -= 1`). Now it fails.
/// Each request is served in exp(10 ms) but its instance lives 1 ms, so at
/// most 1 − e^(−0.1) ≈ 9.5% succeed (fewer: it arrives mid-life).
#[test]
fn a_job_whose_crashed_instance_was_already_replaced_fails() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz/crash-every-ms-replaced-at-once.json");
    let model = capsim::model::load(&path).expect("a valid model");
    let run = capsim::simulate(&model, 7, 0);
    let all = run.end_to_end.completed + run.end_to_end.errors;
    assert!(all > 50, "the requests were counted: {all}");
    let succeeded = run.end_to_end.completed as f64 / all as f64;
    assert!(succeeded < 0.095, "succeeded {succeeded}");
}
