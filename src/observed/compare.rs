//! Predicted against observed: the model, driven like the observed system,
//! simulated; each observed figure beside its prediction, with the error.
//!
//! The error of a figure is relative, (predicted − observed) / observed,
//! except the error rate's: rates near 0 make relative errors meaningless
//! (0.1% against 0.2% is "−50%"), so it is the difference in percentage
//! points, checked against its own tolerance.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::drive::{compile, drive};
use super::error::ObservedError;
use super::noise::Noise;
use super::{Figures, Format, Load, Observed};
use crate::stats::{Estimate, LatencyEstimate, Summary};

/// A figure capsim predicts and a real system shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// Successful requests per second.
    ThroughputRps,
    /// Mean latency, ms.
    MeanMs,
    /// Median latency, ms.
    P50Ms,
    /// 95th percentile, ms.
    P95Ms,
    /// 99th percentile, ms.
    P99Ms,
    /// Failed / all requests (shown in %).
    ErrorRate,
    /// Busy vCPUs / vCPUs of a tier (shown in %).
    Utilization(String),
}

impl Figure {
    /// The row's name in the table.
    pub fn label(&self) -> String {
        match self {
            Figure::ThroughputRps => "throughput req/s".into(),
            Figure::MeanMs => "mean ms".into(),
            Figure::P50Ms => "p50 ms".into(),
            Figure::P95Ms => "p95 ms".into(),
            Figure::P99Ms => "p99 ms".into(),
            Figure::ErrorRate => "errors %".into(),
            Figure::Utilization(node) => format!("util % {node}"),
        }
    }

    /// Shown in percent (the values are fractions).
    pub fn is_percent(&self) -> bool {
        matches!(self, Figure::ErrorRate | Figure::Utilization(_))
    }

    /// Its error is a difference in percentage points, not relative.
    pub fn error_in_points(&self) -> bool {
        matches!(self, Figure::ErrorRate)
    }
}

/// (predicted − observed) / observed. An observed 0 gives 0 if the
/// prediction is 0 too, else an infinite error of the prediction's sign.
pub fn relative_error(predicted: f64, observed: f64) -> f64 {
    if observed == 0.0 {
        if predicted == 0.0 {
            0.0
        } else {
            f64::INFINITY.copysign(predicted)
        }
    } else {
        (predicted - observed) / observed.abs()
    }
}

/// The error of `figure`: relative (a fraction), or for the error rate the
/// difference in percentage points.
pub fn error_of(figure: &Figure, predicted: f64, observed: f64) -> f64 {
    if figure.error_in_points() {
        (predicted - observed) * 100.0
    } else {
        relative_error(predicted, observed)
    }
}

/// How far a prediction may be off.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Tolerance {
    /// Largest relative error, percent, of every figure but the error rate.
    pub relative_pct: f64,
    /// Largest difference of the error rate, percentage points.
    pub error_rate_pp: f64,
}

impl Tolerance {
    /// True if `error` (as [`error_of`] gives it) is within the tolerance.
    pub fn allows(&self, figure: &Figure, error: f64) -> bool {
        if figure.error_in_points() {
            error.abs() <= self.error_rate_pp
        } else {
            error.abs() * 100.0 <= self.relative_pct
        }
    }
}

/// One line of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FigureRow {
    /// Which figure.
    pub figure: Figure,
    /// Of which request class (`None`: end to end, or a tier's utilization).
    pub class: Option<String>,
    /// Predicted (mean over replications).
    pub predicted: f64,
    /// Half-width of the prediction's 95% interval (2 replications or more).
    pub predicted_ci95: Option<f64>,
    /// Observed.
    pub observed: f64,
    /// The observation's own 95% interval, from the requests behind it
    /// (`None` where the file gives no count or spread).
    pub observed_ci95: Option<Noise>,
    /// True if the prediction lies inside `observed_ci95`: its error is no
    /// larger than the observation's noise.
    pub within_observed_noise: Option<bool>,
    /// Relative error (a fraction), or percentage points for the error rate.
    pub error: f64,
    /// Within the tolerance, when one was given.
    pub within_tolerance: Option<bool>,
}

/// Request classes observed but not in the model (not compared): Locust
/// rows name endpoints, which match a class only when named after it.
pub fn unmatched_classes(summary: &Summary, observed: &Observed) -> Vec<String> {
    observed
        .classes
        .keys()
        .filter(|class| !summary.classes.iter().any(|(name, _)| name == *class))
        .cloned()
        .collect()
}

/// Every observed figure beside the model's prediction of it. An observed
/// tier the model lacks, or one whose utilization capsim does not measure,
/// is an error: silently dropping it would hide a misnamed tier.
/// Classes are compared where the model has a class of the observed name
/// (see [`unmatched_classes`] for the others).
pub fn rows(summary: &Summary, observed: &Observed) -> Result<Vec<FigureRow>, ObservedError> {
    let mut rows = Vec::new();
    push_latency(&mut rows, None, &summary.end_to_end, &observed.figures);
    for (class, figures) in &observed.classes {
        if let Some((_, predicted)) = summary.classes.iter().find(|(name, _)| name == class) {
            push_latency(&mut rows, Some(class), predicted, figures);
        }
    }
    let mut push = |figure: Figure, predicted: Estimate, observed: Option<f64>| {
        push_row(&mut rows, None, figure, predicted, observed, None)
    };
    for (name, &utilization) in &observed.utilization {
        let names = || {
            summary
                .nodes
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(node) = summary.nodes.iter().find(|n| &n.name == name) else {
            return Err(ObservedError::Mismatch(format!(
                "{}: utilization observed for `{name}`, but the model has no node `{name}` (nodes: {})",
                observed.path.display(),
                names()
            )));
        };
        let Some(predicted) = node.utilization else {
            return Err(ObservedError::Mismatch(format!(
                "{}: utilization observed for `{name}`, a `{}`: capsim measures utilization of pools (vCPUs) and databases (connections) only",
                observed.path.display(),
                node.kind
            )));
        };
        push(
            Figure::Utilization(name.clone()),
            predicted,
            Some(utilization),
        );
    }
    if rows.is_empty() {
        return Err(ObservedError::Nothing {
            path: observed.path.clone(),
            message: "no figure to compare (throughput, latency, error rate or utilization)".into(),
        });
    }
    Ok(rows)
}

/// The latency figures of one class (or end to end), where observed.
fn push_latency(
    rows: &mut Vec<FigureRow>,
    class: Option<&str>,
    predicted: &LatencyEstimate,
    observed: &Figures,
) {
    let noise = &observed.noise;
    let figures = [
        (
            Figure::ThroughputRps,
            predicted.throughput_rps,
            observed.throughput_rps,
            noise.throughput_rps,
        ),
        (
            Figure::MeanMs,
            predicted.mean_ms,
            observed.mean_ms,
            noise.mean_ms,
        ),
        (
            Figure::P50Ms,
            predicted.p50_ms,
            observed.p50_ms,
            noise.p50_ms,
        ),
        (
            Figure::P95Ms,
            predicted.p95_ms,
            observed.p95_ms,
            noise.p95_ms,
        ),
        (
            Figure::P99Ms,
            predicted.p99_ms,
            observed.p99_ms,
            noise.p99_ms,
        ),
        (
            Figure::ErrorRate,
            predicted.error_rate,
            observed.error_rate,
            noise.error_rate,
        ),
    ];
    for (figure, predicted, observed, noise) in figures {
        push_row(rows, class, figure, predicted, observed, noise);
    }
}

fn push_row(
    rows: &mut Vec<FigureRow>,
    class: Option<&str>,
    figure: Figure,
    predicted: Estimate,
    observed: Option<f64>,
    noise: Option<Noise>,
) {
    if let Some(observed) = observed {
        rows.push(FigureRow {
            error: error_of(&figure, predicted.mean, observed),
            figure,
            class: class.map(str::to_string),
            predicted: predicted.mean,
            predicted_ci95: predicted.ci95,
            observed,
            observed_ci95: noise,
            within_observed_noise: noise.map(|n| n.contains(predicted.mean)),
            within_tolerance: None,
        });
    }
}

/// How to simulate for a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Options {
    /// Master seed.
    pub seed: u64,
    /// Independent replications (at least 1).
    pub replications: u32,
}

/// A comparison of one model with one set of observations.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// The model's name.
    pub model: String,
    /// The observed file.
    pub observed: PathBuf,
    /// Its format.
    pub format: Format,
    /// Which part of it was compared.
    pub window: String,
    /// How the model's traffic was set to the observed load, if it was.
    pub traffic: Option<String>,
    /// The simulation's seed and replications.
    pub options: Options,
    /// Set when a replication stopped unstable: the predictions describe a backlog.
    pub unstable: Option<String>,
    /// What to keep in mind reading the figures: what the observations
    /// could not give, and how they differ from what the model describes.
    pub notes: Vec<String>,
    /// The figures.
    pub rows: Vec<FigureRow>,
    /// Observed request classes the model lacks, not compared.
    pub unmatched_classes: Vec<String>,
}

impl Comparison {
    /// Marks each row within or outside `tolerance`; true if all are within.
    pub fn check(&mut self, tolerance: &Tolerance) -> bool {
        for row in &mut self.rows {
            row.within_tolerance = Some(tolerance.allows(&row.figure, row.error));
        }
        self.rows.iter().all(|r| r.within_tolerance == Some(true))
    }
}

/// Simulates `model` (its JSON; files relative to `base`) driven like
/// `observed`, and compares.
pub fn compare(
    model: &Value,
    base: &Path,
    observed: &Observed,
    options: Options,
) -> Result<Comparison, ObservedError> {
    let (driven, traffic) = drive(model, observed)?;
    let compiled = compile(&driven, base)?;
    let summary = simulate(&compiled, options);
    let mut notes = observed.notes.clone();
    notes.extend(like_for_like(&compiled, observed));
    Ok(Comparison {
        notes,
        model: summary.model.clone(),
        observed: observed.path.clone(),
        format: observed.format,
        window: observed.window.clone(),
        traffic,
        options,
        unstable: summary.unstable.as_ref().map(|u| format!("{u:?}")),
        rows: rows(&summary, observed)?,
        unmatched_classes: unmatched_classes(&summary, observed),
    })
}

/// Where the observations and the model describe different things: a
/// Locust `*_stats.csv` holds the whole test, ramp-up included, and came
/// from closed users, so a model measured after a warm-up, or driven by an
/// open process, does not describe the same load.
fn like_for_like(model: &crate::model::Model, observed: &Observed) -> Vec<String> {
    let mut notes = Vec::new();
    if observed.format != Format::Locust || observed.load != Load::AsModelled {
        return notes;
    }
    if model.warmup_s > 0.0 {
        notes.push(format!(
            "`{}` holds Locust's totals over the whole test, ramp-up included (unless Locust ran with `--reset-stats`), while the model's figures start after its {} s warm-up: compare Locust's `*_stats_history.csv` instead (its window skips the ramp-up)",
            observed.path.display(),
            model.warmup_s
        ));
    }
    let open: Vec<&str> = model
        .sources
        .iter()
        .filter(|source| !matches!(source.arrivals, crate::model::Arrivals::Closed { .. }))
        .map(|source| source.name.as_str())
        .collect();
    if !open.is_empty() {
        notes.push(format!(
            "Locust's users are a closed population (each waits for its answer before the next request), but the model's traffic is open (`{}`): under load a closed population slows down with its response times and an open process does not; describe the users as `closed` arrivals",
            open.join("`, `")
        ));
    }
    notes
}

/// Replications of `model`, summarized.
pub(super) fn simulate(model: &crate::model::Model, options: Options) -> Summary {
    // Figures only: histograms dropped as each replication ends, so memory
    // stays a few kilobytes per replication however many are asked for.
    let replications = options.replications.max(1);
    let runs = crate::replicate_figures(
        model,
        options.seed,
        replications,
        &Default::default(),
        &|_| {},
    );
    Summary::of(&runs.runs)
}
