//! Which nodes traffic can reach: from every source's entry, along
//! balancer targets, calls and cache misses. A node nothing reaches is
//! still simulated and billed, which a user should hear about (a typo in a
//! `to`, a tier left over from an edit).

use crate::model::topology::compiled::{Model, NodeId, NodeKind};

impl Model {
    /// Nodes no request can visit, in node order.
    pub fn unreachable_nodes(&self) -> Vec<NodeId> {
        let mut reached = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = self.sources.iter().map(|s| s.entry).collect();
        while let Some(id) = stack.pop() {
            match reached.get_mut(id.index()) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            match &self.node(id).kind {
                NodeKind::Balancer(lb) => stack.extend(
                    lb.targets_by_class
                        .iter()
                        .flat_map(|targets| &targets.0)
                        .filter(|&&(_, share)| share > 0.0)
                        .map(|&(to, _)| to),
                ),
                NodeKind::Pool(pool) => stack.extend(
                    pool.calls
                        .iter()
                        .filter(|call| call.probability > 0.0)
                        .map(|call| call.to),
                ),
                NodeKind::Cache(cache) => stack.extend(cache.on_miss),
                NodeKind::Queue(queue) => stack.push(queue.consumer),
                NodeKind::Database(_) | NodeKind::Delay(_) => {}
            }
        }
        (0..self.nodes.len())
            .filter(|&i| !reached[i])
            .map(|i| NodeId(i as u32))
            .collect()
    }
}
