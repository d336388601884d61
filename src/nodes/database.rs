//! A database's state: shards × (primary + replicas) servers, each running
//! up to `connections` queries at once with a FIFO queue behind them.

use std::collections::VecDeque;

use crate::engine::JobId;
use crate::model::Database;

use crate::engine::Sampler;

/// One server (a shard's primary or one of its replicas).
#[derive(Debug)]
struct Server {
    free: u32,
    queue: VecDeque<JobId>,
}

/// Whether a query got a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// It runs now.
    Started,
    /// It waits for a connection.
    Queued,
    /// The server's queue was full.
    Rejected,
}

/// The live state of a database.
#[derive(Debug)]
pub struct DatabaseState {
    servers: Vec<Server>,
    per_shard: u32,
    /// Round-robin position over each shard's replicas.
    cursors: Vec<u32>,
    queue_limit: usize,
    /// Read service time, divided by speed.
    pub read: Sampler,
    /// Write service time, divided by speed.
    pub write: Sampler,
}

/// The shard of `key`: a multiplicative hash, so that keys that are small
/// consecutive integers still spread evenly.
pub fn shard_of(key: u64, shards: u32) -> u32 {
    let mixed = key.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    ((u128::from(mixed >> 32) * u128::from(shards)) >> 32) as u32
}

impl DatabaseState {
    /// All servers idle.
    pub fn new(db: &Database) -> Self {
        DatabaseState {
            servers: (0..db.servers())
                .map(|_| Server {
                    free: db.connections,
                    queue: VecDeque::new(),
                })
                .collect(),
            per_shard: 1 + db.replicas,
            cursors: vec![0; db.shards as usize],
            queue_limit: db.queue_limit.map_or(usize::MAX, |l| l as usize),
            read: Sampler::new(&db.read, db.instance_type.speed),
            write: Sampler::new(&db.write, db.instance_type.speed),
        }
    }

    /// Queries waiting for a connection.
    pub fn waiting(&self) -> usize {
        self.servers.iter().map(|s| s.queue.len()).sum()
    }

    /// The server for a query: its key's shard; the primary for writes (and
    /// for reads without replicas), else the shard's replicas in turn.
    pub fn route(&mut self, key: u64, write: bool) -> u32 {
        let shards = self.cursors.len() as u32;
        let shard = shard_of(key, shards);
        let first = shard * self.per_shard;
        let replicas = self.per_shard - 1;
        if write || replicas == 0 {
            return first;
        }
        let cursor = &mut self.cursors[shard as usize];
        *cursor = (*cursor + 1) % replicas;
        first + 1 + *cursor
    }

    /// Offers `job` to `server`.
    pub fn admit(&mut self, server: u32, job: JobId) -> Admission {
        let server = &mut self.servers[server as usize];
        if server.free > 0 {
            server.free -= 1;
            Admission::Started
        } else if server.queue.len() < self.queue_limit {
            server.queue.push_back(job);
            Admission::Queued
        } else {
            Admission::Rejected
        }
    }

    /// A query on `server` finished: the waiting job that takes over its
    /// connection, if any.
    pub fn release(&mut self, server: u32) -> Option<JobId> {
        let server = &mut self.servers[server as usize];
        let next = server.queue.pop_front();
        if next.is_none() {
            server.free += 1;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_keys_spread_evenly_over_shards() {
        let mut counts = [0u32; 4];
        for key in 0..40_000u64 {
            counts[shard_of(key, 4) as usize] += 1;
        }
        for count in counts {
            // 10^4 expected per shard; a hash this simple still lands within 5%.
            assert!((9_500..=10_500).contains(&count), "{counts:?}");
        }
    }
}
