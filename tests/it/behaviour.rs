//! Node semantics that the closed forms do not cover: held workers, async
//! calls, error propagation, class routing, speed, bounded memory.

use serde_json::{Value, json};

use crate::support;

fn run(nodes: Value, entry: &str, arrivals: Value, classes: Value) -> capsim::RunResult {
    let model = support::model(json!({
        "simulation": { "duration_s": 2000.0, "warmup_s": 100.0 },
        "instance_types": { "unit": { "vcpus": 1 }, "fast": { "vcpus": 1, "speed": 2.0 } },
        "traffic": { "entry": entry, "arrivals": arrivals, "classes": classes },
        "nodes": nodes
    }));
    capsim::simulate(&model, 11, 0)
}

fn node<'a>(result: &'a capsim::RunResult, name: &str) -> &'a capsim::stats::NodeResult {
    result
        .nodes
        .iter()
        .find(|n| n.name == name)
        .expect("node exists")
}

/// One worker, 1 ms of CPU, then a 100 ms call: the worker, not the CPU, is
/// the bottleneck, so a closed population with no think time gets
/// 1 / 0.101 s ≈ 9.9 req/s, with the CPU 1% busy and the worker always busy.
#[test]
fn a_worker_is_held_through_its_calls_but_the_vcpu_is_not() {
    let result = run(
        json!({
            "web": { "pool": { "instance_type": "unit", "instances": 1, "service": { "constant": { "ms": 1.0 } },
                               "calls": [ { "to": "api" } ] } },
            "api": { "delay": { "latency": { "constant": { "ms": 100.0 } } } }
        }),
        "web",
        json!({ "closed": { "users": 50, "think": { "constant": { "ms": 0.0 } } } }),
        json!({}),
    );
    let web = node(&result, "web");
    // Deterministic service and latency: the figures are exact up to the
    // window's edges (one request in ~19000).
    assert!(
        (result.end_to_end.throughput_rps - 1.0 / 0.101).abs() < 0.01,
        "{}",
        result.end_to_end.throughput_rps
    );
    assert!((web.utilization.unwrap() - 0.001 / 0.101).abs() < 1e-3);
    assert!(web.worker_utilization.unwrap() > 0.999);
}

/// An async call adds nothing to the caller's latency; the target still
/// serves every job.
#[test]
fn async_calls_do_not_delay_the_caller() {
    let result = run(
        json!({
            "web": { "pool": { "instance_type": "unit", "instances": 1, "workers_per_instance": 4,
                               "service": { "constant": { "ms": 10.0 } },
                               "calls": [ { "to": "mailer", "mode": "async" } ] } },
            "mailer": { "delay": { "latency": { "constant": { "ms": 1000.0 } } } }
        }),
        "web",
        json!({ "deterministic": { "rate_rps": 20.0 } }),
        json!({}),
    );
    // Deterministic arrivals every 50 ms and 10 ms of work: no queueing at all.
    assert_eq!(result.end_to_end.max_ms, 10.0);
    let mailer = node(&result, "mailer");
    assert!((mailer.latency.mean_ms - 1000.0).abs() < 1e-9);
    assert!(
        mailer
            .latency
            .completed
            .abs_diff(result.end_to_end.completed)
            <= 20
    );
}

/// A query rejected by a full database queue fails its caller, and the
/// request counts as an error end to end: one error per rejection.
#[test]
fn a_rejection_downstream_fails_the_request() {
    let result = run(
        json!({
            "web": { "pool": { "instance_type": "unit", "instances": 1, "workers_per_instance": 100,
                               "service": { "exponential": { "mean_ms": 1.0 } },
                               "calls": [ { "to": "db" } ] } },
            "db": { "database": { "instance_type": "unit", "queue_limit": 0,
                                  "read": { "exponential": { "mean_ms": 20.0 } } } }
        }),
        "web",
        json!({ "poisson": { "rate_rps": 40.0 } }),
        json!({}),
    );
    let db = node(&result, "db");
    assert!(
        db.rejected > 1000,
        "the test needs rejections: {}",
        db.rejected
    );
    assert_eq!(result.end_to_end.errors, db.rejected);
    // Erlang B with one server and no room: blocking = a / (1 + a), a = 0.8.
    let blocking = result.end_to_end.error_rate;
    // ~68,000 requests: the standard error of the share is ~0.002; allow 0.01.
    assert!((blocking - 0.8 / 1.8).abs() < 0.01, "{blocking}");
}

/// Class routes send exactly their class to their target.
#[test]
fn class_routes_take_exactly_their_class() {
    let result = run(
        json!({
            "alb": { "load_balancer": { "to": "web", "routes": [ { "classes": ["checkout"], "to": "pay" } ] } },
            "web": { "delay": { "latency": { "constant": { "ms": 1.0 } } } },
            "pay": { "delay": { "latency": { "constant": { "ms": 5.0 } } } }
        }),
        "alb",
        json!({ "poisson": { "rate_rps": 50.0 } }),
        json!({ "browse": { "weight": 3 }, "checkout": { "weight": 1 } }),
    );
    let checkout = &result
        .classes
        .iter()
        .find(|c| c.name == "checkout")
        .unwrap()
        .latency;
    assert_eq!(node(&result, "pay").latency.completed, checkout.completed);
    assert_eq!(checkout.max_ms, 5.0);
    let share = checkout.completed as f64 / result.end_to_end.completed as f64;
    // ~95,000 requests: standard error of the share ≈ 0.0014; allow 0.01.
    assert!((share - 0.25).abs() < 0.01, "{share}");
}

/// An instance type's speed divides service time.
#[test]
fn speed_divides_service_time() {
    let result = run(
        json!({ "web": { "pool": { "instance_type": "fast", "instances": 1, "service": { "constant": { "ms": 10.0 } } } } }),
        "web",
        json!({ "deterministic": { "rate_rps": 10.0 } }),
        json!({}),
    );
    // Percentiles carry the HDR histogram's 0.1% precision.
    assert!(
        (result.end_to_end.p99_ms - 5.0).abs() <= 0.005,
        "{}",
        result.end_to_end.p99_ms
    );
    assert_eq!(result.end_to_end.max_ms, 5.0);
}

/// Memory follows requests in flight, not requests simulated: 10^6
/// customers through an M/M/1 at ρ = 0.5 never have 200 in flight
/// (P(N ≥ 200) = 0.5^200).
#[test]
fn jobs_in_flight_stay_bounded_over_a_million_requests() {
    let model = support::single_queue(50.0, support::exponential(100.0), 1, None, 20_000.0);
    let result = capsim::simulate(&model, 3, 0);
    assert!(result.end_to_end.completed > 900_000);
    assert!(result.peak_in_flight < 200, "{}", result.peak_in_flight);
}

/// `closed-users-vs-max-in-flight.json`: 51,000 users, a think time of 3 s,
/// behind a balancer (two visits per request). At most 51,000 requests can
/// be in flight, and a closed population is never unstable for its size,
/// here not even with `max_in_flight` at 1,000.
#[test]
fn a_closed_population_is_bounded_by_its_users() {
    let mut model = support::defect("closed-users-vs-max-in-flight.json");
    assert_eq!(
        capsim::simulate(&model, 1, 0).outcome,
        capsim::Outcome::Completed
    );
    model.max_in_flight = 1_000;
    assert_eq!(
        capsim::simulate(&model, 1, 0).outcome,
        capsim::Outcome::Completed
    );
}

/// `max_in_flight` counts requests, not their visits: open arrivals at
/// twice what one server serves, behind a balancer (two visits each), stop
/// when the 1,001st request is in flight, not the 501st.
#[test]
fn max_in_flight_counts_requests_not_visits() {
    let model = support::model(json!({
        "simulation": { "duration_s": 1000.0, "max_in_flight": 1000 },
        "instance_types": { "unit": { "vcpus": 1 } },
        "traffic": { "entry": "lb", "arrivals": { "poisson": { "rate_rps": 200 } } },
        "nodes": {
            "lb": { "load_balancer": { "to": "web" } },
            "web": { "pool": { "instance_type": "unit", "instances": 1,
                               "service": { "exponential": { "mean_ms": 10.0 } } } }
        }
    }));
    let capsim::Outcome::Unstable {
        in_flight, node, ..
    } = capsim::simulate(&model, 1, 0).outcome
    else {
        panic!("200 req/s on a server of 100 req/s is unstable");
    };
    assert_eq!((in_flight, node.as_str()), (1001, "web"));
}

/// A zero-time loop validation cannot see: two closed users who think for
/// no time, one worker and no queue. One user is served (10 ms); the other
/// is rejected at once and sends again at once, for ever at t = 0. The run
/// halts at its bound of events at one instant, 1,000,000 + 32 × (the
/// default 100,000 in flight + 2 users) + 8 × 1 instance = 4,200,072, and
/// names the pool.
#[test]
fn a_zero_time_loop_halts_and_names_its_node() {
    let model = support::model(json!({
        "simulation": { "duration_s": 60.0 },
        "instance_types": { "unit": { "vcpus": 1 } },
        "traffic": { "entry": "web",
                     "arrivals": { "closed": { "users": 2, "think": { "constant": { "ms": 0.0 } } } } },
        "nodes": { "web": { "pool": { "instance_type": "unit", "instances": 1,
                                      "workers_per_instance": 1, "queue_limit": 0,
                                      "service": { "constant": { "ms": 10.0 } } } } }
    }));
    let outcome = capsim::simulate(&model, 1, 0).outcome;
    assert_eq!(
        outcome,
        capsim::Outcome::ZeroTimeLoop {
            at_s: 0.0,
            events: 4_200_072,
            node: "web".into()
        }
    );
}

/// `node-errors-exclude-rejections.json`: M/M/1/K with λ = 12/s, μ = 10/s
/// and room for K = 11 (one in service, ten waiting). The node's errors %
/// counts its own rejections: the blocking probability
/// (1 − ρ) ρ^K / (1 − ρ^(K+1)) = 0.1877 at ρ = 1.2. Over 2,000 s (24,000
/// arrivals) 0.02 is several standard errors of the estimate; and as the
/// node is the only one, its rate equals the end-to-end error rate.
#[test]
fn a_nodes_errors_include_its_own_rejections() {
    let model = support::defect("node-errors-exclude-rejections.json");
    let run = capsim::simulate(&model, 1, 0);
    let server = node(&run, "server");
    let rho: f64 = 1.2;
    let blocking = (1.0 - rho) * rho.powi(11) / (1.0 - rho.powi(12));
    assert!(
        (server.latency.error_rate - blocking).abs() < 0.02,
        "{}",
        server.latency.error_rate
    );
    let offered = server.latency.completed + server.latency.errors + server.rejected;
    assert_eq!(
        server.latency.error_rate,
        server.rejected as f64 / offered as f64
    );
    assert!((server.latency.error_rate - run.end_to_end.error_rate).abs() < 1e-3);
}

/// A trace whose every row names a class leaves the implicit `default`
/// class empty: the table shows the classes that came, not an empty
/// `class default 0 - - -` row.
#[test]
fn the_table_hides_an_implicit_class_that_received_nothing() {
    let dir = std::env::temp_dir().join(format!("capsim-classes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let rows: String = (0..100)
        .map(|i| {
            format!(
                "{},{}\n",
                f64::from(i) * 0.1,
                ["browse", "buy"][i as usize % 2]
            )
        })
        .collect();
    std::fs::write(dir.join("trace.csv"), format!("time_s,class\n{rows}")).expect("writes");
    let topology = json!({
        "simulation": { "duration_s": 10.0 },
        "traffic": { "entry": "front", "classes": { "browse": {}, "buy": {} },
                     "arrivals": { "trace": { "file": "trace.csv", "format": "timestamps" } } },
        "nodes": { "front": { "delay": { "latency": { "constant": { "ms": 1.0 } } } } }
    });
    let topology = capsim::model::parse_topology(&topology.to_string()).expect("parses");
    let model =
        capsim::model::from_topology_in(&topology, &dir, Default::default()).expect("loads");
    let summary = capsim::Summary::of(&[capsim::simulate(&model, 1, 0)]);
    let mut table = Vec::new();
    capsim::report::table::write(&mut table, &summary, 10.0).expect("writes to memory");
    let table = String::from_utf8(table).expect("utf-8");
    assert!(
        table.contains("class browse") && table.contains("class buy"),
        "{table}"
    );
    assert!(!table.contains("class default"), "{table}");
}
