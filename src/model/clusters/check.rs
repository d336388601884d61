//! Checks of clusters and pods that involve more than one field: node
//! counts within their bounds, a pod's cluster named, its limit at least
//! its request, its requests within some node's allocatable resources (a
//! pod that fits no node would be pending for ever), and no `instance_type`
//! of its own. Node pools' instance types are checked with the others'
//! (`topology/check.rs`).

use std::collections::BTreeMap;

use super::spec::{ClusterSpec, PodSpec};
use crate::model::shared::checks::check_dist;
use crate::model::shared::error::Diagnostic;
use crate::model::topology::spec::{CpuDiscipline, InstanceTypeSpec, PoolSpec, Topology};

/// The smallest CPU limit, millicores: a quota of 1 ms per 100 ms period
/// (kubelet's `MinMilliCPULimit`, pkg/kubelet/cm/helpers_linux.go).
pub const MIN_LIMIT_MILLI: u32 = 10;

/// The most nodes of a node pool: what cluster-autoscaler is tested to
/// (1,000 nodes, its FAQ) five times over, bounding a run's memory.
pub const MAX_NODES: u32 = 5_000;

/// Every cluster of `topology`, and every pool's `kubernetes` block.
pub fn check(
    acc: &mut Vec<Diagnostic>,
    topology: &Topology,
    instance_types: &BTreeMap<String, InstanceTypeSpec>,
) {
    for (name, cluster) in &topology.clusters {
        check_cluster(acc, &format!("clusters.{name}"), cluster);
    }
    for (name, node) in &topology.nodes {
        if let crate::model::topology::spec::NodeSpec::Pool(pool) = node {
            let at = format!("nodes.{name}.pool");
            check_pod_pool(acc, &at, pool, &topology.clusters, instance_types);
        }
    }
}

fn check_cluster(acc: &mut Vec<Diagnostic>, at: &str, cluster: &ClusterSpec) {
    if cluster.node_pools.is_empty() {
        acc.push(Diagnostic::new(
            format!("{at}.node_pools"),
            "expected at least one node pool, got none",
        ));
    }
    for (i, pool) in cluster.node_pools.iter().enumerate() {
        let at = format!("{at}.node_pools[{i}]");
        let (min, max) = (pool.min_nodes.get(), pool.max_nodes.get());
        if max == 0 {
            acc.push(Diagnostic::new(
                format!("{at}.max_nodes"),
                "expected at least 1 (a node pool of no nodes runs nothing), got 0",
            ));
        }
        if max > MAX_NODES {
            acc.push(Diagnostic::new(
                format!("{at}.max_nodes"),
                format!("expected at most {MAX_NODES}, got {max}"),
            ));
        }
        if min > max {
            acc.push(Diagnostic::new(
                format!("{at}.min_nodes"),
                format!("expected at most `max_nodes` ({max}), got {min}"),
            ));
        }
        if let Some(nodes) = pool.nodes
            && !(min..=max).contains(&nodes.get())
        {
            acc.push(Diagnostic::new(
                format!("{at}.nodes"),
                format!(
                    "expected between `min_nodes` ({min}) and `max_nodes` ({max}), got {}",
                    nodes.get()
                ),
            ));
        }
    }
    if let Some(autoscaler) = &cluster.autoscaler {
        check_dist(
            acc,
            &format!("{at}.autoscaler.provisioning"),
            &autoscaler.provisioning,
        );
        let scan = autoscaler.scan_interval_s.get();
        if scan > 86_400.0 {
            acc.push(Diagnostic::new(
                format!("{at}.autoscaler.scan_interval_s"),
                format!("expected at most 86400 (a day), got {scan}"),
            ));
        }
    }
}

/// A pool: `instance_type` or `kubernetes`, not both, not neither; its pods' block.
fn check_pod_pool(
    acc: &mut Vec<Diagnostic>,
    at: &str,
    pool: &PoolSpec,
    clusters: &BTreeMap<String, ClusterSpec>,
    instance_types: &BTreeMap<String, InstanceTypeSpec>,
) {
    let Some(pod) = &pool.kubernetes else {
        if pool.instance_type.is_none() {
            acc.push(Diagnostic::new(
                format!("{at}.instance_type"),
                "expected an instance type, or `kubernetes` to run the pool as pods of a cluster",
            ));
        }
        return;
    };
    if let Some(instance_type) = &pool.instance_type {
        acc.push(Diagnostic::new(
            format!("{at}.instance_type"),
            format!(
                "expected none on a pool of pods (`kubernetes`): pods run on the nodes of \
                 cluster `{}`, whose node pools have the instance types, got `{instance_type}`",
                pod.cluster
            ),
        ));
    }
    let at = format!("{at}.kubernetes");
    let Some(cluster) = clusters.get(&pod.cluster) else {
        let known: Vec<&str> = clusters.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "there are none".to_string()
        } else {
            known.join(", ")
        };
        acc.push(Diagnostic::new(
            format!("{at}.cluster"),
            format!("no cluster `{}` (clusters: {known})", pod.cluster),
        ));
        return;
    };
    check_limits(acc, &at, pod, pool);
    check_fits(acc, &at, pod, cluster, instance_types);
}

/// A CPU limit at least the request and the kubelet's minimum, on FIFO vCPUs.
fn check_limits(acc: &mut Vec<Diagnostic>, at: &str, pod: &PodSpec, pool: &PoolSpec) {
    let Some(limits) = &pod.limits else {
        return;
    };
    let request = pod.requests.as_ref().map_or(0, |r| r.cpu.milli());
    let limit = limits.cpu.milli();
    if limit < request {
        acc.push(Diagnostic::new(
            format!("{at}.limits.cpu"),
            format!(
                "expected at least `requests.cpu` ({request}m), got {limit}m \
                 (Kubernetes refuses a limit below the request)"
            ),
        ));
    } else if limit < MIN_LIMIT_MILLI {
        acc.push(Diagnostic::new(
            format!("{at}.limits.cpu"),
            format!("expected at least {MIN_LIMIT_MILLI}m (a CFS quota of 1 ms), got {limit}m"),
        ));
    }
    let preemptive = pool.priority.as_ref().is_some_and(|p| p.preemptive);
    if pool.cpu != CpuDiscipline::Fifo || preemptive {
        acc.push(Diagnostic::new(
            format!("{at}.limits.cpu"),
            "expected FIFO vCPUs for a CPU limit (the CFS quota is modelled on `cpu: fifo` \
             without pre-emption), got a pool with sliced vCPUs",
        ));
    }
}

/// Requests that fit a node of some node pool.
fn check_fits(
    acc: &mut Vec<Diagnostic>,
    at: &str,
    pod: &PodSpec,
    cluster: &ClusterSpec,
    instance_types: &BTreeMap<String, InstanceTypeSpec>,
) {
    let types: Vec<&InstanceTypeSpec> = (cluster.node_pools.iter())
        .filter_map(|p| instance_types.get(&p.instance_type))
        .collect();
    if types.is_empty() || types.len() < cluster.node_pools.len() {
        return; // No node pools, or an unknown type: reported where they are.
    }
    let Some(requests) = &pod.requests else {
        return; // Refused at load, where a `deployment` would have given them.
    };
    let cpu = requests.cpu.milli();
    let memory = requests.memory.map_or(0, |m| m.bytes());
    let fits = |t: &&InstanceTypeSpec| {
        u64::from(t.vcpus.get()) * 1000 >= u64::from(cpu)
            && super::compile::memory_bytes(t.memory_gb.get()) >= memory
    };
    if !types.iter().any(fits) {
        let largest = types.iter().map(|t| t.vcpus.get()).max().unwrap_or(0);
        let most_gib = types.iter().map(|t| t.memory_gb.get()).fold(0.0, f64::max);
        acc.push(Diagnostic::new(
            format!("{at}.requests"),
            format!(
                "expected requests that fit a node of cluster `{}` (largest: {largest} vCPUs, \
                 {most_gib} GiB), got {cpu}m CPU and {} bytes of memory: the pods would be \
                 pending for ever",
                pod.cluster, memory
            ),
        ));
    }
}
