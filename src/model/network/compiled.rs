//! Compiled network latency: a call's latency, and the zones' latencies.

use crate::model::shared::dist::DistSpec as Dist;

/// A call's latency.
#[derive(Clone, Debug, PartialEq)]
pub struct CallLatency {
    /// The law of one draw, ms.
    pub dist: Dist,
    /// Drawn twice per call (each way) rather than once (round trip).
    pub one_way: bool,
}

impl CallLatency {
    /// Mean network time per call, ms.
    pub fn mean_ms(&self) -> f64 {
        self.dist.mean_ms() * if self.one_way { 2.0 } else { 1.0 }
    }
}

/// The model's `network`: round trips between pool instances.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZoneLatency {
    /// Between instances of one zone.
    pub same_zone: Option<Dist>,
    /// Between instances of different zones.
    pub cross_zone: Option<Dist>,
}

impl ZoneLatency {
    /// Whether any zone latency is set (else the run skips the zone lookup).
    pub fn is_set(&self) -> bool {
        self.same_zone.is_some() || self.cross_zone.is_some()
    }
}
