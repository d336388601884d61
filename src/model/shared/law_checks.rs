//! Checks of the heavy-tailed and phase-type laws (`laws.rs`): parameters
//! whose draws and moments stay finite, probabilities that add up, chains
//! that end, and samplers whose cost per draw stays bounded.

use crate::model::shared::bounds::{MIN_MEAN_MS, check_at_most, check_mean};
use crate::model::shared::error::Diagnostic;
use crate::model::shared::laws::{
    BoundedParetoSpec, ErlangSpec, HyperexponentialSpec, PhaseTypeSpec, WeibullSpec,
};
use crate::model::shared::units::shown;

/// Tail indices of a bounded Pareto: beyond them, (H/L)^α over- or underflows
/// for no law anyone measures.
pub const ALPHA_RANGE: (f64, f64) = (1e-3, 1e3);

/// Weibull shapes: below 0.1 the SCV passes 10^5 (Γ(21)/Γ(11)²), above 100
/// the law is a constant to within 1%.
pub const SHAPE_RANGE: (f64, f64) = (0.1, 100.0);

/// Erlang phases: 10^6 gives a cv of 10^-3; beyond, write `constant`.
pub const MAX_ERLANG_K: u32 = 1_000_000;

/// Branches of a hyperexponential, phases of a phase-type law: the moments
/// solve an n × n system at load, and a branch is picked by binary search.
pub const MAX_PHASES: usize = 64;

/// Expected phases visited per phase-type draw: a draw costs one exponential
/// per visit, so a chain that loops near forever would stall the run.
pub const MAX_VISITS: f64 = 1e4;

/// How far probabilities that must add up to 1 may miss it (0.333 + 0.333 +
/// 0.334 passes, 0.33 × 3 does not).
const SUM_TOLERANCE: f64 = 1e-6;

/// `<path>.bounded_pareto`.
pub fn bounded_pareto(acc: &mut Vec<Diagnostic>, path: &str, law: &BoundedParetoSpec) {
    let at = |field: &str| format!("{path}.bounded_pareto.{field}");
    in_range(
        acc,
        &at("alpha"),
        law.alpha.get(),
        ALPHA_RANGE,
        "a tail index",
    );
    let (low, high) = (law.min_ms.get(), law.max_ms.get());
    at_least_a_nanosecond(acc, &at("min_ms"), low);
    check_at_most(acc, &at("max_ms"), high);
    if high <= low {
        let message = format!(
            "expected more than `min_ms` ({}), got {}",
            shown(low),
            shown(high)
        );
        acc.push(Diagnostic::new(at("max_ms"), message));
    }
}

/// `<path>.weibull`: its shape, and exactly one of scale and mean.
pub fn weibull(acc: &mut Vec<Diagnostic>, path: &str, law: &WeibullSpec) {
    let at = format!("{path}.weibull");
    in_range(
        acc,
        &format!("{at}.shape"),
        law.shape.get(),
        SHAPE_RANGE,
        "a shape",
    );
    match (law.scale_ms, law.mean_ms) {
        (Some(scale), None) => {
            at_least_a_nanosecond(acc, &format!("{at}.scale_ms"), scale.get());
            check_at_most(acc, &format!("{at}.scale_ms"), scale.get());
        }
        (None, Some(mean)) => {
            check_mean(acc, &at, mean.get());
            check_at_most(acc, &format!("{at}.mean_ms"), mean.get());
        }
        (Some(_), Some(_)) => acc.push(Diagnostic::new(
            at,
            "expected `scale_ms` or `mean_ms`, got both (give one: the other follows from the shape)",
        )),
        (None, None) => acc.push(Diagnostic::new(
            at,
            "expected `scale_ms` or `mean_ms`, got neither",
        )),
    }
}

/// `<path>.hyperexponential`.
pub fn hyperexponential(acc: &mut Vec<Diagnostic>, path: &str, law: &HyperexponentialSpec) {
    let at = format!("{path}.hyperexponential.branches");
    if !count_in_range(acc, &at, law.branches.len(), "branch") {
        return;
    }
    for (i, branch) in law.branches.iter().enumerate() {
        check_mean(acc, &format!("{at}[{i}]"), branch.mean_ms.get());
        check_at_most(acc, &format!("{at}[{i}].mean_ms"), branch.mean_ms.get());
    }
    let total = law.branches.iter().map(|b| b.probability.get()).sum();
    adds_up_to_one(acc, &at, "`probability`", total);
}

/// `<path>.erlang`.
pub fn erlang(acc: &mut Vec<Diagnostic>, path: &str, law: &ErlangSpec) {
    let at = format!("{path}.erlang");
    check_mean(acc, &at, law.mean_ms.get());
    check_at_most(acc, &format!("{at}.mean_ms"), law.mean_ms.get());
    if law.k.get() > MAX_ERLANG_K {
        let message = format!(
            "expected at most {MAX_ERLANG_K} phases (for less variation write `constant`), got {}",
            law.k.get()
        );
        acc.push(Diagnostic::new(format!("{at}.k"), message));
    }
}

/// `<path>.phase_type`: phases, their routing, their starts, a chain that
/// ends in a bounded number of visits.
pub fn phase_type(acc: &mut Vec<Diagnostic>, path: &str, law: &PhaseTypeSpec) {
    let at = format!("{path}.phase_type.phases");
    let n = law.phases.len();
    if !count_in_range(acc, &at, n, "phase") {
        return;
    }
    let before = acc.len();
    for (i, phase) in law.phases.iter().enumerate() {
        check_mean(acc, &format!("{at}[{i}]"), phase.mean_ms.get());
        check_at_most(acc, &format!("{at}[{i}].mean_ms"), phase.mean_ms.get());
        let next = format!("{at}[{i}].next");
        if phase.next.len() > n {
            let message = format!(
                "expected at most {n} probabilities (one per phase), got {}",
                phase.next.len()
            );
            acc.push(Diagnostic::new(next, message));
            continue;
        }
        let leaving: f64 = phase.next.iter().map(|p| p.get()).sum();
        if leaving > 1.0 + SUM_TOLERANCE {
            let message = format!(
                "expected probabilities that add up to at most 1, got {}",
                shown(leaving)
            );
            acc.push(Diagnostic::new(next, message));
        }
    }
    let starts = (0..n).map(|i| law.start(i)).sum();
    adds_up_to_one(acc, &at, "`start`", starts);
    if acc.len() == before {
        ends_soon_enough(acc, &at, law);
    }
}

/// The chain ends, within [`MAX_VISITS`] phases on average.
fn ends_soon_enough(acc: &mut Vec<Diagnostic>, at: &str, law: &PhaseTypeSpec) {
    match law.moments() {
        None => acc.push(Diagnostic::new(
            at,
            "expected a chain that ends, got phases whose `next` probabilities add up to 1 among themselves (they loop forever)",
        )),
        Some(moments) if moments.visits.is_nan() || moments.visits > MAX_VISITS => {
            let message = format!(
                "expected at most {MAX_VISITS:e} phases visited per draw on average, got {:.0}",
                moments.visits
            );
            acc.push(Diagnostic::new(at, message));
        }
        Some(_) => {}
    }
}

/// A list of 1 to [`MAX_PHASES`] items; false when it is not.
fn count_in_range(acc: &mut Vec<Diagnostic>, at: &str, n: usize, item: &str) -> bool {
    if n == 0 {
        acc.push(Diagnostic::new(
            at,
            format!("expected at least one {item}, got none"),
        ));
    } else if n > MAX_PHASES {
        let message = format!("expected at most {MAX_PHASES} {item}s, got {n}");
        acc.push(Diagnostic::new(at, message));
    }
    (1..=MAX_PHASES).contains(&n)
}

fn adds_up_to_one(acc: &mut Vec<Diagnostic>, at: &str, field: &str, total: f64) {
    if (total - 1.0).abs() > SUM_TOLERANCE {
        let message = format!(
            "expected {field} values that add up to 1, got {}",
            shown(total)
        );
        acc.push(Diagnostic::new(at, message));
    }
}

fn in_range(acc: &mut Vec<Diagnostic>, at: &str, value: f64, (low, high): (f64, f64), what: &str) {
    if !(low..=high).contains(&value) {
        let message = format!(
            "expected {what} between {} and {}, got {}",
            shown(low),
            shown(high),
            shown(value)
        );
        acc.push(Diagnostic::new(at, message));
    }
}

fn at_least_a_nanosecond(acc: &mut Vec<Diagnostic>, at: &str, value: f64) {
    if value < MIN_MEAN_MS {
        let message = format!(
            "expected at least {MIN_MEAN_MS:e} ms (1 ns, the clock's resolution), got {}",
            shown(value)
        );
        acc.push(Diagnostic::new(at, message));
    }
}
