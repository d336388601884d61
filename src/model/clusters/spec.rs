//! The `clusters` part of the format, and a pool's `kubernetes` block.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::quantity::{Cpu, Memory};
use crate::model::shared::dist::DistSpec;
use crate::model::shared::units::{NonNegative, Positive, Size};

/// `clusters.<name>`: a Kubernetes cluster whose nodes run the pods of the
/// pools that name it.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Node groups, each of one instance type; the cluster autoscaler grows
    /// the first one with room whose type fits a pending pod.
    pub node_pools: Vec<NodePoolSpec>,
    /// How the scheduler picks among the nodes a pod fits on (default
    /// `least_allocated`, kube-scheduler's default scoring strategy).
    #[serde(default)]
    pub scheduler: SchedulerPolicy,
    /// Adds nodes for pending pods and removes empty ones (default: none,
    /// the node pools keep their initial nodes).
    #[serde(default)]
    pub autoscaler: Option<ClusterAutoscalerSpec>,
}

/// One node pool (an EKS managed node group, a GKE node pool).
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodePoolSpec {
    /// The nodes' instance type (its vCPUs and memory are the node's
    /// allocatable resources; its price is the cluster's cost).
    pub instance_type: String,
    /// Fewest nodes (the autoscaler removes none below it).
    pub min_nodes: Size,
    /// Most nodes (the autoscaler adds none above it).
    pub max_nodes: Size,
    /// Nodes at the start, ready (default `min_nodes`).
    #[serde(default)]
    pub nodes: Option<Size>,
}

/// The scheduler's scoring of the nodes a pod fits on (kube-scheduler's
/// `NodeResourcesFit` plugin, on requests only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SchedulerPolicy {
    /// The node left with the most free CPU and memory (spreads pods).
    #[default]
    LeastAllocated,
    /// The node left with the least (packs pods, frees whole nodes).
    MostAllocated,
    /// The first node, in order of creation, that fits.
    FirstFit,
}

/// `autoscaler`: the Kubernetes cluster autoscaler (kubernetes/autoscaler,
/// cluster-autoscaler), with its flags' defaults.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterAutoscalerSpec {
    /// Time from a scale-up to the new node being ready for pods: the
    /// cloud's launch, boot, kubelet registration.
    pub provisioning: DistSpec,
    /// How often it looks at the cluster, seconds (`--scan-interval`, default 10).
    #[serde(default = "default_scan_s")]
    pub scan_interval_s: Positive,
    /// How long a node must stay empty before it is removed, seconds
    /// (`--scale-down-unneeded-time`, default 600).
    #[serde(default = "default_ten_minutes")]
    pub scale_down_unneeded_s: NonNegative,
    /// No scale-down for this long after a scale-up, seconds
    /// (`--scale-down-delay-after-add`, default 600).
    #[serde(default = "default_ten_minutes")]
    pub scale_down_delay_after_add_s: NonNegative,
}

fn default_scan_s() -> Positive {
    Positive::try_from(10.0).expect("10 is positive")
}

fn default_ten_minutes() -> NonNegative {
    NonNegative::try_from(600.0).expect("600 is not negative")
}

/// A pool's `kubernetes` block: its instances are pods of `cluster`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PodSpec {
    /// The cluster (a key of `clusters`).
    pub cluster: String,
    /// What the scheduler reserves on a node for each pod, and what the
    /// HPA's CPU utilization is relative to (required, unless the pool's
    /// `deployment` gives its container's `resources.requests`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<RequestsSpec>,
    /// The most CPU a pod may use, enforced by the CFS quota (default: none).
    #[serde(default)]
    pub limits: Option<LimitsSpec>,
}

/// `requests`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestsSpec {
    /// CPU: cores (0.5) or a quantity string ("500m").
    pub cpu: Cpu,
    /// Memory: a quantity string ("512Mi", "1Gi") (default: none).
    #[serde(default)]
    pub memory: Option<Memory>,
}

/// `limits`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    /// CPU: cores or a quantity string; the pod's CFS quota is this many
    /// cores' worth of each 100 ms period.
    pub cpu: Cpu,
}
