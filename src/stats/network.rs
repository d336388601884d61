//! Network time per node: the latency the answers of a node's visits spent
//! travelling back to their callers (call latencies and zone round trips),
//! and the share of them that crossed availability zones.

use serde::Serialize;

/// Accumulated after the warm-up.
#[derive(Default)]
pub(crate) struct NetworkRecord {
    answers: u64,
    sum_ns: f64,
    /// Answers between two pool instances with a zone latency, and of those
    /// the ones that crossed zones.
    zoned: u64,
    cross: u64,
}

impl NetworkRecord {
    pub(crate) fn record(&mut self, delay_ns: u64, cross_zone: Option<bool>) {
        self.answers += 1;
        self.sum_ns += delay_ns as f64;
        if let Some(cross) = cross_zone {
            self.zoned += 1;
            self.cross += u64::from(cross);
        }
    }

    /// The figures, for a node whose answers crossed a network at all.
    pub(crate) fn summarize(&self, window_s: f64) -> Option<NetworkResult> {
        (self.answers > 0).then(|| NetworkResult {
            answers_per_s: self.answers as f64 / window_s,
            mean_ms: self.sum_ns / self.answers as f64 / 1e6,
            cross_zone_share: (self.zoned > 0).then(|| self.cross as f64 / self.zoned as f64),
        })
    }
}

/// A node's network figures (`nodes[i].network` in the JSON).
#[derive(Clone, Debug, Serialize)]
pub struct NetworkResult {
    /// Answers per second that travelled back over a latency.
    pub answers_per_s: f64,
    /// Mean network time per such answer, ms (what the caller waited on top
    /// of the visit itself).
    pub mean_ms: f64,
    /// Of the answers between pool instances with a zone latency, the share
    /// that crossed zones.
    pub cross_zone_share: Option<f64>,
}
