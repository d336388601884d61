//! A database's state: shards × (primary + replicas) servers, each running
//! up to `connections` queries at once with a queue behind them (first come,
//! first served, or by class priority). The key → shard map is the model's
//! (`Database::shard_of`).
//!
//! A query holds its connection for its whole time, and one of the server's
//! vCPUs for its CPU share of it: connections beyond the vCPUs wait for a
//! vCPU, as a database's backends wait for the scheduler. The CPU part runs
//! first, then the I/O (or lock) wait, which holds only the connection.

use crate::engine::JobId;
use crate::model::{ClassId, Database, ReadPolicy};

use super::class_queue::ClassQueue;

use crate::engine::Sampler;
use crate::engine::rng::Rng;

/// One server (a shard's primary or one of its replicas).
#[derive(Debug)]
struct Server {
    /// Connections free.
    free: u32,
    /// Queries waiting for a connection.
    queue: ClassQueue<JobId>,
    /// vCPUs free.
    free_vcpus: u32,
    /// Queries holding a connection, waiting for a vCPU.
    cpu_queue: ClassQueue<JobId>,
}

/// A query's time split into its CPU part and its I/O wait, ns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryTime {
    /// On a vCPU (divided by the server's speed).
    pub cpu: u64,
    /// Holding only the connection (not divided by speed: disks and locks
    /// do not get faster with the CPU).
    pub io: u64,
}

/// How a query's drawn time splits: the CPU share, divided by speed.
#[derive(Clone, Copy, Debug)]
struct Split {
    cpu_share: f64,
    speed: f64,
}

impl Split {
    fn of(self, drawn: u64) -> QueryTime {
        if self.cpu_share == 1.0 {
            // All CPU: the time as drawn, scaled as a pool's service is.
            return QueryTime {
                cpu: (drawn as f64 / self.speed) as u64,
                io: 0,
            };
        }
        let cpu_at_speed_1 = (drawn as f64 * self.cpu_share) as u64;
        QueryTime {
            cpu: (cpu_at_speed_1 as f64 / self.speed) as u64,
            io: drawn - cpu_at_speed_1,
        }
    }
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
    config: Database,
    /// Read time at speed 1.
    read: Sampler,
    /// Write time at speed 1.
    write: Sampler,
    read_split: Split,
    write_split: Split,
    /// The I/O wait still ahead of a query on its vCPU, by job index:
    /// grows to the most jobs in flight, then allocates no more.
    io_after_cpu: Vec<u64>,
    /// Synchronous replication latency of a write (not divided by speed:
    /// it is the network's and the replica's).
    pub replication: Option<Sampler>,
}

impl DatabaseState {
    /// All servers idle.
    pub fn new(db: &Database) -> Self {
        DatabaseState {
            servers: (0..db.servers())
                .map(|_| Server {
                    free: db.connections,
                    queue: ClassQueue::new(db.scheduling.ranks),
                    free_vcpus: db.instance_type.vcpus,
                    cpu_queue: ClassQueue::new(db.scheduling.ranks),
                })
                .collect(),
            per_shard: 1 + db.replicas,
            cursors: vec![0; db.shards as usize],
            queue_limit: db.queue_limit.map_or(usize::MAX, |l| l as usize),
            read: Sampler::new(&db.read, 1.0),
            write: Sampler::new(&db.write, 1.0),
            read_split: Split {
                cpu_share: db.read_cpu_share,
                speed: db.instance_type.speed,
            },
            write_split: Split {
                cpu_share: db.write_cpu_share,
                speed: db.instance_type.speed,
            },
            io_after_cpu: Vec::new(),
            replication: db.replication.as_ref().map(|d| Sampler::new(d, 1.0)),
            config: db.clone(),
        }
    }

    /// Queries waiting for a connection.
    pub fn waiting(&self) -> usize {
        self.servers.iter().map(|s| s.queue.len()).sum()
    }

    /// True if a read's (or a write's) time is all I/O wait: it needs no vCPU.
    pub fn pure_io(&self, write: bool) -> bool {
        let split = if write {
            self.write_split
        } else {
            self.read_split
        };
        split.cpu_share == 0.0
    }

    /// Draws a read's or a write's time and splits it into CPU and I/O.
    pub fn draw(&self, write: bool, rng: &mut Rng) -> QueryTime {
        if write {
            self.write_split.of(self.write.draw(rng))
        } else {
            self.read_split.of(self.read.draw(rng))
        }
    }

    /// `job`, holding a connection on `server`, asks for a vCPU: true if it
    /// got one, false if it waits (by rank) for one.
    pub fn take_vcpu(&mut self, server: u32, job: JobId, rank: u16) -> bool {
        let server = &mut self.servers[server as usize];
        if server.free_vcpus > 0 {
            server.free_vcpus -= 1;
            true
        } else {
            server.cpu_queue.push_back(rank, job);
            false
        }
    }

    /// A query's CPU part on `server` ended: the waiting query that takes
    /// over its vCPU, if any.
    pub fn release_vcpu(&mut self, server: u32) -> Option<JobId> {
        let server = &mut self.servers[server as usize];
        let next = server.cpu_queue.pop_front().map(|(_, job)| job);
        if next.is_none() {
            server.free_vcpus += 1;
        }
        next
    }

    /// Keeps `io` ns of I/O wait for `job` until its CPU part ends.
    pub fn keep_io(&mut self, job: JobId, io: u64) {
        let index = job.0 as usize;
        if index >= self.io_after_cpu.len() {
            self.io_after_cpu.resize(index + 1, 0);
        }
        self.io_after_cpu[index] = io;
    }

    /// The I/O wait kept for `job` (0 if none), forgotten.
    pub fn take_io(&mut self, job: JobId) -> u64 {
        self.io_after_cpu
            .get_mut(job.0 as usize)
            .map_or(0, std::mem::take)
    }

    /// The shard server `server` belongs to.
    pub fn shard_of_server(&self, server: u32) -> u32 {
        server / self.per_shard
    }

    /// True if `server` is its shard's primary (the first of its servers).
    pub fn is_primary(&self, server: u32) -> bool {
        server.is_multiple_of(self.per_shard)
    }

    /// The server for a query: its key's shard; the primary for writes (and
    /// for reads without replicas), else one of the shard's replicas.
    pub fn route(&mut self, key: u64, write: bool) -> u32 {
        let shard = self.config.shard_of(key);
        let first = shard * self.per_shard;
        let replicas = self.per_shard - 1;
        if write || replicas == 0 {
            return first;
        }
        match self.config.read_from {
            ReadPolicy::RoundRobin => {
                let cursor = &mut self.cursors[shard as usize];
                *cursor = (*cursor + 1) % replicas;
                first + 1 + *cursor
            }
            ReadPolicy::LeastLoaded => (first + 1..=first + replicas)
                .min_by_key(|&s| {
                    let server = &self.servers[s as usize];
                    server.queue.len() as i64 - i64::from(server.free)
                })
                .expect("at least one replica"),
        }
    }

    /// The rank of `class` at the connections: 0 is served first.
    #[inline]
    pub fn rank(&self, class: ClassId) -> u16 {
        self.config.scheduling.rank(class)
    }

    /// Offers `job` (of rank `rank`) to `server`.
    pub fn admit(&mut self, server: u32, job: JobId, rank: u16) -> Admission {
        let server = &mut self.servers[server as usize];
        if server.free > 0 {
            server.free -= 1;
            Admission::Started
        } else if server.queue.len() < self.queue_limit {
            server.queue.push_back(rank, job);
            Admission::Queued
        } else {
            Admission::Rejected
        }
    }

    /// A query on `server` finished: the waiting job that takes over its
    /// connection, if any.
    pub fn release(&mut self, server: u32) -> Option<JobId> {
        let server = &mut self.servers[server as usize];
        let next = server.queue.pop_front().map(|(_, job)| job);
        if next.is_none() {
            server.free += 1;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dist, InstanceType, ShardMap};

    fn db(sharding: ShardMap, replicas: u32) -> Database {
        let one_ms: Dist = serde_json::from_str(r#"{ "constant": { "ms": 1 } }"#).unwrap();
        Database {
            instance_type: InstanceType {
                name: "x".into(),
                vcpus: 1,
                speed: 1.0,
                memory_gb: 0.0,
                usd_per_hour: 0.0,
            },
            shards: 4,
            sharding,
            read_from: ReadPolicy::LeastLoaded,
            replication: None,
            replicas,
            connections: 1,
            queue_limit: None,
            read: one_ms.clone(),
            write: one_ms,
            read_cpu_share: 1.0,
            write_cpu_share: 1.0,
            scheduling: crate::model::Scheduling::fifo(),
        }
    }

    #[test]
    fn consecutive_keys_spread_evenly_over_hashed_shards() {
        let db = db(ShardMap::Hash, 0);
        let mut counts = [0u32; 4];
        for key in 0..40_000u64 {
            counts[db.shard_of(key) as usize] += 1;
        }
        for count in counts {
            // 10^4 expected per shard; a hash this simple still lands within 5%.
            assert!((9_500..=10_500).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn ranges_split_the_key_space_in_order() {
        let db = db(ShardMap::Range { key_space: 100 }, 0);
        let shards = [0, 24, 25, 50, 99, 1000].map(|k| db.shard_of(k));
        assert_eq!(shards, [0, 0, 1, 2, 3, 3]);
    }

    #[test]
    fn least_loaded_reads_pick_the_idlest_replica() {
        let mut state = DatabaseState::new(&db(ShardMap::Range { key_space: 4 }, 2));
        // Shard 0 is servers 0 (primary), 1 and 2 (replicas).
        assert_eq!(state.route(0, true), 0);
        assert_eq!(state.route(0, false), 1);
        assert_eq!(state.admit(1, JobId(7), 0), Admission::Started);
        assert_eq!(state.route(0, false), 2, "replica 1 is busy");
        assert_eq!(state.admit(2, JobId(8), 0), Admission::Started);
        assert_eq!(state.admit(2, JobId(9), 0), Admission::Queued);
        assert_eq!(state.route(0, false), 1, "replica 2 has a queue too");
    }
}
