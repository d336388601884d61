//! Kubernetes clusters against hand computations: pods pending for exactly
//! the node provisioning delay after a step in load, empty nodes removed
//! after the autoscaler's unneeded time (and the cost of the node-hours),
//! the HPA's CPU utilization relative to the pod's request, and the CFS
//! quota's latency at a pod's CPU limit. Deterministic arrivals and
//! service, so every figure is exact (to the HDR histogram's precision).

use capsim::{RunOptions, RunResult};
use serde_json::{Value, json};

use crate::support::column;

const SEED: u64 = 3;

/// Runs `topology`; `arrivals`, if any, are the times of a timestamps
/// trace (`steps`) written beside it.
fn run_with(topology: Value, arrivals: Option<&str>) -> RunResult {
    let dir = std::env::temp_dir().join(format!("capsim-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let name = format!("arrivals-{:x}.csv", fnv(topology.to_string().as_bytes()));
    if let Some(rows) = arrivals {
        std::fs::write(dir.join(&name), rows).expect("writes the trace");
    }
    let mut topology = topology;
    if arrivals.is_some() {
        topology["traffic"]["arrivals"] =
            json!({ "trace": { "file": name, "format": "timestamps" } });
    }
    let topology = capsim::model::parse_topology(&topology.to_string()).expect("parses");
    let model = capsim::model::from_topology_in(&topology, &dir, Default::default())
        .expect("test topology is valid");
    let options = RunOptions {
        series_window_s: Some(1.0),
        decisions: true,
    };
    capsim::simulate_with(&model, SEED, 0, &options, &mut |_| {})
}

fn run(topology: Value) -> RunResult {
    run_with(topology, None)
}

/// A name for a test's trace file, from its model (tests run in parallel).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

/// A timestamps trace: evenly spaced arrivals at `rate` req/s over
/// `[from_s, to_s)` for each `(from_s, to_s, rate)`, exact to the microsecond.
fn steps(spans: &[(u64, u64, u64)]) -> String {
    let mut rows = String::from("time_s\n");
    for &(from_s, to_s, rate) in spans {
        let gap_us = 1_000_000 / rate;
        let mut t = from_s * 1_000_000;
        while t < to_s * 1_000_000 {
            rows.push_str(&format!("{}.{:06}\n", t / 1_000_000, t % 1_000_000));
            t += gap_us;
        }
    }
    rows
}

/// Pool `web` of pods on cluster `main` (nodes of type `node`: 2 vCPUs,
/// 8 GiB, $0.1/hour) behind a balancer, `rate` req/s from time 0 (`rate`
/// a profile's points), constant `work_ms` of CPU; `pod` and `cluster`
/// fields added to the pool's `kubernetes` block and to the cluster.
fn topology(points: Value, work_ms: f64, duration_s: f64, pool: Value, cluster: Value) -> Value {
    let mut web = json!({
        "kubernetes": { "cluster": "main", "requests": { "cpu": 1 } },
        "instances": 2, "workers_per_instance": 32,
        "service": { "constant": { "ms": work_ms } }
    });
    for (key, value) in pool.as_object().unwrap() {
        web[key] = value.clone();
    }
    let mut main = json!({
        "node_pools": [ { "instance_type": "node", "min_nodes": 1, "max_nodes": 5 } ]
    });
    for (key, value) in cluster.as_object().unwrap() {
        main[key] = value.clone();
    }
    json!({
        "simulation": { "duration_s": duration_s, "warmup_s": 0 },
        "instance_types": { "node": { "vcpus": 2, "memory_gb": 8, "usd_per_hour": 0.1 } },
        "traffic": { "entry": "lb", "arrivals": { "profile": { "points": points } } },
        "clusters": { "main": main },
        "nodes": {
            "lb": { "load_balancer": { "policy": "round_robin", "to": "web" } },
            "web": { "pool": web }
        }
    })
}

fn cpu_hpa(target: u32) -> Value {
    json!({ "hpa": { "minReplicas": 2, "maxReplicas": 10, "metrics": [
        { "type": "Resource", "resource": { "name": "cpu",
          "target": { "type": "Utilization", "averageUtilization": target } } } ] } })
}

/// Pods of 1 CPU request on 2-vCPU nodes: two pods a node, one node at
/// the start. 10 req/s of 100 ms is 1 core over 2 pods, 50% of their
/// request: the HPA (target 50%) holds 2. The step to 30 req/s at 600 s
/// (a sync instant, which still reads the old load) shows at the sync of
/// 615 s: 3 cores over 2 pods, 150% of request, ceil(2 × 150 / 50) = 6
/// pods. The 4 new ones fit on no node: pending. The autoscaler's scan at
/// the same instant (scans every 15 s, after the HPA's sync) adds
/// ceil(4 / 2) = 2 nodes, ready 90 s later, at 705 s, when the scheduler
/// binds the 4 pods. So 4 pods pend over [615, 705) s exactly: 360
/// pod-seconds, 3 nodes from 615 s on.
#[test]
fn a_step_in_load_leaves_pods_pending_for_exactly_the_provisioning_delay() {
    let run = run_with(
        topology(
            json!([[0, 10]]),
            100.0,
            900.0,
            json!({ "autoscaling": cpu_hpa(50) }),
            json!({ "autoscaler": { "provisioning": { "constant": { "ms": 90000 } },
                                    "scan_interval_s": 15 } }),
        ),
        Some(&steps(&[(0, 600, 10), (600, 900, 30)])),
    );
    let series = run.series.as_ref().unwrap();
    let pending = column(series, "main.pending");
    let nodes = column(series, "main.nodes");
    let ready = column(series, "main.ready_nodes");
    // Window t is [t, t + 1): its figures are those at its end.
    let waiting: Vec<usize> = (0..900).filter(|&t| pending[t] > 0.0).collect();
    assert_eq!(waiting.first(), Some(&615), "{waiting:?}");
    assert_eq!(waiting.last(), Some(&704), "{waiting:?}");
    assert_eq!(waiting.len(), 90);
    assert!(waiting.iter().all(|&t| pending[t] == 4.0));
    assert!((0..614).all(|t| nodes[t] == 1.0));
    assert!(
        (615..900).all(|t| nodes[t] == 3.0),
        "{:?}",
        &nodes[600..720]
    );
    assert_eq!(ready[703], 1.0);
    assert_eq!(ready[705], 3.0);
    let cluster = &run.clusters[0];
    assert_eq!((cluster.max_pending, cluster.max_nodes), (4, 3));
    assert!((cluster.pending_pod_s - 360.0).abs() < 1e-9, "{cluster:?}");
    let serving = column(series, "web.serving");
    assert_eq!((serving[704], serving[705]), (2.0, 6.0));
}

/// Two pods of 1 CPU on three 2-vCPU nodes. Least allocated spreads them
/// over nodes 0 and 1 (for the second pod, node 0 scores 0 on CPU and an
/// empty node 50): node 2 is empty from the first scan,
/// at 0 s, and goes at the scan of 600 s (`scale_down_unneeded_s` 600,
/// no scale-up, so no delay after add): 3 nodes for 600 s, then 2.
/// Most allocated packs both on node 0: nodes 1 and 2 go at 600 s, down to
/// `min_nodes` 1. The cost is the node-hours: (3 × 600 + 2 × 600) s at
/// $0.1/hour = $0.08333 over 1,200 s, the pods adding nothing.
#[test]
fn empty_nodes_go_after_the_unneeded_time_and_the_bill_is_node_hours() {
    let cases = [
        ("least_allocated", 2.0, 3.0 * 600.0 + 2.0 * 600.0),
        ("most_allocated", 1.0, 3.0 * 600.0 + 600.0),
    ];
    for (scheduler, after, node_seconds) in cases {
        let cluster = json!({
            "node_pools": [ { "instance_type": "node", "min_nodes": 1, "max_nodes": 5, "nodes": 3 } ],
            "scheduler": scheduler,
            "autoscaler": { "provisioning": { "constant": { "ms": 60000 } } }
        });
        let run = run(topology(json!([[0, 5]]), 20.0, 1200.0, json!({}), cluster));
        let nodes = column(run.series.as_ref().unwrap(), "main.nodes");
        assert!(
            (0..600).all(|t| nodes[t] == 3.0),
            "{scheduler}: {:?}",
            &nodes[590..610]
        );
        assert!(
            (600..1200).all(|t| nodes[t] == after),
            "{scheduler}: {:?}",
            &nodes[590..610]
        );
        let usd = node_seconds / 3600.0 * 0.1;
        assert!(
            (run.cost.usd_total - usd).abs() < 1e-9,
            "{scheduler}: {:?} vs {usd}",
            run.cost
        );
        assert!((run.clusters[0].usd_per_hour - usd / (1200.0 / 3600.0)).abs() < 1e-9);
    }
}

/// With `min_nodes` at the initial 3, no node goes.
#[test]
fn the_autoscaler_keeps_each_pool_s_minimum() {
    let cluster = json!({
        "node_pools": [ { "instance_type": "node", "min_nodes": 3, "max_nodes": 5 } ],
        "autoscaler": { "provisioning": { "constant": { "ms": 60000 } },
                        "scale_down_unneeded_s": 60 }
    });
    let run = run(topology(json!([[0, 5]]), 20.0, 600.0, json!({}), cluster));
    let nodes = column(run.series.as_ref().unwrap(), "main.nodes");
    assert!(nodes.iter().all(|&n| n == 3.0));
}

/// The HPA's CPU utilization is usage over the pod's request: 10 req/s of
/// 30 ms is 0.3 core over 2 pods, 0.15 core each, 60% of a 250m request
/// (as a machine of 2 vCPUs it would read 7.5%). Target 50%: the first
/// sync (15 s) wants ceil(2 × 60 / 50) = 3.
#[test]
fn hpa_utilization_is_relative_to_the_pod_s_request() {
    let run = run_with(
        topology(
            json!([[0, 10]]),
            30.0,
            30.0,
            json!({ "kubernetes": { "cluster": "main", "requests": { "cpu": "250m" } },
                    "autoscaling": cpu_hpa(50) }),
            json!({}),
        ),
        Some(&steps(&[(0, 30, 10)])),
    );
    let first = &run.decisions.as_ref().unwrap()[0];
    assert_eq!(first.time_s, 15.0);
    // Whole percent, as Kubernetes truncates it.
    assert!((first.value - 0.60).abs() < 0.011, "{first:?}");
    assert_eq!((first.current, first.desired), (2, 3), "{first:?}");
}

/// One pod limited to 0.5 CPU: a CFS quota of 50 ms per 100 ms period.
/// A request of 60 ms of CPU arrives every second (on a period boundary):
/// it runs 50 ms, is throttled for the rest of the period, and ends 10 ms
/// into the next: 110 ms. At a limit of 1 CPU it is not throttled: 60 ms.
#[test]
fn a_pod_at_its_cpu_limit_waits_for_the_next_quota_period() {
    for (limit, expected_ms) in [("500m", 110.0), ("1", 60.0)] {
        let pool = json!({
            "kubernetes": { "cluster": "main", "requests": { "cpu": "500m" },
                            "limits": { "cpu": limit } },
            "instances": 1
        });
        let model = topology(json!([[0, 1]]), 60.0, 120.0, pool, json!({}));
        let run = run_with(model, Some(&steps(&[(0, 120, 1)])));
        let latency = &run.end_to_end;
        assert!(latency.completed >= 119, "{}", latency.completed);
        // The HDR histogram keeps 3 significant digits: 0.1%.
        for figure in [latency.mean_ms, latency.p50_ms, latency.max_ms] {
            assert!(
                (figure - expected_ms).abs() <= expected_ms * 1e-3,
                "{limit}: {latency:?}"
            );
        }
    }
}

/// A throttled thread holds its vCPU but uses no CPU: the HPA reads what
/// the pod ran. One pod limited to its 500m request, 60 ms of CPU every
/// second: over the first sync period (15 requests in 15 s) it uses
/// 0.9 core-seconds, 0.06 core, 12% of the request; its vCPU is held
/// 110 ms a request, which would read 22%.
#[test]
fn throttled_time_is_not_cpu_usage_for_the_hpa() {
    let hpa = json!({ "hpa": { "minReplicas": 1, "maxReplicas": 4, "metrics": [
        { "type": "Resource", "resource": { "name": "cpu",
          "target": { "type": "Utilization", "averageUtilization": 50 } } } ] } });
    let pool = json!({
        "kubernetes": { "cluster": "main", "requests": { "cpu": "500m" },
                        "limits": { "cpu": "500m" } },
        "instances": 1, "autoscaling": hpa
    });
    let model = topology(json!([[0, 1]]), 60.0, 30.0, pool, json!({}));
    let run = run_with(model, Some(&steps(&[(0, 30, 1)])));
    let first = &run.decisions.as_ref().unwrap()[0];
    assert_eq!(first.time_s, 15.0);
    assert!((first.value - 0.12).abs() < 1e-9, "{first:?}");
    assert_eq!(first.desired, 1, "{first:?}");
}
