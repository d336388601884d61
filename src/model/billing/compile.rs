//! The bill's compiled form, from a topology that passed its checks.

use crate::model::shared::dist::DistSpec;
use crate::model::shared::units::{Positive, seconds_to_ns};
use crate::model::topology::spec::{
    BalancerBilling, CdnBilling, NodeSpec, PoolSpec, PurchaseSpec, Topology,
};
use crate::model::traffic::sources::SourceView;

use super::compiled::{Bill, Interruptions, Metered, Purchase};

/// The run's metered prices: payloads per class (`classes` in id order),
/// how each node (in name order) is metered, and the built-in prices.
pub fn bill(topology: &Topology, sources: &[SourceView], classes: &[String]) -> Bill {
    let payload = |class: &str| {
        (sources.iter())
            .find_map(|source| source.classes.get(class))
            .map_or((0.0, 0.0), |spec| {
                (spec.request_kb.get(), spec.response_kb.get())
            })
    };
    let (request_kb, response_kb): (Vec<f64>, Vec<f64>) =
        classes.iter().map(|class| payload(class)).unzip();
    let entries: Vec<&str> = sources.iter().map(|source| source.entry).collect();
    let metered: Vec<Option<Metered>> = (topology.nodes.iter())
        .map(|(name, node)| metered(node, entries.contains(&name.as_str())))
        .collect();
    let any = metered.iter().any(Option::is_some)
        || request_kb.iter().chain(&response_kb).any(|&kb| kb > 0.0);
    Bill {
        request_kb,
        response_kb,
        metered,
        any,
        prices: super::prices::builtin(),
    }
}

/// How one node's traffic is billed.
fn metered(node: &NodeSpec, entry: bool) -> Option<Metered> {
    match node {
        NodeSpec::LoadBalancer(lb) => lb.billed_as.map(|kind| Metered::Balancer {
            application: kind == BalancerBilling::AwsAlb,
            requests_per_connection: f64::from(lb.requests_per_connection.get()),
            // Its routes, then the default action: each a rule evaluated.
            rules: (lb.routes.len() + 1) as f64,
        }),
        NodeSpec::Cache(cache) => cache.billed_as.map(|kind| match kind {
            CdnBilling::AwsCloudfront => Metered::Cdn { entry },
        }),
        _ => None,
    }
}

/// How a pool of machines priced at `on_demand` an instance-hour is paid for.
pub fn purchase(pool: &PoolSpec, on_demand: f64) -> Purchase {
    match &pool.purchase {
        None | Some(PurchaseSpec::OnDemand) => Purchase::Each {
            usd_per_hour: on_demand,
        },
        Some(PurchaseSpec::SavingsPlan { discount }) => Purchase::Each {
            usd_per_hour: on_demand * (1.0 - discount.get()),
        },
        Some(PurchaseSpec::Spot(spot)) => Purchase::Each {
            usd_per_hour: spot.usd_per_hour.get(),
        },
        Some(PurchaseSpec::Reserved(reserved)) => match reserved.instances {
            None => Purchase::Each {
                usd_per_hour: reserved.usd_per_hour.get(),
            },
            Some(n) => Purchase::Reserved {
                reserved: n.get(),
                reserved_usd_per_hour: reserved.usd_per_hour.get(),
                on_demand_usd_per_hour: on_demand,
            },
        },
    }
}

/// A spot pool's interruptions, if it has any.
pub fn interruptions(pool: &PoolSpec) -> Option<Interruptions> {
    let Some(PurchaseSpec::Spot(spot)) = &pool.purchase else {
        return None;
    };
    let rate = spot.interruptions_per_hour.get();
    let mean_ms = Positive::try_from(3.6e6 / rate).ok()?;
    (rate > 0.0).then(|| Interruptions {
        time_to_notice: DistSpec::Exponential { mean_ms },
        notice_ns: seconds_to_ns(spot.notice_s.get()),
    })
}
