//! A pool's credits compiled: the mode chosen, rates in vCPUs, balances in
//! credits.

use super::compiled::Credits;
use super::spec::{BurstableSpec, CreditMode, CreditsSpec};

/// The credits of a pool of a burstable type (`burstable`), with its
/// `credits` option if written; `None` for a type that is not burstable.
pub fn credits(burstable: Option<&BurstableSpec>, option: Option<&CreditsSpec>) -> Option<Credits> {
    let burstable = burstable?;
    let default = CreditsSpec::default();
    let option = option.unwrap_or(&default);
    let mode = option.mode.unwrap_or(burstable.default_mode);
    // Launch credits are a standard-mode grant: "T2 Standard instances get
    // 30 launch credits per vCPU at launch or start" (EC2 User Guide,
    // Standard mode concepts); T3, T3a and T4g get none, in either mode.
    let launch = match mode {
        CreditMode::Standard => burstable.launch_credits.get(),
        CreditMode::Unlimited => 0.0,
    };
    Some(Credits {
        mode,
        baseline_vcpus: burstable.credits_per_hour.get() / 60.0,
        max_balance: burstable.max_balance.get(),
        initial_balance: option.initial_balance.map_or(launch, |b| b.get()),
        launch_balance: launch,
        usd_per_credit: burstable.surplus_usd_per_vcpu_hour.get() / 60.0,
    })
}
