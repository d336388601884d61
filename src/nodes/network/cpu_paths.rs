//! CPU bursts on pre-emptive or shared vCPUs (`nodes/sliced_cpu.rs` keeps
//! the books): each burst that (re)starts gets a fresh token in its job and
//! a `Timer::Burst` carrying it; a burst pre-empted, or whose end moved,
//! loses its token, so its old timer finds a mismatch and is ignored (no
//! event is ever cancelled). Between its burst and its first call a job
//! holds no call token, so the field is free for this.

use crate::engine::{EventQueue, JobId, Observer, Resource, SimTime};
use crate::model::NodeId;

use super::super::fleet::Timer;
use super::super::sliced_cpu::Change;
use super::{Network, fanout};

impl<O: Observer> Network<'_, O> {
    /// `id`, holding a worker, starts its CPU work on sliced vCPUs.
    pub(super) fn burst_start(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        id: JobId,
        draws: u32,
    ) {
        let job = self.jobs[id];
        let node = job.node.index();
        let super::NodeState::Pool(pool) = &mut self.states[node] else {
            unreachable!("bursts are pools' work")
        };
        let rng = &mut self.rngs[node];
        let work = pool.draw_work(job.class.index(), draws, rng);
        let rank = pool.rank(job.class);
        let change = pool.burst_enter(job.slot, id, rank, work, now);
        self.burst_changed(now, queue, job.node, change);
        if self.credits {
            self.credits_changed(now, queue, job.node, job.slot);
        }
    }

    /// A burst's timer: if it still holds, the burst is over and the job
    /// goes on to its calls.
    pub(super) fn burst_timer(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        id: JobId,
        token: u32,
    ) {
        // Tokens are never 0; a finished job's is, and a reused slot's
        // belongs to its new job: either way a mismatch.
        if self.jobs[id].token != token {
            return;
        }
        self.jobs[id].token = 0;
        let job = self.jobs[id];
        // Cancellation is cooperative (grpc.io, "Cancellation": the library
        // cannot interrupt a server handler; the handler checks and stops):
        // a burst under way runs to its end, as on FIFO vCPUs, and a loser
        // whose burst has not begun gives up its turn at the vCPU. Marked
        // failed, it answers as cancelled when it leaves.
        let (cancels, jobs, forks) = (self.cancels, &mut self.jobs, &self.forks);
        let mut abandoned = |next: JobId| {
            let skip = cancels && fanout::descends_from_cancelled(jobs, forks, next);
            jobs[next].failed |= skip;
            skip
        };
        let super::NodeState::Pool(pool) = &mut self.states[job.node.index()] else {
            unreachable!("bursts are pools' work")
        };
        let change = pool.burst_done(job.slot, id, now, &mut abandoned);
        self.burst_changed(now, queue, job.node, change);
        if self.credits {
            self.credits_changed(now, queue, job.node, job.slot);
        }
        self.jobs[id].step = 0;
        self.pool_next_call(now, queue, id);
    }

    /// Arms the timer of the burst that (re)starts, disarms the one that
    /// no longer holds, and reports the vCPUs and the line.
    pub(super) fn burst_changed(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        change: Change,
    ) {
        if let Some(stale) = change.stale {
            self.jobs[stale].token = 0;
        }
        if let Some(run) = change.start {
            let token = self.new_token();
            self.jobs[run.job].token = token;
            self.set_timer(
                queue,
                run.due.as_nanos(),
                Timer::Burst {
                    job: run.job,
                    token,
                },
            );
        }
        if change.busy != 0 {
            self.occupancy(now, node, Resource::Server, change.busy);
        }
        if change.waiting != 0 {
            self.occupancy(now, node, Resource::Queue, change.waiting);
        }
    }
}
