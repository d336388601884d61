//! A pool's CPU credits as the simulation runs them.

pub use super::spec::CreditMode;

/// The credits of each instance of a pool of a burstable type. Balances are
/// in credits (vCPU-minutes); rates in vCPUs (a vCPU busy for a minute
/// spends one credit).
#[derive(Clone, Debug, PartialEq)]
pub struct Credits {
    /// Standard (throttled when empty) or unlimited (surplus billed).
    pub mode: CreditMode,
    /// vCPUs the earnings pay for: credits per hour / 60 (t3.medium: 0.4).
    pub baseline_vcpus: f64,
    /// The most a balance holds (earned credits beyond are discarded); in
    /// unlimited mode also the most surplus carried before it is charged.
    pub max_balance: f64,
    /// Balance of the initial instances at time 0.
    pub initial_balance: f64,
    /// Balance of an instance launched during the run.
    pub launch_balance: f64,
    /// Price of one surplus credit, US dollars (per vCPU-hour / 60).
    pub usd_per_credit: f64,
}
