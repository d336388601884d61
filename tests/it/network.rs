//! Network latency: a call's latency and the zones' round trips, against
//! hand computations (constant laws and deterministic arrivals, so every
//! figure is exact), in the simulation and in `analyze`; bad inputs.

use capsim::analytic;
use serde_json::{Value, json};

use crate::support;

/// `web` (one instance, 1 ms of CPU, workers enough never to wait for one)
/// calls `ext`, a 3 ms delay, with `latency` on the call; 10 requests a
/// second, one at a time, so nothing ever waits: each request takes exactly
/// 1 + 3 ms plus the network.
fn web_calling_a_delay(latency: Option<Value>) -> Value {
    let mut call = json!({ "to": "ext" });
    if let Some(latency) = latency {
        call["latency"] = latency;
    }
    json!({
        "simulation": { "duration_s": 100, "warmup_s": 10 },
        "instance_types": { "box": { "vcpus": 1 } },
        "traffic": { "entry": "web", "arrivals": { "deterministic": { "rate_rps": 10 } } },
        "nodes": {
            "web": { "pool": { "instance_type": "box", "instances": 1, "workers_per_instance": 100,
                               "service": { "constant": { "ms": 1 } }, "calls": [call] } },
            "ext": { "delay": { "latency": { "constant": { "ms": 3 } } } }
        }
    })
}

/// What `analyze`'s mean response of `model` adds to that of `without`, ms.
fn added_by_analyze(model: &capsim::model::Model, without: Value) -> f64 {
    let response = |m: &capsim::model::Model| analytic::analyze(m).response_ms.expect("stable");
    response(model) - response(&support::model(without))
}

/// The mean to the histogram's precision (0.1% of the value, 1 µs buckets).
#[track_caller]
fn exactly(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-3 * want + 1e-3,
        "{what}: {got} against {want}"
    );
}

#[test]
fn a_round_trip_latency_adds_exactly_to_the_callers_response() {
    let plain = capsim::simulate(&support::model(web_calling_a_delay(None)), 1, 0);
    exactly("without latency", plain.end_to_end.mean_ms, 4.0);
    assert!(plain.nodes.iter().all(|n| n.network.is_none()));
    let round_trip = json!({ "round_trip": { "constant": { "ms": 2 } } });
    let model = support::model(web_calling_a_delay(Some(round_trip)));
    let run = capsim::simulate(&model, 1, 0);
    exactly("with 2 ms round trip", run.end_to_end.mean_ms, 6.0);
    let web = run.nodes.iter().find(|n| n.name == "web").expect("web");
    exactly("web's visit", web.latency.mean_ms, 6.0);
    // The delay node's own visit is unchanged: the network is not its time.
    let ext = run.nodes.iter().find(|n| n.name == "ext").expect("ext");
    exactly("ext's visit", ext.latency.mean_ms, 3.0);
    let network = ext.network.as_ref().expect("ext's answers travel");
    assert_eq!(network.mean_ms, 2.0);
    assert_eq!(network.cross_zone_share, None);
    // 10 answers a second over the 90 s window, to one answer.
    assert!((network.answers_per_s - 10.0).abs() <= 1.0 / 90.0 + 1e-12);
    // analyze (which takes the arrivals as Poisson, so its queues wait):
    // 2 ms more than without the latency, the vCPU's load unchanged.
    let added = added_by_analyze(&model, web_calling_a_delay(None));
    assert!((added - 2.0).abs() < 1e-9, "analyze: {added}");
}

#[test]
fn a_one_way_latency_counts_both_ways() {
    let one_way = json!({ "one_way": { "constant": { "ms": 1.5 } } });
    let model = support::model(web_calling_a_delay(Some(one_way)));
    let run = capsim::simulate(&model, 1, 0);
    exactly("with 1.5 ms each way", run.end_to_end.mean_ms, 7.0);
    let added = added_by_analyze(&model, web_calling_a_delay(None));
    assert!((added - 3.0).abs() < 1e-9, "analyze: {added}");
}

/// `web` (one instance, in zone `a`) calls `app` directly; `app` has two
/// instances, in zones `a` and `b`, taken in turn: exactly every other call
/// crosses zones. Same zone 0.1 ms, cross zone 1 ms: 0.55 ms a call.
fn two_zones() -> Value {
    json!({
        "simulation": { "duration_s": 100, "warmup_s": 10 },
        "instance_types": { "box": { "vcpus": 1 } },
        "traffic": { "entry": "web", "arrivals": { "deterministic": { "rate_rps": 10 } } },
        "network": {
            "same_zone": { "constant": { "ms": 0.1 } },
            "cross_zone": { "constant": { "ms": 1 } }
        },
        "nodes": {
            "web": { "pool": { "instance_type": "box", "instances": 1, "zones": ["a"],
                               "workers_per_instance": 100,
                               "service": { "constant": { "ms": 1 } },
                               "calls": [{ "to": "app" }] } },
            "app": { "pool": { "instance_type": "box", "instances": 2, "zones": ["a", "b"],
                               "balance": "round_robin",
                               "service": { "constant": { "ms": 2 } } } }
        }
    })
}

#[test]
fn round_robin_over_two_zones_crosses_every_other_call() {
    let model = support::model(two_zones());
    let run = capsim::simulate(&model, 1, 0);
    let app = run.nodes.iter().find(|n| n.name == "app").expect("app");
    let network = app.network.as_ref().expect("app's answers travel");
    // About 900 answers in the window; alternating, the share is 1/2 to one answer.
    let answers = network.answers_per_s * 90.0;
    let share = network.cross_zone_share.expect("both ends are pools");
    assert!((share - 0.5).abs() <= 1.0 / answers, "share {share}");
    let mean = 0.1 + share * 0.9;
    assert!((network.mean_ms - mean).abs() < 1e-9, "{}", network.mean_ms);
    exactly("response", run.end_to_end.mean_ms, 1.0 + 2.0 + 0.55);
    // analyze: one caller zone (a), callee half in a: P(cross) = 1/2.
    let mut plain = two_zones();
    plain.as_object_mut().expect("topology").remove("network");
    let added = added_by_analyze(&model, plain);
    assert!((added - 0.55).abs() < 1e-9, "analyze: {added}");
}

#[test]
fn pools_without_zones_share_the_default_zone() {
    let mut topology = two_zones();
    for pool in ["web", "app"] {
        let spec = topology["nodes"][pool]["pool"]
            .as_object_mut()
            .expect("pool");
        spec.remove("zones");
    }
    let run = capsim::simulate(&support::model(topology), 1, 0);
    let app = run.nodes.iter().find(|n| n.name == "app").expect("app");
    let network = app.network.as_ref().expect("same-zone latency");
    assert_eq!(network.cross_zone_share, Some(0.0));
    assert!((network.mean_ms - 0.1).abs() < 1e-9);
}

#[track_caller]
fn rejected(topology: Value, expected: &str) {
    let err = capsim::model::parse(&topology.to_string()).expect_err("rejected");
    let message = err.to_string();
    let head = message
        .split_once(" at line 1 column ")
        .map_or(&*message, |(h, _)| h);
    assert_eq!(head, expected);
}

#[test]
fn bad_latencies_name_their_path() {
    let mut async_call =
        web_calling_a_delay(Some(json!({ "round_trip": { "constant": { "ms": 2 } } })));
    async_call["nodes"]["web"]["pool"]["calls"][0]["mode"] = json!("async");
    rejected(
        async_call,
        "nodes.web.pool.calls[0].latency: expected a latency on `sync` calls only (nobody waits for an `async` call's answer)",
    );
    rejected(
        web_calling_a_delay(Some(
            json!({ "round_trip": { "exponential": { "mean_ms": 1e-9 } } }),
        )),
        "nodes.web.pool.calls[0].latency.round_trip.exponential.mean_ms: expected a mean of at least 1e-6 ms (1 ns, the clock's resolution), got 1e-9",
    );
    rejected(
        web_calling_a_delay(Some(json!({ "both_ways": { "constant": { "ms": 2 } } }))),
        "nodes.web.pool.calls[0].latency: unknown variant `both_ways`, expected `one_way` or `round_trip`",
    );
    let mut zones = two_zones();
    zones["network"]["cross_zone"] = json!({ "uniform": { "min_ms": 2, "max_ms": 1 } });
    rejected(
        zones,
        "network.cross_zone.uniform.max_ms: expected at least `min_ms` (2), got 1",
    );
    let mut zones = two_zones();
    zones["network"]["cross_az"] = json!({ "constant": { "ms": 1 } });
    rejected(
        zones,
        "network.cross_az: unknown field `cross_az`, expected `same_zone` or `cross_zone`",
    );
}

/// Calls made at once pay their own network time, each branch its own:
/// `web` calls `a` (a 2 ms delay, 3 ms round trip) and `b` (a 5 ms delay, 1 ms
/// each way) together. Nothing waits, so by hand each branch answers in 5
/// and 7 ms: joined by `all` at 7, by `first` at 5; the request takes 1 ms
/// of CPU more.
#[test]
fn each_branch_of_a_group_pays_its_own_latency() {
    let topology = |join: &str| {
        json!({
            "simulation": { "duration_s": 100, "warmup_s": 10 },
            "instance_types": { "box": { "vcpus": 1 } },
            "traffic": { "entry": "web", "arrivals": { "deterministic": { "rate_rps": 10 } } },
            "nodes": {
                "web": { "pool": { "instance_type": "box", "instances": 1,
                    "workers_per_instance": 100, "service": { "constant": { "ms": 1 } },
                    "calls": [ { "parallel": { "join": join, "calls": [
                        { "to": "a", "latency": { "round_trip": { "constant": { "ms": 3 } } } },
                        { "to": "b", "latency": { "one_way": { "constant": { "ms": 1 } } } }
                    ] } } ] } },
                "a": { "delay": { "latency": { "constant": { "ms": 2 } } } },
                "b": { "delay": { "latency": { "constant": { "ms": 5 } } } }
            }
        })
    };
    for (join, joined_ms) in [("all", 7.0), ("first", 5.0)] {
        let run = capsim::simulate(&support::model(topology(join)), 1, 0);
        exactly(join, run.end_to_end.mean_ms, 1.0 + joined_ms);
        let group = &run.groups[0];
        exactly(
            &format!("{join}: the group"),
            group.latency.mean_ms,
            joined_ms,
        );
        exactly(&format!("{join}: a"), group.branches[0].mean_ms, 5.0);
        exactly(&format!("{join}: b"), group.branches[1].mean_ms, 7.0);
    }
    // A latency beside `parallel` rather than on its calls is named.
    let mut beside = topology("all");
    beside["nodes"]["web"]["pool"]["calls"][0]["latency"] =
        json!({ "round_trip": { "constant": { "ms": 1 } } });
    rejected(
        beside,
        "nodes.web.pool.calls[0].latency: a `parallel` entry takes only `classes` and `probability` beside it: give each of its calls its own `to`, `op`, `timeout_ms`, `retry`, `breaker`, `connections` and `latency`",
    );
}
