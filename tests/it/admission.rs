//! Admission control: the token bucket against exact counts, a concurrency
//! limit against Erlang's loss formula, LIFO against M/M/1's mean, shedding
//! in the retry-storm example, and the refusals' place in results and series.

use serde_json::{Value, json};

use crate::support::{self, check_against_theory, each};
use capsim::analytic;

/// Deterministic arrivals every 1 ms at a balancer with `admission`, in
/// front of a 1 ms delay, for `duration_s`, no warm-up.
fn gateway(admission: Value, classes: Value, duration_s: f64) -> capsim::model::Model {
    support::model(json!({
        "simulation": { "duration_s": duration_s },
        "traffic": { "entry": "gateway", "arrivals": { "deterministic": { "rate_rps": 1000 } },
                     "classes": classes },
        "nodes": {
            "gateway": { "load_balancer": { "to": "backend", "admission": admission } },
            "backend": { "delay": { "latency": { "constant": { "ms": 1 } } } }
        }
    }))
}

/// The check. The bucket is full (20 tokens) at t = 0 and refills at
/// 100 tokens/s; arrivals come every millisecond from t = 1 ms, faster than
/// tokens, so after the first arrival no refill is lost to the cap and every
/// whole token is taken at once: by the last arrival at t_n = n ms exactly
/// 20 + ⌊100 × (t_n − t_1)⌋ = 20 + ⌊(n − 1)/10⌋ have passed (the first
/// millisecond's 0.1 token fell on a full bucket). Integer arithmetic on
/// both sides: no tolerance.
#[test]
fn a_token_bucket_admits_exactly_rate_times_t_plus_burst() {
    let limit = json!({ "rate_limit": { "rate_per_s": 100, "burst": 20 } });
    let model = gateway(limit, json!({}), 10.0);
    let run = capsim::simulate(&model, 1, 0);
    let arrivals = run.arrivals;
    assert!((9_999..=10_000).contains(&arrivals), "arrivals {arrivals}");
    let gateway = &run.nodes[run.nodes.iter().position(|n| n.name == "gateway").unwrap()];
    let admitted = arrivals - gateway.rate_limited;
    assert_eq!(admitted, 20 + (arrivals - 1) / 10);
    assert_eq!(gateway.shed, 0);
    assert_eq!(gateway.rejected, 0);
    // A refusal is an error of the request, of its own kind.
    assert_eq!(run.end_to_end.completed, admitted);
    assert_eq!(run.end_to_end.errors, gateway.rate_limited);
}

/// Per class, each class has a bucket of its own: `browse` (half the
/// arrivals) and `checkout` (30%) are limited apart, each to 50/s + 10; a
/// class left out of `classes` passes untouched. Counted per class in the
/// results.
#[test]
fn buckets_per_class_limit_each_class_apart() {
    let classes = json!({ "browse": { "weight": 0.5 }, "checkout": { "weight": 0.3 },
                          "health": { "weight": 0.2 } });
    let limit = json!({ "rate_limit": { "rate_per_s": 50, "burst": 10, "per": "class",
                                        "classes": ["browse", "checkout"] } });
    let model = gateway(limit, classes, 20.0);
    let run = capsim::simulate(&model, 1, 0);
    let class = |name: &str| run.classes.iter().find(|c| c.name == name).unwrap();
    // Each limited class gets at least 500 req/s × share ≫ 50/s: each admits
    // 50 × 20 + 10 = 1010, give or take the one token the last arrival of
    // that class may find short of whole, and the refill before its first.
    for name in ["browse", "checkout"] {
        let c = class(name);
        let admitted = c.latency.completed;
        assert!(
            (1008..=1010).contains(&admitted),
            "{name}: {admitted} admitted"
        );
        assert_eq!(c.rate_limited, c.latency.errors, "{name}");
    }
    assert_eq!(class("health").rate_limited, 0);
    assert_eq!(class("health").latency.errors, 0);
}

/// A pool of c = 4 vCPUs and 8 workers behind `max_concurrency: 4` never
/// queues: it is M/M/4/4, and the share shed is Erlang B(4, a) with
/// a = λ/μ = 3, 0.2061. 10 replications × 190 s × 300/s ≈ 5.7·10^5
/// arrivals; the interval over replications is the tolerance (see
/// `check_against_theory`).
#[test]
fn a_concurrency_limit_at_the_servers_sheds_erlang_b() {
    let model = support::model(json!({
        "simulation": { "duration_s": 200, "warmup_s": 10 },
        "instance_types": { "four": { "vcpus": 4 } },
        "traffic": { "entry": "server", "arrivals": { "poisson": { "rate_rps": 300 } } },
        "nodes": { "server": { "pool": {
            "instance_type": "four", "instances": 1, "workers_per_instance": 8,
            "admission": { "max_concurrency": 4 },
            "service": support::exponential(100.0) } } }
    }));
    let runs = support::replicate(&model, 7, 10);
    let shed = each(&runs, |r| r.nodes[0].shed as f64 / r.arrivals as f64);
    check_against_theory("shed share", &shed, analytic::erlang_b(4, 3.0), 0.03);
    let queued = each(&runs, |r| r.nodes[0].queued as f64);
    assert!(
        queued.iter().all(|&q| q == 0.0),
        "nothing waits: {queued:?}"
    );
}

/// Work-conserving and blind to service times, LIFO has FIFO's mean
/// response: M/M/1 at ρ = 0.8 is 1/(μ − λ) = 50 ms under either order,
/// with `lifo_when_over: 0` serving the newest always. Its tail is longer
/// (the oldest wait on), which the p99 shows. 10 × 950 s × 80/s.
#[test]
fn lifo_keeps_the_mean_of_fifo_and_lengthens_the_tail() {
    let pool = |admission: Value| {
        support::model(json!({
            "simulation": { "duration_s": 1000, "warmup_s": 50 },
            "instance_types": support::unit_types(),
            "traffic": { "entry": "server", "arrivals": { "poisson": { "rate_rps": 80 } } },
            "nodes": { "server": { "pool": {
                "instance_type": "unit", "instances": 1, "admission": admission,
                "service": support::exponential(100.0) } } }
        }))
    };
    let lifo = support::replicate(&pool(json!({ "lifo_when_over": 0 })), 3, 10);
    let fifo = support::replicate(&pool(json!({})), 3, 10);
    let mean = each(&lifo, |r| r.end_to_end.mean_ms);
    check_against_theory("LIFO mean", &mean, 50.0, 0.05);
    let p99 = |runs: &[capsim::RunResult]| {
        each(runs, |r| r.end_to_end.p99_ms).iter().sum::<f64>() / runs.len() as f64
    };
    // FIFO's p99 is ln(100) × 50 ms = 230 ms; LIFO's is well past it.
    assert!(
        p99(&lifo) > 1.3 * p99(&fifo),
        "LIFO p99 {} vs FIFO {}",
        p99(&lifo),
        p99(&fifo)
    );
}

/// Shedding by expected wait at an overloaded M/M/1 (λ = 150/s, μ = 100/s,
/// wait_ms 45): the drain interval while the queue is busy is the service
/// time, 10 ms on average, so a newcomer is shed once (q + 1) × 10 ms > 45
/// ms, i.e. when 4 or more wait: about M/M/1/K with K = 5 (4 waiting and 1
/// in service). The running mean of the intervals wanders (about ±20%), so
/// the threshold moves between 3 and 5 waiting: the share shed lies between
/// M/M/1/4's and M/M/1/6's blocking, and admitted requests wait little.
#[test]
fn shedding_by_expected_wait_bounds_the_queue() {
    let model = support::model(json!({
        "simulation": { "duration_s": 200, "warmup_s": 10 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "server", "arrivals": { "poisson": { "rate_rps": 150 } } },
        "nodes": { "server": { "pool": {
            "instance_type": "unit", "instances": 1,
            "admission": { "shed": { "wait_ms": 45 } },
            "service": support::exponential(100.0) } } }
    }));
    let run = capsim::simulate(&model, 5, 0);
    let shed = run.nodes[0].shed as f64 / run.arrivals as f64;
    let low = analytic::mmck(150.0, 100.0, 1, 6).blocking;
    let high = analytic::mmck(150.0, 100.0, 1, 4).blocking;
    assert!(
        low < shed && shed < high,
        "shed {shed}, expected in ({low}, {high})"
    );
    assert!(
        run.nodes[0].mean_queue < 4.0,
        "queue {}",
        run.nodes[0].mean_queue
    );
    assert_eq!(run.nodes[0].rejected, 0);
}

/// The retry-storm example with `shed: { queue_length: 8 }`. An admitted
/// request finds at most 7 waiting, so it waits for at most 8 departures of
/// 4 busy workers (rate 4/40 ms each): its response time is at most
/// Erlang(8, 0.1/ms) + Exp(1/40 ms), whose p99 is 278 ms (numerical
/// integration of the convolution), below the client's 300 ms timeout.
/// Without shedding the same pool's p99 passes a second and the storm
/// outlives the spike; with it the retries die out after the spike.
#[test]
fn shedding_keeps_the_admitted_p99_bounded_in_the_retry_storm() {
    let load = |file: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(file);
        capsim::model::load(&path).expect("example loads")
    };
    let shed = capsim::simulate(&load("retry-storm-shed.json"), 3, 0);
    let storm = capsim::simulate(&load("retry-storm.json"), 3, 0);
    let api = |run: &capsim::RunResult| run.nodes[0].clone();
    assert!(
        api(&shed).latency.p99_ms <= 278.0,
        "{}",
        api(&shed).latency.p99_ms
    );
    assert!(
        api(&storm).latency.p99_ms > 1000.0,
        "{}",
        api(&storm).latency.p99_ms
    );
    // Shed, not rejected by the full queue (100), and not timed out.
    assert!(api(&shed).shed > 0);
    assert_eq!(api(&shed).rejected, 0);
    assert!(
        shed.end_to_end.error_rate < 0.05,
        "{}",
        shed.end_to_end.error_rate
    );
    assert!(
        storm.end_to_end.error_rate > 0.5,
        "{}",
        storm.end_to_end.error_rate
    );
}

/// The series has a shed and a rate-limited column per controlled node,
/// whose sum over windows matches the run's counts (no warm-up here).
#[test]
fn the_series_counts_refusals_per_window() {
    let limit = json!({ "rate_limit": { "rate_per_s": 100, "burst": 20 }, "max_concurrency": 1 });
    let model = gateway(limit, json!({}), 10.0);
    let options = capsim::RunOptions {
        series_window_s: Some(1.0),
        ..Default::default()
    };
    let run = capsim::simulate_with(&model, 1, 0, &options, &mut |_| {});
    let series = run.series.as_ref().expect("asked for");
    let total = |name: &str| support::column(series, name).iter().sum::<f64>();
    let gateway = run.nodes.iter().find(|n| n.name == "gateway").unwrap();
    assert!((total("gateway.rate_limited_per_s") - gateway.rate_limited as f64).abs() < 1e-6);
    assert!((total("gateway.shed_per_s") - gateway.shed as f64).abs() < 1e-6);
    assert!(series.column("backend.shed_per_s").is_none());
}

// ---- bad input -> its exact message ----

/// A pool `web` with `admission`, behind a balancer `lb` with `lb_admission`.
fn with_admission(admission: Value, lb_admission: Value) -> String {
    json!({
        "simulation": { "duration_s": 60 },
        "instance_types": { "box": { "vcpus": 2 } },
        "traffic": { "entry": "lb", "arrivals": { "poisson": { "rate_rps": 10 } },
                     "classes": { "browse": { "weight": 1 } } },
        "nodes": {
            "lb": { "load_balancer": { "to": "web", "admission": lb_admission } },
            "web": { "pool": { "instance_type": "box", "instances": 1, "admission": admission,
                               "service": { "exponential": { "mean_ms": 20 } } } }
        }
    })
    .to_string()
}

#[track_caller]
fn refused(json: &str, expected: &str) {
    let err = capsim::model::parse(json).expect_err("topology should be rejected");
    assert_eq!(err.to_string(), expected);
}

#[test]
fn a_rate_finer_than_a_thousandth_is_refused() {
    refused(
        &with_admission(
            json!({ "rate_limit": { "rate_per_s": 0.0005, "burst": 1 } }),
            json!({}),
        ),
        "nodes.web.pool.admission.rate_limit.rate_per_s: expected a multiple of 0.001 (the bucket counts thousandths of a token, so that rate × t + burst holds exactly), got 0.0005",
    );
    refused(
        &with_admission(
            json!({}),
            json!({ "rate_limit": { "rate_per_s": 2e9, "burst": 1 } }),
        ),
        "nodes.lb.load_balancer.admission.rate_limit.rate_per_s: expected at most 1000000000, got 2000000000",
    );
}

#[test]
fn a_zero_burst_is_refused() {
    let message = capsim::model::parse(&with_admission(
        json!({ "rate_limit": { "rate_per_s": 5, "burst": 0 } }),
        json!({}),
    ))
    .expect_err("rejected")
    .to_string();
    assert!(
        message.starts_with(
            "nodes.web.pool.admission.rate_limit.burst: expected an integer ≥ 1, got 0"
        ),
        "{message}"
    );
}

#[test]
fn an_unknown_class_in_a_rate_limit_is_named() {
    refused(
        &with_admission(
            json!({ "rate_limit": { "rate_per_s": 5, "burst": 2, "classes": ["checkout"] } }),
            json!({}),
        ),
        "nodes.web.pool.admission.rate_limit.classes[0]: no class named `checkout` (classes: browse)",
    );
}

#[test]
fn shedding_needs_a_rule_and_a_queue() {
    refused(
        &with_admission(json!({ "shed": {} }), json!({})),
        "nodes.web.pool.admission.shed: expected `queue_length` (requests waiting) or `wait_ms` (expected wait), got neither",
    );
    refused(
        &with_admission(
            json!({}),
            json!({ "shed": { "queue_length": 3 }, "lifo_when_over": 2 }),
        ),
        "nodes.lb.load_balancer.admission.shed: a load balancer has no queue: put it on the pool behind it\nnodes.lb.load_balancer.admission.lifo_when_over: a load balancer has no queue: put it on the pool behind it",
    );
}

#[test]
fn an_unknown_key_of_admission_lists_the_known_ones() {
    let message = capsim::model::parse(&with_admission(json!({ "max_requests": 3 }), json!({})))
        .expect_err("rejected")
        .to_string();
    assert!(
        message.starts_with("nodes.web.pool.admission.max_requests: unknown field `max_requests`, expected one of `rate_limit`, `max_concurrency`, `shed`, `lifo_when_over`"),
        "{message}"
    );
}

// ---- theory: `capsim analyze` ----

/// A bucket caps the flow it passes at min(λ, r): in `gateway-limits`,
/// browse offers 0.8 × 260 = 208/s to a 120/s bucket of its own and
/// checkout's 52/s passes, so the pool behind is offered 172/s.
#[test]
fn a_rate_limit_caps_the_offered_load_in_theory() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/gateway-limits.json");
    let model = capsim::model::load(&path).expect("example loads");
    let loads = analytic::offered_load(&model).expect("an open model");
    let api = loads.iter().find(|l| l.name == "api").unwrap();
    assert!(
        (api.arrival_rps - 172.0).abs() < 1e-9,
        "{}",
        api.arrival_rps
    );
    let analysis = analytic::analyze(&model);
    let api = analysis.nodes.iter().find(|n| n.name == "api").unwrap();
    assert!(api.reasons.contains(&analytic::Reason::Admission));
}

/// `max_concurrency: 4` on 4 vCPUs: theory's queue is M/M/4/4, whose
/// blocking is Erlang B(4, 3) exactly (the simulation's is checked above).
#[test]
fn a_concurrency_limit_is_a_loss_system_in_theory() {
    let model = support::model(json!({
        "simulation": { "duration_s": 200 },
        "instance_types": { "four": { "vcpus": 4 } },
        "traffic": { "entry": "server", "arrivals": { "poisson": { "rate_rps": 300 } } },
        "nodes": { "server": { "pool": {
            "instance_type": "four", "instances": 1, "workers_per_instance": 8,
            "admission": { "max_concurrency": 4 },
            "service": support::exponential(100.0) } } }
    }));
    let analysis = analytic::analyze(&model);
    let (group, solved) = &analysis.nodes[0].groups[0];
    assert_eq!((group.servers, group.limit), (4, Some(0)));
    assert_eq!(solved.method, analytic::Method::Mmck);
    assert!((solved.blocking - analytic::erlang_b(4, 3.0)).abs() < 1e-12);
}
