//! The queueing stations of a model, as theory sees them: each pool is one
//! group of identical, independent queues (one per instance, or one shared
//! queue), each database one or two groups (shard servers, or primaries and
//! replicas). A group's queue is solved as M/M/c (Erlang C), M/M/c/K, or
//! M/G/c by Allen–Cunneen; `analysis` wires groups into the network.

use serde::Serialize;

use super::formulas::{erlang_c, mgc_wait_mean_allen_cunneen, mmc_wait_mean, mmck};
use crate::model::{Dist, Model, NodeKind};

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
    /// Closed population: exact load-dependent Mean Value Analysis.
    Mva,
    /// Offered load at or above capacity: no steady state.
    Unstable,
}

/// A group of identical, independent queues: a pool's instances (or its
/// shared queue), a database's shard servers, primaries or replicas.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// `instances`, `shared queue`, `servers`, `primaries` or `replicas`.
    pub role: &'static str,
    /// Identical queues in the group; arrivals split evenly among them.
    pub queues: u32,
    /// Servers per queue (`c`).
    pub servers: u32,
    /// Requests that may wait per queue; `None` is unbounded.
    pub limit: Option<u32>,
    /// Mean service time, seconds (at the instance's speed).
    pub service_s: f64,
    /// Squared coefficient of variation of the service time (cs²), over
    /// the classes and operations it serves.
    pub scv: f64,
    /// True when every service is exponential with one mean (M/M/c applies).
    pub exponential: bool,
    /// Arrivals per second to the whole group (all its queues).
    pub arrival_rps: f64,
}

/// The solution of one group's queue.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Solved {
    /// Method used.
    pub method: Method,
    /// Busy servers / servers.
    pub utilization: f64,
    /// Probability an admitted arrival waits; `None` when not computed.
    pub wait_probability: Option<f64>,
    /// Mean wait in queue, seconds; `None` when unstable.
    pub wait_s: Option<f64>,
    /// Probability an arrival is turned away (finite queue).
    pub blocking: f64,
}

impl Group {
    /// Solves the group's queue as an open station at its arrival rate.
    pub fn solve_open(&self) -> Solved {
        let lambda = self.arrival_rps / f64::from(self.queues);
        let (s, c) = (self.service_s, self.servers);
        let utilization = lambda * s / f64::from(c);
        if lambda == 0.0 || s == 0.0 {
            return Solved {
                method: self.open_method(),
                utilization,
                wait_probability: Some(0.0),
                wait_s: Some(0.0),
                blocking: 0.0,
            };
        }
        if let (Some(limit), true) = (self.limit, self.exponential) {
            let m = mmck(lambda, 1.0 / s, c, c + limit);
            return Solved {
                method: Method::Mmck,
                utilization: m.utilization,
                wait_probability: None,
                wait_s: Some((m.mean_response - s).max(0.0)),
                blocking: m.blocking,
            };
        }
        if utilization >= 1.0 {
            return Solved {
                method: Method::Unstable,
                utilization,
                wait_probability: None,
                wait_s: None,
                blocking: 0.0,
            };
        }
        let (wait_probability, wait_s) = if self.exponential {
            (
                erlang_c(lambda, 1.0 / s, c),
                mmc_wait_mean(lambda, 1.0 / s, c),
            )
        } else {
            // Allen–Cunneen keeps Erlang C's probability of waiting.
            (
                erlang_c(lambda, 1.0 / s, c),
                mgc_wait_mean_allen_cunneen(lambda, s, self.scv, c),
            )
        };
        Solved {
            method: self.open_method(),
            utilization,
            wait_probability,
            wait_s,
            blocking: 0.0,
        }
    }

    fn open_method(&self) -> Method {
        if self.exponential {
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

/// The groups of node `i` given the flows reaching it (`reads[class]`,
/// `writes[class]`, per second), with which group serves reads and which
/// serves writes (indices into the returned vector).
pub(crate) fn groups_of(
    model: &Model,
    i: usize,
    reads: &[f64],
    writes: &[f64],
) -> Option<(Vec<Group>, usize, usize)> {
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
            // Requests in service are limited by workers and by vCPUs
            // alike; with no downstream calls the smaller is the station's c.
            let per_instance = pool.workers.min(pool.instance_type.vcpus);
            let (role, queues, servers) = if pool.shared_queue {
                ("shared queue", 1, per_instance * pool.instances)
            } else {
                ("instances", pool.instances, per_instance)
            };
            let group = Group {
                role,
                queues,
                servers,
                limit: pool.queue_limit,
                service_s,
                scv,
                exponential,
                arrival_rps: mix.iter().map(|m| m.rate).sum(),
            };
            Some((vec![group], 0, 0))
        }
        NodeKind::Database(db) => {
            let (read_rps, write_rps): (f64, f64) = (reads.iter().sum(), writes.iter().sum());
            let speed = db.instance_type.speed;
            let group = |role, queues, mix: &[Mix]| {
                let (service_s, scv, exponential) = moments(mix, speed);
                Group {
                    role,
                    queues,
                    servers: db.connections,
                    limit: db.queue_limit,
                    service_s,
                    scv,
                    exponential,
                    arrival_rps: mix.iter().map(|m| m.rate).sum(),
                }
            };
            let read = Mix {
                rate: read_rps,
                dist: db.read.clone(),
            };
            let write = Mix {
                rate: write_rps,
                dist: db.write.clone(),
            };
            if db.replicas == 0 {
                Some((vec![group("servers", db.shards, &[read, write])], 0, 0))
            } else {
                let primaries = group("primaries", db.shards, &[write]);
                let replicas = group("replicas", db.shards * db.replicas, &[read]);
                Some((vec![primaries, replicas], 1, 0))
            }
        }
        _ => None,
    }
}
