//! Clusters and pods, compiled: integers for what the scheduler compares
//! (millicores, bytes), nanoseconds for the autoscaler's delays.

use crate::model::shared::dist::DistSpec as Dist;

pub use super::spec::SchedulerPolicy;

/// A Kubernetes cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Its name (the key of `clusters`).
    pub name: String,
    /// Its node pools, in the order written.
    pub node_pools: Vec<NodePool>,
    /// How the scheduler scores the nodes a pod fits on.
    pub scheduler: SchedulerPolicy,
    /// The cluster autoscaler, if any.
    pub autoscaler: Option<ClusterAutoscaler>,
}

/// A node pool: one instance type, its bounds and its start.
#[derive(Clone, Debug)]
pub struct NodePool {
    /// The instance type's name.
    pub instance_type: String,
    /// Allocatable CPU of a node, millicores (its vCPUs × 1000).
    pub cpu_milli: u32,
    /// Allocatable memory of a node, bytes (its GiB × 2³⁰).
    pub memory_bytes: u64,
    /// vCPUs of a node (what a pod without a CPU limit may run on).
    pub vcpus: u32,
    /// The type's speed: pods' service times are divided by it.
    pub speed: f64,
    /// Price of a node, US dollars per hour.
    pub usd_per_hour: f64,
    /// Fewest nodes.
    pub min: u32,
    /// Most nodes.
    pub max: u32,
    /// Nodes at the start.
    pub initial: u32,
}

/// The cluster autoscaler's settings.
#[derive(Clone, Debug)]
pub struct ClusterAutoscaler {
    /// Scale-up to node ready.
    pub provisioning: Dist,
    /// Between two scans, ns.
    pub scan_ns: u64,
    /// Empty this long before removal, ns.
    pub unneeded_ns: u64,
    /// No removal this long after a scale-up, ns.
    pub delay_after_add_ns: u64,
}

/// A pool's pods: where they run and what they ask for.
#[derive(Clone, Debug, PartialEq)]
pub struct Pod {
    /// Index into `Model::clusters`.
    pub cluster: u16,
    /// CPU request, millicores.
    pub cpu_request_milli: u32,
    /// Memory request, bytes.
    pub memory_request_bytes: u64,
    /// CPU limit, millicores (none: no CFS quota).
    pub cpu_limit_milli: Option<u32>,
}

impl Pod {
    /// CFS quota per period, ns, for a period of `period_ns`: limit ×
    /// period, at least 1 ms (kubelet's `MilliCPUToQuota`,
    /// pkg/kubelet/cm/helpers_linux.go: quota = milliCPU × period / 1000,
    /// `MinQuotaPeriod` 1000 µs).
    pub fn quota_ns(&self, period_ns: u64) -> Option<u64> {
        self.cpu_limit_milli
            .map(|milli| (u64::from(milli) * period_ns / 1000).max(1_000_000))
    }
}
