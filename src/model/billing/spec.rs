//! How services are billed and instances bought, as written in JSON.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::units::{Count, Fraction, NonNegative, Positive};

/// `load_balancer.billed_as`: the managed load balancer whose price list
/// applies: an hourly charge plus capacity units (LCUs) for its traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BalancerBilling {
    /// An AWS Application Load Balancer.
    AwsAlb,
    /// An AWS Network Load Balancer.
    AwsNlb,
}

/// `cache.billed_as`: the CDN whose price list applies to what the cache
/// serves: per GB sent to viewers and per 10,000 requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CdnBilling {
    /// Amazon CloudFront (HTTPS requests, United States price class).
    AwsCloudfront,
}

/// `pool.purchase`: how the pool's instances are paid for (default
/// on-demand, at the instance type's price).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PurchaseSpec {
    /// The instance type's on-demand price.
    OnDemand,
    /// Reserved instances (or a compute savings plan bought as an effective
    /// hourly rate): `instances` of them (default: every instance billed)
    /// cost `usd_per_hour` each whether running or not; instances beyond
    /// them pay on-demand.
    Reserved(ReservedSpec),
    /// A savings plan: every instance-hour at on-demand less `discount`.
    SavingsPlan {
        /// Share off the on-demand price, 0 … 1 (e.g. 0.28).
        discount: Fraction,
    },
    /// Spot instances: a price, and interruptions (instance failures with a
    /// notice) at a rate.
    Spot(SpotSpec),
}

/// `purchase.reserved`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReservedSpec {
    /// Effective price of one reserved instance, US dollars per hour
    /// (upfront payments spread over the term).
    pub usd_per_hour: NonNegative,
    /// Instances reserved (default: all that run).
    #[serde(default)]
    pub instances: Option<Count>,
}

/// `purchase.spot`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpotSpec {
    /// Spot price, US dollars per instance-hour.
    pub usd_per_hour: NonNegative,
    /// Interruptions per instance-hour, at random (default 0).
    #[serde(default)]
    pub interruptions_per_hour: NonNegative,
    /// Warning before an interrupted instance stops, seconds: it takes no
    /// new request meanwhile (default 120, AWS's two-minute notice).
    #[serde(default = "two_minutes")]
    pub notice_s: Positive,
}

fn two_minutes() -> Positive {
    Positive::try_from(120.0).expect("constant in range")
}
