//! The terminal table of `capsim run`: end to end, per class, per node, cost.
//! With replications, each figure reads `mean±half-width` (95% confidence).

use std::io::{self, Write};

use crate::stats::{Estimate, LatencyEstimate, Outcome, Summary};

/// A number with about four significant digits; `-` for NaN.
pub(crate) fn number(x: f64) -> String {
    if x.is_nan() {
        "-".to_string()
    } else if x == 0.0 {
        "0".to_string()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

pub(crate) fn cell(estimate: Estimate) -> String {
    match estimate.ci95 {
        Some(half) if !estimate.mean.is_nan() => {
            format!("{}±{}", number(estimate.mean), number(half))
        }
        _ => number(estimate.mean),
    }
}

pub(crate) fn percent(estimate: Estimate) -> String {
    cell(Estimate {
        mean: estimate.mean * 100.0,
        ci95: estimate.ci95.map(|h| h * 100.0),
    })
}

/// Writes rows as left-aligned first column, right-aligned others.
pub(crate) fn write_rows(out: &mut impl Write, rows: &[Vec<String>]) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, text) in row.iter().enumerate() {
            let pad = widths[c] - text.chars().count();
            if c == 0 {
                line.push_str(text);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(text);
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

pub(crate) fn latency_cells(latency: &LatencyEstimate) -> Vec<String> {
    vec![
        cell(latency.throughput_rps),
        cell(latency.mean_ms),
        cell(latency.p50_ms),
        cell(latency.p95_ms),
        cell(latency.p99_ms),
        cell(latency.p999_ms),
        percent(latency.error_rate),
    ]
}

pub(crate) const LATENCY_HEADER: [&str; 7] = [
    "req/s", "mean ms", "p50 ms", "p95 ms", "p99 ms", "p99.9 ms", "errors %",
];

/// Writes the whole table for `summary`.
pub fn write(out: &mut impl Write, summary: &Summary, window_s: f64) -> io::Result<()> {
    write_title(out, summary, window_s)?;
    write_outcome(out, summary)?;
    write_latencies(out, summary)?;
    write_nodes(out, summary)?;
    if !summary.calls.is_empty() {
        write_calls(out, summary)?;
    }
    super::groups_table::write_groups(out, summary)?;
    super::clusters_table::write_clusters(out, summary)?;
    write_footnotes(out, summary)
}

/// The model's name, the replications and the window they measured.
fn write_title(out: &mut impl Write, summary: &Summary, window_s: f64) -> io::Result<()> {
    let name = if summary.model.is_empty() {
        "model"
    } else {
        &summary.model
    };
    writeln!(
        out,
        "{name}: {} replication{}, {} s measured each{}",
        summary.replications,
        if summary.replications == 1 { "" } else { "s" },
        number(window_s),
        if summary.replications > 1 {
            "; a±b is the mean and its 95% confidence half-width"
        } else {
            ""
        },
    )?;
    Ok(())
}

/// A run that stopped early, and why.
fn write_outcome(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    match &summary.unstable {
        Some(Outcome::Unstable {
            at_s,
            in_flight,
            node,
        }) => writeln!(
            out,
            "UNSTABLE: {in_flight} requests in flight at {} s, most waiting at `{node}`: offered load exceeds capacity; figures cover the run until then",
            number(*at_s)
        )?,
        Some(Outcome::ZeroTimeLoop { at_s, events, node }) => writeln!(
            out,
            "HALTED: zero-time loop at {} s, last at `{node}`: {events} events without simulated time advancing (steps that all take no time, such as a zero think time with zero latencies, or a zero time to failure); figures cover the run until then",
            number(*at_s)
        )?,
        Some(Outcome::Completed) | None => {}
    }
    Ok(())
}

/// End-to-end latency, for all requests and for each class.
fn write_latencies(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    writeln!(out)?;
    let mut rows = vec![
        std::iter::once("end to end")
            .chain(LATENCY_HEADER)
            .map(String::from)
            .collect::<Vec<_>>(),
    ];
    rows.push(
        std::iter::once("all".to_string())
            .chain(latency_cells(&summary.end_to_end))
            .collect(),
    );
    if summary.classes.len() > 1 {
        // The implicit class of requests that name none: a trace whose
        // every row names a class leaves it empty, and an empty row of a
        // class nobody declared says nothing.
        let implicit_and_empty = |class: &str, latency: &LatencyEstimate| {
            class == crate::model::DEFAULT_CLASS
                && latency.throughput_rps.mean == 0.0
                && latency.error_rate.mean == 0.0
        };
        for (class, latency) in &summary.classes {
            if implicit_and_empty(class, latency) {
                continue;
            }
            rows.push(
                std::iter::once(format!("class {class}"))
                    .chain(latency_cells(latency))
                    .collect(),
            );
        }
    }
    write_rows(out, &rows)
}

/// Each node's latency, utilization, queue, rejections and price.
fn write_nodes(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    writeln!(out)?;
    let mut rows = vec![
        ["node", "kind"]
            .into_iter()
            .chain(LATENCY_HEADER)
            .chain(["util %", "workers %", "queue", "rejected/s", "$/hour"])
            .map(String::from)
            .collect::<Vec<_>>(),
    ];
    for node in &summary.nodes {
        let optional = |e: Option<Estimate>| e.map_or("-".to_string(), percent);
        rows.push(
            [node.name.clone(), node.kind.clone()]
                .into_iter()
                .chain(latency_cells(&node.latency))
                .chain([
                    optional(node.utilization),
                    optional(node.worker_utilization),
                    cell(node.mean_queue),
                    cell(node.rejected_per_s),
                    if node.usd_per_hour.mean == 0.0 {
                        "-".to_string()
                    } else {
                        cell(node.usd_per_hour)
                    },
                ])
                .collect(),
        );
    }
    write_rows(out, &rows)
}

/// The lines under the tables: drops at queue timeouts, shards, database
/// servers, cache hit ratios and the cost.
fn write_footnotes(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    writeln!(out)?;
    let dropped: Vec<String> = summary
        .nodes
        .iter()
        .filter(|node| node.expired_per_s.mean > 0.0)
        .map(|node| format!("{} {}/s", node.name, cell(node.expired_per_s)))
        .collect();
    for node in summary.nodes.iter().filter(|n| n.shards.len() > 1) {
        let of = |figure: fn(&crate::stats::ShardEstimate) -> Estimate| {
            node.shards.iter().map(figure).collect::<Vec<_>>()
        };
        writeln!(
            out,
            "shards of {}: util % {}; connections % {}; mean ms {}",
            node.name,
            super::table_fleet::figures(&of(|s| s.utilization), percent, "hottest"),
            super::table_fleet::figures(&of(|s| s.connection_utilization), percent, "fullest"),
            super::table_fleet::figures(&of(|s| s.mean_ms), cell, "slowest"),
        )?;
    }
    for node in &summary.nodes {
        write_database_servers(out, node)?;
    }
    let databases: Vec<&str> = (summary.nodes.iter())
        .filter(|node| node.kind == "database")
        .map(|node| node.name.as_str())
        .collect();
    if !databases.is_empty() {
        writeln!(
            out,
            "{}: util % is busy vCPUs, workers % connections held",
            databases.join(", ")
        )?;
    }
    if !dropped.is_empty() {
        writeln!(out, "dropped at queue timeout: {}", dropped.join(", "))?;
    }
    super::table_admission::write_refusals(out, summary)?;
    let hit_ratios: Vec<String> = summary
        .nodes
        .iter()
        .filter_map(|node| {
            let h = node.hit_ratio?;
            Some(format!("{} {}%", node.name, percent(h)))
        })
        .collect();
    if !hit_ratios.is_empty() {
        writeln!(out, "cache hit ratio: {}", hit_ratios.join(", "))?;
    }
    let network: Vec<String> = summary
        .nodes
        .iter()
        .filter_map(|node| {
            let ms = node.network_ms?;
            let cross = node
                .cross_zone_share
                .map(|s| format!(", {}% cross-zone", percent(s)));
            Some(format!(
                "{} {} ms{}",
                node.name,
                cell(ms),
                cross.unwrap_or_default()
            ))
        })
        .collect();
    if !network.is_empty() {
        writeln!(out, "network time per answer: {}", network.join("; "))?;
    }
    super::table_by_class::write_by_class(out, summary)?;
    super::table_credits::write_credits(out, summary)?;
    writeln!(
        out,
        "cost: ${} per hour{}, ${} per million successful requests",
        cell(summary.usd_per_hour),
        super::table_bill::cost_parts(summary),
        cell(summary.usd_per_million)
    )?;
    Ok(())
}

/// The call sites: what the callers' timeouts, retries and breakers did,
/// and the load their callees were offered, retries included.
fn write_calls(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    writeln!(out)?;
    let header = [
        "call",
        "attempts/s",
        "retries/s",
        "timeouts/s",
        "failed/s",
        "budget denied/s",
        "short-circuited/s",
        "breaker openings",
        "conn wait ms",
        "callee offered/s",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for call in &summary.calls {
        let callee = summary.nodes.iter().find(|n| n.name == call.callee);
        rows.push(vec![
            call.name.clone(),
            cell(call.attempts_per_s),
            cell(call.retries_per_s),
            cell(call.timeouts_per_s),
            cell(call.failed_per_s),
            cell(call.budget_denied_per_s),
            cell(call.short_circuits_per_s),
            cell(call.breaker_openings),
            cell(call.connection_wait_ms),
            callee.map_or("-".to_string(), |n| cell(n.offered_per_s)),
        ]);
    }
    write_rows(out, &rows)
}

/// A replicated database's primaries and replicas apart, per shard, their
/// vCPUs and connections, and the busiest of its servers: writes saturate
/// the primaries while the replicas idle, which the node's overall figure
/// averages away.
fn write_database_servers(
    out: &mut impl Write,
    node: &crate::stats::NodeEstimate,
) -> std::io::Result<()> {
    let column = |figure: fn(&crate::stats::ShardEstimate) -> Option<Estimate>| {
        node.shards
            .iter()
            .map(figure)
            .collect::<Option<Vec<Estimate>>>()
    };
    let (Some(replica_cpu), Some(replica_held)) = (
        column(|s| s.replica_utilization),
        column(|s| s.replica_connection_utilization),
    ) else {
        return Ok(());
    };
    if replica_cpu.is_empty() {
        return Ok(());
    }
    let primary_cpu = column(|s| Some(s.primary_utilization)).unwrap_or_default();
    let primary_held = column(|s| Some(s.primary_connection_utilization)).unwrap_or_default();
    let join = |figures: &[Estimate]| super::table_fleet::figures(figures, percent, "hottest");
    let roles = [
        ("primary", "of its vCPUs", &primary_cpu),
        ("primary", "of its connections", &primary_held),
        ("replicas", "of their vCPUs", &replica_cpu),
        ("replicas", "of their connections", &replica_held),
    ];
    let mut busiest = (&roles[0], 0);
    for role in &roles {
        for (shard, figure) in role.2.iter().enumerate() {
            if figure.mean > busiest.0.2[busiest.1].mean {
                busiest = (role, shard);
            }
        }
    }
    let ((role, of, figures), shard) = busiest;
    let name = &node.name;
    writeln!(
        out,
        "primaries of {name}: util % {}; connections % {}",
        join(&primary_cpu),
        join(&primary_held)
    )?;
    writeln!(
        out,
        "replicas of {name}: util % {}; connections % {}",
        join(&replica_cpu),
        join(&replica_held)
    )?;
    writeln!(
        out,
        "busiest server of {name}: shard {shard}'s {role} at {}% {of}",
        percent(figures[shard]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_about_four_significant_digits() {
        assert_eq!(number(1234.5), "1234");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(1.2345), "1.23");
        assert_eq!(number(0.012345), "0.012");
        assert_eq!(number(f64::NAN), "-");
        assert_eq!(
            cell(Estimate {
                mean: 10.0,
                ci95: Some(0.25)
            }),
            "10.0±0.250"
        );
    }
}
