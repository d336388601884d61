//! Burstable instances' CPU credits against hand computations: a constant
//! load above the baseline empties the balance at the computed time, then
//! throttles (standard) or bills surplus (unlimited) exactly; a load below
//! the baseline never empties it. Deterministic models (one closed user,
//! constant work), so the figures are exact up to a request at the edges.

use capsim::{RunOptions, RunResult};
use serde_json::{Value, json};

use super::support::{column, model};

/// One closed user with no think time on one t3.medium (2 vCPUs, 24 credits
/// an hour: a baseline of 0.4 vCPU): exactly one burst of `work_ms` runs at
/// all times, for 6000 s, from a balance of 30 credits.
fn one_busy_vcpu(credits: Value, work_ms: f64) -> Value {
    json!({
        "simulation": { "duration_s": 6000 },
        "traffic": { "entry": "api",
                     "arrivals": { "closed": { "users": 1, "think": { "constant": { "ms": 0 } } } } },
        "nodes": { "api": { "pool": {
            "instance_type": "t3.medium", "instances": 1,
            "service": { "constant": { "ms": work_ms } }, "credits": credits } } }
    })
}

fn run(topology: Value, window_s: f64) -> RunResult {
    let options = RunOptions {
        series_window_s: Some(window_s),
        ..RunOptions::default()
    };
    capsim::simulate_with(&model(topology), 1, 0, &options, &mut |_| {})
}

#[test]
fn a_standard_balance_empties_at_the_computed_time_then_throttles_to_the_baseline() {
    // One vCPU busy spends 1 credit a minute and earns 0.4: 30 credits last
    // 30 / 0.6 = 50 minutes, 3000 s. Then the burst runs at 0.4 of full
    // speed: 10 ms of work takes 25 ms. 3000 s at 10 ms and 3000 s at 25 ms:
    // 300,000 + 120,000 requests, mean (3e6 + 3e6) / 420,000 = 14.2857 ms.
    let credits = json!({ "mode": "standard", "initial_balance": 30 });
    let result = run(one_busy_vcpu(credits, 10.0), 1.0);
    let series = result.series.as_ref().unwrap();
    let throttled = column(series, "api.throttled");
    let first = throttled.iter().position(|&t| t == 1.0).unwrap();
    assert_eq!(first, 3000, "throttled from the window at 3000 s");
    assert!(throttled[first..].iter().all(|&t| t == 1.0));
    // The balance falls by 0.6 credits a minute: 20 at 1000 s.
    let balance = column(series, "api.credit_balance");
    assert!((balance[999] - 20.0).abs() < 1e-6, "{}", balance[999]);
    let completed = result.end_to_end.completed as f64;
    // One request may straddle each end of the window.
    assert!((completed - 420_000.0).abs() <= 2.0, "{completed}");
    let mean = result.end_to_end.mean_ms;
    assert!((mean - 100.0 / 7.0).abs() < 0.01, "{mean}");
    let credits = result.nodes[0].credits.as_ref().unwrap();
    assert!(
        (credits.throttled - 0.5).abs() < 1e-9,
        "{}",
        credits.throttled
    );
    // 30 → 0 over half the run, then 0: a mean of 7.5 credits.
    assert!((credits.mean_balance - 7.5).abs() < 1e-6);
    assert_eq!(
        (credits.surplus_credits, result.cost.breakdown.credits),
        (0.0, 0.0)
    );
}

#[test]
fn unlimited_mode_bills_the_surplus_beyond_the_balance_at_its_price() {
    // Unthrottled: 600,000 requests of 10 ms. From 3000 s the instance
    // spends 0.6 surplus credits a minute: 30 by the end, at $0.05 per 60
    // credits = $0.025 over 6000 s, $0.015 an hour on top of $0.0416.
    let credits = json!({ "mode": "unlimited", "initial_balance": 30 });
    let result = run(one_busy_vcpu(credits, 10.0), 60.0);
    assert!((result.end_to_end.completed as f64 - 600_000.0).abs() <= 1.0);
    assert!((result.end_to_end.mean_ms - 10.0).abs() < 0.01);
    let credits = result.nodes[0].credits.as_ref().unwrap();
    assert!(
        (credits.surplus_credits - 30.0).abs() < 1e-6,
        "{}",
        credits.surplus_credits
    );
    assert!((result.cost.breakdown.credits - 0.015).abs() < 1e-9);
    assert!((result.cost.usd_per_hour - (0.0416 + 0.015)).abs() < 1e-9);
    assert_eq!(credits.throttled, 0.0);
    // The surplus grows linearly from 3000 s: 15 credits at 4500 s.
    let surplus = column(result.series.as_ref().unwrap(), "api.surplus_credits");
    assert!((surplus[74] - 15.0).abs() < 1e-6, "{}", surplus[74]);
}

#[test]
fn a_load_below_the_baseline_never_empties_the_balance() {
    // A user thinking 90 ms after each 10 ms of work uses 0.1 vCPU: 0.3
    // credits a minute net, from 10 credits to 10 + 0.3 × 100 = 40.
    let mut topology = one_busy_vcpu(json!({ "mode": "standard", "initial_balance": 10 }), 10.0);
    topology["traffic"]["arrivals"]["closed"]["think"] = json!({ "constant": { "ms": 90 } });
    let result = run(topology, 60.0);
    let credits = result.nodes[0].credits.as_ref().unwrap();
    assert_eq!(credits.throttled, 0.0);
    let balance = column(result.series.as_ref().unwrap(), "api.credit_balance");
    // Within a 100 ms cycle the balance wavers by 1e-4 credits.
    assert!((balance.last().unwrap() - 40.0).abs() < 1e-3, "{balance:?}");
    assert!(balance.windows(2).all(|w| w[1] > w[0]));
    assert!((result.end_to_end.mean_ms - 10.0).abs() < 1e-6);
}

#[test]
fn two_bursts_on_a_throttled_instance_share_its_baseline() {
    // Two users on an empty balance: throttled from the start, 0.4 vCPU
    // shared by two bursts, 0.2 each: 10 ms of work takes 50 ms, and the
    // instance completes 0.4 / 10 ms = 40 requests a second.
    let mut topology = one_busy_vcpu(json!({ "mode": "standard" }), 10.0);
    topology["traffic"]["arrivals"]["closed"]["users"] = json!(2);
    topology["nodes"]["api"]["pool"]["workers_per_instance"] = json!(2);
    let result = run(topology, 60.0);
    assert!(
        (result.end_to_end.mean_ms - 50.0).abs() < 1e-3,
        "{}",
        result.end_to_end.mean_ms
    );
    let rate = result.end_to_end.completed as f64 / 6000.0;
    assert!((rate - 40.0).abs() < 0.01, "{rate}");
}

#[test]
fn models_without_burstable_types_report_no_credits() {
    let mut topology = one_busy_vcpu(Value::Null, 10.0);
    topology["nodes"]["api"]["pool"]
        .as_object_mut()
        .unwrap()
        .remove("credits");
    topology["nodes"]["api"]["pool"]["instance_type"] = json!("m5.large");
    let result = run(topology, 60.0);
    assert!(result.nodes[0].credits.is_none());
    assert_eq!(result.cost.breakdown.credits, 0.0);
    let series = result.series.unwrap();
    assert!(!series.columns.iter().any(|c| c.contains("credit")));
}

#[track_caller]
fn refused(topology: Value, expected: &str) {
    let err = capsim::model::parse(&topology.to_string()).expect_err("should be rejected");
    assert_eq!(err.to_string(), expected);
}

#[test]
fn credits_on_a_type_that_is_not_burstable() {
    let mut topology = one_busy_vcpu(json!({ "mode": "standard" }), 10.0);
    topology["nodes"]["api"]["pool"]["instance_type"] = json!("m5.large");
    refused(
        topology,
        "nodes.api.pool.credits: `m5.large` is not a burstable instance type: `credits` applies to the t2, t3, t3a and t4g types and to types declared with a `burstable` block",
    );
}

#[test]
fn an_initial_balance_above_the_cap() {
    refused(
        one_busy_vcpu(json!({ "initial_balance": 600 }), 10.0),
        "nodes.api.pool.credits.initial_balance: expected at most the type's `max_balance` (576 credits for `t3.medium`), got 600",
    );
}

#[test]
fn standard_mode_with_pre_emptive_priorities() {
    let mut topology = one_busy_vcpu(json!({ "mode": "standard" }), 10.0);
    topology["nodes"]["api"]["pool"]["priority"] =
        json!({ "classes": { "default": 1 }, "preemptive": true });
    refused(
        topology,
        "nodes.api.pool.credits.mode: expected `unlimited` with pre-emptive priorities, got `standard`: throttling is modelled on FIFO and processor-sharing vCPUs only",
    );
}

#[test]
fn an_unknown_mode_and_a_declared_rate_that_is_not_the_baseline() {
    refused(
        one_busy_vcpu(json!({ "mode": "burst" }), 10.0),
        "nodes.api.pool.credits.mode: unknown variant `burst`, expected `standard` or `unlimited` at line 1 column 50",
    );
    let mut topology = one_busy_vcpu(json!({}), 10.0);
    topology["instance_types"] = json!({ "b1": { "vcpus": 2, "usd_per_hour": 0.03,
        "burstable": { "baseline_per_vcpu": 0.2, "credits_per_hour": 30, "max_balance": 720 } } });
    topology["nodes"]["api"]["pool"]["instance_type"] = json!("b1");
    refused(
        topology,
        "instance_types.b1.burstable.credits_per_hour: expected `baseline_per_vcpu` × `vcpus` × 60 = 0.2 × 2 × 60 = 24 credits per hour, got 30",
    );
}

#[test]
fn built_in_figures_do_not_fit_a_type_declared_with_other_vcpus() {
    let mut topology = one_busy_vcpu(json!({}), 10.0);
    topology["instance_types"] = json!({ "t3.medium": { "vcpus": 4, "usd_per_hour": 0.05 } });
    refused(
        topology,
        "nodes.api.pool.instance_type: the built-in credit figures of `t3.medium` are for 2 vCPUs, but it is declared with 4: declare its `burstable` block too",
    );
}
