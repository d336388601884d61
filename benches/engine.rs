//! Throughput of the engine (criterion). Figures and the commands that
//! produced them are in BENCHMARKS.md.
//!
//! Events are counted as peers count them: arrivals plus service
//! completions (2 per customer on M/M/1); `RunResult::events` is exactly that
//! for these models.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use capsim::engine::{Event, EventQueue, JobId, SimTime};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};

fn mm1(customers: f64, rho: f64) -> capsim::model::Model {
    // Service 0.1 ms; arrivals at rho × 10^4 per second.
    let rate = rho * 10_000.0;
    let json = format!(
        r#"{{ "simulation": {{ "duration_s": {duration} }},
              "instance_types": {{ "unit": {{ "vcpus": 1 }} }},
              "traffic": {{ "entry": "s", "arrivals": {{ "poisson": {{ "rate_rps": {rate} }} }} }},
              "nodes": {{ "s": {{ "pool": {{ "instance_type": "unit", "instances": 1,
                          "service": {{ "exponential": {{ "mean_ms": 0.1 }} }} }} }} }} }}"#,
        duration = customers / rate
    );
    capsim::model::parse(&json).expect("bench model")
}

/// A pool that holds about `in_flight` requests at once: that many vCPUs and
/// workers, one-second exponential service, arrivals at `in_flight` per second.
fn wide(in_flight: u32, customers: f64) -> capsim::model::Model {
    let json = format!(
        r#"{{ "simulation": {{ "duration_s": {duration}, "max_in_flight": {limit} }},
              "instance_types": {{ "wide": {{ "vcpus": {servers} }} }},
              "traffic": {{ "entry": "s", "arrivals": {{ "poisson": {{ "rate_rps": {in_flight} }} }} }},
              "nodes": {{ "s": {{ "pool": {{ "instance_type": "wide", "instances": 1,
                          "workers_per_instance": {servers},
                          "service": {{ "exponential": {{ "mean_ms": 1000 }} }} }} }} }} }}"#,
        duration = customers / f64::from(in_flight) + 1.0,
        servers = in_flight * 2,
        limit = in_flight * 4,
    );
    capsim::model::parse(&json).expect("bench model")
}

fn bench_models(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    let shop_path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/shop.json");
    let cases = [
        ("mm1_rho0.8_1e6_customers", mm1(1e6, 0.8)),
        (
            "shop_json",
            capsim::model::load(std::path::Path::new(shop_path)).expect("shop"),
        ),
    ];
    for (name, model) in cases {
        let events = capsim::simulate(&model, 1, 0).events;
        group.throughput(Throughput::Elements(events));
        group.bench_function(name, |b| {
            b.iter(|| black_box(capsim::simulate(&model, 1, 0)))
        });
    }
    // The floor for M/M/1 (issue 18, goal 2: capsim at half its events/s or
    // better): the same queue with nothing but a binary heap, two
    // exponential draws per customer and a running sum of response times.
    group.throughput(Throughput::Elements(2_000_000));
    group.bench_function("bare_binary_heap_mm1_rho0.8_1e6_customers", |b| {
        b.iter(|| black_box(bare_mm1(1_000_000, 8_000.0, 10_000.0)))
    });
    group.finish();

    let mut group = c.benchmark_group("in_flight");
    group.sample_size(10);
    for in_flight in [100u32, 10_000, 1_000_000] {
        let model = wide(in_flight, 4e6);
        let events = capsim::simulate(&model, 1, 0).events;
        group.throughput(Throughput::Elements(events));
        group.bench_with_input(
            BenchmarkId::from_parameter(in_flight),
            &model,
            |b, model| b.iter(|| black_box(capsim::simulate(model, 1, 0))),
        );
    }
    group.finish();
}

/// M/M/1 with a bare event loop: `customers` arrivals at `lambda` per second,
/// exponential service at `mu`, FIFO; the mean response time in seconds.
fn bare_mm1(customers: u64, lambda: f64, mu: f64) -> f64 {
    use rand_distr::{Distribution, Exp};
    const ARRIVAL: u8 = 0;
    const DEPARTURE: u8 = 1;
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    let (arrivals, service) = (Exp::new(lambda).unwrap(), Exp::new(mu).unwrap());
    let ns = |seconds: f64| (seconds * 1e9) as u64;
    let mut heap = BinaryHeap::new();
    let mut waiting = std::collections::VecDeque::new();
    let (mut seq, mut arrived, mut done, mut sum) = (0u64, 0u64, 0u64, 0u64);
    heap.push(Reverse((ns(arrivals.sample(&mut rng)), seq, ARRIVAL)));
    while let Some(Reverse((now, _, kind))) = heap.pop() {
        seq += 1;
        if kind == ARRIVAL {
            arrived += 1;
            if arrived < customers {
                heap.push(Reverse((now + ns(arrivals.sample(&mut rng)), seq, ARRIVAL)));
            }
            waiting.push_back(now);
            if waiting.len() == 1 {
                heap.push(Reverse((
                    now + ns(service.sample(&mut rng)),
                    seq,
                    DEPARTURE,
                )));
            }
        } else {
            sum += now - waiting.pop_front().expect("a customer in service");
            done += 1;
            if !waiting.is_empty() {
                heap.push(Reverse((
                    now + ns(service.sample(&mut rng)),
                    seq,
                    DEPARTURE,
                )));
            }
        }
    }
    sum as f64 / done as f64 / 1e9
}

/// The classic "hold" benchmark of event queues: pop the earliest, push one
/// an exponential time later, with `pending` events in the queue throughout.
fn bench_hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.sample_size(10);
    const HOLDS: u64 = 1_000_000;
    group.throughput(Throughput::Elements(HOLDS));
    for pending in [2u64, 1_000, 65_536, 1_000_000] {
        group.bench_with_input(
            BenchmarkId::new("radix_queue", pending),
            &pending,
            |b, &pending| {
                let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
                let mut queue = EventQueue::new();
                for i in 0..pending {
                    queue.schedule(
                        SimTime(rng.random_range(0..1_000_000_000)),
                        Event::PhaseDone {
                            job: JobId(i as u32),
                        },
                    );
                }
                b.iter(|| {
                    for _ in 0..HOLDS {
                        let (at, event) = queue.pop().expect("non-empty");
                        let delay = (-(1.0 - rng.random::<f64>()).ln() * 1e9) as u64;
                        queue.schedule(SimTime(at.as_nanos() + delay), event);
                    }
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("binary_heap", pending),
            &pending,
            |b, &pending| {
                let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
                let mut heap = BinaryHeap::new();
                let mut seq = 0u64;
                for _ in 0..pending {
                    heap.push(Reverse((rng.random_range(0..1_000_000_000u64), seq, 0u32)));
                    seq += 1;
                }
                b.iter(|| {
                    for _ in 0..HOLDS {
                        let Reverse((at, _, payload)) = heap.pop().expect("non-empty");
                        let delay = (-(1.0 - rng.random::<f64>()).ln() * 1e9) as u64;
                        heap.push(Reverse((at + delay, seq, payload)));
                        seq += 1;
                    }
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_models, bench_hold);
criterion_main!(benches);
