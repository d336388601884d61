//! Bad clusters and pods -> their exact messages, each naming its JSON path.

use serde_json::{Value, json};

/// A pool `web` with `pool` fields added (no `instance_type` unless
/// given), on cluster `main` with `cluster` fields added.
fn topology(pool: Value, cluster: Value) -> String {
    let mut web = json!({ "instances": 2, "service": { "exponential": { "mean_ms": 20 } } });
    for (key, value) in pool.as_object().unwrap() {
        web[key] = value.clone();
    }
    let mut main = json!({
        "node_pools": [ { "instance_type": "m5.large", "min_nodes": 1, "max_nodes": 4 } ]
    });
    for (key, value) in cluster.as_object().unwrap() {
        main[key] = value.clone();
    }
    json!({
        "simulation": { "duration_s": 600 },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "clusters": { "main": main },
        "nodes": { "web": { "pool": web } }
    })
    .to_string()
}

#[track_caller]
fn check(pool: Value, cluster: Value, expected: &str) {
    let err = capsim::model::parse(&topology(pool, cluster)).expect_err("should be rejected");
    assert_eq!(err.to_string(), expected);
}

fn pod(requests: Value) -> Value {
    json!({ "kubernetes": { "cluster": "main", "requests": requests } })
}

#[test]
fn a_pool_needs_an_instance_type_or_pods_not_both() {
    check(
        json!({}),
        json!({}),
        "nodes.web.pool.instance_type: expected an instance type, or `kubernetes` to run the pool as pods of a cluster",
    );
    let mut both = pod(json!({ "cpu": 0.5 }));
    both["instance_type"] = json!("m5.large");
    check(
        both,
        json!({}),
        "nodes.web.pool.instance_type: expected none on a pool of pods (`kubernetes`): pods run on the nodes of cluster `main`, whose node pools have the instance types, got `m5.large`",
    );
}

#[test]
fn a_pod_names_a_cluster_that_exists() {
    check(
        json!({ "kubernetes": { "cluster": "prod", "requests": { "cpu": 1 } } }),
        json!({}),
        "nodes.web.pool.kubernetes.cluster: no cluster `prod` (clusters: main)",
    );
}

#[test]
fn a_limit_below_the_request_is_refused() {
    check(
        json!({ "kubernetes": { "cluster": "main", "requests": { "cpu": "500m" },
                                "limits": { "cpu": "250m" } } }),
        json!({}),
        "nodes.web.pool.kubernetes.limits.cpu: expected at least `requests.cpu` (500m), got 250m (Kubernetes refuses a limit below the request)",
    );
}

#[test]
fn a_limit_needs_fifo_vcpus() {
    let mut pool = json!({ "kubernetes": { "cluster": "main", "requests": { "cpu": "500m" },
                                           "limits": { "cpu": 1 } } });
    pool["cpu"] = json!("processor_sharing");
    check(
        pool,
        json!({}),
        "nodes.web.pool.kubernetes.limits.cpu: expected FIFO vCPUs for a CPU limit (the CFS quota is modelled on `cpu: fifo` without pre-emption), got a pool with sliced vCPUs",
    );
}

#[test]
fn requests_that_fit_no_node_are_refused() {
    check(
        pod(json!({ "cpu": 3, "memory": "1Gi" })),
        json!({}),
        "nodes.web.pool.kubernetes.requests: expected requests that fit a node of cluster `main` (largest: 2 vCPUs, 8 GiB), got 3000m CPU and 1073741824 bytes of memory: the pods would be pending for ever",
    );
}

/// A quantity serde refuses: its exact message, then serde's position
/// (which depends on how `json!` orders the keys, so it is only checked to be there).
#[track_caller]
fn check_quantity(requests: Value, expected: &str) {
    let err = capsim::model::parse(&topology(pod(requests), json!({}))).unwrap_err();
    let message = err.to_string();
    let (text, position) = message.rsplit_once(" at line ").expect("a position");
    assert_eq!(text, expected);
    assert!(position.contains(" column "), "{message}");
}

#[test]
fn quantities_must_be_kubernetes_quantities() {
    check_quantity(
        json!({ "cpu": "500x" }),
        "nodes.web.pool.kubernetes.requests.cpu: expected a CPU quantity: cores (0.5) or a string (\"500m\", \"2\"), got \"500x\"",
    );
    check_quantity(
        json!({ "cpu": 0.0005 }),
        "nodes.web.pool.kubernetes.requests.cpu: expected a CPU quantity: cores (0.5) or a string (\"500m\", \"2\") of at least 1m, got 0.0005",
    );
    check_quantity(
        json!({ "cpu": "1.5005" }),
        "nodes.web.pool.kubernetes.requests.cpu: expected a whole number of millicores (1m = 0.001 core), got \"1.5005\"",
    );
    check_quantity(
        json!({ "cpu": 1, "memory": "512" }),
        "nodes.web.pool.kubernetes.requests.memory: expected a memory quantity with its unit: Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (of 1000), such as \"512Mi\" or \"1Gi\", got \"512\"",
    );
    // Accepted: cores as a number or a string, millicores, binary and decimal memory.
    for requests in [
        json!({ "cpu": "1.5" }),
        json!({ "cpu": "250m", "memory": "1.5Gi" }),
        json!({ "cpu": 2, "memory": "500M" }),
    ] {
        capsim::model::parse(&topology(pod(requests.clone()), json!({})))
            .unwrap_or_else(|e| panic!("{requests}: {e}"));
    }
}

#[test]
fn node_pool_bounds_and_types() {
    check(
        pod(json!({ "cpu": 1 })),
        json!({ "node_pools": [
            { "instance_type": "m5.large", "min_nodes": 3, "max_nodes": 2 },
            { "instance_type": "m5.large", "min_nodes": 1, "max_nodes": 2, "nodes": 5 },
            { "instance_type": "m5.larg", "min_nodes": 0, "max_nodes": 0 }
        ] }),
        "clusters.main.node_pools[2].instance_type: no instance type `m5.larg` (similar: m5.2xlarge, m5.4xlarge, m5.large, m5.xlarge)\n\
         clusters.main.node_pools[0].min_nodes: expected at most `max_nodes` (2), got 3\n\
         clusters.main.node_pools[1].nodes: expected between `min_nodes` (1) and `max_nodes` (2), got 5\n\
         clusters.main.node_pools[2].max_nodes: expected at least 1 (a node pool of no nodes runs nothing), got 0",
    );
}

#[test]
fn a_cluster_has_node_pools_and_a_known_scheduler() {
    check(
        pod(json!({ "cpu": 1 })),
        json!({ "node_pools": [] }),
        "clusters.main.node_pools: expected at least one node pool, got none",
    );
    let err = capsim::model::parse(&topology(
        pod(json!({ "cpu": 1 })),
        json!({ "scheduler": "random" }),
    ))
    .unwrap_err();
    assert!(
        err.to_string().starts_with("clusters.main.scheduler: unknown variant `random`, expected one of `least_allocated`, `most_allocated`, `first_fit`"),
        "{err}"
    );
}
