//! Network latency as written in JSON: `calls[i].latency` on a pool's call,
//! and the model's `network` (latency between availability zones).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::dist::DistSpec;

/// `calls[i].latency`: the network's time on one call, added to the caller's
/// response while its worker waits; the callee is not occupied by it.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CallLatencySpec {
    /// Each way: drawn twice per call (request and answer), independently.
    OneWay(DistSpec),
    /// There and back: drawn once per call.
    RoundTrip(DistSpec),
}

/// `network`: round-trip latency of a synchronous call between two pool
/// instances, by whether their availability zones (`zones` of each pool,
/// matched by name; a pool without `zones` is in zone `default`) are the
/// same. Either may be left out (no latency).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Round trip between instances in one zone (e.g. 0.1 ms).
    #[serde(default)]
    pub same_zone: Option<DistSpec>,
    /// Round trip between instances in different zones (e.g. 1 ms).
    #[serde(default)]
    pub cross_zone: Option<DistSpec>,
}
