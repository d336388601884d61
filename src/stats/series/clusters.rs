//! The cluster columns of a series: for each Kubernetes cluster, its nodes
//! (billed, and ready) and pending pods at the window's end, and the most
//! pods pending at once within the window (a pod may wait less than a
//! window). The nodes' cost goes into the fleet group's `cost_usd`.

use crate::engine::ClusterLevels;
use crate::model::Model;

use super::{ColumnGroup, Span};

/// Every cluster's latest levels.
pub(super) struct ClusterColumns {
    names: Vec<String>,
    now: Vec<ClusterLevels>,
    /// Most pending within the open window.
    most_pending: Vec<u32>,
}

impl ClusterColumns {
    /// Columns for every cluster of `model` (none without).
    pub(super) fn new(model: &Model) -> Self {
        let n = model.clusters.len();
        ClusterColumns {
            names: model.clusters.iter().map(|c| c.name.clone()).collect(),
            now: vec![ClusterLevels::default(); n],
            most_pending: vec![0; n],
        }
    }

    /// Cluster `cluster` is at `levels`.
    pub(super) fn cluster(&mut self, cluster: u16, levels: ClusterLevels) {
        let i = usize::from(cluster);
        self.now[i] = levels;
        self.most_pending[i] = self.most_pending[i].max(levels.pending);
    }
}

impl ColumnGroup for ClusterColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for name in &self.names {
            for figure in ["nodes", "ready_nodes", "pending", "pending_max"] {
                columns.push(format!("{name}.{figure}"));
            }
        }
    }

    fn close(&mut self, _span: Span, row: &mut Vec<f64>) {
        for (levels, most) in self.now.iter().zip(&mut self.most_pending) {
            let peak = (*most).max(levels.pending);
            row.extend([levels.nodes, levels.ready, levels.pending, peak].map(f64::from));
            // The next window starts at the level in force.
            *most = levels.pending;
        }
    }
}
