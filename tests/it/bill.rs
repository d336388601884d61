//! The bill beyond instances against hand computations: a managed load
//! balancer's hour and busiest capacity unit, a CDN's GB and requests,
//! egress to the internet and across zones, reserved, savings-plan and spot
//! prices, spot interruptions at their rate; bad billing input against its
//! exact messages.
//!
//! Arrivals are deterministic and service constant, so the counts the bill
//! prices are exact up to one request at each end of the window: over
//! 360,000 requests a relative error below 1e-5, hence the tolerances.

use capsim::RunResult;
use serde_json::{Value, json};

use super::support::model;

/// `rate` requests a second, evenly spaced, for an hour, of one class
/// `api` carrying `request_kb` and `response_kb`, into `entry`.
fn topology(entry: &str, rate: f64, kb: (f64, f64), nodes: Value) -> Value {
    json!({
        "simulation": { "duration_s": 3600 },
        "traffic": { "entry": entry,
                     "arrivals": { "deterministic": { "rate_rps": rate } },
                     "classes": { "api": { "request_kb": kb.0, "response_kb": kb.1 } } },
        "nodes": nodes
    })
}

/// A pool of one m5.large ($0.096/h) answering in 1 ms.
fn api() -> Value {
    json!({ "pool": { "instance_type": "m5.large", "instances": 1, "workers_per_instance": 8,
                      "service": { "constant": { "ms": 1 } } } })
}

fn run(topology: Value) -> RunResult {
    capsim::simulate(&model(topology), 1, 0)
}

#[track_caller]
fn close(what: &str, got: f64, expected: f64) {
    assert!(
        (got - expected).abs() <= 1e-5 * expected.abs().max(1e-3),
        "{what}: got {got}, expected {expected}"
    );
}

fn balancer(billed_as: &str, requests_per_connection: u32) -> Value {
    json!({ "load_balancer": { "to": "api", "billed_as": billed_as,
                               "requests_per_connection": requests_per_connection } })
}

#[test]
fn an_alb_bills_its_hour_and_its_busiest_capacity_unit() {
    // 100 requests/s of 2 + 48 KB: 360,000 × 50 KB = 18 GB in the hour, 18
    // LCUs; a connection per request is 100/s over 25: 4 LCUs. The bytes
    // win: $0.0225 + 18 × $0.008 = $0.1665 an hour.
    let nodes = json!({ "lb": balancer("aws_alb", 1), "api": api() });
    let result = run(topology("lb", 100.0, (2.0, 48.0), nodes));
    close("load balancer", result.cost.breakdown.load_balancer, 0.1665);
    close("lb's row", result.nodes[1].usd_per_hour, 0.1665);
    // No CDN at the entry: every answer leaves to the internet, 17.28 GB
    // at $0.09.
    close(
        "egress",
        result.cost.breakdown.egress,
        360_000.0 * 48.0 / 1e6 * 0.09,
    );
    close("compute", result.cost.breakdown.compute, 0.096);
    close("total", result.cost.usd_per_hour, 0.1665 + 1.5552 + 0.096);
}

#[test]
fn with_small_answers_new_connections_decide_the_capacity_units() {
    // 1 KB each way, 100/s: 0.72 GB an hour, 0.72 LCU; 100 new connections
    // a second are 4 ALB LCUs, or 0.125 NLB LCU (800 flows a second).
    let alb = run(topology(
        "lb",
        100.0,
        (1.0, 1.0),
        json!({ "lb": balancer("aws_alb", 1), "api": api() }),
    ));
    close(
        "alb",
        alb.cost.breakdown.load_balancer,
        0.0225 + 4.0 * 0.008,
    );
    // Ten requests a connection: 0.4 LCU of connections, so the bytes win.
    let reused = run(topology(
        "lb",
        100.0,
        (1.0, 1.0),
        json!({ "lb": balancer("aws_alb", 10), "api": api() }),
    ));
    close(
        "alb, 10 a connection",
        reused.cost.breakdown.load_balancer,
        0.0225 + 0.72 * 0.008,
    );
    let nlb = run(topology(
        "lb",
        100.0,
        (1.0, 1.0),
        json!({ "lb": balancer("aws_nlb", 1), "api": api() }),
    ));
    close(
        "nlb",
        nlb.cost.breakdown.load_balancer,
        0.0225 + 0.72 * 0.006,
    );
}

#[test]
fn a_cdn_at_the_entry_bills_its_gb_and_requests_and_leaves_no_internet_egress() {
    // Every request goes through the CDN, hit or miss: 360,000 answers of
    // 100 KB are 36 GB at $0.085 ($3.06) and 36 × 10,000 requests at $0.01
    // ($0.36). Origin fetches are free, and nothing else leaves the region.
    let nodes = json!({
        "cdn": { "cache": { "hit_ratio": 0.5, "latency": { "constant": { "ms": 2 } },
                            "on_miss": "api", "billed_as": "aws_cloudfront" } },
        "api": api()
    });
    let result = run(topology("cdn", 100.0, (1.0, 100.0), nodes));
    close("cdn", result.cost.breakdown.cdn, 3.06 + 0.36);
    assert_eq!(result.cost.breakdown.egress, 0.0);
    assert_eq!(result.cost.breakdown.load_balancer, 0.0);
}

#[test]
fn answers_across_zones_pay_both_directions() {
    // Two pools in two zones with a zone latency: an answer that crosses
    // carries its request and answer (1 + 9 KB) out of one zone and into
    // the other, $0.01 a GB each way; the client's answer leaves at $0.09.
    let nodes = json!({
        "front": { "pool": { "instance_type": "m5.large", "instances": 2, "workers_per_instance": 8,
                             "zones": ["a", "b"], "service": { "constant": { "ms": 1 } },
                             "calls": [ { "to": "back" } ] } },
        "back": { "pool": { "instance_type": "m5.large", "instances": 2, "workers_per_instance": 8,
                            "zones": ["a", "b"], "balance": "random",
                            "service": { "constant": { "ms": 1 } } } }
    });
    let mut topology = topology("front", 50.0, (1.0, 9.0), nodes);
    topology["network"] = json!({ "same_zone": { "constant": { "ms": 0.1 } },
                                  "cross_zone": { "constant": { "ms": 1 } } });
    let result = run(topology);
    let back = &result.nodes[0];
    let network = back.network.as_ref().expect("answers travel");
    let crossed = network.answers_per_s * network.cross_zone_share.unwrap() * result.window_s;
    assert!(crossed > 1000.0, "some answers cross zones: {crossed}");
    // An hour's window: dollars are dollars per hour.
    let expected = crossed * 10.0 / 1e6 * 0.02 + 180_000.0 * 9.0 / 1e6 * 0.09;
    close("egress", result.cost.breakdown.egress, expected);
}

fn four_m5_large(purchase: Value) -> f64 {
    let mut pool = api();
    pool["pool"]["instances"] = json!(4);
    pool["pool"]["purchase"] = purchase;
    run(topology("api", 10.0, (0.0, 0.0), json!({ "api": pool })))
        .cost
        .breakdown
        .compute
}

#[test]
fn reserved_savings_plan_and_spot_instances_cost_what_they_are_bought_at() {
    // Four m5.large at $0.096 on demand.
    close("on demand", four_m5_large(json!("on_demand")), 0.384);
    // Two reserved at $0.06, two beyond them on demand.
    let reserved = json!({ "reserved": { "usd_per_hour": 0.06, "instances": 2 } });
    close(
        "reserved",
        four_m5_large(reserved),
        2.0 * 0.06 + 2.0 * 0.096,
    );
    // Every instance reserved.
    let all = json!({ "reserved": { "usd_per_hour": 0.06 } });
    close("all reserved", four_m5_large(all), 4.0 * 0.06);
    let plan = json!({ "savings_plan": { "discount": 0.25 } });
    close("savings plan", four_m5_large(plan), 4.0 * 0.072);
    let spot = json!({ "spot": { "usd_per_hour": 0.035 } });
    close("spot", four_m5_large(spot), 4.0 * 0.035);
}

#[test]
fn spot_instances_are_interrupted_at_their_rate_and_replaced() {
    // 20 instances, 0.5 interruptions an instance-hour, for 4 hours: 40
    // notices expected, a Poisson count (sd 6.3); replacements launch at the
    // notice, so the fleet stays at 20. Within 4 sd: 15 … 65.
    let mut pool = api();
    pool["pool"]["instances"] = json!(20);
    pool["pool"]["purchase"] =
        json!({ "spot": { "usd_per_hour": 0.03, "interruptions_per_hour": 0.5, "notice_s": 120 } });
    let mut topology = topology("api", 100.0, (0.0, 0.0), json!({ "api": pool }));
    topology["simulation"]["duration_s"] = json!(14_400);
    let result = run(topology);
    let node = &result.nodes[0];
    assert!(
        (15..=65).contains(&node.interruptions),
        "{} interruptions",
        node.interruptions
    );
    assert!(
        (node.mean_instances - 20.0).abs() < 0.1,
        "{}",
        node.mean_instances
    );
    assert_eq!(result.end_to_end.errors, 0, "drained before the stop");
}

#[track_caller]
fn rejected(topology: Value, expected: &str) {
    let err = capsim::model::parse(&topology.to_string()).expect_err("should be rejected");
    assert_eq!(err.to_string(), expected);
}

#[test]
fn a_class_has_one_payload_wherever_it_is_declared() {
    rejected(
        json!({
            "simulation": { "duration_s": 60 },
            "traffic": { "sources": {
                "a": { "entry": "api", "arrivals": { "poisson": { "rate_rps": 1 } },
                       "classes": { "x": { "response_kb": 8 } } },
                "b": { "entry": "api", "arrivals": { "poisson": { "rate_rps": 1 } },
                       "classes": { "x": { "response_kb": 9 } } } } },
            "nodes": { "api": api() }
        }),
        "traffic.sources.b.classes.x.response_kb: expected 8, as `traffic.sources.a.classes.x.response_kb` says (a class has one payload), got 9",
    );
}

#[test]
fn bad_billing_input_names_its_path() {
    let mut pool = api();
    pool["pool"]["purchase"] = json!({ "spot": { "usd_per_hour": -1 } });
    rejected(
        topology("api", 1.0, (0.0, 0.0), json!({ "api": pool })),
        "nodes.api.pool.purchase.spot.usd_per_hour: expected a number ≥ 0, got -1 at line 1 column 104",
    );
    rejected(
        topology(
            "lb",
            1.0,
            (0.0, 0.0),
            json!({ "lb": balancer("aws_elb", 1), "api": api() }),
        ),
        "nodes.lb.load_balancer.billed_as: unknown variant `aws_elb`, expected `aws_alb` or `aws_nlb` at line 1 column 169",
    );
    let mut burstable = api();
    burstable["pool"]["instance_type"] = json!("t3.medium");
    burstable["pool"]["credits"] = json!({ "mode": "unlimited" });
    burstable["pool"]["purchase"] = json!({ "spot": { "usd_per_hour": 0.01 } });
    rejected(
        topology("api", 1.0, (0.0, 0.0), json!({ "api": burstable })),
        "nodes.api.pool.purchase.spot: spot instances at $0.01/hour with `credits`: capsim bills a burstable pool's surplus credits at on-demand terms; drop one of them",
    );
}
