//! The table's groups of calls made at once: each group's fork-to-join
//! latency, then each branch's load, how often it counted in the join,
//! and what became of the rest (late, failed, cancelled).

use std::io::{self, Write};

use super::table::{LATENCY_HEADER, cell, latency_cells, percent, write_rows};
use crate::stats::Summary;

/// Writes the groups, if the model has any.
pub fn write_groups(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    if summary.groups.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let mut rows = vec![
        ["group", "join"]
            .into_iter()
            .chain(LATENCY_HEADER)
            .map(String::from)
            .collect::<Vec<_>>(),
    ];
    for group in &summary.groups {
        rows.push(
            [group.name.clone(), group.kind.clone()]
                .into_iter()
                .chain(latency_cells(&group.latency))
                .collect(),
        );
    }
    write_rows(out, &rows)?;
    for group in &summary.groups {
        if let Some(delay) = group.hedge_after_ms {
            let p = group.kind.trim_start_matches("hedge ");
            writeln!(
                out,
                "{}: copies leave after the running {p} of its copies' times, on average {} ms",
                group.name,
                cell(delay)
            )?;
        }
    }
    writeln!(out)?;
    let header = [
        "branch",
        "sent/s",
        "counted %",
        "mean ms",
        "late/s",
        "failed/s",
        "cancelled/s",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for group in &summary.groups {
        for branch in &group.branches {
            rows.push(vec![
                format!("{} {}", group.name, branch.name),
                cell(branch.sent_per_s),
                percent(branch.counted_share),
                cell(branch.mean_ms),
                cell(branch.late_per_s),
                cell(branch.failed_per_s),
                cell(branch.cancelled_per_s),
            ]);
        }
    }
    write_rows(out, &rows)
}
