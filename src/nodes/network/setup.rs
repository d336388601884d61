//! A network's start: each node's idle state (a cache prewarmed with the
//! sources' most popular keys) and the bound on events at one instant.

use crate::engine::Sampler;
use crate::engine::rng;
use crate::model::{Autoscaler, Hits, Keys, Model, Node, NodeKind};

use super::NodeState;
use crate::nodes::database::DatabaseState;
use crate::nodes::key_store::KeyStore;
use crate::nodes::pool::PoolState;
use crate::nodes::queue::QueueState;

/// Events at one instant beyond which a run is a zero-time loop: more than
/// any burst a model can cause (every request in flight and every closed
/// user taking a few zero-time steps, every instance crashing and being
/// replaced at once), and a fraction of a second of work.
pub(super) fn events_at_one_instant(model: &Model) -> u64 {
    let users: u64 = model
        .sources
        .iter()
        .map(|s| match s.arrivals {
            crate::model::Arrivals::Closed { users, .. } => u64::from(users),
            _ => 0,
        })
        .sum();
    let instances: u64 = model
        .nodes
        .iter()
        .map(|node| match &node.kind {
            NodeKind::Pool(pool) => {
                let most = match &pool.fleet.autoscaler {
                    Some(Autoscaler::Hpa(hpa)) => hpa.max,
                    Some(Autoscaler::Aws(aws)) => aws.max,
                    None => 0,
                };
                u64::from(pool.instances.max(most))
            }
            _ => 0,
        })
        .sum();
    1_000_000 + 32 * (u64::from(model.max_in_flight) + users) + 8 * instances
}

/// A node idle: its samplers ready, a cache's store prewarmed if asked.
pub(super) fn initial_state(model: &Model, node: &Node, seed: u64, replication: u32) -> NodeState {
    match &node.kind {
        NodeKind::Balancer(b) => NodeState::Balancer {
            latency: b.latency.as_ref().map(|d| Sampler::new(d, 1.0)),
            cursor: 0,
        },
        NodeKind::Pool(pool) => NodeState::Pool(PoolState::new(pool)),
        NodeKind::Cache(cache) => NodeState::Cache {
            latency: Sampler::new(&cache.latency, 1.0),
            store: match cache.hits {
                Hits::Store {
                    capacity,
                    policy,
                    ttl_s,
                    prewarm,
                } => {
                    let mut store = KeyStore::new(capacity, policy, ttl_s);
                    if prewarm {
                        let mut rng = rng::stream(seed, replication, &node.name);
                        store.prewarm(popular_keys(model, capacity), &mut rng);
                    }
                    Some(Box::new(store))
                }
                Hits::Ratio(_) => None,
            },
        },
        NodeKind::Database(db) => NodeState::Database(Box::new(DatabaseState::new(db))),
        NodeKind::Delay(delay) => NodeState::Delay {
            latency: Sampler::new(&delay.latency, 1.0),
        },
        NodeKind::Queue(queue) => NodeState::Queue(Box::new(QueueState::new(queue))),
    }
}

/// The `capacity` most popular keys of the sources' key law, least popular
/// first (so an LRU holds the most popular as the most recent); none when
/// the sources share no uniform or Zipf law.
fn popular_keys(model: &Model, capacity: u32) -> Box<dyn Iterator<Item = u64>> {
    let law = model.sources.first().map(|s| s.keys);
    if model.sources.iter().any(|s| Some(s.keys) != law) {
        return Box::new(std::iter::empty());
    }
    match law {
        Some(Keys::Zipf { n, .. }) => Box::new((1..=u64::from(n.min(capacity))).rev()),
        Some(Keys::Uniform { n }) => Box::new(0..u64::from(n.min(capacity))),
        _ => Box::new(std::iter::empty()),
    }
}
