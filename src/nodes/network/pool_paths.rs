//! The pool's paths: admission, CPU bursts, downstream calls in order, release.

use rand::RngExt;

use crate::engine::{Event, EventQueue, JobId, Resource, SimTime};
use crate::model::{CallMode, NodeId, NodeKind, Operation};

use super::super::job::{NO_SLOT, Origin};
use super::super::pool::{Admission, PoolState};
use super::{Answer, Network, NodeState};
use crate::engine::Observer;

impl<O: Observer> Network<'_, O> {
    pub(in crate::nodes) fn pool(&mut self, node: usize) -> &mut PoolState {
        match &mut self.states[node] {
            NodeState::Pool(pool) => pool,
            _ => unreachable!("node {node} is a pool"),
        }
    }

    pub(super) fn pool_enter(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let hint = (job.slot != NO_SLOT).then_some(job.slot);
        if let Some(monitor) = self.monitor(node) {
            monitor.arrived(now);
        }
        if self.cancels && self.cancelled(id) {
            return self.finish(now, queue, id, Answer::Cancelled);
        }
        let NodeState::Pool(pool) = &mut self.states[node] else {
            unreachable!()
        };
        let rank = pool.rank(job.class);
        match pool.admit(id, rank, hint, &mut self.rngs[node]) {
            Admission::Started(instance) => {
                self.jobs[id].slot = instance;
                self.occupancy(now, job.node, Resource::Worker, 1);
                self.pool_start_cpu(now, queue, id);
            }
            Admission::Queued => self.occupancy(now, job.node, Resource::Queue, 1),
            Admission::Rejected => self.finish(now, queue, id, Answer::Rejected),
            Admission::Dead => self.finish(now, queue, id, Answer::Failed),
        }
    }

    pub(super) fn pool_start_cpu(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let draws = self.draws_of(job.origin, job.node);
        let NodeState::Pool(pool) = &mut self.states[node] else {
            unreachable!()
        };
        if pool.is_sliced() {
            return self.burst_start(now, queue, id, draws);
        }
        if pool.take_cpu(job.slot, id, pool.rank(job.class), now) {
            let work = pool.draw_work(job.class.index(), draws, &mut self.rngs[node]);
            let wall = pool.run_time(job.slot, work, now);
            queue.schedule(now.after(wall), Event::PhaseDone { job: id });
            self.occupancy(now, job.node, Resource::Server, 1);
            if self.credits {
                self.credits_changed(now, queue, job.node, job.slot);
            }
        } else {
            self.occupancy(now, job.node, Resource::Queue, 1);
        }
    }

    pub(super) fn pool_cpu_done(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let NodeState::Pool(pool) = &mut self.states[node] else {
            unreachable!()
        };
        if pool.is_failed(job.slot) {
            // Its instance crashed mid-burst (its vCPU was already released).
            self.finish(now, queue, id, Answer::Failed);
            return;
        }
        match pool.release_cpu(job.slot, now) {
            Some(next) => {
                let next_job = self.jobs[next];
                let draws = self.draws_of(next_job.origin, job.node);
                // A loser cancelled while it waited for the vCPU gives it up
                // at once: no work, and (marked failed) it answers as
                // cancelled when it leaves.
                let skip = self.cancels && self.cancelled(next);
                self.jobs[next].failed |= skip;
                let NodeState::Pool(pool) = &mut self.states[node] else {
                    unreachable!()
                };
                let class = next_job.class.index();
                let work = if skip {
                    0
                } else {
                    pool.draw_work(class, draws, &mut self.rngs[node])
                };
                let wall = pool.run_time(job.slot, work, now);
                queue.schedule(now.after(wall), Event::PhaseDone { job: next });
                self.occupancy(now, job.node, Resource::Queue, -1);
            }
            None => {
                self.occupancy(now, job.node, Resource::Server, -1);
                if self.credits {
                    self.credits_changed(now, queue, job.node, job.slot);
                }
            }
        }
        self.jobs[id].step = 0;
        self.pool_next_call(now, queue, id);
    }

    /// Makes the job's remaining calls in order: async ones at once, up to
    /// the next sync one, which it then waits for. With none left, answers.
    pub(super) fn pool_next_call(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let node = self.jobs[id].node.index();
        let NodeKind::Pool(config) = &self.model.nodes[node].kind else {
            unreachable!()
        };
        loop {
            let job = self.jobs[id];
            let Some(call) = config.calls.get(job.step as usize) else {
                self.pool_release(now, queue, id);
                return;
            };
            if self.cancels && self.cancelled(id) {
                // A cancelled loser makes no more calls.
                return self.pool_release(now, queue, id);
            }
            self.jobs[id].step += 1;
            if let Some(group) = call.group {
                // The group's calls are made together, below.
                self.jobs[id].step = job.step + self.model.call_groups[usize::from(group)].calls;
            }
            if !call.class_filter[job.class.index()] {
                continue;
            }
            if call.probability < 1.0 && self.rngs[node].random::<f64>() >= call.probability {
                continue;
            }
            if let Some(group) = call.group {
                // The worker waits at the join, which resumes this job.
                return self.fork(now, queue, id, group);
            }
            if call.site.is_some() {
                // Validation allows policies on sync calls only.
                self.jobs[id].attempt = 1;
                self.call_attempt(now, queue, id);
                return;
            }
            let origin = match call.mode {
                CallMode::Sync => Origin::Call(id),
                CallMode::Async => Origin::Async,
            };
            let mut child = self.child(id, call.to, origin, now);
            child.write = call.op == Operation::Write;
            self.spawn(now, queue, child);
            if call.mode == CallMode::Sync {
                // The answer resumes this job in `child_returned`.
                return;
            }
        }
    }

    /// Frees the job's worker (to the next waiting job, if any) and answers.
    pub(super) fn pool_release(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let NodeKind::Pool(config) = &self.model.nodes[node].kind else {
            unreachable!()
        };
        let mut expired = Vec::new();
        // Cancelled losers leave a queue as expired ones do.
        match config.queue_timeout_ns.or(self.cancels.then_some(u64::MAX)) {
            None => match self.pool(node).release_worker(job.slot) {
                Some(next) => {
                    self.jobs[next].slot = job.slot;
                    self.occupancy(now, job.node, Resource::Queue, -1);
                    self.pool_start_cpu(now, queue, next);
                }
                None => self.occupancy(now, job.node, Resource::Worker, -1),
            },
            Some(deadline) => {
                expired = std::mem::take(&mut self.expired);
                self.release_in_time(now, queue, id, deadline, &mut expired);
            }
        }
        if self.pool(job.node.index()).is_drained(job.slot) {
            self.drained(now, queue, job.node, job.slot);
        }
        let answer = if job.failed {
            Answer::Failed
        } else {
            Answer::Ok
        };
        self.finish(now, queue, id, answer);
        if expired.capacity() > 0 {
            // Answered only now, with the pool's books straight: their
            // callers may act at once.
            for dropped in expired.drain(..) {
                let cancelled = self.cancels && self.cancelled(dropped);
                let answer = if cancelled {
                    Answer::Cancelled
                } else {
                    Answer::Expired
                };
                self.finish(now, queue, dropped, answer);
            }
            self.expired = expired;
        }
    }

    /// Starts waiting jobs of a shared queue on the free workers an
    /// instance that just joined the rotation brought; one that waited past
    /// the queue timeout is dropped unserved, as a freed worker would.
    pub(in crate::nodes) fn pool_serve_waiting(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
    ) {
        let NodeKind::Pool(config) = &self.model.nodes[node.index()].kind else {
            unreachable!("only pools have instances")
        };
        if self.consumer_of[node.index()].is_some() {
            // Nothing waits at a consumer: its workers poll the queue.
            self.consumers_joined(now, queue, node);
            return;
        }
        let deadline = config.queue_timeout_ns;
        while let Some((next, instance)) = self.pool(node.index()).take_waiting() {
            self.occupancy(now, node, Resource::Queue, -1);
            if self.cancels && self.cancelled(next) {
                self.finish(now, queue, next, Answer::Cancelled);
                continue;
            }
            if deadline.is_some_and(|d| now.since(self.jobs[next].entered) > d) {
                self.finish(now, queue, next, Answer::Expired);
                continue;
            }
            self.pool(node.index()).hold_worker(instance);
            self.jobs[next].slot = instance;
            self.occupancy(now, node, Resource::Worker, 1);
            self.pool_start_cpu(now, queue, next);
        }
    }

    /// Hands `id`'s worker to the next job that has not waited past
    /// `deadline`; the ones that have go to `expired`, dropped unserved.
    fn release_in_time(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        id: JobId,
        deadline: u64,
        expired: &mut Vec<JobId>,
    ) {
        let job = self.jobs[id];
        loop {
            match self.pool(job.node.index()).release_worker(job.slot) {
                Some(next)
                    if now.since(self.jobs[next].entered) > deadline
                        || self.cancels && self.cancelled(next) =>
                {
                    self.occupancy(now, job.node, Resource::Queue, -1);
                    self.jobs[next].slot = job.slot;
                    expired.push(next);
                }
                Some(next) => {
                    self.jobs[next].slot = job.slot;
                    self.occupancy(now, job.node, Resource::Queue, -1);
                    self.pool_start_cpu(now, queue, next);
                    return;
                }
                None => {
                    self.occupancy(now, job.node, Resource::Worker, -1);
                    return;
                }
            }
        }
    }
}
