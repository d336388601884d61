//! Where a database's load falls: each shard's share of the queries, from
//! the sources' key law and the database's key → shard map. A hot key makes
//! a hot shard under hashing; a hot range, under range sharding.

use crate::model::{Database, Keys, Model, NodeId, NodeKind, ShardMap};

use super::zipf::{HEAD, Zipf};

/// The share of queries each shard of database `node` gets when every
/// source draws keys from the same uniform or Zipf law; `None` otherwise
/// (distinct keys spread evenly under a hash, but not under ranges; traces
/// have their own keys).
///
/// Under range sharding every shard's share is a sum over its range (the
/// Zipf tail in closed form). Under hashing the most popular keys are placed
/// one by one and the rest spread evenly: multiplicative hashing scatters
/// consecutive keys evenly, so the tail's deviation per shard is far below
/// a percent of the share.
pub fn shard_shares(model: &Model, node: NodeId) -> Option<Vec<f64>> {
    let NodeKind::Database(db) = &model.node(node).kind else {
        return None;
    };
    let law = model.sources.first()?.keys;
    if model.sources.iter().any(|s| s.keys != law) {
        return None;
    }
    let mut shares = vec![0.0; db.shards as usize];
    match (law, db.sharding) {
        (Keys::Uniform { n: 0 } | Keys::Zipf { n: 0, .. } | Keys::Distinct, _) => return None,
        // Uniform keys are 0 … n − 1.
        (Keys::Uniform { n }, ShardMap::Range { .. }) => {
            for (shard, (first, last)) in ranges(db, 0, u64::from(n) - 1) {
                shares[shard] += (last - first + 1) as f64 / f64::from(n);
            }
        }
        (Keys::Uniform { n }, ShardMap::Hash) => {
            let placed = n.min(HEAD);
            for key in 0..u64::from(placed) {
                shares[db.shard_of(key) as usize] += 1.0 / f64::from(n);
            }
            spread(&mut shares, f64::from(n - placed) / f64::from(n));
        }
        // Zipf keys are 1 … n.
        (Keys::Zipf { s, n }, ShardMap::Range { .. }) => {
            let zipf = Zipf::new(s, n);
            for (shard, (first, last)) in ranges(db, 1, u64::from(n)) {
                shares[shard] += zipf.mass(first as u32, last as u32);
            }
        }
        (Keys::Zipf { s, n }, ShardMap::Hash) => {
            let zipf = Zipf::new(s, n);
            let mut placed = 0.0;
            for (k, p) in zipf.head().iter().enumerate() {
                shares[db.shard_of(k as u64 + 1) as usize] += p;
                placed += p;
            }
            spread(&mut shares, (1.0 - placed).max(0.0));
        }
    }
    Some(shares)
}

/// Adds `mass` evenly over the shards.
fn spread(shares: &mut [f64], mass: f64) {
    let each = mass / shares.len() as f64;
    for share in shares {
        *share += each;
    }
}

/// Each shard's keys within `first ..= last`, as (shard, (first, last)):
/// `shard_of` is monotone under range sharding, so each shard's keys are
/// one interval, found by bisection on the map itself.
fn ranges(db: &Database, first: u64, last: u64) -> Vec<(usize, (u64, u64))> {
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        let shard = db.shard_of(start);
        // The last key of `start`'s shard within the range.
        let (mut lo, mut hi) = (start, last);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if db.shard_of(mid) == shard {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        out.push((shard as usize, (start, lo)));
        start = lo + 1;
    }
    out
}
