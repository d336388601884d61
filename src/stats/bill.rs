//! The bill by component: what the instances cost (compute, managed
//! databases and caches), and what the traffic costs (load balancers' hours
//! and capacity units, a CDN's GB and requests, egress to the internet and
//! across zones), priced from what a [`BillMeter`] counted.
//!
//! The traffic prices are averages over the span measured: AWS bills a load
//! balancer's capacity units on each hour's busiest dimension and data
//! transfer in monthly tiers; capsim takes the first tier and the span's
//! mean rates (exact for steady traffic; a lower bound for capacity units
//! when the traffic swings within an hour).

use serde::Serialize;

use crate::engine::Hop;
use crate::model::{Bill, ClassId, Metered, Model, NodeId, NodeKind, Prices};

use super::{Estimate, RunResult};

/// US dollars per hour, by component. Their sum is the run's cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Components {
    /// Pools' instances and Kubernetes clusters' nodes.
    pub compute: f64,
    /// Databases' and caches' instances (managed services billed by the hour).
    pub managed: f64,
    /// Managed load balancers: their hours and capacity units.
    pub load_balancer: f64,
    /// CDNs: GB sent to viewers and requests.
    pub cdn: f64,
    /// Data transfer out to the internet and between availability zones.
    pub egress: f64,
    /// Burstable instances' surplus CPU credits (unlimited mode).
    pub credits: f64,
}

impl Components {
    /// The components' names, in the order of [`Components::values`]: the
    /// suffixes of the sweep CSV's `usd_per_hour_<name>` columns.
    pub const NAMES: [&'static str; 6] = [
        "compute",
        "managed",
        "load_balancer",
        "cdn",
        "egress",
        "credits",
    ];

    /// The values in [`Components::NAMES`] order.
    pub fn values(&self) -> [f64; 6] {
        [
            self.compute,
            self.managed,
            self.load_balancer,
            self.cdn,
            self.egress,
            self.credits,
        ]
    }

    /// The whole bill, summed in a fixed order.
    pub fn total(&self) -> f64 {
        self.values().iter().fold(0.0, |sum, v| sum + v)
    }
}

/// What went through one metered node.
#[derive(Clone, Copy, Debug, Default)]
struct Through {
    requests: u64,
    request_kb: f64,
    response_kb: f64,
}

/// Counts what the bill prices: requests and KB through each metered node,
/// KB answered to clients, KB across zones. No allocation per event.
#[derive(Clone, Debug)]
pub struct BillMeter {
    bill: Bill,
    through: Vec<Through>,
    answered_kb: f64,
    cross_zone_kb: f64,
}

/// Bytes per KB and per GB: prices are per GB of 10^9 bytes.
const KB_PER_GB: f64 = 1e6;

impl BillMeter {
    /// A meter for `model`'s classes and nodes, at zero.
    pub fn new(model: &Model) -> Self {
        BillMeter {
            bill: model.bill.clone(),
            through: vec![Through::default(); model.nodes.len()],
            answered_kb: 0.0,
            cross_zone_kb: 0.0,
        }
    }

    /// Whether anything is metered: a payload or a metered node.
    pub fn any(&self) -> bool {
        self.bill.any
    }

    /// A visit of `class` to `node` ended, `ok` or failed.
    #[inline]
    pub fn visit(&mut self, node: NodeId, class: ClassId, ok: bool) {
        if self.bill.metered[node.index()].is_some() {
            let through = &mut self.through[node.index()];
            through.requests += 1;
            through.request_kb += self.bill.request_kb[class.index()];
            if ok {
                through.response_kb += self.bill.response_kb[class.index()];
            }
        }
    }

    /// A request of `class` got its successful answer.
    #[inline]
    pub fn answered(&mut self, class: ClassId) {
        self.answered_kb += self.bill.response_kb[class.index()];
    }

    /// An answer went back over the network: across zones, the request and
    /// its answer each crossed once.
    #[inline]
    pub fn hop(&mut self, hop: Hop) {
        if hop.cross_zone == Some(true) {
            let class = hop.class.index();
            self.cross_zone_kb += self.bill.request_kb[class];
            if hop.ok {
                self.cross_zone_kb += self.bill.response_kb[class];
            }
        }
    }

    /// Starts a new span at zero (a series' next window).
    pub fn reset(&mut self) {
        self.through.fill(Through::default());
        self.answered_kb = 0.0;
        self.cross_zone_kb = 0.0;
    }

    /// Each metered node's price per hour over a span of `seconds` (0 for
    /// the others), and the egress per hour.
    pub fn price(&self, seconds: f64) -> (Vec<f64>, f64) {
        let prices = &self.bill.prices;
        let hours = seconds / 3600.0;
        let mut cdn_out_kb = 0.0;
        let per_node = (self.bill.metered.iter().zip(&self.through))
            .map(|(metered, through)| match metered {
                None => 0.0,
                Some(Metered::Balancer {
                    application,
                    requests_per_connection,
                    rules,
                }) => balancer_usd_per_hour(
                    prices,
                    *application,
                    *requests_per_connection,
                    *rules,
                    through,
                    seconds,
                ),
                Some(Metered::Cdn { entry }) => {
                    if *entry {
                        cdn_out_kb += through.response_kb;
                    }
                    let gb = through.response_kb / KB_PER_GB;
                    let requests = through.requests as f64;
                    (gb * prices.cloudfront_usd_per_gb
                        + requests / 1e4 * prices.cloudfront_usd_per_10k_requests)
                        / hours
                }
            })
            .collect();
        // Answers that left through a CDN at the entry are the CDN's to bill.
        let internet_gb = (self.answered_kb - cdn_out_kb).max(0.0) / KB_PER_GB;
        // Billed out of one zone and into the other: twice the rate.
        let cross_gb = self.cross_zone_kb / KB_PER_GB;
        let egress = (internet_gb * prices.internet_usd_per_gb
            + cross_gb * 2.0 * prices.cross_zone_usd_per_gb)
            / hours;
        (per_node, egress)
    }
}

/// A managed load balancer's price per hour: its hourly charge plus its
/// capacity units, the largest of the dimensions capsim knows (new
/// connections, processed bytes and, for an ALB, rule evaluations beyond
/// the 10 free; active connections are not modelled).
fn balancer_usd_per_hour(
    prices: &Prices,
    application: bool,
    requests_per_connection: f64,
    rules: f64,
    through: &Through,
    seconds: f64,
) -> f64 {
    let per_s = through.requests as f64 / seconds;
    let gb_per_hour = (through.request_kb + through.response_kb) / KB_PER_GB / (seconds / 3600.0);
    let connections_per_s = per_s / requests_per_connection;
    if application {
        let lcus = (connections_per_s / 25.0)
            .max(gb_per_hour)
            .max(per_s * (rules - 10.0).max(0.0) / 1000.0);
        prices.alb_usd_per_hour + lcus * prices.alb_usd_per_lcu_hour
    } else {
        let lcus = (connections_per_s / 800.0).max(gb_per_hour);
        prices.nlb_usd_per_hour + lcus * prices.nlb_usd_per_lcu_hour
    }
}

/// The bill by component: `instances_usd` per node (their instances'
/// price per hour, metered charges added), the clusters' nodes, the
/// credits, and the meter's egress.
pub fn components(
    model: &Model,
    node_usd: &[f64],
    clusters_usd: f64,
    credits_usd: f64,
    egress_usd: f64,
) -> Components {
    let mut parts = Components {
        compute: clusters_usd,
        credits: credits_usd,
        egress: egress_usd,
        ..Components::default()
    };
    for ((node, usd), metered) in model.nodes.iter().zip(node_usd).zip(&model.bill.metered) {
        let slot = match (metered, &node.kind) {
            (Some(Metered::Balancer { .. }), _) => &mut parts.load_balancer,
            (Some(Metered::Cdn { .. }), _) => &mut parts.cdn,
            (None, NodeKind::Pool(_)) => &mut parts.compute,
            (None, _) => &mut parts.managed,
        };
        *slot += usd;
    }
    parts
}

/// [`Components`] over replications: each a mean with its interval.
#[derive(Clone, Debug, Serialize)]
pub struct ComponentEstimates {
    /// Pools' instances and clusters' nodes.
    pub compute: Estimate,
    /// Databases' and caches' instances.
    pub managed: Estimate,
    /// Managed load balancers.
    pub load_balancer: Estimate,
    /// CDNs.
    pub cdn: Estimate,
    /// Data transfer out to the internet and across zones.
    pub egress: Estimate,
    /// Surplus CPU credits.
    pub credits: Estimate,
}

impl ComponentEstimates {
    /// The estimates of `runs`' components.
    pub fn of(runs: &[RunResult]) -> Self {
        let over = |part: fn(&Components) -> f64| {
            Estimate::of(
                &runs
                    .iter()
                    .map(|r| part(&r.cost.breakdown))
                    .collect::<Vec<_>>(),
            )
        };
        ComponentEstimates {
            compute: over(|c| c.compute),
            managed: over(|c| c.managed),
            load_balancer: over(|c| c.load_balancer),
            cdn: over(|c| c.cdn),
            egress: over(|c| c.egress),
            credits: over(|c| c.credits),
        }
    }

    /// The estimates in [`Components::NAMES`] order.
    pub fn values(&self) -> [Estimate; 6] {
        [
            self.compute,
            self.managed,
            self.load_balancer,
            self.cdn,
            self.egress,
            self.credits,
        ]
    }
}
