//! The table's Kubernetes clusters: nodes (mean and most), pending pods
//! (mean, most, pod-seconds) and the nodes' cost, which the cost line includes.

use std::io::{self, Write};

use super::table::{cell, write_rows};
use crate::stats::Summary;

/// Writes the clusters, if the model has any.
pub fn write_clusters(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    if summary.clusters.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let header = [
        "cluster",
        "nodes",
        "max nodes",
        "pending",
        "max pending",
        "pending pod-s",
        "$/hour",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for cluster in &summary.clusters {
        rows.push(vec![
            cluster.name.clone(),
            cell(cluster.mean_nodes),
            cell(cluster.max_nodes),
            cell(cluster.mean_pending),
            cell(cluster.max_pending),
            cell(cluster.pending_pod_s),
            cell(cluster.usd_per_hour),
        ]);
    }
    write_rows(out, &rows)
}
