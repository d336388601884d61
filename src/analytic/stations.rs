//! The queueing stations of a model, as theory sees them: each pool is one
//! group of identical, independent queues (one per instance, or one shared
//! queue), each database one or two groups (shard servers, or primaries and
//! replicas), or one or two per shard when its keys make some shards hotter
//! (`shard_shares`). A group's queue is solved as M/M/c (Erlang C),
//! M/M/c/K, or M/G/c by Allen–Cunneen; `analysis` wires groups into the
//! network.
//!
//! A pool's queue has two layers, as the simulation has (a request holds a
//! worker from admission to answer, and a vCPU only for its CPU work):
//!
//! ```text
//!  arrivals ─► worker queue (c = workers) ─► vCPU queue (c = vCPUs) ─► CPU work ─► sync calls ─► answer
//!              └──────────────── a worker is held for all of this ──────────────────┘
//! ```
//!
//! The worker layer is a multi-server queue whose service is the holding
//! time H = W_cpu + S + C (vCPU wait, CPU work, synchronous calls): the
//! method of surrogate delays (Jacobson & Lazowska, "Analyzing queueing
//! networks with simultaneous resource possession", CACM 25(2), 1982) and
//! of layers (Rolia & Sevcik, "The method of layers", IEEE TSE 21(8),
//! 1995), where the lower layer's response time becomes the upper layer's
//! service. `analysis` iterates the calls' times C to a fixed point.

use serde::Serialize;

use super::formulas::{erlang_c, mmc_wait_mean, mmck};
use super::shards::shard_shares;
use crate::model::{CallMode, Database, Dist, Model, NodeId, NodeKind};

/// How a queue's figures were obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// M/M/c: Erlang C, exact.
    ErlangC,
    /// M/M/c/K: finite room, exact (birth–death chain).
    Mmck,
    /// M/G/c: Allen–Cunneen's approximation, W ≈ W(M/M/c) × (1 + cs²) / 2.
    AllenCunneen,
    /// A pool's two layers: workers held for the holding time (vCPU wait,
    /// CPU work, calls) as M/G/c, over its vCPUs, each by Allen–Cunneen.
    Layers,
    /// Closed population: exact load-dependent Mean Value Analysis.
    Mva,
    /// Closed population too large for exact MVA: Schweitzer–Bard
    /// approximate MVA with Seidmann's multi-server stations.
    ApproximateMva,
    /// Offered load at or above capacity: no steady state.
    Unstable,
}

/// A group of identical, independent queues: a pool's instances (or its
/// shared queue), a database's shard servers, primaries or replicas.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// `instances`, `shared queue`, `servers`, `primaries` or `replicas`.
    pub role: &'static str,
    /// The shard, for a database whose shards carry different loads.
    pub shard: Option<u32>,
    /// Identical queues in the group; arrivals split evenly among them.
    pub queues: u32,
    /// Servers per queue (`c`): a pool's workers (or vCPUs, when they are
    /// fewer and nothing else holds a worker), a database's connections.
    pub servers: u32,
    /// Requests that may wait per queue; `None` is unbounded.
    pub limit: Option<u32>,
    /// Mean service time, seconds (at the instance's speed): CPU work or a query.
    pub service_s: f64,
    /// Squared coefficient of variation of the service time (cs²), over
    /// the classes and operations it serves.
    pub scv: f64,
    /// True when every service is exponential with one mean (M/M/c applies).
    pub exponential: bool,
    /// Arrivals per second to the whole group (all its queues).
    pub arrival_rps: f64,
    /// The group's CPU servers (vCPUs of its instances, or connections):
    /// what its utilization is over, as the simulation counts it.
    pub capacity: f64,
    /// A pool's vCPU layer, when a request holding a worker can wait for a
    /// vCPU (more workers than vCPUs, and a worker held for more than CPU
    /// work or a shared queue in front).
    pub cpu: Option<CpuLayer>,
    /// Mean time a request holds its worker in synchronous calls, seconds.
    pub held_s: f64,
    /// Mean square of that time, s² (for the holding time's variability).
    pub held_square: f64,
}

/// The vCPU queues below a pool's workers.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CpuLayer {
    /// vCPU queues (one per instance).
    pub queues: u32,
    /// vCPUs per queue.
    pub servers: u32,
    /// Squared coefficient of variation of the arrivals' spacing: 1 for a
    /// random split, 1/k for a shared queue handing work to k instances in
    /// turn (the spacing of every k-th Poisson arrival is Erlang-k).
    pub arrival_scv: f64,
}

/// The solution of one group's queue.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Solved {
    /// Method used.
    pub method: Method,
    /// Busy CPU servers / CPU servers (vCPUs, connections).
    pub utilization: f64,
    /// A pool's busy workers / workers (time held, calls included).
    pub worker_utilization: Option<f64>,
    /// Probability an admitted arrival waits; `None` when not computed.
    pub wait_probability: Option<f64>,
    /// Mean wait in queue (for a worker and for a vCPU), seconds; `None`
    /// when unstable.
    pub wait_s: Option<f64>,
    /// Probability an arrival is turned away (finite queue): exact for
    /// M/M/c/K, else M/M/c/K's figure at the same mean holding time.
    pub blocking: f64,
}

impl Group {
    /// Solves the group's queue as an open station at its arrival rate.
    pub fn solve_open(&self) -> Solved {
        let lambda = self.arrival_rps / f64::from(self.queues);
        let utilization = self.arrival_rps * self.service_s / self.capacity;
        let idle = Solved {
            method: self.open_method(),
            utilization,
            worker_utilization: self.cpu_or_held().then_some(0.0),
            wait_probability: Some(0.0),
            wait_s: Some(0.0),
            blocking: 0.0,
        };
        if lambda == 0.0 || self.service_s == 0.0 && self.held_s == 0.0 {
            return idle;
        }
        let unstable = Solved {
            method: Method::Unstable,
            wait_probability: None,
            wait_s: None,
            ..idle
        };
        // The vCPU layer: GI/G/c by Allen–Cunneen (Allen, *Probability,
        // Statistics, and Queueing Theory*, 2nd ed., 1990, §6.3).
        let (cpu_wait, cpu_waits) = match self.cpu {
            None => (0.0, 0.0),
            Some(cpu) => {
                let at = self.arrival_rps / f64::from(cpu.queues);
                let mu = 1.0 / self.service_s;
                let (Some(c), Some(w)) = (
                    erlang_c(at, mu, cpu.servers),
                    mmc_wait_mean(at, mu, cpu.servers),
                ) else {
                    return unstable;
                };
                (w * (cpu.arrival_scv + self.scv) / 2.0, c)
            }
        };
        // The worker layer, served in the holding time H.
        let hold = cpu_wait + self.service_s + self.held_s;
        let c = self.servers;
        let worker_utilization = self.cpu_or_held().then(|| lambda * hold / f64::from(c));
        if let (Some(limit), true, false) = (self.limit, self.exponential, self.cpu_or_held()) {
            let m = mmck(lambda, 1.0 / hold, c, c.saturating_add(limit));
            return Solved {
                method: Method::Mmck,
                utilization: m.utilization,
                worker_utilization,
                wait_probability: None,
                wait_s: Some((m.mean_response - hold).max(0.0)),
                blocking: m.blocking,
            };
        }
        let (Some(c_wait), Some(w)) = (
            erlang_c(lambda, 1.0 / hold, c),
            mmc_wait_mean(lambda, 1.0 / hold, c),
        ) else {
            return unstable;
        };
        let scv = self.holding_scv(cpu_wait);
        let worker_wait = if self.exponential && !self.cpu_or_held() {
            w
        } else {
            w * (1.0 + scv) / 2.0
        };
        let blocking = self.limit.map_or(0.0, |limit| {
            mmck(lambda, 1.0 / hold, c, c.saturating_add(limit)).blocking
        });
        Solved {
            method: self.open_method(),
            utilization,
            worker_utilization,
            // Waiting at either layer (taken as independent).
            wait_probability: Some(1.0 - (1.0 - c_wait) * (1.0 - cpu_waits)),
            wait_s: Some(worker_wait + cpu_wait),
            blocking,
        }
    }

    /// True when a worker is held for more than the group's own service:
    /// the two layers part.
    pub fn cpu_or_held(&self) -> bool {
        self.cpu.is_some() || self.held_s > 0.0
    }

    /// cs² of the holding time H = W_cpu + S + C, with the CPU work and the
    /// calls independent (the vCPU wait taken as constant).
    fn holding_scv(&self, cpu_wait: f64) -> f64 {
        let s = self.service_s;
        let mean = cpu_wait + s + self.held_s;
        let square = (cpu_wait + s).powi(2)
            + s * s * self.scv
            + 2.0 * (cpu_wait + s) * self.held_s
            + self.held_square;
        if mean > 0.0 {
            (square / (mean * mean) - 1.0).max(0.0)
        } else {
            0.0
        }
    }

    fn open_method(&self) -> Method {
        if self.cpu_or_held() {
            Method::Layers
        } else if self.exponential {
            Method::ErlangC
        } else {
            Method::AllenCunneen
        }
    }
}

/// One class's or operation's share of a group's arrivals.
struct Mix {
    rate: f64,
    dist: Dist,
}

/// Mean, cs² and "all exponential with one mean" of a mix of services
/// (second moments add by rate), at `speed`.
fn moments(mix: &[Mix], speed: f64) -> (f64, f64, bool) {
    let total: f64 = mix.iter().map(|m| m.rate).sum();
    let loaded: Vec<&Mix> = mix.iter().filter(|m| m.rate > 0.0).collect();
    if total == 0.0 || loaded.is_empty() {
        // No traffic: describe the first service, so the station still reads sensibly.
        let dist = mix.first().map(|m| &m.dist);
        let mean = dist.map_or(0.0, |d| d.mean_ms() / 1e3 / speed);
        let exponential = matches!(dist, Some(Dist::Exponential { .. }));
        return (mean, dist.map_or(0.0, Dist::scv), exponential);
    }
    let mean = loaded
        .iter()
        .map(|m| m.rate * m.dist.mean_ms() / 1e3 / speed)
        .sum::<f64>()
        / total;
    let second = loaded
        .iter()
        .map(|m| {
            let s = m.dist.mean_ms() / 1e3 / speed;
            m.rate * s * s * (1.0 + m.dist.scv())
        })
        .sum::<f64>()
        / total;
    let scv = if mean > 0.0 {
        second / (mean * mean) - 1.0
    } else {
        0.0
    };
    let exponential = loaded.iter().all(|m| {
        matches!(m.dist, Dist::Exponential { .. })
            && (m.dist.mean_ms() / 1e3 / speed - mean).abs() <= 1e-12 * mean
    });
    (mean, if exponential { 1.0 } else { scv }, exponential)
}

/// A node's queues, and how its reads and writes spread over them.
#[derive(Clone, Debug)]
pub(crate) struct Stations {
    pub groups: Vec<Group>,
    /// (group, share of the node's reads).
    pub reads: Vec<(usize, f64)>,
    /// (group, share of the node's writes).
    pub writes: Vec<(usize, f64)>,
}

/// The groups of node `i` given the flows reaching it (`reads[class]`,
/// `writes[class]`, per second), with the calls' holding times still zero
/// (`analysis` fills them in).
pub(crate) fn groups_of(
    model: &Model,
    i: usize,
    reads: &[f64],
    writes: &[f64],
) -> Option<Stations> {
    match &model.nodes[i].kind {
        NodeKind::Pool(pool) => {
            let mix: Vec<Mix> = pool
                .service_by_class
                .iter()
                .enumerate()
                .map(|(c, dist)| Mix {
                    rate: reads[c] + writes[c],
                    dist: dist.clone(),
                })
                .collect();
            let (service_s, scv, exponential) = moments(&mix, pool.instance_type.speed);
            let (workers, vcpus) = (pool.workers, pool.instance_type.vcpus);
            let calls = pool.calls.iter().any(|c| c.mode == CallMode::Sync);
            // With at most as many workers as vCPUs a worker never waits
            // for a vCPU: one layer of c = workers. With more workers, per-
            // instance queues and nothing else holding a worker, requests
            // are served first come first served by the vCPUs: one layer of
            // c = vCPUs, exactly. Otherwise the two layers part.
            let cpu_layer = workers > vcpus && (calls || pool.shared_queue);
            let per_queue = if workers > vcpus && !cpu_layer {
                vcpus
            } else {
                workers
            };
            let (role, queues, servers) = if pool.shared_queue {
                ("shared queue", 1, per_queue.saturating_mul(pool.instances))
            } else {
                ("instances", pool.instances, per_queue)
            };
            let (servers, limit) = super::admission::capped_queue(pool, servers, queues);
            let cpu = cpu_layer.then(|| CpuLayer {
                queues: pool.instances,
                servers: vcpus,
                // A shared queue hands work to the instances in turn
                // (`PoolState::admit`); per-instance queues, theory splits at random.
                arrival_scv: if pool.shared_queue {
                    1.0 / f64::from(pool.instances)
                } else {
                    1.0
                },
            });
            let group = Group {
                role,
                shard: None,
                queues,
                servers,
                limit,
                service_s,
                scv,
                exponential,
                arrival_rps: mix.iter().map(|m| m.rate).sum(),
                capacity: f64::from(pool.instances) * f64::from(vcpus),
                cpu,
                held_s: 0.0,
                held_square: 0.0,
            };
            Some(Stations {
                groups: vec![group],
                reads: vec![(0, 1.0)],
                writes: vec![(0, 1.0)],
            })
        }
        NodeKind::Database(db) => Some(database_groups(
            db,
            reads.iter().sum(),
            writes.iter().sum(),
            shard_shares(model, NodeId(i as u32)),
        )),
        _ => None,
    }
}

/// A database's groups: shard servers, or primaries and replicas; one of
/// each per shard when the shards' shares differ.
fn database_groups(
    db: &Database,
    read_rps: f64,
    write_rps: f64,
    shares: Option<Vec<f64>>,
) -> Stations {
    let mut stations = Stations {
        groups: Vec::new(),
        reads: Vec::new(),
        writes: Vec::new(),
    };
    for (shard, count, share) in shard_entries(db, shares) {
        let (read, write) = (read_rps * share, write_rps * share);
        let k = stations.groups.len();
        if db.replicas == 0 {
            let servers = database_group(db, "servers", (shard, count), read, write);
            stations.groups.push(servers);
            stations.reads.push((k, share));
            stations.writes.push((k, share));
        } else {
            let primaries = database_group(db, "primaries", (shard, count), 0.0, write);
            let replicas = (shard, count * db.replicas);
            stations.groups.push(primaries);
            stations
                .groups
                .push(database_group(db, "replicas", replicas, read, 0.0));
            stations.writes.push((k, share));
            stations.reads.push((k + 1, share));
        }
    }
    stations
}

/// Shards as (shard, queues, share of the load): one entry for all when
/// their shares are even, else one per shard.
fn shard_entries(db: &Database, shares: Option<Vec<f64>>) -> Vec<(Option<u32>, u32, f64)> {
    let uneven = shares.as_ref().is_some_and(|shares| {
        let top = shares.iter().copied().fold(0.0, f64::max);
        let bottom = shares.iter().copied().fold(f64::INFINITY, f64::min);
        top - bottom > 1e-9
    });
    match shares {
        Some(shares) if uneven => (shares.into_iter().enumerate())
            .map(|(k, share)| (Some(k as u32), 1, share))
            .collect(),
        _ => vec![(None, db.shards, 1.0)],
    }
}

/// One group of a database's queues (`queues` of them) taking `read` and
/// `write` req/s; primaries serve the writes' law, replicas the reads',
/// servers both. A query holds a connection throughout and a vCPU for its
/// CPU share, as a pool's request holds a worker and a vCPU: with no more
/// connections than vCPUs one layer of c = connections; with more, and no
/// I/O wait, the vCPUs serve first come first served (one layer of
/// c = vCPUs, exactly); else the two layers part, the I/O wait held as a
/// pool's calls are.
fn database_group(
    db: &Database,
    role: &'static str,
    (shard, queues): (Option<u32>, u32),
    read: f64,
    write: f64,
) -> Group {
    let (read, write) = match role {
        "primaries" => (0.0, write),
        "replicas" => (read, 0.0),
        _ => (read, write),
    };
    let speed = db.instance_type.speed;
    let ops = [
        (read, &db.read, db.read_cpu_share),
        (write, &db.write, db.write_cpu_share),
    ];
    let cpu = scaled_moments(&ops.map(|(rate, dist, share)| (rate, dist, share / speed)));
    let io = scaled_moments(&ops.map(|(rate, dist, share)| (rate, dist, 1.0 - share)));
    let (vcpus, connections) = (db.instance_type.vcpus, db.connections);
    let cpu_layer = connections > vcpus && io.mean > 0.0 && cpu.mean > 0.0;
    let servers = if connections > vcpus && io.mean == 0.0 {
        vcpus
    } else {
        connections
    };
    Group {
        role,
        shard,
        queues,
        servers,
        limit: db.queue_limit,
        service_s: cpu.mean,
        scv: cpu.scv(),
        exponential: cpu.exponential,
        arrival_rps: read + write,
        capacity: f64::from(queues) * f64::from(vcpus),
        cpu: cpu_layer.then_some(CpuLayer {
            queues,
            servers: vcpus,
            arrival_scv: 1.0,
        }),
        held_s: io.mean,
        held_square: io.second,
    }
}

/// A mix of operations' times, each scaled by its factor: mean and second
/// moment (s, s²), and whether all are exponential with one mean.
struct Scaled {
    mean: f64,
    second: f64,
    exponential: bool,
}

impl Scaled {
    fn scv(&self) -> f64 {
        if self.exponential {
            1.0
        } else if self.mean > 0.0 {
            (self.second / (self.mean * self.mean) - 1.0).max(0.0)
        } else {
            0.0
        }
    }
}

/// The moments of `(rate, law, factor)` operations' times × factor.
fn scaled_moments(ops: &[(f64, &Dist, f64)]) -> Scaled {
    let total: f64 = ops.iter().map(|op| op.0).sum();
    // No traffic: describe the first operation, so the station reads sensibly.
    let weights: Vec<f64> = if total > 0.0 {
        ops.iter().map(|op| op.0 / total).collect()
    } else {
        (0..ops.len())
            .map(|k| f64::from(u8::from(k == 0)))
            .collect()
    };
    let scaled = |&(_, dist, factor): &(f64, &Dist, f64)| dist.mean_ms() / 1e3 * factor;
    let mean: f64 = ops.iter().zip(&weights).map(|(op, w)| w * scaled(op)).sum();
    let second: f64 = (ops.iter().zip(&weights))
        .map(|(op, w)| w * scaled(op).powi(2) * (1.0 + op.1.scv()))
        .sum();
    let exponential = (ops.iter().zip(&weights)).all(|(op, &w)| {
        w == 0.0
            || matches!(op.1, Dist::Exponential { .. }) && (scaled(op) - mean).abs() <= 1e-12 * mean
    });
    Scaled {
        mean,
        second,
        exponential,
    }
}

impl Group {
    /// What the group's busiest queue is called: `shard 2 primaries`, `replicas`.
    pub fn label(&self) -> String {
        match (self.shard, self.role) {
            (Some(shard), "servers") => format!("shard {shard}"),
            (Some(shard), role) => format!("shard {shard} {role}"),
            (None, role) => role.to_string(),
        }
    }

    /// Offered utilization of the group's CPU servers, before queueing.
    pub fn offered_utilization(&self) -> f64 {
        if self.capacity > 0.0 {
            self.arrival_rps * self.service_s / self.capacity
        } else {
            0.0
        }
    }
}
