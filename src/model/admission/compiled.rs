//! Admission control, compiled: a rate in integer thousandths of a token per
//! second, so that the bucket's arithmetic is exact.

pub use crate::model::admission::spec::RateKey;

/// A node's admission control.
#[derive(Clone, Debug, PartialEq)]
pub struct Admission {
    /// Its token bucket, if rate limited.
    pub rate_limit: Option<RateLimit>,
    /// Requests at the node at once, at most.
    pub max_concurrency: Option<u32>,
    /// Shed when this many requests wait at the pool.
    pub shed_queue_length: Option<u32>,
    /// Shed when the expected wait exceeds this, ns.
    pub shed_wait_ns: Option<u64>,
    /// A freed worker takes the newest waiting request while more than this wait.
    pub lifo_over: Option<u32>,
}

/// A compiled token bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    /// Tokens per 1000 s (the rate in thousandths of a token per second,
    /// as nginx keeps its rates), at least 1.
    pub milli_rate: u64,
    /// Tokens at most, and at the start.
    pub burst: u32,
    /// Whose requests share a bucket.
    pub per: RateKey,
    /// Whether each class (index = class id) is limited.
    pub class_filter: Vec<bool>,
}

impl RateLimit {
    /// Tokens per second.
    pub fn rate_per_s(&self) -> f64 {
        self.milli_rate as f64 / 1000.0
    }
}
