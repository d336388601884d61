//! The database's paths: a query takes a connection on its shard's server, or waits.

use crate::engine::{Event, EventQueue, JobId, Resource, SimTime};

use super::super::database;
use super::{Answer, Network, NodeState};
use crate::engine::Observer;

impl<O: Observer> Network<'_, O> {
    pub(super) fn database_enter(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let node = job.node.index();
        let NodeState::Database(db) = &mut self.states[node] else {
            unreachable!()
        };
        let server = db.route(job.key, job.write);
        self.jobs[id].slot = server;
        match db.admit(server, id) {
            database::Admission::Started => {
                let sampler = if job.write { &db.write } else { &db.read };
                queue.schedule(
                    now.after(sampler.draw(&mut self.rngs[node])),
                    Event::PhaseDone { job: id },
                );
                self.occupancy(now, job.node, Resource::Server, 1);
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
        match db.release(job.slot) {
            Some(next) => {
                let sampler = if self.jobs[next].write {
                    &db.write
                } else {
                    &db.read
                };
                queue.schedule(
                    now.after(sampler.draw(&mut self.rngs[node])),
                    Event::PhaseDone { job: next },
                );
                self.occupancy(now, job.node, Resource::Queue, -1);
            }
            None => self.occupancy(now, job.node, Resource::Server, -1),
        }
        self.finish(now, queue, id, Answer::Ok);
    }
}
