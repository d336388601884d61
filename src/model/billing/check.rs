//! Checks of what the bill reads: a class's payload said the same wherever
//! the class is declared, a purchase only on a pool of machines, a
//! reservation and a spot price that can be billed.

use crate::model::shared::error::Diagnostic;
use crate::model::topology::spec::{PoolSpec, PurchaseSpec};
use crate::model::traffic::sources::SourceView;

/// A class declared by several sources carries one payload: the first
/// declaration sets it, a different one elsewhere is an error there.
pub fn check_payloads(acc: &mut Vec<Diagnostic>, sources: &[SourceView]) {
    let mut first: std::collections::BTreeMap<&str, (&str, f64, f64)> = Default::default();
    for source in sources {
        for (name, class) in source.classes {
            let sizes = (class.request_kb.get(), class.response_kb.get());
            let Some(&(path, request, response)) = first.get(name.as_str()) else {
                first.insert(name, (&source.path, sizes.0, sizes.1));
                continue;
            };
            for (field, ours, theirs) in [
                ("request_kb", sizes.0, request),
                ("response_kb", sizes.1, response),
            ] {
                if ours != theirs {
                    acc.push(Diagnostic::new(
                        format!("{}.classes.{name}.{field}", source.path),
                        format!(
                            "expected {theirs}, as `{path}.classes.{name}.{field}` says (a class has one payload), got {ours}"
                        ),
                    ));
                }
            }
        }
    }
}

/// A pool's `purchase` (at `at`, the pool's path).
pub fn check_purchase(acc: &mut Vec<Diagnostic>, at: &str, pool: &PoolSpec) {
    let Some(purchase) = &pool.purchase else {
        return;
    };
    if pool.kubernetes.is_some() {
        acc.push(Diagnostic::new(
            format!("{at}.purchase"),
            "a pool of pods is billed by its cluster's nodes: give `purchase` to a pool of machines (`instance_type`)",
        ));
    }
    if let PurchaseSpec::Spot(spot) = purchase
        && pool.credits.is_some()
    {
        acc.push(Diagnostic::new(
            format!("{at}.purchase.spot"),
            format!(
                "spot instances at ${}/hour with `credits`: capsim bills a burstable pool's surplus credits at on-demand terms; drop one of them",
                spot.usd_per_hour.get()
            ),
        ));
    }
}
