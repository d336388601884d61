//! The built-in credit figures of AWS's burstable instance types
//! (`burstable.json`, beside this file, with its sources and dates), by
//! type name. Kept apart from the price catalog: a type's credits and its
//! price change on their own schedules, from different pages.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::spec::{BurstableSpec, CreditMode};
use crate::model::shared::units::{Count, Fraction, NonNegative, Positive};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    // The citations, kept in the data file beside the figures; a unit test
    // reads them (nothing at run time does).
    #[cfg_attr(not(test), allow(dead_code))]
    sources: BTreeMap<String, String>,
    types: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// vCPUs, to cross-check the catalog's (a unit test does).
    vcpus: Count,
    baseline_per_vcpu: Fraction,
    credits_per_hour: Positive,
    max_balance: NonNegative,
    launch_credits: NonNegative,
    surplus_usd_per_vcpu_hour: NonNegative,
    default_mode: CreditMode,
}

/// One built-in burstable type.
#[derive(Clone, Debug)]
pub struct BuiltinType {
    /// vCPUs per instance.
    pub vcpus: u32,
    /// Its credit figures.
    pub spec: BurstableSpec,
}

fn file() -> File {
    // Part of the binary and checked by a unit test: a parse failure here
    // is a build defect, not bad user input.
    serde_json::from_str(include_str!("burstable.json")).expect("built-in burstable.json is valid")
}

/// Every built-in burstable type by name (read once).
pub fn types() -> &'static BTreeMap<String, BuiltinType> {
    static TYPES: OnceLock<BTreeMap<String, BuiltinType>> = OnceLock::new();
    TYPES.get_or_init(read_types)
}

fn read_types() -> BTreeMap<String, BuiltinType> {
    (file().types.into_iter())
        .map(|(name, e)| {
            let spec = BurstableSpec {
                baseline_per_vcpu: e.baseline_per_vcpu,
                credits_per_hour: e.credits_per_hour,
                max_balance: e.max_balance,
                launch_credits: e.launch_credits,
                surplus_usd_per_vcpu_hour: e.surplus_usd_per_vcpu_hour,
                default_mode: e.default_mode,
            };
            let vcpus = e.vcpus.get();
            (name, BuiltinType { vcpus, spec })
        })
        .collect()
}

/// The sources of the figures, by key.
#[cfg(test)]
fn sources() -> BTreeMap<String, String> {
    file().sources
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog;

    #[test]
    fn every_rate_is_baseline_times_vcpus_times_sixty_and_the_cap_a_day_of_it() {
        for (name, t) in types() {
            let spec = &t.spec;
            let rate = spec.baseline_per_vcpu.get() * f64::from(t.vcpus) * 60.0;
            let got = spec.credits_per_hour.get();
            assert!((rate - got).abs() < 1e-9 * got, "{name}: {rate} vs {got}");
            let day = spec.max_balance.get();
            assert!((got * 24.0 - day).abs() < 1e-9 * day, "{name}: cap {day}");
        }
        assert_eq!(sources().len(), 2);
    }

    #[test]
    fn the_catalog_and_the_credit_table_agree_on_vcpus() {
        let burstable = types();
        let mut shared = 0;
        for entry in catalog::entries() {
            if let Some(t) = burstable.get(&entry.name) {
                assert_eq!(entry.spec.vcpus.get(), t.vcpus, "{}", entry.name);
                shared += 1;
            }
        }
        assert!(shared >= 6, "the catalog's t3 types have credit figures");
        let medium = &burstable["t3.medium"].spec;
        assert_eq!(medium.credits_per_hour.get(), 24.0);
        assert_eq!(medium.default_mode, CreditMode::Unlimited);
        assert_eq!(burstable["t2.micro"].spec.launch_credits.get(), 30.0);
    }
}
