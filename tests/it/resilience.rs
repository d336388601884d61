//! Timeouts, retries, retry budgets, circuit breakers and queue timeouts,
//! against theory where it exists and against exact times where the
//! scenario is deterministic.

use serde_json::{Value, json};

use crate::support::{self, check_against_theory, each};

/// A client calling an M/M/1 server (λ = 50/s, μ = 100/s) with `client`.
fn mm1_with_client(client: Value, duration_s: f64) -> capsim::model::Model {
    support::model(json!({
        "simulation": { "duration_s": duration_s, "warmup_s": 50 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "server", "arrivals": { "poisson": { "rate_rps": 50 } },
                     "client": client },
        "nodes": { "server": { "pool": {
            "instance_type": "unit", "instances": 1, "service": support::exponential(100.0) } } }
    }))
}

/// The check: an M/M/1 response time is exponential with rate
/// μ − λ, so a timeout at its p-th percentile, −ln(1 − p)/(μ − λ), abandons
/// 1 − p of the requests. Abandoned work still runs at the server, so the
/// server's queue is exactly M/M/1's. 10 replications × 950 s × 50/s ≈
/// 4.75·10^5 requests per p; the interval over replications (3 half-widths,
/// see `check_against_theory`) carries the response times' correlation.
#[test]
fn a_timeout_at_the_pth_percentile_abandons_one_minus_p() {
    for p in [0.5, 0.9, 0.99] {
        let timeout_ms = -(1.0f64 - p).ln() / 50.0 * 1e3;
        let model = mm1_with_client(json!({ "timeout_ms": timeout_ms }), 1000.0);
        let runs = support::replicate(&model, 11, 10);
        let abandoned = each(&runs, |r| {
            r.calls[0].timeouts as f64 / r.calls[0].attempts as f64
        });
        check_against_theory(&format!("timeouts at p{p}"), &abandoned, 1.0 - p, 0.15);
        // The end-to-end error rate is the abandoned share: no retries.
        let errors = each(&runs, |r| r.end_to_end.error_rate);
        check_against_theory(&format!("errors at p{p}"), &errors, 1.0 - p, 0.15);
        // The server never noticed: it served every request, as M/M/1 does.
        let served = each(&runs, |r| r.nodes[0].latency.throughput_rps);
        check_against_theory("server throughput", &served, 50.0, 0.02);
    }
}

/// A balancer sending 40% of attempts to a pool whose only zone is down for
/// the whole run: each attempt fails independently with p = 0.4, so with 3
/// attempts a request makes 1 + p + p² = 1.56 attempts, and fails with p³.
fn retry_model(retry: Value) -> capsim::model::Model {
    support::model(json!({
        "simulation": { "duration_s": 500, "warmup_s": 20 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "lb", "arrivals": { "poisson": { "rate_rps": 100 } },
                     "client": { "retry": retry } },
        "nodes": {
            "lb": { "load_balancer": { "split": [ { "to": "good", "weight": 0.6 },
                                                  { "to": "dead", "weight": 0.4 } ] } },
            "good": { "pool": { "instance_type": "quad", "instances": 1,
                                "workers_per_instance": 4,
                                "service": { "constant": { "ms": 5 } } } },
            "dead": { "pool": { "instance_type": "quad", "instances": 1,
                                "workers_per_instance": 4, "zones": ["a"],
                                "service": { "constant": { "ms": 5 } },
                                "failures": { "scheduled": [ { "at_s": 0, "zone": "a" } ] } } }
        }
    }))
}

/// The check: retries multiply the offered load by the expected
/// number of attempts. 5 replications × 480 s × 100/s = 2.4·10^5 requests;
/// attempts per request have a standard deviation of about 0.7, so the mean
/// is known to ±0.3% (95%): the 3-half-width band is a few tenths of a percent.
#[test]
fn retries_multiply_the_offered_load_by_the_expected_attempts() {
    let model = retry_model(json!({ "max_attempts": 3, "backoff_ms": 10, "jitter": "none" }));
    let expected = model.call_sites[0]
        .retry
        .as_ref()
        .unwrap()
        .expected_attempts(0.4);
    assert!((expected - 1.56).abs() < 1e-12);
    let runs = support::replicate(&model, 5, 5);
    let lb = runs[0].nodes.iter().position(|n| n.name == "lb").unwrap();
    let dead = runs[0].nodes.iter().position(|n| n.name == "dead").unwrap();
    let per_request = each(&runs, |r| r.calls[0].attempts as f64 / r.arrivals as f64);
    check_against_theory("attempts per request", &per_request, expected, 0.01);
    let offered = each(&runs, |r| r.nodes[lb].offered_per_s);
    check_against_theory("offered at the balancer", &offered, 100.0 * expected, 0.01);
    let at_dead = each(&runs, |r| r.nodes[dead].offered_per_s);
    check_against_theory("offered at the dead pool", &at_dead, 40.0 * expected, 0.02);
    let failed = each(&runs, |r| r.end_to_end.error_rate);
    check_against_theory("failed for good", &failed, 0.4f64.powi(3), 0.1);
    let retries = each(&runs, |r| r.calls[0].retries as f64 / r.arrivals as f64);
    check_against_theory("retries per request", &retries, expected - 1.0, 0.02);
}

/// A budget of 10% of first attempts (and no floor) holds retries to a
/// tenth of the requests, whatever the attempts allow: here 0.56 retries per
/// request are wanted, and 0.10 allowed.
#[test]
fn a_retry_budget_caps_retries_at_its_ratio() {
    let model = retry_model(json!({ "max_attempts": 3, "backoff_ms": 10,
                                    "budget": { "ratio": 0.1 } }));
    let run = capsim::simulate(&model, 5, 0);
    let call = &run.calls[0];
    let ratio = call.retries as f64 / (call.attempts - call.retries) as f64;
    assert!(
        (0.095..=0.1005).contains(&ratio),
        "retries per first attempt {ratio}"
    );
    assert!(call.budget_denied > 0);
}

/// The check: a breaker opens and closes at the stated times.
/// Requests arrive every 100 ms (deterministic) at a server that takes
/// 10 ms; its only zone is down from 20.05 s to 32.05 s. The breaker opens
/// on the 5th failure within 10 s, stays open 5.05 s, then lets one probe
/// through:
/// - failures at 20.1 … 20.5 s: opens at 20.5;
/// - probe at 25.6 (first arrival after 20.5 + 5.05): fails, reopens;
/// - probe at 30.7: the zone is still down, reopens;
/// - probe at 35.8: the server is back, answers at 35.81: closed.
#[test]
fn a_breaker_opens_and_closes_at_the_stated_times() {
    let model = support::model(json!({
        "simulation": { "duration_s": 40 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "api", "arrivals": { "deterministic": { "rate_rps": 10 } },
                     "client": { "breaker": { "failures": 5, "window_s": 10, "open_s": 5.05 } } },
        "nodes": { "api": { "pool": {
            "instance_type": "unit", "instances": 1, "zones": ["a"],
            "service": { "constant": { "ms": 10 } },
            "failures": { "scheduled": [ { "at_s": 20.05, "zone": "a", "for_s": 12 } ] } } } }
    }));
    let run = capsim::simulate(&model, 1, 0);
    let log: Vec<(f64, &str)> = run
        .breaker_log
        .iter()
        .map(|c| (c.time_s, c.state))
        .collect();
    let expected = [
        (20.5, "open"),
        (25.6, "half_open"),
        (25.6, "open"),
        (30.7, "half_open"),
        (30.7, "open"),
        (35.8, "half_open"),
        (35.81, "closed"),
    ];
    assert_eq!(log.len(), expected.len(), "{log:?}");
    for ((time, state), (want_time, want_state)) in log.iter().zip(expected) {
        assert_eq!(*state, want_state, "{log:?}");
        assert!((time - want_time).abs() < 1e-6, "{log:?}");
    }
    let call = &run.calls[0];
    assert_eq!(call.breaker_openings, 3);
    // Arrivals from 20.6 to 35.7 s not probing fail at once: 152 of them.
    assert_eq!(call.short_circuits, 152 - 2);
}

/// A queue timeout sheds an overload: at 1.5 × capacity an unbounded queue
/// would grow without end, but requests that waited over 20 ms are dropped
/// unserved, so the server works at capacity, the rest are errors, and no
/// served request waited longer than the deadline.
#[test]
fn a_queue_timeout_sheds_overload_and_bounds_the_wait() {
    let model = support::model(json!({
        "simulation": { "duration_s": 300, "warmup_s": 20 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "server", "arrivals": { "poisson": { "rate_rps": 150 } } },
        "nodes": { "server": { "pool": {
            "instance_type": "unit", "instances": 1, "queue_timeout_ms": 20,
            "service": { "constant": { "ms": 10 } } } } }
    }));
    let run = capsim::simulate(&model, 2, 0);
    assert_eq!(run.outcome, capsim::Outcome::Completed);
    let server = &run.nodes[0];
    // Busy whenever someone still in time is waiting. It idles only when
    // everyone waiting has expired, which needs no arrival for a while: at
    // least e^(−150/s × 20 ms) ≈ 5% of completions find that, so the server
    // idles a few percent of the time, and serves at its utilization × μ.
    let utilization = server.utilization.unwrap();
    assert!((0.9..0.99).contains(&utilization), "{utilization}");
    assert!((server.latency.throughput_rps - 100.0 * utilization).abs() < 1.0);
    // A served request waited at most 20 ms, then took 10.
    assert!(
        server.latency.max_ms <= 30.0 + 1e-6,
        "{}",
        server.latency.max_ms
    );
    // Everything not served was dropped, and each arrival is accounted for.
    let dropped = server.expired as f64 / run.window_s;
    assert!((dropped + server.latency.throughput_rps - 150.0).abs() < 3.0);
    assert!((run.end_to_end.error_rate - dropped / 150.0).abs() < 0.01);
}

// ---- bad input ----

#[track_caller]
fn rejected(topology: Value, expected: &str) {
    let err = capsim::model::parse(&topology.to_string()).expect_err("should be rejected");
    let message = err.to_string();
    assert!(
        message.contains(expected),
        "{message}\n  expected: {expected}"
    );
}

/// `web` (10 ms of CPU at least, then a call to `db`: 4 ms at least) behind
/// a client with `client`, and `call` as web's call to `db`.
fn with(client: Value, call: Value, db_replicas: u32) -> Value {
    json!({
        "simulation": { "duration_s": 60 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } },
                     "client": client },
        "nodes": {
            "web": { "pool": { "instance_type": "unit", "instances": 1,
                               "service": { "uniform": { "min_ms": 10, "max_ms": 20 } },
                               "calls": [ call ] } },
            "db": { "database": { "instance_type": "unit", "replicas": db_replicas,
                                  "read": { "constant": { "ms": 4 } } } }
        }
    })
}

#[test]
fn a_timeout_shorter_than_the_fastest_response_is_rejected() {
    rejected(
        with(json!({ "timeout_ms": 14 }), json!({ "to": "db" }), 0),
        "traffic.client.timeout_ms: expected more than the fastest possible response of `web` (14 ms), got 14: every attempt would time out",
    );
    rejected(
        with(json!({}), json!({ "to": "db", "timeout_ms": 3 }), 0),
        "nodes.web.pool.calls[0].timeout_ms: expected more than the fastest possible response of `db` (4 ms), got 3",
    );
    // 14.5 ms can be met: accepted.
    capsim::model::parse(
        &with(json!({ "timeout_ms": 14.5 }), json!({ "to": "db" }), 0).to_string(),
    )
    .expect("a timeout above the fastest response is fine");
}

#[test]
fn policies_on_async_calls_and_bad_policy_values_are_rejected() {
    rejected(
        with(
            json!({}),
            json!({ "to": "db", "mode": "async", "retry": { "max_attempts": 2, "backoff_ms": 5 } }),
            0,
        ),
        "nodes.web.pool.calls[0]: a timeout, retry, breaker or connection pool needs a `sync` call",
    );
    rejected(
        with(
            json!({ "retry": { "max_attempts": 0, "backoff_ms": 5 } }),
            json!({ "to": "db" }),
            0,
        ),
        "traffic.client.retry.max_attempts: expected an integer ≥ 1, got 0",
    );
    rejected(
        with(
            json!({ "retry": { "max_attempts": 3, "backoff_ms": 5, "jitter": "fuzzy" } }),
            json!({ "to": "db" }),
            0,
        ),
        "traffic.client.retry.jitter: unknown variant `fuzzy`, expected one of `full`, `equal`, `none`",
    );
    rejected(
        with(
            json!({ "breaker": { "failures": 5, "window_s": 10 } }),
            json!({ "to": "db" }),
            0,
        ),
        "traffic.client.breaker: missing field `open_s`",
    );
}

#[test]
fn too_many_replicas_and_a_ttl_without_its_unit_are_rejected() {
    rejected(
        with(json!({}), json!({ "to": "db" }), 40),
        "nodes.db.database.replicas: expected at most 15 read replicas per shard (the most Amazon Aurora and RDS allow), got 40",
    );
    // The unit is in the field's name: `ttl` alone is not a field, and the
    // message lists `ttl_s`.
    let cache = json!({
        "simulation": { "duration_s": 60 },
        "traffic": { "entry": "c", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": { "c": { "cache": { "capacity_keys": 10, "ttl": 60,
                                     "latency": { "constant": { "ms": 1 } } } } }
    });
    rejected(
        cache.clone(),
        "nodes.c.cache.ttl: unknown field `ttl`, expected one of",
    );
    rejected(cache, "`ttl_s`");
    let zero = json!({
        "simulation": { "duration_s": 60 },
        "traffic": { "entry": "c", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": { "c": { "cache": { "capacity_keys": 0, "latency": { "constant": { "ms": 1 } } } } }
    });
    rejected(
        zero,
        "nodes.c.cache.capacity_keys: expected an integer ≥ 1, got 0",
    );
}

// ---- the metastable failure of the examples ----

/// Goodput (completions per second) over [from_s, to_s) of a model's series.
fn goodput(model: &str, from_s: f64, to_s: f64) -> (f64, f64) {
    let model = capsim::model::load(std::path::Path::new(model)).expect("shipped model loads");
    let options = capsim::RunOptions {
        series_window_s: Some(10.0),
        ..Default::default()
    };
    let run = capsim::simulate_with(&model, model.seed, 0, &options, &mut |_| {});
    let series = run.series.expect("asked for");
    let time = support::column(&series, "time_s");
    let mean = |name: &str| {
        let values = support::column(&series, name);
        let kept: Vec<f64> = (0..time.len())
            .filter(|&i| time[i] >= from_s && time[i] < to_s)
            .map(|i| values[i])
            .collect();
        kept.iter().sum::<f64>() / kept.len() as f64
    };
    (mean("completions_per_s"), mean("arrivals_per_s"))
}

/// The example: 70/s into a server for 100/s, a 20 s spike to
/// 150/s at 120 s. Clients time out at 300 ms and retry up to 4 times. In
/// the last 300 s the arrivals are back at 70/s, yet the plain model serves
/// nothing (its retries and abandoned work keep the server full: a
/// metastable failure), while with a retry budget or a breaker it serves
/// them all again. The bounds are loose on purpose: the states differ by
/// 70/s, the noise of a 300 s mean is well under 1/s.
#[test]
fn the_retry_storm_persists_after_the_spike_unless_budgeted_or_broken() {
    let (before, _) = goodput("models/retry-storm.json", 20.0, 110.0);
    assert!((before - 70.0).abs() < 3.0, "before the spike {before}");
    let (storm, arrivals) = goodput("models/retry-storm.json", 300.0, 600.0);
    assert!((arrivals - 70.0).abs() < 3.0);
    assert!(storm < 2.0, "goodput {storm}/s long after the spike");
    for fixed in [
        "models/retry-storm-budget.json",
        "models/retry-storm-breaker.json",
    ] {
        let (after, arrivals) = goodput(fixed, 300.0, 600.0);
        assert!(
            (after - arrivals).abs() < 1.0,
            "{fixed}: {after}/s of {arrivals}/s"
        );
    }
}

// ---- connection pools ----

/// One connection per caller instance to a callee that takes exponential
/// 10 ms (a delay: no queue of its own) makes the pool an M/M/1 queue:
/// λ = 50/s, μ = 100/s, so a call waits for its connection with probability
/// ρ = 0.5, on average Wq = ρ / (μ − λ) = 10 ms. 10 replications of 950 s.
#[test]
fn a_connection_pool_of_one_is_an_mm1_queue() {
    let model = support::model(json!({
        "simulation": { "duration_s": 1000, "warmup_s": 50 },
        "instance_types": support::unit_types(),
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 50 } } },
        "nodes": {
            "web": { "pool": { "instance_type": "quad", "instances": 1, "workers_per_instance": 200,
                               "service": { "constant": { "ms": 0 } },
                               "calls": [ { "to": "api", "connections": 1 } ] } },
            "api": { "delay": { "latency": support::exponential(100.0) } }
        }
    }));
    let runs = support::replicate(&model, 17, 10);
    let wait = each(&runs, |r| {
        r.calls[0].connection_wait_ns / r.calls[0].connected as f64 / 1e9
    });
    check_against_theory("mean wait for the connection", &wait, 0.5 / 50.0, 0.1);
    let waited = each(&runs, |r| {
        r.calls[0].connection_waits as f64 / r.calls[0].connected as f64
    });
    check_against_theory("share that waited", &waited, 0.5, 0.05);
    // The wait is the caller's: web's visits last wait + 10 ms on average.
    let web = each(&runs, |r| {
        r.nodes
            .iter()
            .find(|n| n.name == "web")
            .unwrap()
            .latency
            .mean_ms
    });
    check_against_theory("web visit", &web, 20.0, 0.05);
}

/// Values that would exhaust memory or a counter are errors, not crashes.
#[test]
fn policy_and_cache_sizes_beyond_their_bounds_are_rejected() {
    rejected(
        with(
            json!({ "retry": { "max_attempts": 1000000, "backoff_ms": 5 } }),
            json!({ "to": "db" }),
            0,
        ),
        "traffic.client.retry.max_attempts: expected at most 100 (no client retries more), got 1000000",
    );
    rejected(
        with(
            json!({ "breaker": { "failures": 4000000000u32, "window_s": 10, "open_s": 5 } }),
            json!({ "to": "db" }),
            0,
        ),
        "traffic.client.breaker.failures: expected at most 100000",
    );
    rejected(
        with(
            json!({ "retry": { "max_attempts": 3, "backoff_ms": 5,
                                "budget": { "ratio": 0.1, "window_s": 86400 } } }),
            json!({ "to": "db" }),
            0,
        ),
        "traffic.client.retry.budget.window_s: expected at most 3600",
    );
    let cache = |size: Value| {
        let mut cache = json!({ "latency": { "constant": { "ms": 1 } } });
        for (k, v) in size.as_object().unwrap() {
            cache[k] = v.clone();
        }
        json!({
            "simulation": { "duration_s": 60 },
            "traffic": { "entry": "c", "arrivals": { "poisson": { "rate_rps": 10 } } },
            "nodes": { "c": { "cache": cache } }
        })
    };
    rejected(
        cache(json!({ "capacity_keys": 4000000000u32 })),
        "nodes.c.cache.capacity_keys: expected at most 50000000 keys",
    );
    rejected(
        cache(json!({ "capacity_mb": 1e9, "object_kb": 1 })),
        "nodes.c.cache.capacity_mb: expected at most 50000000 keys",
    );
}
