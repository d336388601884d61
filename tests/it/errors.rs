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
        if path.extension().is_some_and(|e| e == "json" || e == "yaml") {
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
    check(
        &json[..json.len() / 2],
        "nodes.web.pool.service.exponential: EOF while parsing a string at line 14 column 17",
    );
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
    check(
        "[]",
        "expected a JSON object with `simulation`, `traffic` and `nodes`, got an array",
    );
}

/// Text after the document is an error, not silently ignored.
#[test]
fn trailing_garbage() {
    let json = text(|_| {}) + "\n}";
    check(&json, "trailing characters at line 33 column 1");
}

#[test]
fn a_number_instead_of_an_object() {
    check(
        "42",
        "expected a JSON object with `simulation`, `traffic` and `nodes`, got a number",
    );
}

// ---- serde: shape, names, types and ranges ----

#[test]
fn unknown_field() {
    check(
        &text(|t| web(t)["workers"] = json!(4)),
        "nodes.web.pool.workers: unknown field `workers`, expected one of `instance_type`, `kubernetes`, `instances`, `deployment`, `cloudformation`, `workers_per_instance`, `queue_limit`, `shared_queue`, `queue_timeout_ms`, `admission`, `balance`, `service`, `service_by_class`, `calls`, `priority`, `cpu`, `provisioning`, `warmup`, `autoscaling`, `zones`, `failures`, `health_check`, `credits`, `purchase` at line 17 column 17",
    );
}

#[test]
fn unknown_top_level_field() {
    check(
        &text(|t| t["node"] = json!({})),
        "node: unknown field `node`, expected one of `$schema`, `name`, `simulation`, `instance_types`, `catalog`, `traffic`, `nodes`, `network`, `clusters` at line 7 column 8",
    );
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
        "simulation: missing field `duration_s` at line 22 column 3",
    );
}

#[test]
fn duplicate_field() {
    let json = text(|_| {}).replace(
        "\"instances\": 2,",
        "\"instances\": 2,\n        \"instances\": 3,",
    );
    check(
        &json,
        "nodes.web.pool: duplicate field `instances` at line 12 column 19",
    );
}

#[test]
fn misspelt_node_kind() {
    check(
        &text(|t| {
            let pool = t["nodes"]["web"]["pool"].take();
            t["nodes"]["web"] = json!({ "pol": pool });
        }),
        "nodes.web: unknown variant `pol`, expected one of `load_balancer`, `pool`, `cache`, `database`, `delay`, `queue` at line 9 column 11",
    );
}

#[test]
fn node_without_a_kind() {
    check(
        &text(|t| t["nodes"]["web"] = json!({})),
        "nodes.web: expected value at line 8 column 13",
    );
}

#[test]
fn misspelt_distribution_family() {
    check(
        &text(|t| web(t)["service"] = json!({ "expo": { "mean_ms": 20 } })),
        "nodes.web.pool.service: unknown variant `expo`, expected one of `exponential`, `constant`, `uniform`, `lognormal`, `gamma`, `empirical`, `histogram`, `bounded_pareto`, `weibull`, `hyperexponential`, `erlang`, `phase_type` at line 13 column 16",
    );
}

#[test]
fn misspelt_arrival_process() {
    check(
        &text(|t| t["traffic"]["arrivals"] = json!({ "poison": { "rate_rps": 10 } })),
        "traffic.arrivals: unknown variant `poison`, expected one of `poisson`, `deterministic`, `profile`, `mmpp`, `batch`, `closed`, `trace` at line 26 column 14",
    );
}

#[test]
fn misspelt_balance_policy() {
    check(
        &text(|t| web(t)["balance"] = json!("least_connection")),
        "nodes.web.pool.balance: unknown variant `least_connection`, expected one of `random`, `round_robin`, `least_connections`, `power_of_two` at line 10 column 37",
    );
}

#[test]
fn negative_instance_count() {
    check(
        &text(|t| web(t)["instances"] = json!(-3)),
        "nodes.web.pool.instances: expected an integer ≥ 1, got -3 at line 11 column 23",
    );
}

#[test]
fn zero_instance_count() {
    check(
        &text(|t| web(t)["instances"] = json!(0)),
        "nodes.web.pool.instances: expected an integer ≥ 1, got 0 at line 11 column 22",
    );
}

#[test]
fn instance_count_too_large() {
    check(
        &text(|t| web(t)["instances"] = json!(5_000_000_000_i64)),
        "nodes.web.pool.instances: expected an integer between 1 and 4294967295, got 5000000000 at line 11 column 31",
    );
}

#[test]
fn fractional_instance_count() {
    check(
        &text(|t| web(t)["instances"] = json!(2.5)),
        "nodes.web.pool.instances: expected an integer ≥ 1, got 2.5 at line 11 column 24",
    );
}

#[test]
fn negative_queue_limit() {
    check(
        &text(|t| web(t)["queue_limit"] = json!(-1)),
        "nodes.web.pool.queue_limit: expected an integer ≥ 0, got -1 at line 12 column 25",
    );
}

#[test]
fn zero_rate() {
    check(
        &text(|t| t["traffic"]["arrivals"]["poisson"]["rate_rps"] = json!(0)),
        "traffic.arrivals.poisson.rate_rps: expected a number > 0, got 0 at line 28 column 7",
    );
}

#[test]
fn negative_rate() {
    check(
        &text(|t| t["traffic"]["arrivals"]["poisson"]["rate_rps"] = json!(-5.5)),
        "traffic.arrivals.poisson.rate_rps: expected a number > 0, got -5.5 at line 28 column 7",
    );
}

#[test]
fn rate_as_a_string() {
    check(
        &text(|t| t["traffic"]["arrivals"]["poisson"]["rate_rps"] = json!("10")),
        "traffic.arrivals.poisson.rate_rps: invalid type: string \"10\", expected a number at line 27 column 24",
    );
}

#[test]
fn negative_seed() {
    check(
        &text(|t| t["simulation"]["seed"] = json!(-1)),
        "simulation.seed: invalid value: integer `-1`, expected an integer ≥ 0 at line 22 column 14",
    );
}

#[test]
fn zero_users_in_a_closed_population() {
    check(
        &text(|t| {
            t["traffic"]["arrivals"] =
                json!({ "closed": { "users": 0, "think": { "constant": { "ms": 1000 } } } });
        }),
        "traffic.arrivals.closed.users: expected an integer ≥ 1, got 0 at line 33 column 7",
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
        "nodes.cdn.cache.hit_ratio: expected a number between 0 and 1, got 1.2 at line 10 column 24",
    );
}

#[test]
fn negative_call_probability() {
    check(
        &text(|t| {
            t["nodes"]["db"] = delay();
            web(t)["calls"] = json!([{ "to": "db", "probability": -0.1 }]);
        }),
        "nodes.web.pool.calls[0].probability: expected a number between 0 and 1, got -0.1 at line 21 column 31",
    );
}

#[test]
fn negative_constant_latency() {
    check(
        &text(|t| web(t)["service"] = json!({ "constant": { "ms": -1 } })),
        "nodes.web.pool.service.constant.ms: expected a number ≥ 0, got -1 at line 15 column 11",
    );
}

#[test]
fn zero_lognormal_cv() {
    check(
        &text(|t| web(t)["service"] = json!({ "lognormal": { "mean_ms": 20, "cv": 0 } })),
        "nodes.web.pool.service.lognormal.cv: expected a number > 0, got 0 at line 14 column 19",
    );
}

// ---- validation: cross-references ----

#[test]
fn call_to_a_missing_node() {
    check(
        &text(|t| web(t)["calls"] = json!([{ "to": "db" }])),
        "nodes.web.pool.calls[0].to: no node named `db` (nodes: web)",
    );
}

#[test]
fn entry_names_a_missing_node() {
    check(
        &text(|t| t["traffic"]["entry"] = json!("www")),
        "traffic.entry: no node named `www` (nodes: web)",
    );
}

#[test]
fn no_nodes_at_all() {
    check(
        &text(|t| t["nodes"] = json!({})),
        "nodes: expected at least one node, got none
traffic.entry: no node named `web` (nodes: there are none)",
    );
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
        "nodes.cdn.cache.on_miss: no node named `wbe` (nodes: cdn, web)",
    );
}

#[test]
fn misspelt_catalog_instance_type_suggests_its_family() {
    check(
        &text(|t| web(t)["instance_type"] = json!("t3.mediun")),
        "nodes.web.pool.instance_type: no instance type `t3.mediun` (similar: t3.2xlarge, t3.large, t3.medium, t3.micro, t3.small, t3.xlarge)",
    );
}

#[test]
fn unknown_instance_type_family() {
    check(
        &text(|t| web(t)["instance_type"] = json!("x9.huge")),
        "nodes.web.pool.instance_type: no instance type `x9.huge`",
    );
}

#[test]
fn dashed_instance_type_gets_a_suggestion() {
    // n2-standard-2 and n2-standard-8 exist, but families split on `.` only.
    check(
        &text(|t| web(t)["instance_type"] = json!("n2-standard-4")),
        "nodes.web.pool.instance_type: no instance type `n2-standard-4` (similar: n2-standard-2, n2-standard-8)",
    );
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
        "nodes.db.database.instance_type: no instance type `db.r5.larg` (similar: db.m5.large, db.r5.large, db.r5.xlarge, db.t3.medium, db.t4g.medium)",
    );
}

#[test]
fn unknown_class_in_a_call_without_declared_classes() {
    check(
        &text(|t| {
            t["nodes"]["db"] = delay();
            web(t)["calls"] = json!([{ "to": "db", "classes": ["checkout"] }]);
        }),
        "nodes.web.pool.calls[0].classes[0]: no class named `checkout` (classes: default)",
    );
}

/// Without declared classes every request is of class `default`, and it may be named.
#[test]
fn implicit_default_class_can_be_named() {
    let json = text(|t| {
        t["nodes"]["db"] = delay();
        web(t)["calls"] = json!([{ "to": "db", "classes": ["default"] }]);
    });
    assert!(capsim::model::parse(&json).is_ok());
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
        "nodes.web.pool.calls[0].classes[1]: no class named `chekout` (classes: browse, checkout)",
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
        "nodes.web.pool.service_by_class.search: no class named `search` (classes: browse, checkout)",
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
        "nodes.lb.load_balancer.routes[0].classes[0]: no class named `api` (classes: browse)",
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
        "nodes.a: synchronous call cycle through `a`, `b` (a request would wait on itself)",
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
    check(
        &text(|t| web(t)["calls"] = json!([{ "to": "web" }])),
        "nodes.web: synchronous call cycle through `web` (a request would wait on itself)",
    );
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
        "nodes.cdn: synchronous call cycle through `cdn`, `lb` (a request would wait on itself)",
    );
}

// ---- validation: ranges over two fields ----

#[test]
fn warmup_longer_than_duration() {
    check(
        &text(|t| t["simulation"]["warmup_s"] = json!(90)),
        "simulation.warmup_s: expected less than `duration_s` (60), got 90",
    );
}

#[test]
fn warmup_equal_to_duration() {
    check(
        &text(|t| t["simulation"]["warmup_s"] = json!(60)),
        "simulation.warmup_s: expected less than `duration_s` (60), got 60",
    );
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
        "nodes.lb.load_balancer: expected either `to` or `split`, got both",
    );
}

#[test]
fn load_balancer_with_neither_to_nor_split() {
    check(
        &text(|t| {
            t["traffic"]["entry"] = json!("lb");
            t["nodes"]["lb"] = json!({ "load_balancer": { "policy": "random" } });
        }),
        "nodes.lb.load_balancer: expected a target: `to` (one node) or `split` (several, by weight)",
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
        "nodes.lb.load_balancer.split[1].to: no node named `web2` (nodes: lb, web)",
    );
}

#[test]
fn uniform_with_min_above_max() {
    check(
        &text(|t| web(t)["service"] = json!({ "uniform": { "min_ms": 30, "max_ms": 10 } })),
        "nodes.web.pool.service.uniform.max_ms: expected at least `min_ms` (30), got 10",
    );
}

#[test]
fn empty_empirical_samples() {
    check(
        &text(|t| web(t)["service"] = json!({ "empirical": { "samples_ms": [] } })),
        "nodes.web.pool.service.empirical.samples_ms: expected at least one sample, got none",
    );
}

#[test]
fn negative_empirical_sample() {
    check(
        &text(|t| web(t)["service"] = json!({ "empirical": { "samples_ms": [3, -4] } })),
        "nodes.web.pool.service.empirical.samples_ms[1]: expected a number ≥ 0, got -4 at line 17 column 13",
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
        "nodes.web.pool.service.histogram.bins[1].to_ms: expected at least `from_ms` (50), got 20",
    );
}

#[test]
fn empty_histogram() {
    check(
        &text(|t| web(t)["service"] = json!({ "histogram": { "bins": [] } })),
        "nodes.web.pool.service.histogram.bins: expected at least one bin, got none",
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
        "traffic.arrivals.closed.think.uniform.max_ms: expected at least `min_ms` (2000), got 1000",
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
        &[
            "simulation.warmup_s: expected less than `duration_s` (60), got 120",
            "nodes.lb.load_balancer: expected a target: `to` (one node) or `split` (several, by weight)",
            "nodes.web.pool.instance_type: no instance type `t3.mediun` (similar: t3.2xlarge, t3.large, t3.medium, t3.micro, t3.small, t3.xlarge)",
            "nodes.web.pool.service.uniform.max_ms: expected at least `min_ms` (5), got 1",
            "nodes.web.pool.service_by_class.vip: no class named `vip` (classes: default)",
            "nodes.web.pool.calls[0].to: no node named `cache` (nodes: lb, web)",
            "nodes.web: synchronous call cycle through `web` (a request would wait on itself)",
        ]
        .join("\n"),
    );
}

/// JSON allows a repeated key and serde would keep the last one silently.
#[test]
fn a_node_defined_twice() {
    let json = text(|t| t["nodes"]["zz"] = delay()).replace("\"zz\"", "\"web\"");
    let err = capsim::model::parse(&json)
        .expect_err("duplicate node")
        .to_string();
    assert!(
        err.starts_with("nodes: `web` is defined twice at line"),
        "{err}"
    );
}

#[test]
fn a_class_defined_twice() {
    check(
        r#"{ "simulation": { "duration_s": 10 },
             "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 5 } },
                          "classes": { "a": { "weight": 1 }, "a": { "weight": 2 } } },
             "nodes": { "web": { "delay": { "latency": { "constant": { "ms": 1 } } } } } }"#,
        "traffic.classes: `a` is defined twice at line 3 column 64",
    );
}

/// Sizes that would exhaust memory are errors, not crashes or hangs.
#[test]
fn sizes_beyond_any_real_fleet() {
    check(
        &text(|t| web(t)["instances"] = json!(4_000_000_000u32)),
        "nodes.web.pool.instances: expected at most 100000 instances, got 4000000000",
    );
    check(
        &text(|t| {
            t["nodes"]["db"] = json!({ "database": { "instance_type": "box", "shards": 1000,
                                                     "replicas": 200,
                                                     "read": { "constant": { "ms": 1 } } } });
            web(t)["calls"] = json!([{ "to": "db" }]);
        }),
        "nodes.db.database.replicas: expected at most 15 read replicas per shard (the most Amazon Aurora and RDS allow), got 200\nnodes.db.database.shards: expected at most 100000 servers (shards × (1 + replicas)), got 201000",
    );
    check(
        &text(|t| {
            t["traffic"]["arrivals"] =
                json!({ "closed": { "users": 2e9, "think": { "constant": { "ms": 1 } } } })
        }),
        "traffic.arrivals.closed.users: expected at most 10000000 users, got 2000000000",
    );
    check(
        &text(|t| t["simulation"]["max_in_flight"] = json!(1e9)),
        "simulation.max_in_flight: expected at most 10000000, got 1000000000",
    );
    check(
        &text(|t| t["simulation"]["duration_s"] = json!(1e11)),
        "simulation.duration_s: expected at most 1e9 s (about 31 years), got 100000000000",
    );
}

// ---- text that is not JSON: said as what it is, with line and column ----

#[test]
fn a_byte_order_mark_is_named() {
    let err = capsim::model::load(Path::new("tests/data/defects/bom-model.json")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a byte-order mark (U+FEFF) at line 1 column 1: JSON has none; save the file as UTF-8 without BOM"
    );
}

#[test]
fn a_comment_is_named() {
    let json = text(|_| {}).replace("\"instances\": 2,", "\"instances\": 2, // two for now");
    check(
        &json,
        "nodes.web.pool: a comment at line 11 column 25: JSON has no comments; remove it",
    );
    check(
        "/* shop */ {}",
        "a comment at line 1 column 1: JSON has no comments; remove it",
    );
}

#[test]
fn nan_and_infinity_are_named() {
    let json = text(|_| {}).replace("\"mean_ms\": 20", "\"mean_ms\": NaN");
    check(
        &json,
        "nodes.web.pool.service.exponential.mean_ms: `NaN` at line 14 column 24: JSON numbers are finite; write a number",
    );
    let json = text(|_| {}).replace("\"mean_ms\": 20", "\"mean_ms\": -Infinity");
    check(
        &json,
        "nodes.web.pool.service.exponential.mean_ms: an infinity at line 14 column 24: JSON numbers are finite; write a number",
    );
}

/// tests/data/bad/not-utf8.json: `café` in Latin-1, the é one byte 0xE9.
#[test]
fn invalid_utf8_is_named_with_its_line_and_column() {
    let err = capsim::model::load(Path::new("tests/data/bad/not-utf8.json")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid UTF-8 at line 2 column 15: save the file as UTF-8"
    );
}

/// serde names Rust types (`f64`, `struct SimulationSpec`); the messages say
/// what a JSON user writes.
#[test]
fn no_rust_type_names() {
    check(
        &text(|t| t["simulation"] = json!(3)),
        "simulation: invalid type: integer `3`, expected an object at line 20 column 17",
    );
    check(
        &text(|t| web(t)["instances"] = json!("two")),
        "nodes.web.pool.instances: invalid type: string \"two\", expected an integer at line 11 column 26",
    );
    // serde places this one where the object ends; the words are the point.
    let err = capsim::model::parse(&text(|t| web(t)["calls"] = json!({ "to": "web" })))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("nodes.web.pool.calls: invalid type: object, expected a list at line "),
        "{err}"
    );
}

// ---- distribution parameters the sampler could not use ----

/// The defect `gamma-tiny-cv.json`: shape 1/cv² overflows; `run` panicked
/// and `check` accepted it.
#[test]
fn a_gamma_cv_too_small_is_a_range_error() {
    let err = capsim::model::load(Path::new("tests/data/defects/gamma-tiny-cv.json")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nodes.web.pool.service.gamma.cv: expected a cv between 1e-6 and 1000 (for no variation write `constant`), got 1e-160"
    );
}

#[test]
fn distribution_ranges() {
    let service = |dist: Value| text(|t| web(t)["service"] = dist);
    check(
        &service(json!({ "lognormal": { "mean_ms": 10, "cv": 1e200 } })),
        "nodes.web.pool.service.lognormal.cv: expected a cv between 1e-6 and 1000 (for no variation write `constant`), got 1e200",
    );
    check(
        &service(json!({ "exponential": { "mean_ms": 1e-300 } })),
        "nodes.web.pool.service.exponential.mean_ms: expected a mean of at least 1e-6 ms (1 ns, the clock's resolution), got 1e-300",
    );
    check(
        &service(json!({ "uniform": { "min_ms": 0, "max_ms": 1e300 } })),
        "nodes.web.pool.service.uniform.max_ms: expected at most 1e12 ms (10^9 s, the longest run), got 1e300",
    );
    check(
        &service(json!({ "histogram": { "bins": [
            { "from_ms": 0, "to_ms": 1, "weight": 1e308 },
            { "from_ms": 1, "to_ms": 2, "weight": 1e308 } ] } })),
        "nodes.web.pool.service.histogram.bins: expected weights with a finite sum, got more than the largest number (scale them down)",
    );
    check(
        &text(|t| t["instance_types"]["box"]["speed"] = json!(1e-300)),
        "instance_types.box.speed: expected a speed between 0.001 and 1000 (relative to 1), got 1e-300",
    );
}

/// The defect `batch-huge.json`: a batch of 2^32 − 1 requests allocated
/// every byte of memory.
#[test]
fn a_huge_batch_is_bounded() {
    let err = capsim::model::load(Path::new("tests/data/defects/batch-huge.json")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "traffic.arrivals.batch.size.constant.n: expected at most 1000000 requests per batch, got 4294967295"
    );
    check(
        &text(|t| {
            t["traffic"]["arrivals"] = json!({ "batch": { "batches_per_s": 1, "size": { "geometric": { "mean": 1e6 } } } });
        }),
        "traffic.arrivals.batch.size.geometric.mean: expected at most 50000 requests per batch, got 1000000",
    );
}

// ---- on the command line: warnings, and each error said once ----

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The defect `orphan.json`: a pool no traffic reaches passed `check`
/// silently and made $6.80 of the $6.88 an hour.
#[test]
fn a_node_no_traffic_reaches_is_a_warning() {
    let path = "tests/data/defects/orphan.json";
    let model = capsim::model::load(Path::new(path)).unwrap();
    let names: Vec<&str> = model
        .unreachable_nodes()
        .into_iter()
        .map(|id| model.node(id).name.as_str())
        .collect();
    assert_eq!(names, ["webb"]);
    for command in ["check", "run"] {
        let out = crate::support::capsim(&[command, path]);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            "warning: nodes.webb: no traffic reaches this pool (no source's entry leads to it); it is billed all the same\n",
            "{command}"
        );
    }
}

#[test]
fn an_os_error_is_printed_once() {
    let out = crate::support::capsim(&["check", "tests/data/no-such-model.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: cannot load model `tests/data/no-such-model.json`\n  cannot read `tests/data/no-such-model.json`: No such file or directory (os error 2)\n"
    );
}

/// The defect `sweep-duplicate-diagnostic.json`: a point's diagnostic came
/// twice, at a line and column of generated text.
#[test]
fn a_bad_sweep_point_is_named_once_by_its_path() {
    let out = crate::support::capsim(&[
        "sweep",
        "tests/data/defects/sweep-duplicate-diagnostic.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: cannot load experiment `tests/data/defects/sweep-duplicate-diagnostic.json`\n  point 1 (nodes.server.pool.instances = 0) is not a valid model:\n  nodes.server.pool.instances: expected an integer ≥ 1, got 0\n"
    );
}
