//! The credit figures of a burstable instance type, and a pool's choice of
//! credit mode, as written in JSON.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::units::{Fraction, NonNegative, Positive};

/// What a burstable instance does when its credit balance is empty.
///
/// AWS's credit specification (`CpuCredits` of `RunInstances`): "standard
/// (T2 instances) or unlimited (T3/T3a/T4g instances)" is the default
/// (docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreditSpecificationRequest.html).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditMode {
    /// Throttled to the baseline while the balance is empty.
    Standard,
    /// Bursts on surplus credits, billed when not paid back.
    Unlimited,
}

/// `instance_types.<name>.burstable` (and each entry of the built-in
/// `burstable.json`): how the type earns and spends CPU credits. One credit
/// is one vCPU at 100% for one minute.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BurstableSpec {
    /// Baseline CPU utilization per vCPU, a fraction (t3.medium: 0.2).
    pub baseline_per_vcpu: Fraction,
    /// Credits earned per hour (baseline × vCPUs × 60; t3.medium: 24).
    pub credits_per_hour: Positive,
    /// The most earned credits a balance holds: 24 hours of earnings.
    pub max_balance: NonNegative,
    /// Credits an instance launched in standard mode starts with (T2: 30
    /// per vCPU; T3, T3a and T4g: none) (default 0).
    #[serde(default)]
    pub launch_credits: NonNegative,
    /// Price of surplus credits in unlimited mode, US dollars per
    /// vCPU-hour (60 credits) (default 0).
    #[serde(default)]
    pub surplus_usd_per_vcpu_hour: NonNegative,
    /// The mode instances launch in unless a pool says (default `unlimited`).
    #[serde(default = "unlimited")]
    pub default_mode: CreditMode,
}

fn unlimited() -> CreditMode {
    CreditMode::Unlimited
}

/// `pool.credits`: how a pool of a burstable type uses its CPU credits
/// (default: the type's default mode and, at the start, its launch credits).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CreditsSpec {
    /// `standard` or `unlimited` (default: the type's `default_mode`).
    #[serde(default)]
    pub mode: Option<CreditMode>,
    /// Credits each of the pool's initial instances holds at time 0
    /// (default: the type's launch credits in standard mode, else 0);
    /// instances launched later start with the launch credits.
    #[serde(default)]
    pub initial_balance: Option<NonNegative>,
}
