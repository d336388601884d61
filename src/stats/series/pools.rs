//! The pool columns of a series: for each pool, in node order, the share of
//! its vCPUs busy (`<pool>.utilization`) and of its workers held
//! (`<pool>.worker_utilization`) during the window, as fractions.

use crate::engine::Level;
use crate::engine::{Resource, SimTime};
use crate::model::{Model, NodeId, NodeKind};

use super::{ColumnGroup, Span};

/// One pool's levels, integrated window by window.
struct PoolWindow {
    name: String,
    vcpus_per_instance: u32,
    workers_per_instance: u32,
    busy_vcpus: Level,
    busy_workers: Level,
    instances: Level,
}

/// Every pool of the model.
pub(super) struct PoolColumns {
    pools: Vec<PoolWindow>,
    /// Index into `pools` for each node; `None` for nodes that are not pools.
    pool_of_node: Vec<Option<usize>>,
}

/// Levels integrate over the whole run: the series counts the warm-up too.
const FROM_START: SimTime = SimTime::ZERO;

impl PoolColumns {
    /// A column pair for each pool of `model`.
    pub(super) fn new(model: &Model) -> Self {
        let mut pools = Vec::new();
        let pool_of_node = model
            .nodes
            .iter()
            .map(|node| match &node.kind {
                NodeKind::Pool(pool) => {
                    pools.push(PoolWindow {
                        name: node.name.clone(),
                        vcpus_per_instance: pool.instance_type.vcpus,
                        workers_per_instance: pool.workers,
                        busy_vcpus: Level::default(),
                        busy_workers: Level::default(),
                        instances: Level::default(),
                    });
                    Some(pools.len() - 1)
                }
                _ => None,
            })
            .collect();
        PoolColumns {
            pools,
            pool_of_node,
        }
    }

    /// Busy vCPUs or workers of `node` changed by `delta` (queues are not
    /// columns here).
    #[inline]
    pub(super) fn occupancy(&mut self, now: SimTime, node: NodeId, resource: Resource, delta: i32) {
        let Some(index) = self.pool_of_node[node.index()] else {
            return;
        };
        let pool = &mut self.pools[index];
        let level = match resource {
            Resource::Server => &mut pool.busy_vcpus,
            Resource::Worker => &mut pool.busy_workers,
            Resource::Queue => return,
        };
        level.add(now, FROM_START, f64::from(delta));
    }

    /// `node` now has `instances` instances serving.
    #[inline]
    pub(super) fn instances(&mut self, now: SimTime, node: NodeId, instances: u32) {
        if let Some(index) = self.pool_of_node[node.index()] {
            self.pools[index]
                .instances
                .set(now, FROM_START, f64::from(instances));
        }
    }
}

impl ColumnGroup for PoolColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for pool in &self.pools {
            columns.push(format!("{}.utilization", pool.name));
            columns.push(format!("{}.worker_utilization", pool.name));
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        for pool in &mut self.pools {
            // Busy time over capacity time: instance-time (not instances ×
            // window) so that a window in which instances change, once
            // autoscaling exists, is still weighed right; the run's
            // utilization is the same ratio over its whole window.
            let instance_ns = pool.instances.take_area(span.end, FROM_START);
            let ratio = |busy: f64, per_instance: u32| {
                if instance_ns > 0.0 && per_instance > 0 {
                    busy / (instance_ns * f64::from(per_instance))
                } else {
                    f64::NAN
                }
            };
            let vcpus = pool.busy_vcpus.take_area(span.end, FROM_START);
            let workers = pool.busy_workers.take_area(span.end, FROM_START);
            row.push(ratio(vcpus, pool.vcpus_per_instance));
            row.push(ratio(workers, pool.workers_per_instance));
        }
    }
}
