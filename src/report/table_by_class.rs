//! The table's per-class lines for nodes that serve classes by priority.

use std::io::{self, Write};

use crate::stats::Summary;

use super::table::cell;

/// Each node that serves classes by priority: every class's visits there,
/// where the priority shows (the end-to-end figures mix in the other nodes).
pub(super) fn write_by_class(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    for node in summary.nodes.iter().filter(|n| !n.by_class.is_empty()) {
        let classes: Vec<String> = (node.by_class.iter())
            // A class that never visits (it is routed elsewhere) is left out.
            .filter(|(_, l)| l.throughput_rps.mean > 0.0 || l.error_rate.mean > 0.0)
            .map(|(name, l)| {
                format!(
                    "{name} {} req/s, mean {} ms, p99 {} ms",
                    cell(l.throughput_rps),
                    cell(l.mean_ms),
                    cell(l.p99_ms)
                )
            })
            .collect();
        writeln!(
            out,
            "{} by class (priorities): {}",
            node.name,
            classes.join("; ")
        )?;
    }
    Ok(())
}
