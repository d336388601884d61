//! A Kubernetes cluster's figures over the measured window: nodes (mean and
//! most), pending pods (mean, most, and the pod-seconds spent waiting),
//! and what the nodes cost, from one observer call per change
//! (`cluster(levels)`), so every mean is an exact time integral.

use serde::Serialize;

use super::interval::Estimate;
use super::result::RunResult;
use crate::engine::{ClusterLevels, Level, SimTime};
use crate::model::Model;

/// One cluster's accumulators.
#[derive(Default, Clone)]
pub(super) struct ClusterRecord {
    nodes: Level,
    ready: Level,
    pending: Level,
    usd_per_hour: Level,
    /// The levels in force now, and the highest since the warm-up ended.
    now: ClusterLevels,
    most: Option<(u32, u32)>,
}

impl ClusterRecord {
    /// One per cluster of `model`.
    pub(super) fn all(model: &Model) -> Vec<ClusterRecord> {
        vec![ClusterRecord::default(); model.clusters.len()]
    }

    /// The cluster is at `levels` from `now` on.
    pub(super) fn set(&mut self, now: SimTime, from: SimTime, levels: ClusterLevels) {
        if now >= from {
            // What held at the window's start counts too.
            let (nodes, pending) = self.most.unwrap_or((self.now.nodes, self.now.pending));
            self.most = Some((nodes.max(levels.nodes), pending.max(levels.pending)));
        }
        self.now = levels;
        self.nodes.set(now, from, f64::from(levels.nodes));
        self.ready.set(now, from, f64::from(levels.ready));
        self.pending.set(now, from, f64::from(levels.pending));
        self.usd_per_hour.set(now, from, levels.usd_per_hour);
    }

    /// The figures over [from, end].
    pub(super) fn result(&self, name: &str, from: SimTime, end: SimTime) -> ClusterResult {
        let window_ns = end.since(from).max(1) as f64;
        let mean = |level: &Level| level.area_until(end, from) / window_ns;
        let (max_nodes, max_pending) = self.most.unwrap_or((self.now.nodes, self.now.pending));
        ClusterResult {
            name: name.to_string(),
            mean_nodes: mean(&self.nodes),
            mean_ready_nodes: mean(&self.ready),
            max_nodes,
            mean_pending: mean(&self.pending),
            max_pending,
            pending_pod_s: self.pending.area_until(end, from) / 1e9,
            usd_per_hour: mean(&self.usd_per_hour),
        }
    }
}

/// A Kubernetes cluster's figures in the measured window. Its cost (the
/// nodes') is part of the run's cost; its pods cost nothing of their own.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterResult {
    /// The cluster's name.
    pub name: String,
    /// Time-average of nodes billed (ready, and added but not yet ready).
    pub mean_nodes: f64,
    /// Time-average of nodes ready for pods.
    pub mean_ready_nodes: f64,
    /// Most nodes at once.
    pub max_nodes: u32,
    /// Time-average of pods no node had room for.
    pub mean_pending: f64,
    /// Most such pods at once.
    pub max_pending: u32,
    /// Pod-seconds spent pending.
    pub pending_pod_s: f64,
    /// What the nodes cost on average, US dollars per hour (compute).
    pub usd_per_hour: f64,
}

/// A cluster's figures over replications.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterEstimate {
    /// The cluster's name.
    pub name: String,
    /// Time-average of nodes billed.
    pub mean_nodes: Estimate,
    /// Most nodes at once.
    pub max_nodes: Estimate,
    /// Time-average of pending pods.
    pub mean_pending: Estimate,
    /// Most pending pods at once.
    pub max_pending: Estimate,
    /// Pod-seconds pending.
    pub pending_pod_s: Estimate,
    /// The nodes' cost, US dollars per hour.
    pub usd_per_hour: Estimate,
}

/// Every cluster's estimates over `runs` (replications of one model).
pub(super) fn estimates(runs: &[RunResult]) -> Vec<ClusterEstimate> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    (first.clusters.iter().enumerate())
        .map(|(i, cluster)| {
            let over = |figure: &dyn Fn(&ClusterResult) -> f64| {
                Estimate::of(
                    &runs
                        .iter()
                        .map(|r| figure(&r.clusters[i]))
                        .collect::<Vec<_>>(),
                )
            };
            ClusterEstimate {
                name: cluster.name.clone(),
                mean_nodes: over(&|c| c.mean_nodes),
                max_nodes: over(&|c| f64::from(c.max_nodes)),
                mean_pending: over(&|c| c.mean_pending),
                max_pending: over(&|c| f64::from(c.max_pending)),
                pending_pod_s: over(&|c| c.pending_pod_s),
                usd_per_hour: over(&|c| c.usd_per_hour),
            }
        })
        .collect()
}
