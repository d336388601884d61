//! Bad groups of calls made at once -> their exact messages.

use serde_json::{Value, json};

#[track_caller]
fn check(calls: Value, expected: &str) {
    assert_eq!(message(calls), expected);
}

/// The error of `calls` in a small topology, with serde's column replaced
/// by `{column}` if `at` is given (the column where `at` ends in the text).
fn message_at(calls: Value, at: &str) -> String {
    let (text, message) = parse(calls);
    let column = text.find(at).expect("the offending text") + at.len();
    message.replace(&format!("column {column}"), "column {column}")
}

fn message(calls: Value) -> String {
    parse(calls).1
}

fn parse(calls: Value) -> (String, String) {
    let topology = json!({
        "simulation": { "duration_s": 60 },
        "instance_types": { "box": { "vcpus": 2 } },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": {
            "web": { "pool": { "instance_type": "box", "instances": 1,
                "service": { "exponential": { "mean_ms": 20 } }, "calls": calls } },
            "a": { "delay": { "latency": { "constant": { "ms": 1 } } } },
            "b": { "delay": { "latency": { "constant": { "ms": 1 } } } },
            "db": { "database": { "instance_type": "box", "shards": 4,
                "read": { "constant": { "ms": 1 } } } }
        }
    });
    let text = serde_json::to_string(&topology).expect("a Value serializes");
    let err = capsim::model::parse(&text).expect_err("topology should be rejected");
    (text, err.to_string())
}

#[test]
fn an_entry_with_neither_to_nor_parallel() {
    check(
        json!([{ "classes": [] }]),
        "nodes.web.pool.calls[0]: expected `to` (the node called) or `parallel` (calls made at once)",
    );
}

#[test]
fn a_group_with_a_policy_beside_it() {
    check(
        json!([{ "parallel": { "calls": [{ "to": "a" }] }, "timeout_ms": 5 }]),
        "nodes.web.pool.calls[0].timeout_ms: a `parallel` entry takes only `classes` and `probability` beside it: give each of its calls its own `to`, `op`, `timeout_ms`, `retry`, `breaker`, `connections` and `latency`",
    );
}

#[test]
fn an_empty_group() {
    check(
        json!([{ "parallel": { "calls": [] } }]),
        "nodes.web.pool.calls[0].parallel.calls: expected at least one call",
    );
}

#[test]
fn a_quorum_larger_than_the_group() {
    check(
        json!([{ "parallel": { "join": { "quorum": 3 }, "calls": [{ "to": "a" }, { "to": "b" }] } }]),
        "nodes.web.pool.calls[0].parallel.join.quorum: expected at most the group's 2 calls, got 3: the quorum could never be met",
    );
}

#[test]
fn a_misspelt_join() {
    assert_eq!(
        message_at(
            json!([{ "parallel": { "join": "any", "calls": [{ "to": "a" }] } }]),
            "\"any\""
        ),
        "nodes.web.pool.calls[0].parallel.join: unknown variant `any`, expected one of `all`, `first`, `quorum` at line 1 column {column}",
    );
}

#[test]
fn a_branch_with_classes_of_its_own() {
    assert_eq!(
        message_at(
            json!([{ "parallel": { "calls": [{ "to": "a", "classes": ["x"] }] } }]),
            "\"classes\""
        ),
        "nodes.web.pool.calls[0].parallel.calls[0].classes: unknown field `classes`, expected one of `to`, `op`, `timeout_ms`, `retry`, `breaker`, `connections`, `latency` at line 1 column {column}",
    );
}

#[test]
fn a_branch_to_a_missing_node() {
    check(
        json!([{ "parallel": { "calls": [{ "to": "a" }, { "to": "c" }] } }]),
        "nodes.web.pool.calls[0].parallel.calls[1].to: no node named `c` (nodes: a, b, db, web)",
    );
}

#[test]
fn a_scatter_to_a_pool() {
    check(
        json!([{ "to": "a", "scatter": "all_shards" }]),
        "nodes.web.pool.calls[0].scatter: a scatter goes to a database's shards, and `a` is a delay",
    );
}

#[test]
fn a_key_range_over_hashed_shards() {
    check(
        json!([{ "to": "db", "scatter": { "key_range": 100 } }]),
        "nodes.web.pool.calls[0].scatter.key_range: a key range touches neighbouring shards only with `sharding: range`, and `db` hashes its keys (a hash spreads any range over every shard): give `all_shards`",
    );
}

#[test]
fn a_hedge_of_one_copy() {
    check(
        json!([{ "to": "a", "hedge": { "after_ms": 5, "copies": 1 } }]),
        "nodes.web.pool.calls[0].hedge.copies: expected 2 to 10 copies (the first included), got 1",
    );
}

#[test]
fn an_async_hedge() {
    check(
        json!([{ "to": "a", "mode": "async", "hedge": { "after_ms": 5 } }]),
        "nodes.web.pool.calls[0].hedge: a `hedge` needs a `sync` call: nobody waits for an `async` one",
    );
}

#[test]
fn a_hedge_with_no_delay() {
    check(
        json!([{ "to": "a", "hedge": { "copies": 2 } }]),
        "nodes.web.pool.calls[0].hedge: a hedge needs `after_ms` (a fixed delay) or `after_percentile` (the running percentile of its copies' times, e.g. 95)",
    );
}

#[test]
fn a_hedge_with_two_delays() {
    check(
        json!([{ "to": "a", "hedge": { "after_ms": 5, "after_percentile": 95 } }]),
        "nodes.web.pool.calls[0].hedge.after_percentile: give `after_ms` (a fixed delay) or `after_percentile`, not both",
    );
}

#[test]
fn a_hedge_at_the_hundredth_percentile() {
    check(
        json!([{ "to": "a", "hedge": { "after_percentile": 100 } }]),
        "nodes.web.pool.calls[0].hedge.after_percentile: expected a percentile below 100, got 100",
    );
}

#[test]
fn a_window_on_a_fixed_hedge() {
    check(
        json!([{ "to": "a", "hedge": { "after_ms": 5, "window_s": 10 } }]),
        "nodes.web.pool.calls[0].hedge.window_s: `window_s` is the window of `after_percentile`; a fixed `after_ms` has none",
    );
}

#[test]
fn a_branch_timeout_no_callee_can_meet() {
    check(
        json!([{ "parallel": { "calls": [{ "to": "a", "timeout_ms": 0.5 }] } }]),
        "nodes.web.pool.calls[0].parallel.calls[0].timeout_ms: expected more than the fastest possible response of `a` (1 ms), got 0.5: every attempt would time out",
    );
}
