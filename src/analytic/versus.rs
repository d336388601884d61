//! Theory beside simulation: one row per figure both give, with the
//! relative difference and, where they part, the reasons theory names.

use serde::Serialize;

use super::analysis::{Analysis, Reason};
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
    let mut rows = Vec::new();
    let over = |figure: &dyn Fn(&RunResult) -> f64| {
        Estimate::of(&runs.iter().map(figure).collect::<Vec<_>>())
    };
    let mut push = |node: Option<&str>,
                    figure,
                    theory: Option<f64>,
                    simulated: Estimate,
                    reasons: &[Reason]| {
        let Some(theory) = theory else { return };
        // Below a thousandth (of a ms, a percent, a probability) a relative
        // difference says nothing: no row's figure is meaningful that small.
        let relative = if theory.abs() < NEGLIGIBLE {
            f64::NAN
        } else {
            (simulated.mean - theory) / theory
        };
        let parted = relative.abs() > PARTING;
        rows.push(Versus {
            node: node.map(str::to_string),
            figure,
            theory,
            simulated,
            relative,
            reasons: if parted { reasons.to_vec() } else { Vec::new() },
        });
    };
    let global = &analysis.reasons;
    push(
        None,
        "req/s",
        analysis.throughput_rps,
        over(&|r| r.end_to_end.throughput_rps),
        global,
    );
    let mut every: Vec<Reason> = global.clone();
    every.extend(
        analysis
            .nodes
            .iter()
            .flat_map(|n| n.reasons.iter().copied()),
    );
    every.sort();
    every.dedup();
    push(
        None,
        "mean ms",
        analysis.response_ms,
        over(&|r| r.end_to_end.mean_ms),
        &every,
    );
    for (i, node) in analysis.nodes.iter().enumerate() {
        let name = Some(node.name.as_str());
        let mut reasons = node.reasons.clone();
        reasons.extend(global);
        reasons.sort();
        reasons.dedup();
        let has = |f: &dyn Fn(&RunResult) -> Option<f64>| runs.iter().all(|r| f(r).is_some());
        if has(&|r| r.nodes[i].utilization) {
            push(
                name,
                "util %",
                node.utilization.map(|u| u * 100.0),
                over(&|r| r.nodes[i].utilization.unwrap_or(f64::NAN) * 100.0),
                &reasons,
            );
        }
        if has(&|r| r.nodes[i].worker_utilization) {
            push(
                name,
                "workers %",
                node.worker_utilization.map(|u| u * 100.0),
                over(&|r| r.nodes[i].worker_utilization.unwrap_or(f64::NAN) * 100.0),
                &reasons,
            );
        }
        // A sharded database's hottest shard, where a shard is one server.
        if let Some((busiest, _)) = &node.busiest
            && node
                .groups
                .iter()
                .all(|(g, _)| g.shard.is_some() && g.role == "servers")
            && runs.iter().all(|r| !r.nodes[i].shards.is_empty())
        {
            push(
                name,
                "busiest %",
                Some(busiest * 100.0),
                over(&|r| {
                    r.nodes[i]
                        .shards
                        .iter()
                        .map(|s| s.utilization)
                        .fold(0.0, f64::max)
                        * 100.0
                }),
                &reasons,
            );
        }
        push(
            name,
            "P(wait)",
            node.wait_probability,
            over(&|r| {
                let n = &r.nodes[i];
                n.queued as f64 / n.latency.completed.max(1) as f64
            }),
            &reasons,
        );
        // Little's law on the queue: W = Lq / λ.
        push(
            name,
            "wait ms",
            node.wait_ms,
            over(&|r| {
                let n = &r.nodes[i];
                n.mean_queue / n.latency.throughput_rps * 1e3
            }),
            &reasons,
        );
        // A visit's time includes everything it calls: their reasons count.
        let mut path = node.path_reasons.clone();
        path.extend(global);
        path.sort();
        path.dedup();
        push(
            name,
            "mean ms",
            node.response_ms,
            over(&|r| r.nodes[i].latency.mean_ms),
            &path,
        );
        if has(&|r| r.nodes[i].hit_ratio) {
            push(
                name,
                "hit %",
                node.hit_ratio.map(|h| h * 100.0),
                over(&|r| r.nodes[i].hit_ratio.unwrap_or(f64::NAN) * 100.0),
                &reasons,
            );
        }
    }
    rows
}
