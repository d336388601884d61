//! Per-class figures at a node that serves classes by priority or shares
//! its vCPUs (QUEUEING.md; Kleinrock, *Queueing Systems* vol. 2, §3.6–3.7;
//! Harchol-Balter, *Performance Modeling and Design of Computer Systems*,
//! ch. 30–32):
//!
//! ```text
//!  non-pre-emptive (Cobham):  W_k = W0 / ((1 − σ_{k−1})(1 − σ_k)),   W0 = Σ_i λ_i E[S_i²] / 2
//!  pre-emptive resume:        T_k = E[S_k] / (1 − σ_{k−1}) + R_k / ((1 − σ_{k−1})(1 − σ_k)),
//!                             R_k = Σ_{i ≤ k} λ_i E[S_i²] / 2
//!  processor sharing:         E[T | S = x] = x / (1 − ρ)
//! ```
//!
//! σ_k is the load of the classes ranked k or better. All three are exact
//! for M/G/1. On c servers: non-pre-emptive priority scales the FIFO wait
//! (Allen–Cunneen) by (1 − ρ)/((1 − σ_{k−1})(1 − σ_k)), exact for M/M/c
//! with one mean for all classes (Cobham's multi-server result);
//! pre-emptive priority follows Bondi & Buzen ("The response times of
//! priority classes under preemptive resume in M/G/m queues", SIGMETRICS
//! 1984): on one server c times as fast, class k's delay beyond its
//! service, scaled by the ratio of the FIFO waits on c servers and on the
//! fast one, plus its service; processor sharing scales
//! x by the FIFO response over the mean service (exact in mean for M/M/c).
//! Where these are approximations the node carries `Reason::ClassScheduling`.

use serde::Serialize;

use super::formulas::{mg1_wait_mean, mgc_wait_mean_allen_cunneen};
use super::stations::Stations;
use crate::model::{CpuDiscipline, Dist, Model, NodeKind, Scheduling};

/// How a node's per-class figures were obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassMethod {
    /// Non-pre-emptive priority: Cobham's formula.
    Cobham,
    /// Pre-emptive resume priority.
    PreemptiveResume,
    /// Processor sharing: x / (1 − ρ).
    ProcessorSharing,
}

/// Theory's figures for one class at one node.
#[derive(Clone, Debug, Serialize)]
pub struct ClassTheory {
    /// Class name.
    pub name: String,
    /// Its priority at the node (0 where not written).
    pub priority: i32,
    /// Requests per second of it reaching the node.
    pub arrival_rps: f64,
    /// Mean time waiting for a server (and, pre-empted, for it again), ms.
    pub wait_ms: Option<f64>,
    /// Mean time at the queue and servers, ms: wait plus service (stretched
    /// by pre-emption or sharing); calls excluded.
    pub queue_and_service_ms: Option<f64>,
}

/// A node's per-class figures, and whether they are exact.
#[derive(Clone, Debug, Serialize)]
pub struct ByClass {
    /// The formula used.
    pub method: ClassMethod,
    /// False where the formula is an approximation (several servers, or
    /// several queues in layers).
    pub exact: bool,
    /// Per class with traffic, in class order.
    pub classes: Vec<ClassTheory>,
}

/// One class's load on one queue: arrivals per second, E[S] (s), E[S²] (s²).
#[derive(Clone, Copy, Debug, Default)]
struct Load {
    rate: f64,
    mean: f64,
    square: f64,
}

impl Load {
    fn add(&mut self, rate: f64, mean: f64, square: f64) {
        let total = self.rate + rate;
        if total > 0.0 {
            self.mean = (self.rate * self.mean + rate * mean) / total;
            self.square = (self.rate * self.square + rate * square) / total;
        }
        self.rate = total;
    }
}

/// Mean and mean square of `dist` at `speed`, seconds.
fn moments(dist: &Dist, speed: f64) -> (f64, f64) {
    let mean = dist.mean_ms() / 1e3 / speed;
    (mean, mean * mean * (1.0 + dist.scv()))
}

/// Per-class figures of node `i`, if it serves classes by priority or
/// shares its vCPUs; `reads`/`writes` are its arrivals per class.
pub fn by_class(
    model: &Model,
    i: usize,
    stations: &Stations,
    reads: &[f64],
    writes: &[f64],
) -> Option<ByClass> {
    let (scheduling, servers) = match &model.nodes[i].kind {
        NodeKind::Pool(pool) => (&pool.scheduling, pool_servers(stations)),
        NodeKind::Database(db) => (&db.scheduling, db.connections),
        _ => return None,
    };
    let method = if scheduling.cpu == CpuDiscipline::ProcessorSharing {
        ClassMethod::ProcessorSharing
    } else if !scheduling.by_priority() {
        return None;
    } else if scheduling.preemptive {
        ClassMethod::PreemptiveResume
    } else {
        ClassMethod::Cobham
    };
    let queues = stations.groups.first().map_or(1, |g| match g.cpu {
        Some(cpu) => cpu.queues,
        None => g.queues,
    });
    // Per class: its load on one queue (arrivals split evenly).
    let loads: Vec<Load> = (0..model.classes.len())
        .map(|c| class_load(model, i, c, reads[c], writes[c], f64::from(queues)))
        .collect();
    let classes = model
        .classes
        .iter()
        .enumerate()
        .filter(|(c, _)| loads[*c].rate > 0.0)
        .map(|(c, class)| {
            let t = response(method, scheduling, servers, &loads, c);
            ClassTheory {
                name: class.name.clone(),
                priority: scheduling.priority_by_class.get(c).copied().unwrap_or(0),
                arrival_rps: reads[c] + writes[c],
                wait_ms: t.map(|t| (t - stretched(method, &loads, c, t)) * 1e3),
                queue_and_service_ms: t.map(|t| t * 1e3),
            }
        })
        .collect();
    let one_queue = stations.groups.len() == 1;
    Some(ByClass {
        method,
        exact: servers == 1 && one_queue,
        classes,
    })
}

/// Servers per queue of a pool where the classes contend: its vCPUs when
/// a vCPU layer sits below the workers, else its single layer's servers.
fn pool_servers(stations: &Stations) -> u32 {
    stations.groups.first().map_or(1, |g| match g.cpu {
        Some(cpu) => cpu.servers,
        None => g.servers,
    })
}

/// Class `c`'s load at node `i` on one of `queues` queues.
fn class_load(model: &Model, i: usize, c: usize, reads: f64, writes: f64, queues: f64) -> Load {
    let mut load = Load::default();
    match &model.nodes[i].kind {
        NodeKind::Pool(pool) => {
            let (m, sq) = moments(&pool.service_by_class[c], pool.instance_type.speed);
            load.add((reads + writes) / queues, m, sq);
        }
        NodeKind::Database(db) => {
            let servers = f64::from(db.servers());
            let speed = db.instance_type.speed;
            let (rm, rsq) = moments(&db.read, speed);
            let (wm, wsq) = moments(&db.write, speed);
            // Spread over every server: the busiest shard is the group
            // figures' business; here the classes' order is.
            load.add(reads / servers, rm, rsq);
            load.add(writes / servers, wm, wsq);
        }
        _ => {}
    }
    load
}

/// The part of class `c`'s time `t` that is its service (stretched by
/// pre-emption or sharing): what is left is its wait.
fn stretched(method: ClassMethod, loads: &[Load], c: usize, t: f64) -> f64 {
    match method {
        ClassMethod::Cobham => loads[c].mean,
        // Pre-empted or shared, a request's service and wait interleave:
        // the wait is its time beyond the service it needs.
        ClassMethod::PreemptiveResume | ClassMethod::ProcessorSharing => loads[c].mean.min(t),
    }
}

/// Class `c`'s mean time at the queue and servers, seconds; `None` if its
/// rank (or the whole queue) is overloaded.
fn response(
    method: ClassMethod,
    scheduling: &Scheduling,
    servers: u32,
    loads: &[Load],
    c: usize,
) -> Option<f64> {
    let k = f64::from(servers.max(1));
    let total = totals(loads.iter());
    let rho = total.rate * total.mean / k;
    if rho >= 1.0 {
        return None;
    }
    let rank = |class: usize| scheduling.rank_by_class.get(class).copied().unwrap_or(0);
    let mine = rank(c);
    let above = totals(
        loads
            .iter()
            .enumerate()
            .filter(|(j, _)| rank(*j) < mine)
            .map(|(_, l)| l),
    );
    let through = totals(
        loads
            .iter()
            .enumerate()
            .filter(|(j, _)| rank(*j) <= mine)
            .map(|(_, l)| l),
    );
    let sigma_above = above.rate * above.mean / k;
    let sigma_through = through.rate * through.mean / k;
    let s = loads[c].mean;
    match method {
        ClassMethod::ProcessorSharing => {
            if servers <= 1 {
                return Some(s / (1.0 - rho));
            }
            let fifo = fifo_wait(total, servers)? + total.mean;
            Some(s * fifo / total.mean)
        }
        ClassMethod::Cobham => {
            let scale = 1.0 / ((1.0 - sigma_above) * (1.0 - sigma_through));
            let w = fifo_wait(total, servers)? * (1.0 - rho) * scale;
            Some(w + s)
        }
        ClassMethod::PreemptiveResume => {
            // One server c times as fast: service S/c, E[S²]/c².
            let residual = through.rate * through.square / (2.0 * k * k);
            let fast = s / k / (1.0 - sigma_above)
                + residual / ((1.0 - sigma_above) * (1.0 - sigma_through));
            if servers <= 1 {
                return Some(fast);
            }
            // Bondi–Buzen: the fast server's delay beyond its service,
            // scaled by the FIFO waits on c servers over the fast one's.
            let fast_fifo = Load {
                rate: total.rate,
                mean: total.mean / k,
                square: total.square / (k * k),
            };
            let fast_wait = fifo_wait(fast_fifo, 1)?;
            let ratio = if fast_wait > 0.0 {
                fifo_wait(total, servers)? / fast_wait
            } else {
                0.0
            };
            Some(s + (fast - s / k) * ratio)
        }
    }
}

/// The classes of `loads` together on one queue.
fn totals<'a>(loads: impl Iterator<Item = &'a Load>) -> Load {
    let mut total = Load::default();
    for l in loads {
        total.add(l.rate, l.mean, l.square);
    }
    total
}

/// First come, first served mean wait of `load` on `servers` servers:
/// Pollaczek–Khinchine for one, Allen–Cunneen for more.
fn fifo_wait(load: Load, servers: u32) -> Option<f64> {
    if load.rate <= 0.0 || load.mean <= 0.0 {
        return Some(0.0);
    }
    let scv = load.square / (load.mean * load.mean) - 1.0;
    if servers <= 1 {
        mg1_wait_mean(load.rate, load.mean, scv)
    } else {
        mgc_wait_mean_allen_cunneen(load.rate, load.mean, scv, servers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(rate: f64, mean: f64) -> Load {
        Load {
            rate,
            mean,
            square: 2.0 * mean * mean,
        }
    }

    fn ranks(r: &[u16]) -> Scheduling {
        Scheduling {
            rank_by_class: r.to_vec(),
            ranks: 2,
            ..Scheduling::default()
        }
    }

    /// Hand computation: λ1 = λ2 = 0.3, E[S] = 1 (exponential): ρ = 0.6,
    /// W0 = 0.6; W1 = 0.6 / 0.7 = 0.857, W2 = 0.6 / (0.7 × 0.4) = 2.143;
    /// the rate-weighted mean wait 1.5 is M/M/1's ρ/(μ − λ) (conservation).
    #[test]
    fn cobham_for_two_exponential_classes_by_hand() {
        let loads = [exp(0.3, 1.0), exp(0.3, 1.0)];
        let s = ranks(&[0, 1]);
        let t1 = response(ClassMethod::Cobham, &s, 1, &loads, 0).unwrap();
        let t2 = response(ClassMethod::Cobham, &s, 1, &loads, 1).unwrap();
        assert!((t1 - (1.0 + 0.6 / 0.7)).abs() < 1e-12, "{t1}");
        assert!((t2 - (1.0 + 0.6 / 0.28)).abs() < 1e-12, "{t2}");
        assert!(((t1 + t2) / 2.0 - 1.0 - 1.5).abs() < 1e-12);
    }

    /// Pre-emptive resume, same loads: the top class sees an M/M/1 of its
    /// own, 1 / (1 − 0.3) = 1.4286; the other 1/0.7 + 0.6/(0.7 × 0.4) = 3.571.
    #[test]
    fn preemptive_resume_for_two_exponential_classes_by_hand() {
        let loads = [exp(0.3, 1.0), exp(0.3, 1.0)];
        let s = ranks(&[0, 1]);
        let t1 = response(ClassMethod::PreemptiveResume, &s, 1, &loads, 0).unwrap();
        let t2 = response(ClassMethod::PreemptiveResume, &s, 1, &loads, 1).unwrap();
        assert!((t1 - 1.0 / 0.7).abs() < 1e-12, "{t1}");
        assert!((t2 - (1.0 / 0.7 + 0.6 / 0.28)).abs() < 1e-12, "{t2}");
    }

    #[test]
    fn processor_sharing_stretches_each_size_by_one_over_one_minus_rho() {
        let loads = [exp(50.0, 0.001), exp(50.0, 0.01)];
        let s = Scheduling::fifo();
        let t = response(ClassMethod::ProcessorSharing, &s, 1, &loads, 1).unwrap();
        assert!((t - 0.01 / (1.0 - 0.55)).abs() < 1e-12, "{t}");
        let overloaded = [exp(100.0, 0.01)];
        assert_eq!(
            response(ClassMethod::ProcessorSharing, &s, 1, &overloaded, 0),
            None
        );
    }
}
