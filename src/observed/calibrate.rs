//! Calibration: each tier's service time set from what was observed.
//!
//! **Service demand law** (D = U / X, per server): capsim's utilization is
//! busy vCPUs / vCPUs, so a tier of `n` instances with `c` vCPUs each at
//! utilization U has U·n·c vCPUs busy on average; at X requests per second
//! into the tier, each request holds a vCPU for D = U·n·c / X seconds (at
//! the instance type's speed). The tier's service distributions (`service`
//! and every `service_by_class`) are all scaled by D_observed / D_model, so
//! their shapes and the ratios between classes stay as written.
//!
//! **Latency fit**, when no tier's utilization was observed and the model
//! has a single pool: its service is scaled until the simulated mean latency
//! matches the observed one, by bisection on the logarithm of the scale
//! (mean latency grows with service time). Every simulation uses the same
//! seed, so the fit is deterministic.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::Observed;
use super::compare::{self, Comparison, Options};
use super::drive::{compile, drive};
use super::error::ObservedError;
use crate::model::{Model, NodeKind};
use crate::stats::{RunResult, Summary};

/// How a tier's service was set.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// D = U·n·c / X.
    DemandLaw {
        /// Observed utilization, 0 to 1.
        utilization: f64,
        /// Requests per second into the tier.
        throughput_rps: f64,
        /// Where the throughput comes from (observed for the tier, or the
        /// end-to-end throughput times the model's visits per request).
        throughput_from: String,
    },
    /// The service scaled until the simulated mean latency matched.
    LatencyFit {
        /// Observed mean latency, ms.
        target_mean_ms: f64,
        /// Simulated mean latency at the fitted scale, ms.
        fitted_mean_ms: f64,
    },
}

/// One tier's calibration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierFit {
    /// The pool.
    pub node: String,
    /// How.
    pub method: Method,
    /// vCPU time per request before, ms (at the instance type's speed).
    pub demand_ms_before: f64,
    /// After.
    pub demand_ms_after: f64,
    /// The factor every service distribution of the tier was scaled by.
    pub factor: f64,
}

/// The result of a calibration.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// Tiers calibrated.
    pub tiers: Vec<TierFit>,
    /// Tiers left as they were, and why.
    pub skipped: Vec<String>,
    /// What to keep in mind about the tiers calibrated (a CPU utilization
    /// calibrating a pool whose workers are its bottleneck).
    pub notes: Vec<String>,
    /// The calibrated model (the input's JSON with scaled service times).
    pub model: Value,
    /// The comparison before.
    pub before: Comparison,
    /// The comparison after.
    pub after: Comparison,
}

/// Calibrates `model` (its JSON; files relative to `base`) to `observed`.
pub fn calibrate(
    model: &Value,
    base: &Path,
    observed: &Observed,
    options: Options,
) -> Result<Calibration, ObservedError> {
    let before = compare::compare(model, base, observed, options)?;
    let baseline = Baseline::simulate(model, base, observed, options)?;
    let mut calibrated = model.clone();
    let mut tiers = Vec::new();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    for (index, node) in baseline.compiled.nodes.iter().enumerate() {
        let Some(&utilization) = observed.utilization.get(&node.name) else {
            continue;
        };
        match demand_law_fit(&baseline, observed, index, utilization) {
            Ok((fit, note)) => {
                notes.extend(note);
                scale_service(&mut calibrated, &fit.node, fit.factor)?;
                tiers.push(fit);
            }
            Err(reason) => skipped.push(reason),
        }
    }
    if tiers.is_empty() {
        match latency_fit(model, base, observed, options, &baseline)? {
            Some(fit) => {
                scale_service(&mut calibrated, &fit.node, fit.factor)?;
                tiers.push(fit);
            }
            None => skipped.push(
                "no tier's utilization observed, and a latency fit needs a model with one pool and an observed mean latency".into(),
            ),
        }
    }
    let after = compare::compare(&calibrated, base, observed, options)?;
    Ok(Calibration {
        tiers,
        skipped,
        notes,
        model: calibrated,
        before,
        after,
    })
}

/// The model as written, simulated under the observed load: what every
/// tier's demand before calibration is read from.
struct Baseline {
    compiled: Model,
    runs: Vec<RunResult>,
    summary: Summary,
}

impl Baseline {
    fn simulate(
        model: &Value,
        base: &Path,
        observed: &Observed,
        options: Options,
    ) -> Result<Baseline, ObservedError> {
        let (driven, _) = drive(model, observed)?;
        let compiled = compile(&driven, base)?;
        let runs = crate::replicate_figures(
            &compiled,
            options.seed,
            options.replications.max(1),
            &Default::default(),
            &|_| {},
        )
        .runs;
        let summary = Summary::of(&runs);
        Ok(Baseline {
            compiled,
            runs,
            summary,
        })
    }

    /// vCPU-ms per visit the model gives node `index` (see `model_demand_ms`).
    fn demand_ms(&self, index: usize) -> Option<f64> {
        model_demand_ms(&self.compiled, &self.summary, &self.runs, index)
    }
}

/// Node `index`'s fit by the service demand law from its observed
/// `utilization`, with a note when its workers are its bottleneck; or why
/// it is left as it was.
fn demand_law_fit(
    baseline: &Baseline,
    observed: &Observed,
    index: usize,
    utilization: f64,
) -> Result<(TierFit, Option<String>), String> {
    let node = &baseline.compiled.nodes[index];
    let NodeKind::Pool(pool) = &node.kind else {
        return Err(format!(
            "{}: utilization observed, but calibration sets the service times of pools only",
            node.name
        ));
    };
    let estimate = &baseline.summary.nodes[index];
    let (throughput_rps, throughput_from) = tier_throughput(baseline, observed, index)
        .ok_or_else(|| format!("{}: utilization observed but no throughput", node.name))?;
    let instances = mean_instances(&baseline.runs, index);
    let vcpus = f64::from(pool.instance_type.vcpus);
    let Some(demand_ms_before) = baseline.demand_ms(index).filter(|_| throughput_rps > 0.0) else {
        return Err(format!(
            "{}: no requests reached it, in the model or observed",
            node.name
        ));
    };
    let demand_ms_after = utilization * instances * vcpus / throughput_rps * 1e3;
    let fit = TierFit {
        node: node.name.clone(),
        method: Method::DemandLaw {
            utilization,
            throughput_rps,
            throughput_from,
        },
        demand_ms_before,
        demand_ms_after,
        factor: demand_ms_after / demand_ms_before,
    };
    Ok((fit, workers_bound(&node.name, pool, estimate)))
}

/// Requests per second into node `index`, and where the figure comes from:
/// observed for the tier, or the end-to-end throughput times the model's
/// visits per request.
fn tier_throughput(
    baseline: &Baseline,
    observed: &Observed,
    index: usize,
) -> Option<(f64, String)> {
    let name = &baseline.compiled.nodes[index].name;
    let end_to_end_rps = baseline.summary.end_to_end.throughput_rps.mean;
    match (
        observed.tier_throughput_rps.get(name),
        observed.figures.throughput_rps,
    ) {
        (Some(&x), _) => Some((x, "observed for the tier".to_string())),
        (None, Some(x)) if end_to_end_rps > 0.0 => {
            let node_rps = baseline.summary.nodes[index].latency.throughput_rps.mean;
            let visits = node_rps / end_to_end_rps;
            Some((
                x * visits,
                format!("end to end × {visits:.3} visits per request (the model's routing)"),
            ))
        }
        _ => None,
    }
}

/// With no tier's utilization to fit: the service of a model's only pool
/// scaled to the observed mean latency; none without one pool and that mean.
fn latency_fit(
    model: &Value,
    base: &Path,
    observed: &Observed,
    options: Options,
    baseline: &Baseline,
) -> Result<Option<TierFit>, ObservedError> {
    let nodes = &baseline.compiled.nodes;
    let pools: Vec<usize> = (0..nodes.len())
        .filter(|&i| matches!(nodes[i].kind, NodeKind::Pool(_)))
        .collect();
    let (&[index], Some(target)) = (pools.as_slice(), observed.figures.mean_ms) else {
        return Ok(None);
    };
    let name = nodes[index].name.clone();
    let (factor, fitted) = fit_latency(model, base, observed, options, &name, target)?;
    let demand_ms_before = baseline.demand_ms(index).unwrap_or(f64::NAN);
    Ok(Some(TierFit {
        node: name,
        method: Method::LatencyFit {
            target_mean_ms: target,
            fitted_mean_ms: fitted,
        },
        demand_ms_before,
        demand_ms_after: demand_ms_before * factor,
        factor,
    }))
}

/// A note when a pool's workers, not its vCPUs, are what run out first in
/// the model: its workers are held through synchronous calls (and delays)
/// without using a vCPU, so the observed CPU utilization sets the CPU
/// demand only, and the latency at load follows the time held in calls,
/// which calibrating the service does not change.
fn workers_bound(
    name: &str,
    pool: &crate::model::Pool,
    estimate: &crate::stats::NodeEstimate,
) -> Option<String> {
    let cpu = estimate.utilization.as_ref()?.mean;
    let workers = estimate.worker_utilization.as_ref()?.mean;
    // Only where time outside the CPU holds the worker, and by a margin
    // that is not noise (a worker is held at least as long as its vCPU).
    if pool.calls.is_empty() || workers <= cpu * 1.2 {
        return None;
    }
    Some(format!(
        "{name}: the utilization calibrated from is CPU only (busy vCPUs), but the model's bottleneck there is its workers, {:.0}% held against {:.0}% of vCPUs busy, while they wait on their calls: D = U·n·c / X sets the CPU demand, not the time a worker is held; check the callees' latency and the workers per instance too",
        workers * 100.0,
        cpu * 100.0
    ))
}

/// vCPU-ms per visit the model gives pool `index`: from its offered load
/// when the traffic equations give one (exact: class mix and service means,
/// no sampling), else (a closed population) from the simulation, U·n·c / X.
fn model_demand_ms(
    model: &Model,
    summary: &Summary,
    runs: &[RunResult],
    index: usize,
) -> Option<f64> {
    let NodeKind::Pool(pool) = &model.nodes[index].kind else {
        return None;
    };
    let vcpus = f64::from(pool.instance_type.vcpus);
    if let Some(loads) = crate::analytic::offered_load(model) {
        let load = &loads[index];
        let servers = f64::from(pool.max_instances()) * vcpus;
        let utilization = load.utilization?;
        return (load.arrival_rps > 0.0).then(|| utilization * servers / load.arrival_rps * 1e3);
    }
    let estimate = &summary.nodes[index];
    let (utilization, rps) = (
        estimate.utilization?.mean,
        estimate.latency.throughput_rps.mean,
    );
    (rps > 0.0 && utilization > 0.0)
        .then(|| utilization * mean_instances(runs, index) * vcpus / rps * 1e3)
}

/// Instances of node `index`, time-averaged, over replications.
fn mean_instances(runs: &[RunResult], index: usize) -> f64 {
    runs.iter()
        .map(|r| r.nodes[index].mean_instances)
        .sum::<f64>()
        / runs.len() as f64
}

/// Scales `node`'s service until the simulated mean latency is `target_ms`:
/// returns the factor and the mean it gives.
fn fit_latency(
    model: &Value,
    base: &Path,
    observed: &Observed,
    options: Options,
    node: &str,
    target_ms: f64,
) -> Result<(f64, f64), ObservedError> {
    let mean_at = |factor: f64| -> Result<f64, ObservedError> {
        let mut scaled = model.clone();
        scale_service(&mut scaled, node, factor)?;
        let (driven, _) = drive(&scaled, observed)?;
        let summary = compare::simulate(&compile(&driven, base)?, options);
        // An unstable run's mean is of a growing backlog: too high, which
        // is what bisection needs to hear.
        Ok(summary.end_to_end.mean_ms.mean)
    };
    // Bracket the target by doubling or halving (2^12 either way at most).
    let (mut low, mut high) = (1.0_f64, 1.0_f64);
    let at_one = mean_at(1.0)?;
    if at_one < target_ms {
        for _ in 0..12 {
            high *= 2.0;
            if mean_at(high)? >= target_ms {
                break;
            }
            low = high;
        }
    } else {
        for _ in 0..12 {
            low /= 2.0;
            if mean_at(low)? < target_ms {
                break;
            }
            high = low;
        }
    }
    // 16 halvings of a factor-of-2 bracket: within 2^(1/65536), far finer
    // than the simulation's own noise.
    for _ in 0..16 {
        let middle = (low * high).sqrt();
        if mean_at(middle)? < target_ms {
            low = middle;
        } else {
            high = middle;
        }
    }
    let factor = (low * high).sqrt();
    Ok((factor, mean_at(factor)?))
}

/// Multiplies every service time of pool `node` in a model's JSON by
/// `factor`: `service` and each `service_by_class` distribution.
pub fn scale_service(model: &mut Value, node: &str, factor: f64) -> Result<(), ObservedError> {
    let missing =
        || ObservedError::Mismatch(format!("the model has no pool `{node}` to calibrate"));
    let pool = model
        .get_mut("nodes")
        .and_then(|n| n.get_mut(node))
        .and_then(|n| n.get_mut("pool"))
        .ok_or_else(missing)?;
    if let Some(service) = pool.get_mut("service") {
        scale_dist(service, factor);
    }
    if let Some(Value::Object(by_class)) = pool.get_mut("service_by_class") {
        for dist in by_class.values_mut() {
            scale_dist(dist, factor);
        }
    }
    Ok(())
}

/// Scales a distribution as written (`{ "<family>": { … } }`) by `factor`:
/// every duration in it, so the mean scales and the shape (cv) stays.
fn scale_dist(dist: &mut Value, factor: f64) {
    let Some(Value::Object(family)) = dist.as_object_mut().and_then(|d| d.values_mut().next())
    else {
        return;
    };
    for (key, value) in family.iter_mut() {
        match (key.as_str(), value) {
            ("mean_ms" | "ms" | "min_ms" | "max_ms" | "scale_ms", value) => {
                scale_number(value, factor)
            }
            // A hyperexponential's branches and a phase-type law's phases.
            ("branches" | "phases", Value::Array(parts)) => {
                for part in parts {
                    if let Some(value) = part.get_mut("mean_ms") {
                        scale_number(value, factor);
                    }
                }
            }
            ("samples_ms", Value::Array(samples)) => {
                samples.iter_mut().for_each(|s| scale_number(s, factor))
            }
            ("bins", Value::Array(bins)) => {
                for bin in bins {
                    for edge in ["from_ms", "to_ms"] {
                        if let Some(value) = bin.get_mut(edge) {
                            scale_number(value, factor);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn scale_number(value: &mut Value, factor: f64) {
    if let Some(x) = value.as_f64() {
        // Rounded to 6 significant digits: a model people read.
        let scaled = x * factor;
        let digits = 6 - scaled.abs().log10().ceil().max(-12.0) as i32;
        let rounded = if scaled == 0.0 {
            0.0
        } else {
            let p = 10f64.powi(digits);
            (scaled * p).round() / p
        };
        *value = serde_json::json!(rounded);
    }
}
