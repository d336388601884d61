//! The series recorder fed by hand: window edges, rates, percentiles,
//! requests in flight and pool utilization, with figures known exactly.

use super::*;

/// One pool `web` (2 vCPUs, 3 workers per instance) and a delay `db`;
/// 25 s with a 10 s warm-up.
fn model() -> Model {
    crate::model::parse(
        r#"{ "simulation": { "duration_s": 25, "warmup_s": 10 },
             "instance_types": { "duo": { "vcpus": 2 } },
             "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 1 } } },
             "nodes": {
               "db": { "delay": { "latency": { "constant": { "ms": 1 } } } },
               "web": { "pool": { "instance_type": "duo", "instances": 2, "workers_per_instance": 3,
                                  "service": { "constant": { "ms": 1 } } } } } }"#,
    )
    .expect("test model is valid")
}

fn secs(seconds: f64) -> SimTime {
    SimTime::from_secs_f64(seconds)
}

fn column(series: &Series, name: &str) -> Vec<f64> {
    series
        .column(name)
        .unwrap_or_else(|| panic!("no column `{name}` in {:?}", series.columns))
}

const WEB: NodeId = NodeId(1);

#[test]
fn columns_are_the_clock_then_requests_then_each_pool_then_fleets_and_cost() {
    let series = SeriesRecorder::new(&model(), secs(10.0)).finish(secs(25.0));
    assert_eq!(
        series.columns,
        [
            "time_s",
            "warmup",
            "arrivals_per_s",
            "completions_per_s",
            "errors_per_s",
            "p50_ms",
            "p99_ms",
            "in_flight",
            "web.utilization",
            "web.worker_utilization",
            "web.serving",
            "web.starting",
            "web.draining",
            "web.failed",
            "web.desired",
            "cost_usd",
        ]
    );
    assert_eq!(series.window_s, 10.0);
}

#[test]
fn windows_cover_the_run_and_the_last_is_rated_over_its_own_length() {
    let mut recorder = SeriesRecorder::new(&model(), secs(10.0));
    recorder.arrival(secs(1.0));
    recorder.arrival(secs(2.0));
    recorder.request_done(secs(3.0), ClassId(0), secs(1.0), true); // 2000 ms
    // Nothing happens in [10, 20): the window still gets its row.
    recorder.arrival(secs(21.0));
    recorder.request_done(secs(22.0), ClassId(0), secs(2.0), false);
    // At exactly the horizon: still the last window, not a new one.
    recorder.arrival(secs(25.0));
    let series = recorder.finish(secs(25.0));

    assert_eq!(column(&series, "time_s"), [0.0, 10.0, 20.0]);
    assert_eq!(column(&series, "warmup"), [1.0, 0.0, 0.0]);
    // The last window is 5 s long: 2 arrivals are 0.4/s.
    assert_eq!(column(&series, "arrivals_per_s"), [0.2, 0.0, 0.4]);
    assert_eq!(column(&series, "completions_per_s"), [0.1, 0.0, 0.0]);
    assert_eq!(column(&series, "errors_per_s"), [0.0, 0.0, 0.2]);
    // At each window's end: arrived minus answered (errors are answers too).
    assert_eq!(column(&series, "in_flight"), [1.0, 1.0, 2.0]);
    let p50 = column(&series, "p50_ms");
    assert!((p50[0] - 2000.0).abs() <= 2.0, "{p50:?}"); // the histogram's 0.1%
    assert!(
        p50[1].is_nan() && p50[2].is_nan(),
        "no success, no percentile"
    );
}

#[test]
fn a_call_at_a_window_end_belongs_to_the_next_window() {
    let mut recorder = SeriesRecorder::new(&model(), secs(10.0));
    recorder.arrival(secs(10.0));
    let series = recorder.finish(secs(25.0));
    assert_eq!(column(&series, "arrivals_per_s"), [0.0, 0.1, 0.0]);
}

#[test]
fn pool_utilization_is_busy_time_over_capacity_time_per_window() {
    let mut recorder = SeriesRecorder::new(&model(), secs(10.0));
    recorder.instances(SimTime::ZERO, WEB, serving(2), 0.0); // 4 vCPUs, 6 workers
    recorder.occupancy(secs(0.0), WEB, Resource::Worker, 3);
    recorder.occupancy(secs(5.0), WEB, Resource::Server, 2);
    recorder.occupancy(secs(15.0), WEB, Resource::Server, -2);
    recorder.occupancy(secs(15.0), WEB, Resource::Queue, 7); // not a column
    recorder.instances(secs(20.0), WEB, serving(1), 0.0); // 2 vCPUs, 3 workers from 20 s
    let series = recorder.finish(secs(25.0));
    // vCPUs: 2 busy of 4 for 5 s of 10, then 5 s of 10, then none.
    assert_eq!(column(&series, "web.utilization"), [0.25, 0.25, 0.0]);
    // Workers: 3 busy of 6, then 3 of 3 once an instance is gone.
    assert_eq!(column(&series, "web.worker_utilization"), [0.5, 0.5, 1.0]);
}

#[test]
fn a_halted_run_ends_its_series_where_it_stopped() {
    let mut recorder = SeriesRecorder::new(&model(), secs(10.0));
    recorder.arrival(secs(12.0));
    let series = recorder.finish(secs(12.5));
    assert_eq!(column(&series, "time_s"), [0.0, 10.0]);
    assert_eq!(column(&series, "arrivals_per_s"), [0.0, 1.0 / 2.5]);
}

/// `n` instances serving.
fn serving(n: u32) -> crate::engine::FleetCounts {
    crate::engine::FleetCounts {
        serving: n,
        desired: n,
        ..Default::default()
    }
}
