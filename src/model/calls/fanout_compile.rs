//! Groups of calls made at once → numbered `CallGroup`s, by pool and call
//! order, each pointing at its calls in the pool's flat `calls`.

use crate::model::calls::fanout_compiled::{CallGroup, GroupId, GroupKind, HedgeAfter, Join};
use crate::model::shared::ids::NodeId;
use crate::model::shared::units::ms_to_ns;
use crate::model::topology::compiled::{Database, Node, NodeKind, ShardMap};
use crate::model::topology::spec::{
    CallSpec, HedgeSpec, JoinSpec, NodeSpec, ScatterSpec, Topology,
};

/// Numbers every group, and points its calls at it.
pub fn call_groups(topology: &Topology, nodes: &mut [Node]) -> Vec<CallGroup> {
    let mut groups = Vec::new();
    for (index, (name, spec)) in topology.nodes.iter().enumerate() {
        let NodeSpec::Pool(pool) = spec else { continue };
        let mut first_call = 0u16;
        for (entry, call) in pool.calls.iter().enumerate() {
            let group = group(nodes, name, entry, call, first_call);
            let calls = match &call.parallel {
                Some(parallel) => parallel.calls.len() as u16,
                None => u16::from(!call.to.is_empty()),
            };
            if let Some(mut group) = group {
                group.caller = NodeId(index as u32);
                let id = groups.len() as GroupId;
                if let NodeKind::Pool(compiled) = &mut nodes[index].kind {
                    let range = usize::from(first_call)..usize::from(first_call + calls);
                    for call in &mut compiled.calls[range] {
                        call.group = Some(id);
                    }
                }
                groups.push(group);
            }
            first_call += calls;
        }
    }
    groups
}

/// The group of one entry of `calls`, if it makes one.
fn group(
    nodes: &[Node],
    pool: &str,
    entry: usize,
    call: &CallSpec,
    first_call: u16,
) -> Option<CallGroup> {
    let (kind, join, cancel_losers, branch_names) = if let Some(parallel) = &call.parallel {
        let join = match parallel.join {
            JoinSpec::All => Join::All,
            JoinSpec::First => Join::First,
            JoinSpec::Quorum(k) => Join::Quorum(k.get() as u16),
        };
        let names = unique_names(parallel.calls.iter().map(|b| b.to.as_str()));
        (GroupKind::Parallel, join, parallel.cancel_losers, names)
    } else if let Some(scatter) = call.scatter {
        let db = nodes.iter().find_map(|node| match &node.kind {
            NodeKind::Database(db) if node.name == call.to => Some(db),
            _ => None,
        })?;
        let shard_keys = shard_keys(db);
        let names = (0..db.shards).map(|s| format!("shard {s}")).collect();
        let key_range = match scatter {
            ScatterSpec::AllShards => None,
            ScatterSpec::KeyRange(n) => Some(u64::from(n.get())),
        };
        let kind = GroupKind::Scatter {
            shard_keys,
            key_range,
        };
        (kind, Join::All, false, names)
    } else if let Some(hedge) = &call.hedge {
        let names = (1..=hedge.copies.get())
            .map(|c| format!("copy {c}"))
            .collect();
        let kind = GroupKind::Hedge {
            after: hedge_after(hedge),
        };
        (kind, Join::First, hedge.cancel_losers, names)
    } else {
        return None;
    };
    Some(CallGroup {
        name: format!("{pool}.calls[{entry}]"),
        caller: NodeId(0),
        first_call,
        calls: call.parallel.as_ref().map_or(1, |p| p.calls.len() as u16),
        branches: branch_names.len() as u16,
        join,
        cancel_losers,
        kind,
        branch_names,
    })
}

/// Buckets in a running percentile's window: Finagle's
/// `WindowedPercentileHistogram` keeps 3 of 10 s ("a window of 30 seconds
/// and 3 buckets tracked request latency well").
const HEDGE_BUCKETS: u16 = 3;

/// A checked hedge's delay (`after_ms`, or else `after_percentile`).
fn hedge_after(hedge: &HedgeSpec) -> HedgeAfter {
    match (hedge.after_ms, hedge.after_percentile) {
        (Some(ms), _) => HedgeAfter::Fixed(ms_to_ns(ms.get())),
        (None, q) => {
            let window_s = hedge.window_s.map_or(30.0, |w| w.get());
            HedgeAfter::Percentile {
                quantile: q.map_or(0.95, |q| q.get() / 100.0),
                bucket_ns: ms_to_ns(window_s * 1e3 / f64::from(HEDGE_BUCKETS)).max(1),
                buckets: HEDGE_BUCKETS,
            }
        }
    }
}

/// Callee names, a repeated one with its position (`users#2`).
fn unique_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let names: Vec<&str> = names.collect();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if names.iter().filter(|n| *n == name).count() > 1 {
                format!("{name}#{i}")
            } else {
                name.to_string()
            }
        })
        .collect()
}

/// A key of each shard, so that a scatter's branch carries a key the
/// database routes to that shard: a range shard's first key; for a hash,
/// the smallest key hashed there (a coupon collector: every shard turns up
/// within about shards × ln shards keys).
fn shard_keys(db: &Database) -> Vec<u64> {
    let shards = u64::from(db.shards);
    if let ShardMap::Range { key_space } = db.sharding {
        return (0..shards)
            .map(|s| (u128::from(s) * u128::from(key_space)).div_ceil(u128::from(shards)) as u64)
            .collect();
    }
    let mut keys: Vec<Option<u64>> = vec![None; db.shards as usize];
    let mut missing = keys.len();
    // Far past the collector's tail (the test below finds every shard).
    let limit = 1024 * (shards + 1);
    let mut key = 0u64;
    while missing > 0 && key < limit {
        if let Some(slot @ None) = keys.get_mut(db.shard_of(key) as usize) {
            *slot = Some(key);
            missing -= 1;
        }
        key += 1;
    }
    keys.into_iter().map(|k| k.unwrap_or(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dist, InstanceType, ReadPolicy};

    fn db(shards: u32, sharding: ShardMap) -> Database {
        let one_ms: Dist = serde_json::from_str(r#"{ "constant": { "ms": 1 } }"#).unwrap();
        Database {
            instance_type: InstanceType {
                name: "t".into(),
                vcpus: 1,
                speed: 1.0,
                memory_gb: 0.0,
                usd_per_hour: 0.0,
            },
            shards,
            sharding,
            replicas: 0,
            read_from: ReadPolicy::RoundRobin,
            connections: 1,
            queue_limit: None,
            read: one_ms.clone(),
            write: one_ms,
            read_cpu_share: 1.0,
            write_cpu_share: 1.0,
            replication: None,
            scheduling: crate::model::topology::compiled::Scheduling::fifo(),
        }
    }

    #[test]
    fn every_shard_gets_a_key_of_its_own() {
        for shards in [1, 2, 3, 7, 64, 1024] {
            for sharding in [ShardMap::Hash, ShardMap::Range { key_space: 10_000 }] {
                let db = db(shards, sharding);
                let keys = shard_keys(&db);
                let routed: Vec<u32> = keys.iter().map(|&k| db.shard_of(k)).collect();
                assert_eq!(
                    routed,
                    (0..shards).collect::<Vec<_>>(),
                    "{shards} {sharding:?}"
                );
            }
        }
    }
}
