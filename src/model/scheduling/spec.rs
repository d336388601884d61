//! The scheduling part of the format, as written: a node's `priority` and a
//! pool's `cpu`.
//!
//! Priorities are set at the node, not per class for the whole model: a
//! priority is what one node's scheduler does (a thread scheduler, a
//! database's workload manager), and tiers rank the same classes
//! differently (a batch class can come first at its own workers and last at
//! the shared database).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::unique;

/// `priority`: which classes a pool's queues and vCPUs, or a database's
/// connections, serve first. Within a priority, first come, first served.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrioritySpec {
    /// Each class's priority, an integer: higher is served first (as a
    /// Kubernetes PriorityClass); a class not listed has 0.
    #[serde(deserialize_with = "unique::map")]
    pub classes: BTreeMap<String, i32>,
    /// Pools only: a CPU burst of a higher priority takes the vCPU of the
    /// lowest-priority running burst, which resumes later where it stopped
    /// (pre-emptive resume; default false: a running burst keeps its vCPU).
    #[serde(default)]
    pub preemptive: bool,
}

/// How a pool instance's vCPUs serve the requests that hold a worker and
/// have CPU work to do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CpuDiscipline {
    /// A burst runs to its end on one vCPU; the others wait in line.
    #[default]
    Fifo,
    /// The vCPUs are time-sliced among every runnable burst (as an OS
    /// scheduler does when threads outnumber cores): with n bursts on c
    /// vCPUs, each progresses at min(1, c/n).
    ProcessorSharing,
}
