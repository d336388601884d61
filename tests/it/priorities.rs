//! Class priorities and processor sharing against closed forms: two-class
//! M/M/1 under non-pre-emptive priority (Cobham) and pre-emptive resume,
//! M/M/1-PS and M/G/1-PS's E[T | x] = x / (1 − ρ); and `analyze` giving the
//! same figures by hand computation.
//!
//! Fixed seeds, independent replications; the tolerance is the
//! replications' own 95% interval (`support::check_against_theory`), its
//! bound written beside each test from a pilot run (about three times the
//! pilot's half-width).

use serde_json::{Value, json};

use crate::support::{self, check_against_theory, each};

const SEED: u64 = 14_014;

/// One instance of one vCPU, fed by Poisson arrivals at `rate` with two
/// classes, `gold` and `basic`, half each; `pool` fields are added.
fn two_classes(rate: f64, duration_s: f64, pool: Value) -> capsim::model::Model {
    let mut spec = json!({
        "instance_type": "unit", "instances": 1,
        "service": { "exponential": { "mean_ms": 10 } }
    });
    for (key, value) in pool.as_object().expect("an object") {
        spec[key] = value.clone();
    }
    support::model(json!({
        "simulation": { "duration_s": duration_s, "warmup_s": duration_s / 20.0 },
        "instance_types": support::unit_types(),
        "traffic": {
            "entry": "server",
            "arrivals": { "poisson": { "rate_rps": rate } },
            "classes": { "gold": { "weight": 1 }, "basic": { "weight": 1 } }
        },
        "nodes": { "server": { "pool": spec } }
    }))
}

/// Mean response of class `name` in each run, ms.
fn class_mean(runs: &[capsim::RunResult], name: &str) -> Vec<f64> {
    each(runs, |r| {
        r.classes
            .iter()
            .find(|c| c.name == name)
            .expect("class reported")
            .latency
            .mean_ms
    })
}

/// Gold (priority 1) and basic at 30/s each, S exponential with mean
/// 10 ms: ρ = 0.6, W0 = Σ λ E[S²]/2 = 60 × 2 × 0.01² / 2 = 6 ms.
const GOLD_FIRST: &str = r#"{ "classes": { "gold": 1 } }"#;

/// Cobham: W_gold = W0 / (1 − 0.3) = 8.571 ms, W_basic = W0 / (0.7 × 0.4)
/// = 21.43 ms; T = W + 10 ms. With one worker the priority orders the
/// worker queue; with 100 workers and one vCPU, the vCPU queue. 10
/// replications of 10^4 s (6·10^5 requests each); pilot half-widths:
/// gold 0.21%, basic 0.45%; bounds 0.7% and 1.5%.
#[test]
fn non_preemptive_priority_matches_cobham_in_the_worker_and_the_vcpu_queue() {
    let priority: Value = serde_json::from_str(GOLD_FIRST).unwrap();
    for workers in [1, 100] {
        let pool = json!({ "workers_per_instance": workers, "priority": priority });
        let runs = support::replicate(&two_classes(60.0, 10_000.0, pool), SEED, 10);
        check_against_theory(
            "gold T (ms)",
            &class_mean(&runs, "gold"),
            10.0 + 6.0 / 0.7,
            0.007,
        );
        check_against_theory(
            "basic T (ms)",
            &class_mean(&runs, "basic"),
            10.0 + 6.0 / 0.28,
            0.015,
        );
    }
}

/// The node that serves by priority reports each class's visits: with the
/// node the whole path, they are the end-to-end figures of each class,
/// sample for sample, and the table prints them.
#[test]
fn a_node_serving_by_priority_reports_each_class_there() {
    let priority: Value = serde_json::from_str(GOLD_FIRST).unwrap();
    let pool = json!({ "workers_per_instance": 1, "priority": priority });
    let model = two_classes(60.0, 2_000.0, pool);
    let run = capsim::simulate(&model, SEED, 0);
    let node = &run.nodes[0];
    assert_eq!(node.by_class.len(), 2);
    for class in &run.classes {
        let at_node = node.by_class.iter().find(|c| c.name == class.name).unwrap();
        assert_eq!(at_node.latency.completed, class.latency.completed);
        assert_eq!(at_node.latency.mean_ms, class.latency.mean_ms);
        assert_eq!(at_node.latency.p99_ms, class.latency.p99_ms);
    }
    let gold = &node
        .by_class
        .iter()
        .find(|c| c.name == "gold")
        .unwrap()
        .latency;
    let basic = &node
        .by_class
        .iter()
        .find(|c| c.name == "basic")
        .unwrap()
        .latency;
    assert!(gold.mean_ms < basic.mean_ms, "gold is served first");
    // Without priorities there is nothing per class at the node.
    let fifo = capsim::simulate(&two_classes(60.0, 100.0, json!({})), SEED, 0);
    assert!(fifo.nodes[0].by_class.is_empty());
}

/// Pre-emptive resume: gold sees an M/M/1 of its own, T = 10 / (1 − 0.3) =
/// 14.29 ms; basic T = 10 / 0.7 + 6 / (0.7 × 0.4) = 35.71 ms. 100 workers
/// on one vCPU, so bursts meet at the vCPU. 10 replications of 10^4 s;
/// pilot half-widths: gold 0.28%, basic 0.42%, utilization 0.14%; bounds
/// 1%, 1.5% and 0.5%.
#[test]
fn preemptive_resume_priority_matches_theory() {
    let mut priority: Value = serde_json::from_str(GOLD_FIRST).unwrap();
    priority["preemptive"] = json!(true);
    let pool = json!({ "workers_per_instance": 100, "priority": priority });
    let runs = support::replicate(&two_classes(60.0, 10_000.0, pool), SEED, 10);
    check_against_theory("gold T (ms)", &class_mean(&runs, "gold"), 10.0 / 0.7, 0.01);
    check_against_theory(
        "basic T (ms)",
        &class_mean(&runs, "basic"),
        10.0 / 0.7 + 6.0 / 0.28,
        0.015,
    );
    let utilization = each(&runs, |r| r.nodes[0].utilization.unwrap());
    check_against_theory("utilization", &utilization, 0.6, 0.005);
}

/// M/M/1-PS has M/M/1's mean: 1 / (μ − λ) = 25 ms at λ = 60/s, μ = 100/s.
/// 10 replications of 10^4 s; pilot half-width 0.33%; bound 1%.
#[test]
fn mm1_processor_sharing_has_the_fifo_mean() {
    let pool = json!({ "workers_per_instance": 200, "cpu": "processor_sharing" });
    let runs = support::replicate(&two_classes(60.0, 10_000.0, pool), SEED, 10);
    check_against_theory("T (ms)", &each(&runs, |r| r.end_to_end.mean_ms), 25.0, 0.01);
}

/// M/G/1-PS: E[T | x] = x / (1 − ρ), whatever the law. Gold needs 1 ms,
/// basic 10 ms (constant), half each at 90.9/s: ρ = 90.9 × 5.5 ms = 0.5,
/// so T = 2 ms and 20 ms. 10 replications of 10^4 s (9·10^5 requests
/// each); pilot half-widths 0.12% and 0.2%; bounds 0.5% and 0.6%.
#[test]
fn processor_sharing_stretches_each_size_by_one_over_one_minus_rho() {
    let pool = json!({
        "workers_per_instance": 200, "cpu": "processor_sharing",
        "service": { "constant": { "ms": 10 } },
        "service_by_class": { "gold": { "constant": { "ms": 1 } } }
    });
    let rate = 0.5 / 0.0055;
    let runs = support::replicate(&two_classes(rate, 10_000.0, pool), SEED, 10);
    check_against_theory("T(1 ms)", &class_mean(&runs, "gold"), 2.0, 0.005);
    check_against_theory("T(10 ms)", &class_mean(&runs, "basic"), 20.0, 0.006);
}

/// `analyze` of the same models gives the formulas by hand: Cobham's
/// 18.571 and 31.429 ms, pre-emptive 14.286 and 35.714 ms, and PS's 2 and
/// 20 ms, each exact for M/G/1.
#[test]
fn analyze_gives_the_priority_and_sharing_formulas_per_class() {
    let by_class = |pool: Value, rate: f64| {
        let analysis = capsim::analytic::analyze(&two_classes(rate, 100.0, pool));
        let node = &analysis.nodes[0];
        assert!(
            node.reasons
                .contains(&capsim::analytic::Reason::ClassScheduling)
        );
        let by_class = node.by_class.clone().expect("per-class figures");
        assert!(by_class.exact);
        let t = |name: &str| {
            let class = by_class.classes.iter().find(|c| c.name == name).unwrap();
            class.queue_and_service_ms.unwrap()
        };
        (by_class.method, t("gold"), t("basic"))
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b;
    let priority: Value = serde_json::from_str(GOLD_FIRST).unwrap();
    let (method, gold, basic) = by_class(json!({ "priority": priority }), 60.0);
    assert_eq!(method, capsim::analytic::ClassMethod::Cobham);
    assert!(
        close(gold, 10.0 + 6.0 / 0.7) && close(basic, 10.0 + 6.0 / 0.28),
        "{gold} {basic}"
    );
    let mut preemptive = priority.clone();
    preemptive["preemptive"] = json!(true);
    let pool = json!({ "workers_per_instance": 100, "priority": preemptive });
    let (method, gold, basic) = by_class(pool, 60.0);
    assert_eq!(method, capsim::analytic::ClassMethod::PreemptiveResume);
    assert!(
        close(gold, 10.0 / 0.7) && close(basic, 10.0 / 0.7 + 6.0 / 0.28),
        "{gold} {basic}"
    );
    let pool = json!({
        "workers_per_instance": 200, "cpu": "processor_sharing",
        "service": { "constant": { "ms": 10 } },
        "service_by_class": { "gold": { "constant": { "ms": 1 } } }
    });
    let (method, gold, basic) = by_class(pool, 0.5 / 0.0055);
    assert_eq!(method, capsim::analytic::ClassMethod::ProcessorSharing);
    assert!(close(gold, 2.0) && close(basic, 20.0), "{gold} {basic}");
}

// ---- bad input: exact messages ----

/// One pool `web` calling a database `db`, fed at 10/s, after `edit`: the
/// JSON text (one line) a user would write.
fn edited(edit: impl FnOnce(&mut Value)) -> String {
    let mut topology = json!({
        "simulation": { "duration_s": 60 },
        "instance_types": { "box": { "vcpus": 2 } },
        "traffic": {
            "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } },
            "classes": { "browse": { "weight": 9 }, "checkout": { "weight": 1 } }
        },
        "nodes": {
            "web": { "pool": {
                "instance_type": "box", "instances": 1,
                "service": { "exponential": { "mean_ms": 20 } },
                "calls": [ { "to": "db" } ]
            } },
            "db": { "database": {
                "instance_type": "box", "read": { "exponential": { "mean_ms": 2 } }
            } }
        }
    });
    edit(&mut topology);
    topology.to_string()
}

/// The whole message for the topology `edit` makes.
#[track_caller]
fn rejected(edit: impl FnOnce(&mut Value), expected: &str) {
    let err = capsim::model::parse(&edited(edit)).expect_err("rejected");
    assert_eq!(err.to_string(), expected);
}

#[test]
fn a_priority_for_an_unknown_class() {
    rejected(
        |t| t["nodes"]["web"]["pool"]["priority"] = json!({ "classes": { "chekout": 1 } }),
        "nodes.web.pool.priority.classes.chekout: no class named `chekout` (classes: browse, checkout)",
    );
}

#[test]
fn a_priority_without_classes() {
    rejected(
        |t| t["nodes"]["db"]["database"]["priority"] = json!({ "classes": {} }),
        "nodes.db.database.priority.classes: expected at least one class with its priority, got none",
    );
}

#[test]
fn a_pre_emptive_database() {
    rejected(
        |t| {
            t["nodes"]["db"]["database"]["priority"] =
                json!({ "classes": { "checkout": 1 }, "preemptive": true })
        },
        "nodes.db.database.priority.preemptive: a query keeps its connection until it ends: only a pool's vCPUs can pre-empt",
    );
}

#[test]
fn pre_emption_with_processor_sharing() {
    rejected(
        |t| {
            let pool = &mut t["nodes"]["web"]["pool"];
            pool["cpu"] = json!("processor_sharing");
            pool["priority"] = json!({ "classes": { "checkout": 1 }, "preemptive": true });
        },
        "nodes.web.pool.priority.preemptive: pre-emption needs `cpu: fifo`: with `processor_sharing` every runnable request already has a share of the vCPUs",
    );
}

/// serde's messages end with the position just after the bad value: the
/// text is one line, so the column is where the value ends in it.
#[test]
fn a_misspelt_cpu_discipline_and_a_fractional_priority() {
    for (field, value, bad, message) in [
        (
            "cpu",
            json!("ps"),
            r#""ps""#,
            "nodes.web.pool.cpu: unknown variant `ps`, expected `fifo` or `processor_sharing`",
        ),
        (
            "priority",
            json!({ "classes": { "checkout": 1.5 } }),
            "1.5",
            "nodes.web.pool.priority.classes.checkout: invalid type: floating point `1.5`, expected an integer",
        ),
    ] {
        let text = edited(|t| t["nodes"]["web"]["pool"][field] = value);
        let column = text.find(bad).expect("the bad value is in the text") + bad.len();
        let err = capsim::model::parse(&text).expect_err("rejected");
        assert_eq!(
            err.to_string(),
            format!("{message} at line 1 column {column}")
        );
    }
}
