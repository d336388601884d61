//! What the statistics need to price a run beyond its instances' hours.

/// Service prices, US dollars.
#[derive(Clone, Debug, PartialEq)]
pub struct Prices {
    /// An Application Load Balancer, per hour it runs.
    pub alb_usd_per_hour: f64,
    /// Per ALB capacity unit-hour.
    pub alb_usd_per_lcu_hour: f64,
    /// A Network Load Balancer, per hour it runs.
    pub nlb_usd_per_hour: f64,
    /// Per NLB capacity unit-hour.
    pub nlb_usd_per_lcu_hour: f64,
    /// CDN data transfer out to viewers, per GB.
    pub cloudfront_usd_per_gb: f64,
    /// CDN requests, per 10,000.
    pub cloudfront_usd_per_10k_requests: f64,
    /// Data transfer out to the internet from the region, per GB.
    pub internet_usd_per_gb: f64,
    /// Data transfer between availability zones, per GB and direction.
    pub cross_zone_usd_per_gb: f64,
}

/// How one node's traffic is billed, besides its instances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metered {
    /// A managed load balancer: an hourly charge plus capacity units.
    Balancer {
        /// Application (`true`) or network load balancer.
        application: bool,
        /// Requests carried by one client connection: new connections per
        /// second are the request rate over this.
        requests_per_connection: f64,
        /// Routing rules evaluated per request (its routes, plus the default).
        rules: f64,
    },
    /// A CDN: per GB it sends to viewers and per request.
    Cdn {
        /// Traffic enters here: its answers leave through the CDN, not the
        /// region's internet egress.
        entry: bool,
    },
}

/// The run's metered prices.
#[derive(Clone, Debug, PartialEq)]
pub struct Bill {
    /// Per class: a request's payload, KB (1,000 bytes).
    pub request_kb: Vec<f64>,
    /// Per class: a successful answer's payload, KB.
    pub response_kb: Vec<f64>,
    /// Per node: how its traffic is billed; `None` for instances alone.
    pub metered: Vec<Option<Metered>>,
    /// Whether any answer is priced: some class has a payload or some node
    /// is metered (else the bill is the instances' alone).
    pub any: bool,
    /// The prices.
    pub prices: Prices,
}

/// How a pool's instances are paid for.
#[derive(Clone, Debug, PartialEq)]
pub enum Purchase {
    /// Every billed instance at `usd_per_hour` (on-demand, a savings plan's
    /// discounted rate, or spot).
    Each {
        /// Price of one instance-hour.
        usd_per_hour: f64,
    },
    /// `reserved` instances at `reserved_usd_per_hour` whether running or
    /// not, and those beyond at `on_demand_usd_per_hour`.
    Reserved {
        /// Instances reserved.
        reserved: u32,
        /// Effective price of a reserved instance-hour.
        reserved_usd_per_hour: f64,
        /// Price of an instance-hour beyond the reservation.
        on_demand_usd_per_hour: f64,
    },
}

impl Purchase {
    /// The pool's price per hour with `billed` instances billed.
    pub fn usd_per_hour(&self, billed: u32) -> f64 {
        match *self {
            Purchase::Each { usd_per_hour } => f64::from(billed) * usd_per_hour,
            Purchase::Reserved {
                reserved,
                reserved_usd_per_hour,
                on_demand_usd_per_hour,
            } => {
                f64::from(reserved) * reserved_usd_per_hour
                    + f64::from(billed.saturating_sub(reserved)) * on_demand_usd_per_hour
            }
        }
    }
}

/// Spot interruptions of a pool's instances.
#[derive(Clone, Debug, PartialEq)]
pub struct Interruptions {
    /// Time from an instance starting to serve to its interruption notice:
    /// exponential, at the rate given.
    pub time_to_notice: crate::model::shared::dist::DistSpec,
    /// From the notice to the instance's stop, ns: it drains meanwhile.
    pub notice_ns: u64,
}
