//! Bad topologies -> their exact messages.
//!
//! Each test starts from [`base`], a minimal valid topology, changes one
//! thing and asserts the whole message. The JSON is pretty-printed (keys in
//! sorted order), so the line and column of serde's messages point into
//! what [`text`] returns.

use std::path::Path;

use serde_json::{Value, json};

#[track_caller]
fn check(json: &str, expected: &str) {
    let err = capsim::model::parse(json).expect_err("topology should be rejected");
    assert_eq!(err.to_string(), expected);
}

/// One pool `web` of two `box` instances (declared here, two vCPUs),
/// Poisson arrivals at 10/s, 60 s with 10 s warm-up.
fn base() -> Value {
    json!({
        "simulation": { "duration_s": 60, "warmup_s": 10 },
        "instance_types": { "box": { "vcpus": 2 } },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": {
            "web": { "pool": {
                "instance_type": "box",
                "instances": 2,
                "service": { "exponential": { "mean_ms": 20 } }
            } }
        }
    })
}

/// [`base`] after `edit`, as the JSON text a user would write.
fn text(edit: impl FnOnce(&mut Value)) -> String {
    let mut topology = base();
    edit(&mut topology);
    serde_json::to_string_pretty(&topology).expect("a Value always serializes")
}

/// The `pool` object of node `web`.
fn web(topology: &mut Value) -> &mut Value {
    &mut topology["nodes"]["web"]["pool"]
}

/// A plain delay node, a target for calls.
fn delay() -> Value {
    json!({ "delay": { "latency": { "constant": { "ms": 1 } } } })
}

// ---- the baseline and the shipped models ----

#[test]
fn base_topology_is_valid() {
    capsim::model::parse(&text(|_| {})).expect("the base topology parses");
}

#[test]
fn every_shipped_model_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).expect("models/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            if let Err(err) = capsim::model::load(&path) {
                panic!("{}: {err}", path.display());
            }
            loaded += 1;
        }
    }
    assert!(loaded > 0, "no models in {}", dir.display());
}

// ---- not a topology at all ----

#[test]
fn truncated_json() {
    let json = text(|_| {});
    check(&json[..json.len() / 2], "?");
}

#[test]
fn whitespace_only() {
    check(
        " \n\t \n",
        "the model is empty: expected a JSON object with `simulation`, `traffic` and `nodes`",
    );
}

#[test]
fn empty_string() {
    check(
        "",
        "the model is empty: expected a JSON object with `simulation`, `traffic` and `nodes`",
    );
}

#[test]
fn an_array_instead_of_an_object() {
    check("[]", "?");
}

#[test]
fn trailing_garbage() {
    let json = text(|_| {}) + "\n}";
    check(&json, "?");
}

// ---- serde: shape, names, types and ranges ----

#[test]
fn unknown_field() {
    check(&text(|t| web(t)["workers"] = json!(4)), "?");
}

#[test]
fn unknown_top_level_field() {
    check(&text(|t| t["node"] = json!({})), "?");
}

#[test]
fn missing_field() {
    check(
        &text(|t| {
            t["simulation"]
                .as_object_mut()
                .unwrap()
                .remove("duration_s");
        }),
        "?",
    );
}

#[test]
fn duplicate_field() {
    let json = text(|_| {}).replace(
        "\"instances\": 2,",
        "\"instances\": 2,\n        \"instances\": 3,",
    );
    check(&json, "?");
}

#[test]
fn misspelt_node_kind() {
    check(
        &text(|t| {
            let pool = t["nodes"]["web"]["pool"].take();
            t["nodes"]["web"] = json!({ "pol": pool });
        }),
        "?",
    );
}

#[test]
fn misspelt_distribution_family() {
    check(
        &text(|t| web(t)["service"] = json!({ "expo": { "mean_ms": 20 } })),
        "?",
    );
}

#[test]
fn misspelt_arrival_process() {
    check(
        &text(|t| t["traffic"]["arrivals"] = json!({ "poison": { "rate_rps": 10 } })),
        "?",
    );
}

#[test]
fn misspelt_balance_policy() {
    check(
        &text(|t| web(t)["balance"] = json!("least_connection")),
        "?",
    );
}

#[test]
fn negative_instance_count() {
    check(&text(|t| web(t)["instances"] = json!(-3)), "?");
}

#[test]
fn zero_instance_count() {
    check(&text(|t| web(t)["instances"] = json!(0)), "?");
}

#[test]
fn instance_count_too_large() {
    check(
        &text(|t| web(t)["instances"] = json!(5_000_000_000_i64)),
        "?",
    );
}

#[test]
fn fractional_instance_count() {
    check(&text(|t| web(t)["instances"] = json!(2.5)), "?");
}

#[test]
fn negative_queue_limit() {
    check(&text(|t| web(t)["queue_limit"] = json!(-1)), "?");
}

#[test]
fn zero_rate() {
    check(
        &text(|t| t["traffic"]["arrivals"]["poisson"]["rate_rps"] = json!(0)),
        "?",
    );
}

#[test]
fn negative_rate() {
    check(
        &text(|t| t["traffic"]["arrivals"]["poisson"]["rate_rps"] = json!(-5.5)),
        "?",
    );
}

#[test]
fn rate_as_a_string() {
    check(
        &text(|t| t["traffic"]["arrivals"]["poisson"]["rate_rps"] = json!("10")),
        "?",
    );
}

#[test]
fn negative_seed() {
    check(&text(|t| t["simulation"]["seed"] = json!(-1)), "?");
}

#[test]
fn zero_users_in_a_closed_population() {
    check(
        &text(|t| {
            t["traffic"]["arrivals"] =
                json!({ "closed": { "users": 0, "think": { "constant": { "ms": 1000 } } } });
        }),
        "?",
    );
}

#[test]
fn hit_ratio_above_one() {
    check(
        &text(|t| {
            t["traffic"]["entry"] = json!("cdn");
            t["nodes"]["cdn"] = json!({ "cache": {
                "hit_ratio": 1.2,
                "latency": { "constant": { "ms": 1 } },
                "on_miss": "web"
            } });
        }),
        "?",
    );
}

#[test]
fn negative_call_probability() {
    check(
        &text(|t| {
            t["nodes"]["db"] = delay();
            web(t)["calls"] = json!([{ "to": "db", "probability": -0.1 }]);
        }),
        "?",
    );
}

#[test]
fn negative_constant_latency() {
    check(
        &text(|t| web(t)["service"] = json!({ "constant": { "ms": -1 } })),
        "?",
    );
}

#[test]
fn zero_lognormal_cv() {
    check(
        &text(|t| web(t)["service"] = json!({ "lognormal": { "mean_ms": 20, "cv": 0 } })),
        "?",
    );
}

// ---- validation: cross-references ----

#[test]
fn call_to_a_missing_node() {
    check(&text(|t| web(t)["calls"] = json!([{ "to": "db" }])), "?");
}

#[test]
fn entry_names_a_missing_node() {
    check(&text(|t| t["traffic"]["entry"] = json!("www")), "?");
}

#[test]
fn no_nodes_at_all() {
    check(&text(|t| t["nodes"] = json!({})), "?");
}

#[test]
fn cache_misses_go_to_a_missing_node() {
    check(
        &text(|t| {
            t["traffic"]["entry"] = json!("cdn");
            t["nodes"]["cdn"] = json!({ "cache": {
                "hit_ratio": 0.5,
                "latency": { "constant": { "ms": 1 } },
                "on_miss": "wbe"
            } });
        }),
        "?",
    );
}

#[test]
fn misspelt_catalog_instance_type_suggests_its_family() {
    check(&text(|t| web(t)["instance_type"] = json!("t3.mediun")), "?");
}

#[test]
fn unknown_instance_type_family() {
    check(&text(|t| web(t)["instance_type"] = json!("x9.huge")), "?");
}

#[test]
fn database_instance_type_missing() {
    check(
        &text(|t| {
            t["nodes"]["db"] = json!({ "database": {
                "instance_type": "db.r5.larg",
                "read": { "exponential": { "mean_ms": 4 } }
            } });
            web(t)["calls"] = json!([{ "to": "db" }]);
        }),
        "?",
    );
}

#[test]
fn unknown_class_in_a_call_without_declared_classes() {
    check(
        &text(|t| {
            t["nodes"]["db"] = delay();
            web(t)["calls"] = json!([{ "to": "db", "classes": ["checkout"] }]);
        }),
        "?",
    );
}

#[test]
fn unknown_class_in_a_call() {
    check(
        &text(|t| {
            t["traffic"]["classes"] =
                json!({ "browse": { "weight": 9 }, "checkout": { "weight": 1 } });
            t["nodes"]["db"] = delay();
            web(t)["calls"] = json!([{ "to": "db", "classes": ["checkout", "chekout"] }]);
        }),
        "?",
    );
}

#[test]
fn unknown_class_in_service_by_class() {
    check(
        &text(|t| {
            t["traffic"]["classes"] =
                json!({ "browse": { "weight": 9 }, "checkout": { "weight": 1 } });
            web(t)["service_by_class"] = json!({ "search": { "exponential": { "mean_ms": 50 } } });
        }),
        "?",
    );
}

#[test]
fn unknown_class_in_a_route() {
    check(
        &text(|t| {
            t["traffic"]["entry"] = json!("lb");
            t["traffic"]["classes"] = json!({ "browse": { "weight": 1 } });
            t["nodes"]["lb"] = json!({ "load_balancer": {
                "to": "web",
                "routes": [{ "classes": ["api"], "to": "web" }]
            } });
        }),
        "?",
    );
}

// ---- validation: cycles ----

#[test]
fn synchronous_call_cycle() {
    check(
        &text(|t| {
            t["nodes"]["a"] = t["nodes"]["web"].clone();
            t["nodes"]["b"] = t["nodes"]["web"].clone();
            t["nodes"]["a"]["pool"]["calls"] = json!([{ "to": "b" }]);
            t["nodes"]["b"]["pool"]["calls"] = json!([{ "to": "a" }]);
            web(t)["calls"] = json!([{ "to": "a" }]);
        }),
        "?",
    );
}

#[test]
fn asynchronous_call_cycle_is_allowed() {
    let json = text(|t| {
        t["nodes"]["a"] = t["nodes"]["web"].clone();
        t["nodes"]["a"]["pool"]["calls"] = json!([{ "to": "web", "mode": "async" }]);
        web(t)["calls"] = json!([{ "to": "a" }]);
    });
    capsim::model::parse(&json).expect("async calls do not hold the caller");
}

#[test]
fn pool_calls_itself() {
    check(&text(|t| web(t)["calls"] = json!([{ "to": "web" }])), "?");
}

#[test]
fn cache_misses_go_back_through_a_balancer() {
    check(
        &text(|t| {
            t["traffic"]["entry"] = json!("cdn");
            t["nodes"]["cdn"] = json!({ "cache": {
                "hit_ratio": 0.5, "latency": { "constant": { "ms": 1 } }, "on_miss": "lb"
            } });
            t["nodes"]["lb"] = json!({ "load_balancer": { "to": "cdn" } });
        }),
        "?",
    );
}

// ---- validation: ranges over two fields ----

#[test]
fn warmup_longer_than_duration() {
    check(&text(|t| t["simulation"]["warmup_s"] = json!(90)), "?");
}

#[test]
fn warmup_equal_to_duration() {
    check(&text(|t| t["simulation"]["warmup_s"] = json!(60)), "?");
}

#[test]
fn load_balancer_with_both_to_and_split() {
    check(
        &text(|t| {
            t["traffic"]["entry"] = json!("lb");
            t["nodes"]["lb"] = json!({ "load_balancer": {
                "to": "web",
                "split": [{ "to": "web", "weight": 1 }]
            } });
        }),
        "?",
    );
}

#[test]
fn load_balancer_with_neither_to_nor_split() {
    check(
        &text(|t| {
            t["traffic"]["entry"] = json!("lb");
            t["nodes"]["lb"] = json!({ "load_balancer": { "policy": "random" } });
        }),
        "?",
    );
}

#[test]
fn load_balancer_split_to_a_missing_node() {
    check(
        &text(|t| {
            t["traffic"]["entry"] = json!("lb");
            t["nodes"]["lb"] = json!({ "load_balancer": { "split": [
                { "to": "web", "weight": 3 },
                { "to": "web2", "weight": 1 }
            ] } });
        }),
        "?",
    );
}

#[test]
fn uniform_with_min_above_max() {
    check(
        &text(|t| web(t)["service"] = json!({ "uniform": { "min_ms": 30, "max_ms": 10 } })),
        "?",
    );
}

#[test]
fn empty_empirical_samples() {
    check(
        &text(|t| web(t)["service"] = json!({ "empirical": { "samples_ms": [] } })),
        "?",
    );
}

#[test]
fn negative_empirical_sample() {
    check(
        &text(|t| web(t)["service"] = json!({ "empirical": { "samples_ms": [3, -4] } })),
        "?",
    );
}

#[test]
fn histogram_bin_with_from_above_to() {
    check(
        &text(|t| {
            web(t)["service"] = json!({ "histogram": { "bins": [
                { "from_ms": 0, "to_ms": 10, "weight": 5 },
                { "from_ms": 50, "to_ms": 20, "weight": 1 }
            ] } });
        }),
        "?",
    );
}

#[test]
fn empty_histogram() {
    check(
        &text(|t| web(t)["service"] = json!({ "histogram": { "bins": [] } })),
        "?",
    );
}

#[test]
fn uniform_think_time_with_min_above_max() {
    check(
        &text(|t| {
            t["traffic"]["arrivals"] = json!({ "closed": {
                "users": 10,
                "think": { "uniform": { "min_ms": 2000, "max_ms": 1000 } }
            } });
        }),
        "?",
    );
}

// ---- several problems at once ----

#[test]
fn several_problems_are_all_reported_in_order() {
    check(
        &text(|t| {
            t["simulation"]["warmup_s"] = json!(120);
            t["traffic"]["entry"] = json!("lb");
            t["nodes"]["lb"] = json!({ "load_balancer": {} });
            let pool = web(t);
            pool["instance_type"] = json!("t3.mediun");
            pool["service"] = json!({ "uniform": { "min_ms": 5, "max_ms": 1 } });
            pool["service_by_class"] = json!({ "vip": { "constant": { "ms": 1 } } });
            pool["calls"] = json!([{ "to": "cache" }, { "to": "web" }]);
        }),
        "?",
    );
}
