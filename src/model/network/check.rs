//! Checks and compilation of network latency: each distribution's own
//! checks under its path, and latency only on calls someone waits for.

use crate::model::network::compiled::{CallLatency, ZoneLatency};
use crate::model::network::spec::{CallLatencySpec, NetworkSpec};
use crate::model::shared::checks::check_dist;
use crate::model::shared::error::Diagnostic;

/// The call at `path` (`nodes.<pool>.pool.calls[i]`), `sync` or not.
pub fn call_latency(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    latency: &Option<CallLatencySpec>,
    sync: bool,
) -> Option<CallLatency> {
    let latency = latency.as_ref()?;
    let (dist, one_way, field) = match latency {
        CallLatencySpec::OneWay(dist) => (dist, true, "one_way"),
        CallLatencySpec::RoundTrip(dist) => (dist, false, "round_trip"),
    };
    check_dist(acc, &format!("{path}.latency.{field}"), dist);
    if !sync {
        acc.push(Diagnostic::new(
            format!("{path}.latency"),
            "expected a latency on `sync` calls only (nobody waits for an `async` call's answer)",
        ));
    }
    Some(CallLatency {
        dist: dist.clone(),
        one_way,
    })
}

/// The model's `network`.
pub fn zone_latency(acc: &mut Vec<Diagnostic>, network: &Option<NetworkSpec>) -> ZoneLatency {
    let Some(network) = network else {
        return ZoneLatency::default();
    };
    for (field, dist) in [
        ("same_zone", &network.same_zone),
        ("cross_zone", &network.cross_zone),
    ] {
        if let Some(dist) = dist {
            check_dist(acc, &format!("network.{field}"), dist);
        }
    }
    ZoneLatency {
        same_zone: network.same_zone.clone(),
        cross_zone: network.cross_zone.clone(),
    }
}
