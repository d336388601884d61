//! The terminal output of `capsim analyze`: theory's figures per node and
//! end to end, the reasons theory is approximate here, and, with a
//! simulation, both side by side.

use std::io::{self, Write};

use super::table::{cell, number, write_rows};
use crate::analytic::{Analysis, Group, Method, Network, Reason, Solved, Versus};

/// A short label for the reason column.
pub fn label(reason: Reason) -> &'static str {
    match reason {
        Reason::FiniteQueue => "finite queue (rejections)",
        Reason::HeldWorkers => "workers held during downstream calls",
        Reason::NonExponential => "non-exponential service",
        Reason::Unstable => "unstable",
        Reason::TimeVarying => "time-varying traffic (theory at the mean rate)",
        Reason::NonPoisson => "non-Poisson arrivals",
        Reason::Autoscaling => "instances change (autoscaling, failures)",
        Reason::SplitQueues => "per-instance queues (theory: random split)",
        Reason::MixedPopulation => "open and closed sources together",
        Reason::HitRatioUnknown => "hit ratio not estimable",
        Reason::NotLru => "Che's approximation is for LRU",
        Reason::VcpuQueues => "workers queue for vCPUs (two layers, approximate)",
        Reason::ClassScheduling => {
            "classes by priority or sharing: per class below, node and end-to-end figures first come, first served"
        }
        Reason::Admission => {
            "admission control (rate limit as min(λ, r); shedding by wait, LIFO not modelled)"
        }
        Reason::FanOut => "calls made at once (order statistics of exponential branches)",
    }
}

fn method(method: Method, scv: f64) -> String {
    match method {
        Method::ErlangC => "M/M/c Erlang C".to_string(),
        Method::Mmck => "M/M/c/K".to_string(),
        Method::AllenCunneen => format!("M/G/c Allen-Cunneen cs²={}", number(scv)),
        Method::Layers => "layers: workers over vCPUs".to_string(),
        Method::Mva => "MVA".to_string(),
        Method::ApproximateMva => "approximate MVA".to_string(),
        Method::Unstable => "unstable".to_string(),
    }
}

/// A group's role, singular for one queue.
fn role(plural: &'static str, queues: u32) -> &'static str {
    match (plural, queues) {
        ("instances", 1) => "instance",
        ("primaries", 1) => "primary",
        ("replicas", 1) => "replica",
        ("servers", 1) => "server",
        _ => plural,
    }
}

/// The queues, method, c and mean service of a node's groups: queues
/// summed by role (a sharded database has a group per shard), the method
/// of its first loaded group (or `unstable`), the service time averaged
/// over its arrivals.
fn describe_groups(groups: &[(Group, Solved)]) -> [String; 4] {
    let mut roles: Vec<(&'static str, u32)> = Vec::new();
    for (g, _) in groups {
        match roles.iter_mut().find(|(r, _)| *r == g.role) {
            Some((_, queues)) => *queues += g.queues,
            None => roles.push((g.role, g.queues)),
        }
    }
    let queues = roles
        .iter()
        .map(|(r, q)| format!("{q} {}", role(r, *q)))
        .collect::<Vec<_>>()
        .join(" + ");
    let (first, solved) = groups
        .iter()
        .find(|(g, _)| g.arrival_rps > 0.0)
        .unwrap_or(&groups[0]);
    let method_text = if groups.iter().any(|(_, s)| s.method == Method::Unstable) {
        "unstable".to_string()
    } else {
        method(solved.method, first.scv)
    };
    let c = match first.cpu {
        Some(cpu) => format!("{}/{}", first.servers, cpu.servers),
        None => first.servers.to_string(),
    };
    let arrivals: f64 = groups.iter().map(|(g, _)| g.arrival_rps).sum();
    let service_s = if arrivals > 0.0 {
        groups
            .iter()
            .map(|(g, _)| g.arrival_rps * g.service_s)
            .sum::<f64>()
            / arrivals
    } else {
        first.service_s
    };
    [queues, method_text, c, number(service_s * 1e3)]
}

fn optional(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), number)
}

/// Writes theory's figures.
pub fn write(out: &mut impl Write, analysis: &Analysis) -> io::Result<()> {
    writeln!(out, "{}: analysis", analysis.model)?;
    let Some(network) = analysis.network else {
        let reasons: Vec<&str> = analysis.reasons.iter().map(|r| label(*r)).collect();
        writeln!(out, "no estimate: {}", reasons.join(", "))?;
        return Ok(());
    };
    writeln!(out)?;
    write_rows(out, &node_rows(analysis))?;
    writeln!(
        out,
        "\nutil %: busy vCPUs over all of the node's; \
         busiest %: its busiest queue; workers %: a pool's workers held, calls included, \
         or a database's connections held, its I/O wait included; \
         c: servers per queue (workers/vCPUs where a worker can wait for a vCPU)"
    )?;
    for node in &analysis.nodes {
        if let Some((u, which)) = &node.busiest {
            writeln!(
                out,
                "{}: busiest {which} at {}% (all its servers: {}%)",
                node.name,
                number(u * 100.0),
                optional(node.utilization.map(|u| u * 100.0))
            )?;
        }
    }
    writeln!(out)?;
    write_end_to_end(out, analysis, network)?;
    for node in &analysis.nodes {
        if let Some(h) = node.hit_ratio {
            let percent = h * 100.0;
            writeln!(out, "cache {}: expected hit ratio {percent:.1}%", node.name)?;
        }
    }
    for node in &analysis.nodes {
        if let Some(by_class) = &node.by_class {
            write_by_class(out, &node.name, node.kind, by_class)?;
        }
    }
    write_reasons(out, analysis)
}

/// The per-node table: a header and a row per node.
fn node_rows(analysis: &Analysis) -> Vec<Vec<String>> {
    let header = [
        "node",
        "kind",
        "queues",
        "method",
        "c",
        "S ms",
        "req/s",
        "util %",
        "busiest %",
        "workers %",
        "P(wait)",
        "wait ms",
        "mean ms",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for node in &analysis.nodes {
        let mut row = vec![node.name.clone(), node.kind.to_string()];
        if node.groups.is_empty() {
            row.extend(["-", "-", "-", "-"].map(String::from));
        } else {
            row.extend(describe_groups(&node.groups));
        }
        row.push(number(node.arrival_rps));
        row.push(optional(node.utilization.map(|u| u * 100.0)));
        row.push(optional(node.busiest.as_ref().map(|(u, _)| u * 100.0)));
        row.push(optional(node.worker_utilization.map(|u| u * 100.0)));
        row.push(optional(node.wait_probability));
        row.push(optional(node.wait_ms));
        row.push(optional(node.response_ms));
        rows.push(row);
    }
    rows
}

/// The end-to-end line: MVA's for a closed population, else Jackson's.
fn write_end_to_end(out: &mut impl Write, analysis: &Analysis, network: Network) -> io::Result<()> {
    let (throughput, response) = (
        optional(analysis.throughput_rps),
        optional(analysis.response_ms),
    );
    match (network, analysis.population) {
        (Network::Mva, Some((users, think_s))) => {
            let approximate = (analysis.nodes.iter())
                .flat_map(|n| &n.groups)
                .any(|(_, s)| s.method == Method::ApproximateMva);
            let method = if approximate {
                "approximate MVA: Schweitzer-Bard, Seidmann's multi-server"
            } else {
                "exact MVA"
            };
            let think = number(think_s * 1e3);
            writeln!(
                out,
                "end to end ({method}, {users} users thinking {think} ms): {throughput} req/s, mean {response} ms"
            )
        }
        _ => writeln!(
            out,
            "end to end (Jackson: Σ visit ratio × response): {throughput} req/s, mean {response} ms"
        ),
    }
}

/// Where theory is approximate: each reason once, with the nodes it
/// concerns (none for a model-wide one).
fn write_reasons(out: &mut impl Write, analysis: &Analysis) -> io::Result<()> {
    let mut reasons: Vec<(Reason, Vec<&str>)> = Vec::new();
    for reason in &analysis.reasons {
        reasons.push((*reason, Vec::new()));
    }
    for node in &analysis.nodes {
        for reason in &node.reasons {
            match reasons.iter_mut().find(|(r, _)| r == reason) {
                Some((_, names)) => names.push(&node.name),
                None => reasons.push((*reason, vec![&node.name])),
            }
        }
    }
    if reasons.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nwhere theory is approximate:")?;
    for (reason, names) in reasons {
        let at = if names.is_empty() {
            String::new()
        } else {
            format!(" ({})", names.join(", "))
        };
        writeln!(out, "  {}{at}", label(reason))?;
    }
    Ok(())
}

/// A node's per-class figures under priorities or processor sharing.
fn write_by_class(
    out: &mut impl Write,
    name: &str,
    kind: &str,
    by_class: &crate::analytic::ByClass,
) -> io::Result<()> {
    let formula = match by_class.method {
        crate::analytic::ClassMethod::Cobham => "non-pre-emptive priority, Cobham",
        crate::analytic::ClassMethod::PreemptiveResume => "pre-emptive resume priority",
        crate::analytic::ClassMethod::ProcessorSharing => "processor sharing, x/(1-ρ)",
    };
    let exact = if by_class.exact {
        "exact for M/G/1"
    } else {
        "approximate: several servers or queues"
    };
    writeln!(out, "{kind} {name} by class ({formula}; {exact}):")?;
    for class in &by_class.classes {
        writeln!(
            out,
            "  {}: priority {}, {} req/s, wait {} ms, queue and service {} ms",
            class.name,
            class.priority,
            number(class.arrival_rps),
            optional(class.wait_ms),
            optional(class.queue_and_service_ms)
        )?;
    }
    Ok(())
}

/// Writes theory beside the simulation.
pub fn write_versus(out: &mut impl Write, rows: &[Versus], replications: usize) -> io::Result<()> {
    let plural = if replications == 1 { "" } else { "s" };
    writeln!(
        out,
        "\ntheory against simulation ({replications} replication{plural}; reasons where they part by more than {}%):\n",
        crate::analytic::PARTING * 100.0
    )?;
    let mut table = vec![
        ["node", "figure", "theory", "simulated", "diff %"]
            .map(String::from)
            .to_vec(),
    ];
    let mut reasons = vec!["reason".to_string()];
    for row in rows {
        table.push(vec![
            row.node.clone().unwrap_or_else(|| "end to end".to_string()),
            row.figure.to_string(),
            number(row.theory),
            cell(row.simulated),
            if row.relative.is_nan() {
                "-".to_string()
            } else {
                format!("{:+.1}", row.relative * 100.0)
            },
        ]);
        reasons.push(
            row.reasons
                .iter()
                .map(|r| label(*r))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    // The aligned columns, then the reasons left-aligned after them.
    let mut aligned = Vec::new();
    write_rows(&mut aligned, &table)?;
    for (line, reason) in String::from_utf8_lossy(&aligned).lines().zip(reasons) {
        let width = table_width(&table);
        writeln!(out, "{}", format!("{line:<width$}  {reason}").trim_end())?;
    }
    Ok(())
}

/// The width of the widest rendered line of `table` (as `write_rows` pads it).
fn table_width(table: &[Vec<String>]) -> usize {
    let columns = table.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns)
        .map(|c| {
            table
                .iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .sum::<usize>()
        + 2 * columns.saturating_sub(1)
}

#[derive(serde::Serialize)]
struct AnalysisDocument<'a> {
    analysis: &'a Analysis,
    versus: Option<&'a [Versus]>,
}

/// Writes the analysis, and the simulation beside it when there is one, to
/// `path` as JSON (NaN figures become `null`).
pub fn write_json(
    path: &std::path::Path,
    analysis: &Analysis,
    versus: Option<&[Versus]>,
) -> Result<(), super::ReportError> {
    let json = serde_json::to_string_pretty(&AnalysisDocument { analysis, versus })?;
    std::fs::write(path, json).map_err(|source| super::ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
