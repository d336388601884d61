//! The database's paths: a query takes a connection on its shard's server,
//! or waits; a write with synchronous replication then holds it while a
//! replica acknowledges.

use crate::engine::{Event, EventQueue, JobId, Resource, SimTime};

use super::super::database::{self, DatabaseState};
use super::{Answer, Network, NodeState};
use crate::engine::Observer;

/// `job.step` of a write waiting for its replica's acknowledgement.
const REPLICATING: u16 = 1;

impl<O: Observer> Network<'_, O> {
    fn database(&mut self, node: usize) -> &mut DatabaseState {
        match &mut self.states[node] {
            NodeState::Database(db) => db,
            _ => unreachable!("node {node} is a database"),
        }
    }

    /// Starts `id`'s query on its connection.
    fn database_serve(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let NodeState::Database(db) = &mut self.states[node] else {
            unreachable!()
        };
        let sampler = if job.write { &db.write } else { &db.read };
        let work = sampler.draw(&mut self.rngs[node]);
        queue.schedule(now.after(work), Event::PhaseDone { job: id });
        let (shard, primary) = (db.shard_of_server(job.slot), db.is_primary(job.slot));
        self.observer.shard_busy(now, job.node, shard, primary, 1);
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
            database::Admission::Started => {
                self.occupancy(now, job.node, Resource::Server, 1);
                self.database_serve(now, queue, id);
            }
            database::Admission::Queued => self.occupancy(now, job.node, Resource::Queue, 1),
            database::Admission::Rejected => self.finish(now, queue, id, Answer::Rejected),
        }
    }

    pub(super) fn database_done(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let NodeState::Database(db) = &mut self.states[node] else {
            unreachable!()
        };
        if job.write
            && job.step != REPLICATING
            && let Some(replication) = &db.replication
        {
            // Committed locally; the answer waits for a replica, the
            // connection stays held.
            let wait = replication.draw(&mut self.rngs[node]);
            self.jobs[id].step = REPLICATING;
            queue.schedule(now.after(wait), Event::PhaseDone { job: id });
            return;
        }
        let (shard, primary) = (db.shard_of_server(job.slot), db.is_primary(job.slot));
        self.observer.shard_busy(now, job.node, shard, primary, -1);
        self.observer.shard_done(now, job.node, shard, job.entered);
        let mut cancelled = std::mem::take(&mut self.expired);
        loop {
            match self.database(node).release(job.slot) {
                // A cancelled loser leaves the queue unserved.
                Some(next) if self.cancels && self.cancelled(next) => {
                    self.occupancy(now, job.node, Resource::Queue, -1);
                    cancelled.push(next);
                }
                Some(next) => {
                    self.jobs[next].slot = job.slot;
                    self.occupancy(now, job.node, Resource::Queue, -1);
                    self.database_serve(now, queue, next);
                    break;
                }
                None => {
                    self.occupancy(now, job.node, Resource::Server, -1);
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
