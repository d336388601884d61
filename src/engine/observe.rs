//! What nodes report as they work. `stats` implements it; the two meet only
//! in `run`. Static dispatch: the network is generic over its observer.

use crate::model::{ClassId, NodeId};

use super::time::SimTime;

/// A resource whose occupancy is integrated over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// The servers that do the work: a pool's vCPUs, a database's connections.
    Server,
    /// A pool's workers (threads), held through downstream calls.
    Worker,
    /// Requests waiting in queues.
    Queue,
}

/// Receives the facts of a run as they happen.
pub trait Observer {
    /// A job finished its visit to `node` (answered, or failed downstream).
    fn visit_done(
        &mut self,
        now: SimTime,
        node: NodeId,
        class: ClassId,
        entered: SimTime,
        ok: bool,
    );
    /// A request of `class` arrived from a source.
    fn arrival(&mut self, now: SimTime, class: ClassId);
    /// A request that entered the system at `created` got its answer.
    fn request_done(&mut self, now: SimTime, class: ClassId, created: SimTime, ok: bool);
    /// `node` turned a job away (full queue).
    fn rejected(&mut self, now: SimTime, node: NodeId, class: ClassId);
    /// The occupancy of `resource` at `node` changed by `delta`.
    fn occupancy(&mut self, now: SimTime, node: NodeId, resource: Resource, delta: i32);
    /// `node` now bills `instances` instances at `usd_per_hour` each.
    fn instances(&mut self, now: SimTime, node: NodeId, instances: u32, usd_per_hour: f64);
}
