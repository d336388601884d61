//! A point's row: its axis values, then each figure's mean over the
//! replications and the half-width of its 95% interval (`_hw`), as CSV text.

use crate::Replicated;
use crate::analytic::offered_load;
use crate::model::{Hits, Metered, Model, NodeKind};
use crate::stats::{
    Components, Estimate, LatencyEstimate, Outcome, Summary, csv_number, histogram_pairs,
};

use super::slo::{Capacity, Verdict};
use super::{Experiment, Point};

/// The end-to-end figures of a row, in column order.
const FIGURES: [&str; 8] = [
    "throughput_rps",
    "mean_ms",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "error_rate",
    "usd_per_hour",
    "usd_per_million",
];

/// The cost components `model` can have, in [`Components::NAMES`] order:
/// compute always, the others where the model has what they bill.
fn cost_components(model: &Model) -> Vec<&'static str> {
    let has = |name: &str| match name {
        "compute" => true,
        "managed" => model.nodes.iter().any(|node| match &node.kind {
            NodeKind::Database(_) => true,
            NodeKind::Cache(cache) => cache.instance_type.is_some(),
            _ => false,
        }),
        "load_balancer" => {
            (model.bill.metered.iter()).any(|m| matches!(m, Some(Metered::Balancer { .. })))
        }
        "cdn" => (model.bill.metered.iter()).any(|m| matches!(m, Some(Metered::Cdn { .. }))),
        "egress" => model.bill.any,
        _ => (model.nodes.iter())
            .any(|node| matches!(&node.kind, NodeKind::Pool(p) if p.credits.is_some())),
    };
    Components::NAMES
        .into_iter()
        .filter(|name| has(name))
        .collect()
}

/// One finished point.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The point's index.
    pub point: usize,
    /// Every cell, in `Experiment::columns` order.
    pub cells: Vec<String>,
    /// End-to-end latencies of every replication, merged: `[microseconds,
    /// count]` pairs (empty for a row read back from a CSV).
    pub histogram_us: Vec<(u64, u64)>,
}

/// The columns of `experiment`'s rows, naming classes and pools after `model`.
pub fn columns(experiment: &Experiment, model: &Model) -> Vec<String> {
    let mut columns = vec!["point".to_string()];
    columns.extend(experiment.axes.iter().flat_map(|a| a.paths.clone()));
    columns.push("stable".into());
    let mut pair = |name: String| {
        columns.push(format!("{name}_hw"));
        columns.insert(columns.len() - 1, name);
    };
    for figure in FIGURES {
        pair(figure.to_string());
    }
    for component in cost_components(model) {
        pair(format!("usd_per_hour_{component}"));
    }
    for class in &model.classes {
        pair(format!("class.{}.p99_ms", class.name));
    }
    for node in &model.nodes {
        match &node.kind {
            NodeKind::Pool(_) | NodeKind::Database(_) => pair(format!("{}.utilization", node.name)),
            // A cache sized by capacity: the hit ratio is a result, not an input.
            NodeKind::Cache(cache) if matches!(cache.hits, Hits::Store { .. }) => {
                pair(format!("{}.hit_ratio", node.name))
            }
            _ => {}
        }
    }
    if experiment.slo.is_some() {
        columns.extend(SLO_COLUMNS.map(String::from));
    }
    columns
}

/// The columns an objective adds: 1 or 0 (met at the far end of every
/// interval, or not), and the verdict in words (`met`, `unsure`, `missed`).
pub const SLO_COLUMNS: [&str; 2] = ["meets_slo", "slo_verdict"];

impl Row {
    /// The row of `point`, from its replications.
    pub fn of(
        experiment: &Experiment,
        point: &Point,
        model: &Model,
        replicated: &Replicated,
    ) -> Row {
        let runs = &replicated.runs;
        let summary = Summary::of(runs);
        let stable = stable(model, runs);
        let value = |column: &str| figure(&summary, column);
        let mut cells = vec![point.index.to_string()];
        cells.extend(point.settings.iter().map(|(_, v)| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }));
        cells.push(u8::from(stable).to_string());
        let slo_columns = if experiment.slo.is_some() {
            SLO_COLUMNS.len()
        } else {
            0
        };
        let figures_end = experiment.columns.len() - slo_columns;
        let first_figure = 2 + point.settings.len();
        for column in experiment.columns[first_figure..figures_end].chunks(2) {
            let estimate = value(&column[0]);
            cells.push(csv_number(estimate.as_ref().map_or(f64::NAN, |e| e.mean)));
            cells.push(csv_number(
                estimate.and_then(|e| e.ci95).unwrap_or(f64::NAN),
            ));
        }
        if let Some(slo) = &experiment.slo {
            // An unstable point's figures describe a growing backlog: it misses.
            let verdict = if stable {
                slo.judge(value)
            } else {
                Verdict::Missed
            };
            cells.push(u8::from(verdict == Verdict::Met).to_string());
            cells.push(verdict.name().to_string());
        }
        Row {
            point: point.index,
            cells,
            histogram_us: histogram_pairs(&replicated.end_to_end),
        }
    }
}

/// Whether a point's figures describe a steady state: no station offered
/// more than it can serve, and every replication completed.
fn stable(model: &Model, runs: &[crate::RunResult]) -> bool {
    let saturated = offered_load(model).is_some_and(|loads| loads.iter().any(|l| l.is_saturated()));
    !saturated && runs.iter().all(|r| r.outcome == Outcome::Completed)
}

/// A point's standing against the experiment's objective, with what
/// failed it: the design search infers from which side a point misses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Judgement {
    /// Met, unsure or missed.
    pub verdict: Verdict,
    /// Some condition missed outright would be helped by more capacity
    /// (or the point is unstable).
    pub short_of_capacity: bool,
    /// Some condition missed outright would be hurt by more capacity (a
    /// cost ceiling, a utilization floor).
    pub over_capacity: bool,
    /// Unsure, and only of conditions more capacity would hurt.
    pub unsure_over_capacity: bool,
    /// The point's cost per hour.
    pub cost: Option<Estimate>,
}

/// The judgement of `replicated` against `experiment`'s objective (met,
/// with nothing missed, when it has none).
pub fn judge(experiment: &Experiment, model: &Model, replicated: &Replicated) -> Judgement {
    let summary = Summary::of(&replicated.runs);
    let cost = Some(summary.usd_per_hour);
    let Some(slo) = &experiment.slo else {
        let verdict = Verdict::Met;
        return Judgement {
            verdict,
            short_of_capacity: false,
            over_capacity: false,
            unsure_over_capacity: false,
            cost,
        };
    };
    if !stable(model, &replicated.runs) {
        let verdict = Verdict::Missed;
        return Judgement {
            verdict,
            short_of_capacity: true,
            over_capacity: false,
            unsure_over_capacity: false,
            cost,
        };
    }
    let value = |column: &str| figure(&summary, column);
    let verdicts = slo.judge_each(value);
    // [missed, unsure] × [short of capacity, over it]
    let mut sides = [[false; 2]; 2];
    for (condition, verdict) in slo.conditions.iter().zip(&verdicts) {
        let estimate = value(&condition.column).unwrap_or(Estimate {
            mean: f64::NAN,
            ci95: None,
        });
        let side = usize::from(condition.failed_side(estimate) == Capacity::Hurts);
        match verdict {
            Verdict::Missed => sides[0][side] = true,
            Verdict::Unsure => sides[1][side] = true,
            Verdict::Met => {}
        }
    }
    Judgement {
        verdict: verdicts.into_iter().min().unwrap_or(Verdict::Met),
        short_of_capacity: sides[0][0],
        over_capacity: sides[0][1],
        unsure_over_capacity: sides[1][1] && !sides[1][0],
        cost,
    }
}

/// The estimate of `column` in `summary`: an end-to-end figure, a cost, a
/// class's p99, a node's utilization or hit ratio; `None` where it has none.
fn figure(summary: &Summary, column: &str) -> Option<Estimate> {
    let end = &summary.end_to_end;
    let latency = |l: &LatencyEstimate, figure: &str| match figure {
        "throughput_rps" => Some(l.throughput_rps),
        "mean_ms" => Some(l.mean_ms),
        "p50_ms" => Some(l.p50_ms),
        "p95_ms" => Some(l.p95_ms),
        "p99_ms" => Some(l.p99_ms),
        "p999_ms" => Some(l.p999_ms),
        "error_rate" => Some(l.error_rate),
        _ => None,
    };
    match column {
        "usd_per_hour" => Some(summary.usd_per_hour),
        "usd_per_million" => Some(summary.usd_per_million),
        _ => {
            if let Some(name) = column.strip_prefix("usd_per_hour_") {
                let i = Components::NAMES.iter().position(|n| *n == name)?;
                return Some(summary.cost_by_component.values()[i]);
            }
            if let Some(rest) = column.strip_prefix("class.") {
                let name = rest.strip_suffix(".p99_ms")?;
                let (_, l) = summary.classes.iter().find(|(n, _)| n == name)?;
                return Some(l.p99_ms);
            }
            if let Some(pool) = column.strip_suffix(".utilization") {
                let node = summary.nodes.iter().find(|n| n.name == pool)?;
                return node.utilization;
            }
            if let Some(cache) = column.strip_suffix(".hit_ratio") {
                let node = summary.nodes.iter().find(|n| n.name == cache)?;
                return node.hit_ratio;
            }
            latency(end, column)
        }
    }
}
