//! The CPU credits of each burstable pool over replications: estimates of
//! the figures of `credits.rs`, for the table and the JSON summary.

use serde::Serialize;

use super::interval::Estimate;
use super::result::RunResult;

/// The credits of one pool over replications.
#[derive(Clone, Debug, Serialize)]
pub struct CreditsEstimate {
    /// The pool.
    pub pool: String,
    /// `standard` or `unlimited`.
    pub mode: &'static str,
    /// Mean balance per instance, credits.
    pub mean_balance: Estimate,
    /// Mean surplus outstanding per instance, credits.
    pub mean_surplus: Estimate,
    /// Share of instance-time throttled.
    pub throttled: Estimate,
    /// Surplus credits billed per hour.
    pub surplus_credits_per_hour: Estimate,
    /// Their price per hour, US dollars.
    pub usd_per_hour: Estimate,
}

/// Every burstable pool's credit estimates, in node order.
pub fn estimates(runs: &[RunResult]) -> Vec<CreditsEstimate> {
    let first = &runs[0];
    let over = |figure: &dyn Fn(&RunResult) -> f64| {
        Estimate::of(&runs.iter().map(figure).collect::<Vec<_>>())
    };
    (first.nodes.iter().enumerate())
        .filter_map(|(i, node)| {
            let credits = node.credits.as_ref()?;
            let of = |r: &RunResult| r.nodes[i].credits.clone().expect("same model");
            Some(CreditsEstimate {
                pool: node.name.clone(),
                mode: credits.mode,
                mean_balance: over(&|r| of(r).mean_balance),
                mean_surplus: over(&|r| of(r).mean_surplus),
                throttled: over(&|r| of(r).throttled),
                surplus_credits_per_hour: over(&|r| of(r).surplus_credits / r.window_s * 3600.0),
                usd_per_hour: over(&|r| of(r).usd_per_hour),
            })
        })
        .collect()
}
