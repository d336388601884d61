//! Checks of credits: a declared `burstable` block whose rate and baseline
//! agree, and a pool's `credits` only on a burstable type, in a mode its
//! vCPUs can run, from a balance the type can hold.

use std::collections::BTreeMap;

use super::builtin::BuiltinType;
use super::spec::{BurstableSpec, CreditMode};
use crate::model::shared::error::Diagnostic;
use crate::model::shared::units::shown;
use crate::model::topology::spec::{InstanceTypeSpec, PoolSpec};

/// The credit figures of type `name`: its declared `burstable` block, else
/// the built-in table's, else none (not burstable).
pub fn burstable_of<'a>(
    name: &str,
    spec: Option<&'a InstanceTypeSpec>,
    builtin: &'a BTreeMap<String, BuiltinType>,
) -> Option<&'a BurstableSpec> {
    match spec.and_then(|s| s.burstable.as_ref()) {
        Some(declared) => Some(declared),
        None => builtin.get(name).map(|t| &t.spec),
    }
}

/// A declared type's `burstable` block: earnings are the baseline of every
/// vCPU, so `credits_per_hour` = `baseline_per_vcpu` × `vcpus` × 60.
pub fn check_declared(acc: &mut Vec<Diagnostic>, name: &str, spec: &InstanceTypeSpec) {
    let Some(burstable) = &spec.burstable else {
        return;
    };
    let expected = burstable.baseline_per_vcpu.get() * f64::from(spec.vcpus.get()) * 60.0;
    let got = burstable.credits_per_hour.get();
    if (expected - got).abs() > 1e-9 * expected.max(got) {
        acc.push(Diagnostic::new(
            format!("instance_types.{name}.burstable.credits_per_hour"),
            format!(
                "expected `baseline_per_vcpu` × `vcpus` × 60 = {} × {} × 60 = {} credits per hour, got {}",
                shown(burstable.baseline_per_vcpu.get()),
                spec.vcpus.get(),
                shown(expected),
                shown(got)
            ),
        ));
    }
}

/// A pool's `credits` (at `at`, the pool's path): only on a burstable
/// type; standard mode not with pre-emptive priorities; an initial balance
/// within the type's `max_balance`. Built-in figures only for the vCPUs
/// they were written for (`vcpus`: the pool's type's).
pub fn check_pool(
    acc: &mut Vec<Diagnostic>,
    at: &str,
    pool: &PoolSpec,
    vcpus: Option<u32>,
    builtin: &BTreeMap<String, BuiltinType>,
    burstable: Option<&BurstableSpec>,
) {
    // A pool of pods has no instance type of its own (its nodes do).
    let name = pool.instance_type.as_deref().unwrap_or("");
    if let (Some(vcpus), Some(table)) = (vcpus, builtin.get(name))
        && burstable == Some(&table.spec)
        && vcpus != table.vcpus
    {
        acc.push(Diagnostic::new(
            format!("{at}.instance_type"),
            format!(
                "the built-in credit figures of `{}` are for {} vCPUs, but it is declared with {vcpus}: declare its `burstable` block too",
                name, table.vcpus
            ),
        ));
    }
    let Some(credits) = &pool.credits else {
        return;
    };
    let Some(burstable) = burstable else {
        acc.push(Diagnostic::new(
            format!("{at}.credits"),
            format!(
                "`{}` is not a burstable instance type: `credits` applies to the t2, t3, t3a and t4g types and to types declared with a `burstable` block",
                name
            ),
        ));
        return;
    };
    let mode = credits.mode.unwrap_or(burstable.default_mode);
    let preemptive = pool.priority.as_ref().is_some_and(|p| p.preemptive);
    if mode == CreditMode::Standard && preemptive {
        acc.push(Diagnostic::new(
            format!("{at}.credits.mode"),
            "expected `unlimited` with pre-emptive priorities, got `standard`: throttling is modelled on FIFO and processor-sharing vCPUs only",
        ));
    }
    if let Some(initial) = credits.initial_balance
        && initial.get() > burstable.max_balance.get()
    {
        acc.push(Diagnostic::new(
            format!("{at}.credits.initial_balance"),
            format!(
                "expected at most the type's `max_balance` ({} credits for `{}`), got {}",
                shown(burstable.max_balance.get()),
                name,
                shown(initial.get())
            ),
        ));
    }
}
