//! The fleet columns of a series: for each pool, its instances serving,
//! starting (provisioning or warming up), draining and failed, and the
//! autoscaler's desired count, at the window's end; and the cost of every
//! billed node so far, from t = 0, in US dollars.

use crate::engine::{FleetCounts, Level, SimTime};
use crate::model::{Model, NodeId, NodeKind, Purchase};

use super::{ColumnGroup, Span};

/// Every pool's latest counts, and the running cost.
pub(super) struct FleetColumns {
    names: Vec<String>,
    counts: Vec<FleetCounts>,
    /// Index into `names` for each node; `None` for nodes that are not pools.
    pool_of_node: Vec<Option<usize>>,
    /// $/hour of each node, integrated from t = 0.
    usd_per_hour: Vec<Level>,
    /// How each pool's instances are paid for (`None`: not a pool).
    purchase: Vec<Option<Purchase>>,
    /// $/hour of each Kubernetes cluster's nodes, from t = 0.
    cluster_usd_per_hour: Vec<Level>,
    /// Cost of the closed windows, $.
    spent: f64,
}

impl FleetColumns {
    /// Columns for every pool of `model`, and the cost.
    pub(super) fn new(model: &Model) -> Self {
        let mut names = Vec::new();
        let pool_of_node = model
            .nodes
            .iter()
            .map(|node| match &node.kind {
                NodeKind::Pool(_) => {
                    names.push(node.name.clone());
                    Some(names.len() - 1)
                }
                _ => None,
            })
            .collect();
        FleetColumns {
            counts: vec![FleetCounts::default(); names.len()],
            names,
            pool_of_node,
            usd_per_hour: model.nodes.iter().map(|_| Level::default()).collect(),
            purchase: (model.nodes.iter())
                .map(|node| match &node.kind {
                    NodeKind::Pool(pool) => Some(pool.purchase.clone()),
                    _ => None,
                })
                .collect(),
            cluster_usd_per_hour: vec![Level::default(); model.clusters.len()],
            spent: 0.0,
        }
    }

    /// `node`'s instances changed.
    pub(super) fn instances(
        &mut self,
        now: SimTime,
        node: NodeId,
        counts: FleetCounts,
        usd_per_hour: f64,
    ) {
        if let Some(index) = self.pool_of_node[node.index()] {
            self.counts[index] = counts;
        }
        let usd = match &self.purchase[node.index()] {
            Some(purchase) => purchase.usd_per_hour(counts.billed()),
            None => f64::from(counts.billed()) * usd_per_hour,
        };
        self.usd_per_hour[node.index()].set(now, SimTime::ZERO, usd);
    }
}

impl FleetColumns {
    /// Cluster `cluster`'s nodes now cost `usd_per_hour`.
    pub(super) fn cluster(&mut self, now: SimTime, cluster: u16, usd_per_hour: f64) {
        self.cluster_usd_per_hour[usize::from(cluster)].set(now, SimTime::ZERO, usd_per_hour);
    }
}

impl ColumnGroup for FleetColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for name in &self.names {
            for figure in ["serving", "starting", "draining", "failed", "desired"] {
                columns.push(format!("{name}.{figure}"));
            }
        }
        columns.push("cost_usd".to_string());
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        for counts in &self.counts {
            row.extend(
                [
                    counts.serving,
                    counts.starting,
                    counts.draining,
                    counts.failed,
                    counts.desired,
                ]
                .map(f64::from),
            );
        }
        // $/hour × ns → $: divide by 3600 s × 1e9 ns.
        self.spent += self
            .usd_per_hour
            .iter_mut()
            .map(|level| level.take_area(span.end, SimTime::ZERO))
            .sum::<f64>()
            / 3.6e12;
        if !self.cluster_usd_per_hour.is_empty() {
            self.spent += (self.cluster_usd_per_hour.iter_mut())
                .map(|level| level.take_area(span.end, SimTime::ZERO))
                .sum::<f64>()
                / 3.6e12;
        }
        row.push(self.spent);
    }
}
