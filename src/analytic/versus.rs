//! Theory beside simulation: one row per figure both give, with the
//! relative difference and, where they part, the reasons theory names.

use serde::Serialize;

use super::analysis::{Analysis, NodeTheory, Reason};
use crate::stats::{Estimate, RunResult};

/// Beyond this relative difference, a row shows its reasons: smaller
/// differences are within what a run's noise and the HDR histogram's
/// precision explain for typical run lengths.
pub const PARTING: f64 = 0.05;

/// Theory's figures below this have no relative difference.
const NEGLIGIBLE: f64 = 1e-3;

/// One figure, by theory and by simulation.
#[derive(Clone, Debug, Serialize)]
pub struct Versus {
    /// The node, or `None` for end to end.
    pub node: Option<String>,
    /// What is compared: `req/s`, `util %`, `workers %`, `busiest %`, `P(wait)`,
    /// `wait ms`, `mean ms`, `hit %`.
    pub figure: &'static str,
    /// Theory's value.
    pub theory: f64,
    /// The simulation's, over replications.
    pub simulated: Estimate,
    /// (simulated − theory) / theory; NaN when theory is negligible.
    pub relative: f64,
    /// Why they may part; given only when they differ by more than [`PARTING`].
    pub reasons: Vec<Reason>,
}

/// Pairs every figure of `analysis` with the simulation's `runs` (at least
/// one, replications of the analyzed model).
pub fn versus(analysis: &Analysis, runs: &[RunResult]) -> Vec<Versus> {
    let mut rows = Rows {
        runs,
        rows: Vec::new(),
    };
    let global = &analysis.reasons;
    let throughput = rows.over(|r| r.end_to_end.throughput_rps);
    rows.push(None, "req/s", analysis.throughput_rps, throughput, global);
    let every: Vec<Reason> = (analysis.nodes.iter())
        .flat_map(|n| n.reasons.iter().copied())
        .collect();
    let mean = rows.over(|r| r.end_to_end.mean_ms);
    let every = union(global, &every);
    rows.push(None, "mean ms", analysis.response_ms, mean, &every);
    for (i, node) in analysis.nodes.iter().enumerate() {
        node_rows(&mut rows, global, i, node);
    }
    rows.rows
}

/// The rows of node `i`: each figure both theory and every run give.
fn node_rows(rows: &mut Rows, global: &[Reason], i: usize, node: &NodeTheory) {
    let name = Some(node.name.as_str());
    let reasons = union(&node.reasons, global);
    let runs = rows.runs;
    let has = |f: &dyn Fn(&RunResult) -> Option<f64>| runs.iter().all(|r| f(r).is_some());
    let percent = |x: Option<f64>| x.map(|u| u * 100.0);
    if has(&|r| r.nodes[i].utilization) {
        let simulated = rows.over(|r| r.nodes[i].utilization.unwrap_or(f64::NAN) * 100.0);
        rows.push(
            name,
            "util %",
            percent(node.utilization),
            simulated,
            &reasons,
        );
    }
    if has(&|r| r.nodes[i].worker_utilization) {
        let simulated = rows.over(|r| r.nodes[i].worker_utilization.unwrap_or(f64::NAN) * 100.0);
        let theory = percent(node.worker_utilization);
        rows.push(name, "workers %", theory, simulated, &reasons);
    }
    busiest_shard_row(rows, i, node, &reasons);
    let waited = rows.over(|r| {
        let n = &r.nodes[i];
        n.queued as f64 / n.latency.completed.max(1) as f64
    });
    rows.push(name, "P(wait)", node.wait_probability, waited, &reasons);
    // Little's law on the queue: W = Lq / λ.
    let wait = rows.over(|r| {
        let n = &r.nodes[i];
        n.mean_queue / n.latency.throughput_rps * 1e3
    });
    rows.push(name, "wait ms", node.wait_ms, wait, &reasons);
    // A visit's time includes everything it calls: their reasons count.
    let path = union(&node.path_reasons, global);
    let mean = rows.over(|r| r.nodes[i].latency.mean_ms);
    rows.push(name, "mean ms", node.response_ms, mean, &path);
    if has(&|r| r.nodes[i].hit_ratio) {
        let simulated = rows.over(|r| r.nodes[i].hit_ratio.unwrap_or(f64::NAN) * 100.0);
        rows.push(name, "hit %", percent(node.hit_ratio), simulated, &reasons);
    }
}

/// A sharded database's hottest shard, where a shard is one server.
fn busiest_shard_row(rows: &mut Rows, i: usize, node: &NodeTheory, reasons: &[Reason]) {
    let Some((busiest, _)) = &node.busiest else {
        return;
    };
    let one_server_shards =
        (node.groups.iter()).all(|(g, _)| g.shard.is_some() && g.role == "servers");
    if !one_server_shards || rows.runs.iter().any(|r| r.nodes[i].shards.is_empty()) {
        return;
    }
    let simulated = rows.over(|r| {
        (r.nodes[i].shards.iter())
            .map(|s| s.utilization)
            .fold(0.0, f64::max)
            * 100.0
    });
    let name = Some(node.name.as_str());
    rows.push(name, "busiest %", Some(busiest * 100.0), simulated, reasons);
}

/// Both lists of reasons, sorted, each once.
fn union(a: &[Reason], b: &[Reason]) -> Vec<Reason> {
    let mut all: Vec<Reason> = a.iter().chain(b).copied().collect();
    all.sort();
    all.dedup();
    all
}

/// The rows so far, and the runs they are taken over.
struct Rows<'a> {
    runs: &'a [RunResult],
    rows: Vec<Versus>,
}

impl Rows<'_> {
    /// A figure's estimate over the runs.
    fn over(&self, figure: impl Fn(&RunResult) -> f64) -> Estimate {
        Estimate::of(&self.runs.iter().map(figure).collect::<Vec<_>>())
    }

    /// A row, if theory gives the figure; its reasons only where they part.
    fn push(
        &mut self,
        node: Option<&str>,
        figure: &'static str,
        theory: Option<f64>,
        simulated: Estimate,
        reasons: &[Reason],
    ) {
        let Some(theory) = theory else { return };
        // Below a thousandth (of a ms, a percent, a probability) a relative
        // difference says nothing: no row's figure is meaningful that small.
        let relative = if theory.abs() < NEGLIGIBLE {
            f64::NAN
        } else {
            (simulated.mean - theory) / theory
        };
        let parted = relative.abs() > PARTING;
        self.rows.push(Versus {
            node: node.map(str::to_string),
            figure,
            theory,
            simulated,
            relative,
            reasons: if parted { reasons.to_vec() } else { Vec::new() },
        });
    }
}
