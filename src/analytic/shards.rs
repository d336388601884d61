//! Where a database's load falls: each shard's share of the queries, from
//! the sources' key law and the database's key → shard map. A hot key makes
//! a hot shard under hashing; a hot range, under range sharding.

use crate::model::{Keys, Model, NodeId, NodeKind};

use super::che::zipf_popularity;

/// Keys summed one by one: enough for any realistic key law, bounded work.
const MAX_KEYS: u32 = 10_000_000;

/// The share of queries each shard of database `node` gets when every
/// source draws keys from the same uniform or Zipf law; `None` otherwise
/// (distinct keys spread evenly under a hash, but not under ranges; traces
/// have their own keys).
pub fn shard_shares(model: &Model, node: NodeId) -> Option<Vec<f64>> {
    let NodeKind::Database(db) = &model.node(node).kind else {
        return None;
    };
    let law = model.sources.first()?.keys;
    if model.sources.iter().any(|s| s.keys != law) {
        return None;
    }
    let mut shares = vec![0.0; db.shards as usize];
    match law {
        Keys::Uniform { n } if n <= MAX_KEYS => {
            for key in 0..u64::from(n) {
                shares[db.shard_of(key) as usize] += 1.0 / f64::from(n);
            }
        }
        Keys::Zipf { s, n } if n <= MAX_KEYS => {
            // Zipf keys are 1 … n, key k with popularity[k − 1].
            for (k, p) in zipf_popularity(n, s).into_iter().enumerate() {
                shares[db.shard_of(k as u64 + 1) as usize] += p;
            }
        }
        _ => return None,
    }
    Some(shares)
}
