//! What is recorded and how it is summarized: HDR latency histograms,
//! time-weighted occupancy, cost, an optional time series per window, and
//! confidence intervals over replications. Implements `engine::Observer`.
//!
//! **Invariants:** no I/O; nothing before the warm-up counts (except in the
//! time series, which covers the whole run and flags warm-up windows);
//! intervals come only from independent replications, never from one run's
//! samples.

mod bill;
mod clusters;
mod credit_estimates;
mod credits;
mod fanout;
mod hdr_counts;
mod interval;
mod latency;
mod network;
mod node_record;
mod number;
mod queues;
mod recorder;
mod result;
mod series;
mod summary;

pub use bill::{BillMeter, ComponentEstimates, Components};
pub use clusters::{ClusterEstimate, ClusterResult};
pub use credit_estimates::CreditsEstimate;
pub use credits::CreditsResult;
pub use fanout::{BranchEstimate, BranchResult, GroupEstimate, GroupResult};
pub use interval::{Estimate, t_interval};
pub use latency::{LatencyRecord, LatencySummary, pairs as histogram_pairs};
pub use network::NetworkResult;
pub use number::csv_number;
pub use queues::QueueResult;
pub use recorder::{Recorder, RunInfo};
pub use result::{
    BREAKER_LOG_LIMIT, BreakerChange, CallResult, ClassLatency, ClassResult, CostResult,
    NodeResult, Outcome, RunResult, ShardResult,
};
pub use series::Series;
pub use summary::{
    CallEstimate, ClassRefusals, LatencyEstimate, NodeEstimate, ShardEstimate, Summary,
};
