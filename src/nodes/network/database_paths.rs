//! The database's paths: a query takes a connection on its shard's server,
//! or waits; holding it, it takes a vCPU for its CPU part, or waits; then
//! its I/O wait holds the connection alone; a write with synchronous
//! replication then holds it while a replica acknowledges.

use crate::engine::{Event, EventQueue, JobId, Resource, SimTime};

use super::super::database::{self, DatabaseState};
use super::{Answer, Network, NodeState};
use crate::engine::Observer;

/// `job.step` of a query on its vCPU (or waiting for one).
const ON_CPU: u16 = 0;
/// `job.step` of a write waiting for its replica's acknowledgement.
const REPLICATING: u16 = 1;
/// `job.step` of a query in its I/O wait.
const IN_IO: u16 = 2;

impl<O: Observer> Network<'_, O> {
    fn database(&mut self, node: usize) -> &mut DatabaseState {
        match &mut self.states[node] {
            NodeState::Database(db) => db,
            _ => unreachable!("node {node} is a database"),
        }
    }

    /// `id` has its connection: it draws its time and takes a vCPU for the
    /// CPU part (or waits for one); a query of pure I/O needs none.
    fn database_serve(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let NodeState::Database(db) = &mut self.states[node] else {
            unreachable!()
        };
        if db.pure_io(job.write) {
            let time = db.draw(job.write, &mut self.rngs[node]);
            self.jobs[id].step = IN_IO;
            queue.schedule(now.after(time.io), Event::PhaseDone { job: id });
            return;
        }
        let rank = db.rank(job.class);
        if db.take_vcpu(job.slot, id, rank) {
            self.database_cpu(now, queue, id);
        } else {
            self.occupancy(now, job.node, Resource::Queue, 1);
        }
    }

    /// `id` got a vCPU: its CPU part starts; its I/O wait is kept for after.
    fn database_cpu(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let NodeState::Database(db) = &mut self.states[node] else {
            unreachable!()
        };
        let time = db.draw(job.write, &mut self.rngs[node]);
        if time.io > 0 {
            db.keep_io(id, time.io);
        }
        let (shard, primary) = (db.shard_of_server(job.slot), db.is_primary(job.slot));
        self.jobs[id].step = ON_CPU;
        queue.schedule(now.after(time.cpu), Event::PhaseDone { job: id });
        self.occupancy(now, job.node, Resource::Server, 1);
        self.observer
            .shard_cpu_busy(now, job.node, shard, primary, 1);
    }

    pub(super) fn database_enter(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        if self.cancels && self.cancelled(id) {
            return self.finish(now, queue, id, Answer::Cancelled);
        }
        let job = self.jobs[id];
        let db = self.database(job.node.index());
        let server = db.route(job.key, job.write);
        self.jobs[id].slot = server;
        let db = self.database(job.node.index());
        let rank = db.rank(job.class);
        match db.admit(server, id, rank) {
            database::Admission::Started => self.database_connected(now, queue, id),
            database::Admission::Queued => self.occupancy(now, job.node, Resource::Queue, 1),
            database::Admission::Rejected => self.finish(now, queue, id, Answer::Rejected),
        }
    }

    /// `id` took a connection on `self.jobs[id].slot`.
    fn database_connected(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let db = self.database(job.node.index());
        let (shard, primary) = (db.shard_of_server(job.slot), db.is_primary(job.slot));
        self.occupancy(now, job.node, Resource::Worker, 1);
        self.observer.shard_busy(now, job.node, shard, primary, 1);
        self.database_serve(now, queue, id);
    }

    pub(super) fn database_done(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        if job.step == ON_CPU {
            self.database_cpu_done(now, queue, id);
            let io = self.database(job.node.index()).take_io(id);
            if io > 0 {
                self.jobs[id].step = IN_IO;
                queue.schedule(now.after(io), Event::PhaseDone { job: id });
                return;
            }
        }
        let NodeState::Database(db) = &mut self.states[job.node.index()] else {
            unreachable!()
        };
        if job.write
            && job.step != REPLICATING
            && let Some(replication) = &db.replication
        {
            // Committed locally; the answer waits for a replica, the
            // connection stays held.
            let wait = replication.draw(&mut self.rngs[job.node.index()]);
            self.jobs[id].step = REPLICATING;
            queue.schedule(now.after(wait), Event::PhaseDone { job: id });
            return;
        }
        self.database_release(now, queue, id);
    }

    /// `id`'s CPU part ended: its vCPU goes to the next query waiting for one.
    fn database_cpu_done(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let db = self.database(job.node.index());
        let (shard, primary) = (db.shard_of_server(job.slot), db.is_primary(job.slot));
        self.observer
            .shard_cpu_busy(now, job.node, shard, primary, -1);
        self.occupancy(now, job.node, Resource::Server, -1);
        if let Some(next) = self.database(job.node.index()).release_vcpu(job.slot) {
            self.occupancy(now, job.node, Resource::Queue, -1);
            self.database_cpu(now, queue, next);
        }
    }

    /// `id` is answered: its connection goes to the next query waiting for
    /// one (cancelled losers leave the queue unserved).
    fn database_release(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let db = self.database(node);
        let (shard, primary) = (db.shard_of_server(job.slot), db.is_primary(job.slot));
        self.observer.shard_busy(now, job.node, shard, primary, -1);
        self.observer.shard_done(now, job.node, shard, job.entered);
        let mut cancelled = std::mem::take(&mut self.expired);
        loop {
            match self.database(node).release(job.slot) {
                Some(next) if self.cancels && self.cancelled(next) => {
                    self.occupancy(now, job.node, Resource::Queue, -1);
                    cancelled.push(next);
                }
                Some(next) => {
                    self.jobs[next].slot = job.slot;
                    self.occupancy(now, job.node, Resource::Queue, -1);
                    self.occupancy(now, job.node, Resource::Worker, -1);
                    self.database_connected(now, queue, next);
                    break;
                }
                None => {
                    self.occupancy(now, job.node, Resource::Worker, -1);
                    break;
                }
            }
        }
        self.finish(now, queue, id, Answer::Ok);
        for dropped in cancelled.drain(..) {
            self.finish(now, queue, dropped, Answer::Cancelled);
        }
        self.expired = cancelled;
    }
}
