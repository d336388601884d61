//! A server pool's state: per instance, its phase (starting, serving,
//! draining, failed, gone), its workers (threads), its vCPUs and its queues.
//! A request holds a worker from admission to answer, and a vCPU only for
//! its CPU work; this file only does the bookkeeping, the network decides
//! what happens next.
//!
//! Instances are never reused: a slot once gone stays gone, so a job's
//! instance index stays valid for as long as the job lives.

use crate::engine::rng::Rng;
use crate::engine::{FleetCounts, JobId, Sampler, SimTime};
use crate::model::{BalancePolicy, CpuDiscipline, Pool, Scheduling};

use super::balancer::{least_connections_indexed, pick_instance};
use super::cfs_quota::{CfsQuota, PERIOD_NS};
use super::class_queue::ClassQueue;
use super::credits::PoolCredits;
use super::sliced_cpu::SlicedCpu;
use super::slot_index::{ABSENT, SlotIndex};

mod cpu;
mod credits;

pub use credits::CreditOutcome;

/// Instances in rotation up to which a scan picks (it is cheaper than
/// keeping an index of every change of load); beyond, an index does.
const SCAN_UP_TO: usize = 32;

/// Where an instance is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Launched: provisioning, booting, warming up. Billed, not serving.
    Starting,
    /// Serving (takes work once the load balancer deems it healthy).
    Serving,
    /// Removed: takes no new work, finishes what it has, then goes.
    Draining,
    /// Crashed; billed until replaced.
    Failed,
    /// Terminated.
    Gone,
}

/// One instance.
#[derive(Debug)]
pub struct Instance {
    /// Its phase.
    pub phase: Phase,
    /// Its availability zone (index).
    pub zone: u16,
    /// The load balancer's view: sends it work (a crashed instance stays
    /// "healthy" until health checks notice).
    pub healthy: bool,
    /// Consecutive health checks passed (> 0) or failed (< 0).
    pub streak: i32,
    /// When it last started serving (zero for the initial instances).
    pub ready_at: SimTime,
    /// Busy vCPU-nanoseconds since launch, up to `busy_since`: what a
    /// per-pod metrics pipeline (metrics-server) reads of this instance.
    busy_area: f64,
    busy_since: SimTime,
    /// `busy_area` at the autoscaler's last reading.
    busy_mark: f64,
    free_workers: u32,
    free_vcpus: u32,
    /// Requests at this instance: waiting for a worker, or holding one.
    load: u32,
    /// Requests waiting for a worker (unused with a shared queue), by rank.
    queue: ClassQueue<JobId>,
    /// Requests holding a worker and waiting for a vCPU, by rank.
    cpu_queue: ClassQueue<JobId>,
    /// The vCPUs, when pre-emptive or shared (`cpu_queue` is then unused).
    sliced: Option<SlicedCpu>,
}

impl Instance {
    /// Requests at it now (waiting for a worker, or holding one).
    pub fn load_now(&self) -> u32 {
        self.load
    }

    /// Brings the busy integral up to `now` (before its busy vCPUs change).
    #[inline]
    fn accrue(&mut self, now: SimTime, vcpus: u32) {
        let busy = f64::from(vcpus - self.free_vcpus);
        self.busy_area += busy * now.since(self.busy_since) as f64;
        self.busy_since = now;
    }

    /// Its busy vCPUs change by `delta` at `now`.
    fn busy_changes(&mut self, now: SimTime, vcpus: u32, delta: i32) {
        if delta != 0 {
            self.accrue(now, vcpus);
            self.free_vcpus = self.free_vcpus.saturating_add_signed(-delta);
        }
    }
}

/// What the instances that served through a whole reading period did: the
/// pods whose CPU metric a Kubernetes HPA would use.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SettledCpu {
    /// Instances serving since before the period began, and still serving.
    pub instances: u32,
    /// Their busy vCPUs over their vCPUs, a fraction (NaN without any).
    pub cpu: f64,
}

/// The counter of `phase` in `counts` (none for gone instances).
fn count_of(counts: &mut FleetCounts, phase: Phase) -> Option<&mut u32> {
    match phase {
        Phase::Starting => Some(&mut counts.starting),
        Phase::Serving => Some(&mut counts.serving),
        Phase::Draining => Some(&mut counts.draining),
        Phase::Failed => Some(&mut counts.failed),
        Phase::Gone => None,
    }
}

/// True if `instance` is in the rotation: the load balancer sends it work
/// (a crashed one too, until health checks notice).
fn takes_work(instance: &Instance) -> bool {
    instance.healthy && matches!(instance.phase, Phase::Serving | Phase::Failed)
}

/// An instance's keys in the indexes: its load, and 0 if a request could
/// take a worker of it now; both absent out of rotation.
fn keys(instance: &Instance) -> (u32, u32) {
    if !takes_work(instance) {
        return (ABSENT, ABSENT);
    }
    let free = instance.free_workers > 0 && instance.phase != Phase::Failed;
    (instance.load.min(ABSENT - 1), if free { 0 } else { ABSENT })
}

/// Instance `i`'s keys in `indexes`, brought up to date.
#[inline(never)]
fn reindex_in(indexes: &mut Indexes, instances: &[Instance], i: u32) {
    let (load, free) = keys(&instances[i as usize]);
    if let Some(index) = &mut indexes.by_load {
        index.set(i, load);
    }
    if let Some(index) = &mut indexes.free_worker {
        index.set(i, free);
    }
}

/// An index of every instance by `key`.
fn index_of(instances: &[Instance], key: impl Fn(&Instance) -> u32) -> SlotIndex {
    let mut index = SlotIndex::new(instances.len());
    for (i, instance) in instances.iter().enumerate() {
        index.set(i as u32, key(instance));
    }
    index
}

/// The waiting job a freed worker takes: the oldest, or the newest while
/// more than `lifo_over` wait: adaptive LIFO (B. Maurer, "Fail at Scale",
/// ACM Queue 13(8), 2015): under overload the newest request is the one
/// whose client is most likely still waiting. Facebook switches on a queue
/// that has not emptied for a while; a length threshold is its count form.
/// Under priorities the newest of the highest priority waiting goes first.
fn next_waiting(queue: &mut ClassQueue<JobId>, lifo_over: usize) -> Option<JobId> {
    let next = if queue.len() > lifo_over {
        queue.pop_newest()
    } else {
        queue.pop_front()
    };
    next.map(|(_, job)| job)
}

/// A pool's indexes of its instances, each built at the first pick over
/// more than [`SCAN_UP_TO`] instances that needs it, then kept up to date.
#[derive(Debug, Default)]
struct Indexes {
    /// Loads by slot (instances out of rotation absent), for `least_connections`.
    by_load: Option<SlotIndex>,
    /// Key 0 for instances in rotation with a free worker (and not
    /// crashed), for the shared queue's consumer.
    free_worker: Option<SlotIndex>,
}

/// What became of a request offered to the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// It took a worker on this instance.
    Started(u32),
    /// It waits for a worker.
    Queued,
    /// The queue was full, or no instance takes work.
    Rejected,
    /// The instance it was sent to has crashed: the connection fails.
    Dead,
}

/// What a crash took down with it.
#[derive(Debug, Default)]
pub struct Crashed {
    /// Jobs that were waiting (for a worker or a vCPU): they fail now.
    pub waiting: Vec<JobId>,
    /// Jobs running on sliced vCPUs (pre-emptive or shared): they fail now,
    /// their timers being stale from then on.
    pub running: Vec<JobId>,
    /// vCPUs that were busy.
    pub busy_vcpus: u32,
    /// Workers that were held (by jobs in service, in calls, or waiting for a vCPU).
    pub busy_workers: u32,
}

/// A pool of pods' CPU: what an HPA's utilization is relative to, and the
/// CFS quotas of a CPU limit.
#[derive(Debug)]
struct PodCpu {
    /// The pod's CPU request, cores: Kubernetes' utilization is usage over
    /// request (`GetResourceUtilizationRatio`,
    /// pkg/controller/podautoscaler/metrics/utilization.go).
    request_cores: f64,
    /// The quota per period, ns, if the pod has a CPU limit.
    quota_ns: Option<u64>,
    /// Each instance's quota (by index), when there is one; else empty.
    quotas: Vec<CfsQuota>,
}

/// The live state of a pool.
#[derive(Debug)]
pub struct PoolState {
    instances: Vec<Instance>,
    /// Instances that take new work, in index order.
    rotation: Vec<u32>,
    /// Instances by phase, kept as phases change (`desired` left 0).
    counts: FleetCounts,
    shared: Option<ClassQueue<JobId>>,
    queue_limit: usize,
    /// Class ranks and the CPU discipline.
    scheduling: Scheduling,
    /// While more than this many wait in a queue, a freed worker takes the
    /// newest (admission control's `lifo_when_over`; `usize::MAX`: never).
    lifo_over: usize,
    balance: BalancePolicy,
    cursor: u32,
    /// Indexes of the instances for picks over many of them (boxed: most
    /// pools have none).
    indexes: Option<Box<Indexes>>,
    workers: u32,
    vcpus: u32,
    /// For a pool of pods, their CPU request and quotas (boxed: most pools
    /// have none, and the pool's state stays small).
    pod: Option<Box<PodCpu>>,
    /// CPU work per class, already divided by the instance speed.
    pub service: Vec<Sampler>,
    /// Bursts end by timers (pre-emptive, shared or throttled vCPUs).
    sliced: bool,
    /// A burstable type's CPU credits (boxed: most pools have none).
    credits: Option<Box<PoolCredits>>,
    /// Standard-mode credits on first come, first served vCPUs: capped vCPUs.
    capped: bool,
}

impl PoolState {
    /// The pool's initial instances, serving and idle, spread over `zones`.
    pub fn new(pool: &Pool) -> Self {
        let zones = pool.fleet.zones.len().max(1);
        let mut state = PoolState {
            instances: Vec::new(),
            rotation: Vec::new(),
            counts: FleetCounts::default(),
            shared: pool
                .shared_queue
                .then(|| ClassQueue::new(pool.scheduling.ranks)),
            queue_limit: pool.queue_limit.map_or(usize::MAX, |l| l as usize),
            scheduling: pool.scheduling.clone(),
            lifo_over: pool
                .admission
                .as_ref()
                .and_then(|a| a.lifo_over)
                .map_or(usize::MAX, |l| l as usize),
            balance: pool.balance,
            cursor: 0,
            indexes: None,
            workers: pool.workers,
            vcpus: pool.instance_type.vcpus,
            pod: pool.kubernetes.as_ref().map(|pod| {
                Box::new(PodCpu {
                    request_cores: f64::from(pod.cpu_request_milli) / 1000.0,
                    quota_ns: pod.quota_ns(PERIOD_NS),
                    quotas: Vec::new(),
                })
            }),
            service: pool
                .service_by_class
                .iter()
                .map(|dist| Sampler::new(dist, pool.instance_type.speed))
                .collect(),
            sliced: false,
            credits: (pool.credits.as_deref())
                .map(|c| Box::new(PoolCredits::new(c, pool.instance_type.vcpus))),
            capped: false,
        };
        let throttles = pool.credits.as_deref().is_some_and(PoolCredits::throttles);
        let scheduling = &pool.scheduling;
        let sharing = scheduling.cpu == CpuDiscipline::ProcessorSharing;
        state.capped = throttles && !sharing && !scheduling.preemptive;
        state.sliced = scheduling.preemptive || sharing || state.capped;
        // One rotation update for all of them: per instance would be
        // quadratic in instances.
        state.instances.reserve(pool.instances as usize);
        for i in 0..pool.instances {
            let id = state.launch((i as usize % zones) as u16);
            let instance = &mut state.instances[id as usize];
            instance.healthy = true;
            instance.phase = Phase::Serving;
        }
        state.counts.starting = 0;
        state.counts.serving = pool.instances;
        state.rotation = (0..pool.instances).collect();
        if let Some(credits) = &mut state.credits {
            credits.start();
        }
        state
    }

    /// A new instance in `zone`, starting; returns its index.
    pub fn launch(&mut self, zone: u16) -> u32 {
        self.counts.starting += 1;
        if let Some(pod) = &mut self.pod
            && let Some(quota_ns) = pod.quota_ns
        {
            pod.quotas.push(CfsQuota::new(quota_ns));
        }
        self.instances.push(Instance {
            phase: Phase::Starting,
            zone,
            healthy: false,
            streak: 0,
            ready_at: SimTime::ZERO,
            busy_area: 0.0,
            busy_since: SimTime::ZERO,
            busy_mark: 0.0,
            free_workers: self.workers,
            free_vcpus: self.vcpus,
            load: 0,
            queue: ClassQueue::new(self.scheduling.ranks),
            cpu_queue: ClassQueue::new(self.scheduling.ranks),
            sliced: self.sliced_cpu(),
        });
        let id = (self.instances.len() - 1) as u32;
        if let Some(credits) = &mut self.credits {
            credits.launched(id);
        }
        id
    }

    /// Instance `i`.
    pub fn instance(&self, i: u32) -> &Instance {
        &self.instances[i as usize]
    }

    /// Every instance, gone ones included, by index.
    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }

    /// Moves instance `i` to `phase`.
    pub fn set_phase(&mut self, i: u32, phase: Phase) {
        self.change(i, Some(phase), None);
    }

    /// Moves instance `i` to `phase` and/or sets the load balancer's view
    /// of it, keeping the counts and the rotation: at a cost that does not
    /// grow with the instances launched so far (a crash loop launches many).
    fn change(&mut self, i: u32, phase: Option<Phase>, healthy: Option<bool>) {
        let instance = &mut self.instances[i as usize];
        let before = takes_work(instance);
        if let Some(phase) = phase {
            if let Some(count) = count_of(&mut self.counts, instance.phase) {
                *count = count.saturating_sub(1);
            }
            if let Some(count) = count_of(&mut self.counts, phase) {
                *count += 1;
            }
            instance.phase = phase;
            if let (Phase::Gone, Some(credits)) = (phase, &mut self.credits) {
                credits.touch(i);
            }
        }
        if let Some(healthy) = healthy {
            instance.healthy = healthy;
        }
        let after = takes_work(instance);
        match (before, after, self.rotation.binary_search(&i)) {
            (false, true, Err(k)) => self.rotation.insert(k, i),
            (true, false, Ok(k)) => {
                self.rotation.remove(k);
            }
            _ => {}
        }
        self.reindex(i);
    }

    /// Brings instance `i`'s keys in the indexes (if any) up to date, after
    /// its load, its free workers, its phase or its place in the rotation
    /// changed.
    #[inline(always)]
    fn reindex(&mut self, i: u32) {
        if let Some(indexes) = &mut self.indexes {
            reindex_in(indexes, &self.instances, i);
        }
    }

    /// An instance in rotation (there must be one) picked by `policy`;
    /// `cursor` is the policy's rotating state (a balancer's, or the
    /// pool's own).
    #[inline]
    pub fn pick(&mut self, policy: BalancePolicy, cursor: &mut u32, rng: &mut Rng) -> u32 {
        if self.rotation.len() == 1 {
            // What every policy picks of one (no draw, no cursor moved).
            return self.rotation[0];
        }
        self.pick_among(policy, cursor, rng)
    }

    fn pick_among(&mut self, policy: BalancePolicy, cursor: &mut u32, rng: &mut Rng) -> u32 {
        if policy == BalancePolicy::LeastConnections && self.rotation.len() > SCAN_UP_TO {
            let instances = &self.instances;
            let by_load = (self.indexes.get_or_insert_with(Box::default).by_load)
                .get_or_insert_with(|| index_of(instances, |i| keys(i).0));
            return least_connections_indexed(by_load, &self.rotation, cursor);
        }
        let (instances, rotation) = (&self.instances, &self.rotation);
        let k = pick_instance(
            policy,
            rotation.len() as u32,
            |k| instances[rotation[k as usize] as usize].load,
            cursor,
            rng,
        );
        rotation[k as usize]
    }

    /// Instance `i` starts serving at `now`.
    pub fn set_ready(&mut self, i: u32, now: SimTime) {
        let instance = &mut self.instances[i as usize];
        instance.ready_at = now;
        instance.busy_since = now;
        self.set_phase(i, Phase::Serving);
    }

    /// Records instance `i`'s health-check streak.
    pub fn set_streak(&mut self, i: u32, streak: i32) {
        self.instances[i as usize].streak = streak;
    }

    /// Sets the load balancer's view of instance `i`.
    pub fn set_healthy(&mut self, i: u32, healthy: bool) {
        self.change(i, None, Some(healthy));
    }

    /// Instances taking new work, for balancers.
    pub fn instance_count(&self) -> u32 {
        self.rotation.len() as u32
    }

    /// Instances by phase, for billing and reports (`desired` left 0).
    pub fn counts(&self) -> FleetCounts {
        self.counts
    }

    /// Requests waiting for a worker or a vCPU.
    pub fn waiting(&self) -> usize {
        self.shared.as_ref().map_or(0, ClassQueue::len)
            + self
                .instances
                .iter()
                .map(|i| {
                    i.queue.len()
                        + i.cpu_queue.len()
                        + i.sliced.as_ref().map_or(0, SlicedCpu::waiting)
                })
                .sum::<usize>()
    }

    /// True if instance `i` has crashed: its jobs fail as they come back.
    /// A crashed instance may already be replaced (gone) when a job of its
    /// comes back; an instance that went by draining had no job left, so
    /// for a job, gone always means crashed.
    pub fn is_failed(&self, i: u32) -> bool {
        matches!(
            self.instances[i as usize].phase,
            Phase::Failed | Phase::Gone
        )
    }

    /// True if instance `i` is draining and has nothing left to do.
    pub fn is_drained(&self, i: u32) -> bool {
        let instance = &self.instances[i as usize];
        instance.phase == Phase::Draining && instance.load == 0
    }

    /// Offers `job` (of rank `rank`) to instance `hint` (chosen by a
    /// balancer) or, without one, to an instance of the pool's own choosing.
    pub fn admit(&mut self, job: JobId, rank: u16, hint: Option<u32>, rng: &mut Rng) -> Admission {
        if self.rotation.is_empty() {
            return Admission::Rejected;
        }
        if self.shared.is_some() {
            // First come, first served: while requests wait, a newcomer
            // queues behind them even if a worker is free (one that just
            // came up takes from the queue through `take_waiting`).
            let waiting = self.shared.as_ref().map_or(0, ClassQueue::len);
            let free = if waiting == 0 {
                self.free_consumer()
            } else {
                None
            };
            return match free {
                Some(i) => {
                    self.hold_worker(i);
                    Admission::Started(i)
                }
                None if waiting < self.queue_limit => {
                    if let Some(shared) = &mut self.shared {
                        shared.push_back(rank, job);
                    }
                    Admission::Queued
                }
                None => Admission::Rejected,
            };
        }
        let i = match hint {
            Some(i) => i,
            None => {
                let mut cursor = self.cursor;
                let i = self.pick(self.balance, &mut cursor, rng);
                self.cursor = cursor;
                i
            }
        };
        let instance = &mut self.instances[i as usize];
        let admission = if instance.phase == Phase::Failed {
            Admission::Dead
        } else if instance.free_workers > 0 {
            instance.free_workers -= 1;
            instance.load += 1;
            Admission::Started(i)
        } else if instance.queue.len() < self.queue_limit {
            instance.queue.push_back(rank, job);
            instance.load += 1;
            Admission::Queued
        } else {
            Admission::Rejected
        };
        if matches!(admission, Admission::Started(_) | Admission::Queued) {
            self.reindex(i);
        }
        admission
    }

    /// The next instance in rotation with a free worker, round robin from
    /// the cursor; a crashed consumer pulls nothing from the shared queue.
    fn free_consumer(&mut self) -> Option<u32> {
        let n = self.rotation.len();
        if n == 0 {
            return None;
        }
        let start = self.cursor as usize % n;
        self.cursor = ((start + 1) % n) as u32;
        if n > SCAN_UP_TO {
            // The scan's choice (the rotation is in slot order), by index.
            let instances = &self.instances;
            let free = (self.indexes.get_or_insert_with(Box::default).free_worker)
                .get_or_insert_with(|| index_of(instances, |i| keys(i).1));
            return free.first_at_most_from(self.rotation[start], 0);
        }
        (0..n).map(|k| self.rotation[(start + k) % n]).find(|&i| {
            let instance = &self.instances[i as usize];
            instance.free_workers > 0 && instance.phase != Phase::Failed
        })
    }

    /// An instance with a worker free for a queue's message: `hint` (the
    /// instance whose worker just freed, O(1)) if it can, else the next in
    /// rotation round robin from the cursor.
    pub fn worker_for_message(&mut self, hint: Option<u32>) -> Option<u32> {
        if let Some(i) = hint {
            let instance = &self.instances[i as usize];
            if instance.phase == Phase::Serving && instance.healthy && instance.free_workers > 0 {
                return Some(i);
            }
        }
        self.free_consumer()
    }

    /// With a shared queue, its oldest waiting job and an instance with a
    /// free worker, if there are both (for an instance that just joined the
    /// rotation); the job leaves the queue, the worker is the caller's to
    /// take with `hold_worker`.
    pub fn take_waiting(&mut self) -> Option<(JobId, u32)> {
        if self.shared.as_ref().is_none_or(ClassQueue::is_empty) {
            return None;
        }
        let i = self.free_consumer()?;
        let (_, job) = self.shared.as_mut()?.pop_front()?;
        Some((job, i))
    }

    /// A job takes a free worker of `instance`.
    #[inline]
    pub fn hold_worker(&mut self, i: u32) {
        let instance = &mut self.instances[i as usize];
        instance.free_workers -= 1;
        instance.load += 1;
        self.reindex(i);
    }

    /// A worker of `instance` finished its request: returns the waiting job
    /// that takes it over on the same instance, if any.
    #[inline]
    pub fn release_worker(&mut self, i: u32) -> Option<JobId> {
        let draining = self.instances[i as usize].phase == Phase::Draining;
        let instance = &mut self.instances[i as usize];
        // The finished request leaves the instance.
        instance.load -= 1;
        let next = match &mut self.shared {
            // A draining instance takes nothing more from the shared queue.
            Some(_) if draining => None,
            Some(shared) => {
                let next = next_waiting(shared, self.lifo_over);
                // A job from the shared queue joins this instance only now;
                // a local one was counted when it queued here.
                instance.load += u32::from(next.is_some());
                next
            }
            None => next_waiting(&mut instance.queue, self.lifo_over),
        };
        if next.is_none() {
            instance.free_workers += 1;
        }
        self.reindex(i);
        next
    }

    /// Instance `i` crashes: out of service at once (its queued and
    /// vCPU-waiting jobs are returned to fail now; jobs in service or in
    /// calls fail when they come back). Health checks still see it as
    /// healthy until they notice, if `noticed` is false.
    pub fn crash(&mut self, i: u32, noticed: bool, now: SimTime) -> Crashed {
        let instance = &mut self.instances[i as usize];
        instance.accrue(now, self.vcpus);
        let mut waiting: Vec<JobId> = instance.queue.drain().collect();
        waiting.extend(instance.cpu_queue.drain());
        let mut running = Vec::new();
        if let Some(cpu) = &mut instance.sliced {
            cpu.clear(&mut running, &mut waiting);
        }
        let crashed = Crashed {
            running,
            busy_vcpus: self.vcpus - instance.free_vcpus,
            busy_workers: self.workers - instance.free_workers,
            waiting,
        };
        instance.load = 0;
        instance.free_vcpus = self.vcpus;
        instance.free_workers = self.workers;
        let healthy = if noticed { Some(false) } else { None };
        self.change(i, Some(Phase::Failed), healthy);
        if let Some(credits) = &mut self.credits {
            credits.touch(i);
        }
        crashed
    }
}
