//! Network latency in theory: the mean network time a synchronous call adds
//! to its caller's wait, its own latency plus the zone round trip when both
//! ends are pools. The zones are taken at the initial instances (instance i
//! in zone i mod zones, as the fleet places them), caller and callee
//! instances chosen independently: the chance of a cross-zone call is
//! 1 − Σ_z share_caller(z) · share_callee(z). A balancer between two pools
//! is not looked through (the simulation is; `analyze` then misses the
//! zones' round trip), nor are balancing policies that follow the caller.

use crate::model::{Call, Model, NodeKind, Pool};

/// Mean network time of `call` made by `caller`, seconds.
pub(crate) fn call_network_s(model: &Model, caller: &Pool, call: &Call) -> f64 {
    let own = call.latency.as_ref().map_or(0.0, |l| l.mean_ms());
    let zones = match &model.nodes[call.to.index()].kind {
        NodeKind::Pool(callee) => zone_round_trip_ms(model, caller, callee),
        _ => 0.0,
    };
    (own + zones) / 1e3
}

/// Mean zone round trip between an instance of `caller` and one of `callee`, ms.
fn zone_round_trip_ms(model: &Model, caller: &Pool, callee: &Pool) -> f64 {
    let mean = |d: &Option<crate::model::Dist>| d.as_ref().map_or(0.0, |d| d.mean_ms());
    let (same, cross) = (mean(&model.zones.same_zone), mean(&model.zones.cross_zone));
    if same == 0.0 && cross == 0.0 {
        return 0.0;
    }
    let (from, to) = (zone_shares(caller), zone_shares(callee));
    let together: f64 = (from.iter())
        .map(|(zone, share)| share * to.iter().find(|(z, _)| z == zone).map_or(0.0, |(_, s)| *s))
        .sum();
    together * same + (1.0 - together) * cross
}

/// Each zone's share of `pool`'s initial instances.
fn zone_shares(pool: &Pool) -> Vec<(&str, f64)> {
    let zones = &pool.fleet.zones;
    let n = pool.instances.max(1) as usize;
    (zones.iter().enumerate())
        .map(|(z, name)| {
            let count = (0..n).filter(|i| i % zones.len() == z).count();
            (name.as_str(), count as f64 / n as f64)
        })
        .collect()
}
