//! A server pool's state: per instance, its workers (threads), its vCPUs and
//! its queues. A request holds a worker from admission to answer, and a vCPU
//! only for its CPU work; this file only does the bookkeeping, the network
//! decides what happens next.

use std::collections::VecDeque;

use crate::engine::JobId;
use crate::engine::rng::Rng;
use crate::model::{BalancePolicy, Pool};

use super::balancer::pick_instance;
use crate::engine::Sampler;

/// One instance.
#[derive(Debug)]
pub struct Instance {
    free_workers: u32,
    free_vcpus: u32,
    /// Requests at this instance: waiting for a worker, or holding one.
    load: u32,
    /// Requests waiting for a worker (unused with a shared queue).
    queue: VecDeque<JobId>,
    /// Requests holding a worker and waiting for a vCPU.
    cpu_queue: VecDeque<JobId>,
}

/// What became of a request offered to the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// It took a worker on this instance.
    Started(u32),
    /// It waits for a worker.
    Queued,
    /// The queue was full.
    Rejected,
}

/// The live state of a pool.
#[derive(Debug)]
pub struct PoolState {
    instances: Vec<Instance>,
    shared: Option<VecDeque<JobId>>,
    queue_limit: usize,
    balance: BalancePolicy,
    cursor: u32,
    /// CPU work per class, already divided by the instance speed.
    pub service: Vec<Sampler>,
}

impl PoolState {
    /// All instances idle.
    pub fn new(pool: &Pool) -> Self {
        let instances = (0..pool.instances)
            .map(|_| Instance {
                free_workers: pool.workers,
                free_vcpus: pool.instance_type.vcpus,
                load: 0,
                queue: VecDeque::new(),
                cpu_queue: VecDeque::new(),
            })
            .collect();
        PoolState {
            instances,
            shared: pool.shared_queue.then(VecDeque::new),
            queue_limit: pool.queue_limit.map_or(usize::MAX, |l| l as usize),
            balance: pool.balance,
            cursor: 0,
            service: pool
                .service_by_class
                .iter()
                .map(|dist| Sampler::new(dist, pool.instance_type.speed))
                .collect(),
        }
    }

    /// Number of instances.
    pub fn instance_count(&self) -> u32 {
        self.instances.len() as u32
    }

    /// Requests at instance `i`, for balancers.
    pub fn load(&self, i: u32) -> u32 {
        self.instances[i as usize].load
    }

    /// Requests waiting for a worker or a vCPU.
    pub fn waiting(&self) -> usize {
        self.shared.as_ref().map_or(0, VecDeque::len)
            + self
                .instances
                .iter()
                .map(|i| i.queue.len() + i.cpu_queue.len())
                .sum::<usize>()
    }

    /// Offers `job` to instance `hint` (chosen by a balancer) or, without
    /// one, to an instance of the pool's own choosing.
    pub fn admit(&mut self, job: JobId, hint: Option<u32>, rng: &mut Rng) -> Admission {
        if let Some(shared) = &mut self.shared {
            let n = self.instances.len();
            let start = hint.map_or(self.cursor as usize, |h| h as usize) % n;
            self.cursor = ((start + 1) % n) as u32;
            let free = (0..n)
                .map(|k| (start + k) % n)
                .find(|&i| self.instances[i].free_workers > 0);
            return match free {
                Some(i) => {
                    let instance = &mut self.instances[i];
                    instance.free_workers -= 1;
                    instance.load += 1;
                    Admission::Started(i as u32)
                }
                None if shared.len() < self.queue_limit => {
                    shared.push_back(job);
                    Admission::Queued
                }
                None => Admission::Rejected,
            };
        }
        let i = match hint {
            Some(i) => i,
            None => {
                let instances = &self.instances;
                pick_instance(
                    self.balance,
                    self.instance_count(),
                    |i| instances[i as usize].load,
                    &mut self.cursor,
                    rng,
                )
            }
        };
        let instance = &mut self.instances[i as usize];
        if instance.free_workers > 0 {
            instance.free_workers -= 1;
            instance.load += 1;
            Admission::Started(i)
        } else if instance.queue.len() < self.queue_limit {
            instance.queue.push_back(job);
            instance.load += 1;
            Admission::Queued
        } else {
            Admission::Rejected
        }
    }

    /// `job`, holding a worker on `instance`, asks for a vCPU: true if it
    /// got one, false if it waits.
    pub fn take_cpu(&mut self, instance: u32, job: JobId) -> bool {
        let instance = &mut self.instances[instance as usize];
        if instance.free_vcpus > 0 {
            instance.free_vcpus -= 1;
            true
        } else {
            instance.cpu_queue.push_back(job);
            false
        }
    }

    /// A vCPU of `instance` finished a burst: returns the waiting job that
    /// takes it over, if any (else the vCPU goes idle).
    pub fn release_cpu(&mut self, instance: u32) -> Option<JobId> {
        let instance = &mut self.instances[instance as usize];
        let next = instance.cpu_queue.pop_front();
        if next.is_none() {
            instance.free_vcpus += 1;
        }
        next
    }

    /// A worker of `instance` finished its request: returns the waiting job
    /// that takes it over on the same instance, if any.
    pub fn release_worker(&mut self, instance: u32) -> Option<JobId> {
        let instance = &mut self.instances[instance as usize];
        // The finished request leaves the instance.
        instance.load -= 1;
        let next = match &mut self.shared {
            Some(shared) => {
                let next = shared.pop_front();
                // A job from the shared queue joins this instance only now;
                // a local one was counted when it queued here.
                instance.load += u32::from(next.is_some());
                next
            }
            None => instance.queue.pop_front(),
        };
        if next.is_none() {
            instance.free_workers += 1;
        }
        next
    }
}
