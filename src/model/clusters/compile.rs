//! Clusters and pods as written → compiled (after `check`: every name resolves).

use std::collections::BTreeMap;

use super::compiled::{Cluster, ClusterAutoscaler, NodePool, Pod};
use super::spec::{ClusterSpec, PodSpec};
use crate::model::shared::units::seconds_to_ns;
use crate::model::topology::spec::InstanceTypeSpec;

/// A node's memory in bytes: the catalog's `memory_gb` are GiB, as the
/// providers list them (an m5.large's "8 GiB").
pub fn memory_bytes(memory_gb: f64) -> u64 {
    (memory_gb * 1024.0 * 1024.0 * 1024.0).round() as u64
}

/// Every cluster, in name order (a pod's `cluster` is an index into it).
pub fn clusters(
    clusters: &BTreeMap<String, ClusterSpec>,
    instance_types: &BTreeMap<String, InstanceTypeSpec>,
) -> Vec<Cluster> {
    (clusters.iter())
        .map(|(name, spec)| Cluster {
            name: name.clone(),
            node_pools: (spec.node_pools.iter())
                .map(|pool| {
                    let t = &instance_types[&pool.instance_type];
                    NodePool {
                        instance_type: pool.instance_type.clone(),
                        cpu_milli: t.vcpus.get().saturating_mul(1000),
                        memory_bytes: memory_bytes(t.memory_gb.get()),
                        vcpus: t.vcpus.get(),
                        speed: t.speed.get(),
                        usd_per_hour: t.usd_per_hour.get(),
                        min: pool.min_nodes.get(),
                        max: pool.max_nodes.get(),
                        initial: pool.nodes.map_or(pool.min_nodes.get(), |n| n.get()),
                    }
                })
                .collect(),
            scheduler: spec.scheduler,
            autoscaler: spec.autoscaler.as_ref().map(|a| ClusterAutoscaler {
                provisioning: a.provisioning.clone(),
                scan_ns: seconds_to_ns(a.scan_interval_s.get()),
                unneeded_ns: seconds_to_ns(a.scale_down_unneeded_s.get()),
                delay_after_add_ns: seconds_to_ns(a.scale_down_delay_after_add_s.get()),
            }),
        })
        .collect()
}

/// What a pod runs on, as a pool's instance type sees it.
pub struct PodShape {
    /// Threads of its CPU work that run at once: its CPU limit rounded up
    /// (the quota caps it), or without a limit its node's vCPUs (the first
    /// node pool's type).
    pub vcpus: u32,
    /// The first node pool's speed.
    pub speed: f64,
    /// Its memory request, GiB.
    pub memory_gb: f64,
    /// The first node pool's type, for reports.
    pub node_type: String,
}

/// A pool's pods, compiled, and their shape.
pub fn pod(
    spec: &PodSpec,
    clusters: &BTreeMap<String, ClusterSpec>,
    instance_types: &BTreeMap<String, InstanceTypeSpec>,
) -> (Pod, PodShape) {
    let index = clusters
        .keys()
        .position(|name| *name == spec.cluster)
        .expect("validated cluster");
    let first = &clusters[&spec.cluster].node_pools[0];
    let node = &instance_types[&first.instance_type];
    let limit = spec.limits.as_ref().map(|l| l.cpu.milli());
    // Load refuses a pod without requests, so the zeros are never used.
    let memory = spec
        .requests
        .as_ref()
        .and_then(|r| r.memory)
        .map_or(0, |m| m.bytes());
    let pod = Pod {
        cluster: index as u16,
        cpu_request_milli: spec.requests.as_ref().map_or(0, |r| r.cpu.milli()),
        memory_request_bytes: memory,
        cpu_limit_milli: limit,
    };
    let shape = PodShape {
        vcpus: limit.map_or(node.vcpus.get(), |milli| milli.div_ceil(1000)),
        speed: node.speed.get(),
        memory_gb: memory as f64 / f64::from(1u32 << 30),
        node_type: first.instance_type.clone(),
    };
    (pod, shape)
}
