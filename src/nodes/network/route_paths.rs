//! The paths of the nodes that hold no work of their own: a balancer's
//! forward and a cache's lookup.

use rand::RngExt;

use crate::engine::{EventQueue, JobId, Observer, SimTime};
use crate::model::{Hits, NodeKind, WritePolicy};
use crate::nodes::balancer::pick_target;
use crate::nodes::job::Origin;

use super::{Answer, Network, NodeState};

impl<O: Observer> Network<'_, O> {
    /// A balancer passes the job on: a target by its class's split, and
    /// an instance of a target pool by the balancer's policy.
    pub(super) fn forward(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let node = self.jobs[id].node.index();
        let NodeKind::Balancer(balancer) = &self.model.nodes[node].kind else {
            unreachable!("forward is only called for balancers")
        };
        let target = pick_target(
            &balancer.targets_by_class[self.jobs[id].class.index()],
            &mut self.rngs[node],
        );
        let mut child = self.child(id, target, Origin::Call(id), now);
        let rng = &mut self.rngs[node];
        if let (NodeState::Pool(pool), NodeState::Balancer { cursor, .. }) =
            pick_two(&mut self.states, target.index(), node)
        {
            // With no instance in rotation the pool rejects the request.
            if pool.instance_count() > 0 {
                child.slot = pool.pick(balancer.policy, cursor, rng);
            }
        }
        self.spawn(now, queue, child);
    }

    /// A cache's lookup (or write) is over: a hit answers, a miss or a
    /// write goes on to the origin.
    pub(super) fn cache_lookup_done(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let NodeKind::Cache(cache) = &self.model.nodes[node].kind else {
            unreachable!()
        };
        let rng = &mut self.rngs[node];
        if job.write {
            // A write is no lookup: it updates or drops the key, then goes
            // to the origin (the hit ratio counts reads only).
            if let NodeState::Cache {
                store: Some(store), ..
            } = &mut self.states[node]
            {
                match cache.writes {
                    WritePolicy::Around => store.invalidate(job.key),
                    WritePolicy::Through => store.write(job.key, now.as_nanos(), rng),
                }
            }
            return match cache.on_miss {
                Some(origin) => {
                    let child = self.child(id, origin, Origin::Call(id), now);
                    self.spawn(now, queue, child);
                }
                None => self.finish(now, queue, id, Answer::Ok),
            };
        }
        let hit = match (&mut self.states[node], &cache.hits) {
            (
                NodeState::Cache {
                    store: Some(store), ..
                },
                _,
            ) => store.lookup(job.key, now.as_nanos(), rng),
            (_, Hits::Ratio(ratio)) => rng.random::<f64>() < *ratio,
            _ => unreachable!("a cache with a store has one"),
        };
        self.observer.cache_lookup(now, job.node, hit);
        match cache.on_miss {
            Some(origin_node) if !hit => {
                let child = self.child(id, origin_node, Origin::Call(id), now);
                self.spawn(now, queue, child);
            }
            _ => self.finish(now, queue, id, Answer::Ok),
        }
    }
}

/// Mutable access to two different nodes' states at once: a balancer and
/// the pool it picks an instance of. They differ because a balancer that
/// targets itself is a call cycle, which validation rejects.
fn pick_two(states: &mut [NodeState], a: usize, b: usize) -> (&mut NodeState, &mut NodeState) {
    assert_ne!(
        a, b,
        "a balancer cannot target itself (a validated call cycle)"
    );
    if a < b {
        let (low, high) = states.split_at_mut(b);
        (&mut low[a], &mut high[0])
    } else {
        let (low, high) = states.split_at_mut(a);
        (&mut high[0], &mut low[b])
    }
}
