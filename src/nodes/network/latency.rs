//! Network latency at run time: a call's own latency (`calls[i].latency`)
//! and the round trip between the caller's and the callee's availability
//! zones (`network`), added to the caller's wait for its answer.
//!
//! The whole network time of a call is spent on the answer's way back: the
//! callee's job leaves its node at once (its worker, vCPU or connection
//! freed, its visit recorded) and stays in the slab, in transit, until a
//! `Timer::Answer` hands its answer to the caller. The caller's worker is
//! held all along, as it is in a real blocking call, and the callee is not
//! occupied. Only the callee's instance is known once it has answered, so
//! only then can the zones be compared; sending the request at once shifts
//! the callee's arrivals by the outbound time, which leaves its queueing
//! unchanged for a constant latency. A timeout that fires while the answer
//! travels abandons it like any other: the job in transit becomes `Async`
//! and its answer reaches nobody. A branch of a group of calls made at once
//! travels the same way, with its own call's latency, to its fork's join
//! (a cancelled loser sends nothing back).

use crate::engine::rng::{self, Rng};
use crate::engine::{EventQueue, Hop, JobId, Observer, Sampler, SimTime};
use crate::model::{GroupKind, Model, NodeKind};

use super::super::fleet::Timer;
use super::super::job::{NO_SLOT, Origin};
use super::{Answer, Network, NodeState};

/// A call's latency sampler, and whether it is drawn each way.
type CallWire = Option<(Sampler, bool)>;

/// The samplers of every latency in the model, and their stream.
#[derive(Debug)]
pub(super) struct Wires {
    /// Whether the model has any latency at all (else nothing here runs).
    pub any: bool,
    /// Per node, per call: its latency (drawn twice when one way).
    calls: Vec<Box<[CallWire]>>,
    /// Per node, per zone of its fleet: the zone's id across pools (zones
    /// match by name); empty for nodes that are not pools.
    zone_ids: Vec<Box<[u16]>>,
    same_zone: Option<Sampler>,
    cross_zone: Option<Sampler>,
    /// `$network`: latencies draw from their own stream, so adding one
    /// leaves every node's draws as they were.
    rng: Rng,
}

impl Wires {
    pub(super) fn new(model: &Model, seed: u64, replication: u32) -> Self {
        let mut names: Vec<&str> = Vec::new();
        let mut zone_ids = Vec::with_capacity(model.nodes.len());
        let mut calls = Vec::with_capacity(model.nodes.len());
        for node in &model.nodes {
            let NodeKind::Pool(pool) = &node.kind else {
                zone_ids.push(Box::default());
                calls.push(Box::default());
                continue;
            };
            let ids = pool.fleet.zones.iter().map(|zone| {
                let known = names.iter().position(|name| name == zone);
                known.unwrap_or_else(|| {
                    names.push(zone);
                    names.len() - 1
                }) as u16
            });
            zone_ids.push(ids.collect());
            let latency = |c: &crate::model::Call| {
                let latency = c.latency.as_ref()?;
                Some((Sampler::new(&latency.dist, 1.0), latency.one_way))
            };
            calls.push(pool.calls.iter().map(latency).collect());
        }
        let sampler = |d: &Option<crate::model::Dist>| d.as_ref().map(|d| Sampler::new(d, 1.0));
        let any_call = calls.iter().any(|c| c.iter().any(Option::is_some));
        Wires {
            any: any_call || model.zones.is_set(),
            calls,
            zone_ids,
            same_zone: sampler(&model.zones.same_zone),
            cross_zone: sampler(&model.zones.cross_zone),
            rng: rng::stream(seed, replication, "$network"),
        }
    }
}

impl<O: Observer> Network<'_, O> {
    /// If `id`'s answer to its caller crosses a network with latency, sends
    /// it on its way (the visit ends now, the answer arrives later) and
    /// returns true.
    pub(super) fn answer_travels(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        id: JobId,
        answer: Answer,
    ) -> bool {
        let call_ns = match self.jobs[id].origin {
            Origin::Call(_) => self.call_latency_ns(id),
            // A cancelled loser sends no answer back.
            Origin::Branch { .. } if answer == Answer::Cancelled => return false,
            Origin::Branch { fork, branch } => self.branch_latency_ns(fork, branch),
            _ => return false,
        };
        let zone = self.zone_latency_ns(id);
        let delay = call_ns + zone.map_or(0, |(ns, _)| ns);
        if call_ns == 0 && zone.is_none() {
            return false;
        }
        let job = self.jobs[id];
        let hop = Hop {
            class: job.class,
            delay_ns: delay,
            cross_zone: zone.map(|(_, cross)| cross),
            ok: answer == Answer::Ok,
        };
        self.observer.network(now, job.node, hop);
        self.visit_ended(now, &job, answer);
        self.jobs[id].failed = answer != Answer::Ok;
        self.set_timer(queue, now.as_nanos() + delay, Timer::Answer { job: id });
        true
    }

    /// `id`'s answer reached its caller (or nobody, if it was abandoned).
    pub(super) fn answer_arrived(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs.remove(id);
        self.count_request(job.origin, -1);
        match job.origin {
            Origin::Call(parent) => self.call_returned(now, queue, parent, !job.failed),
            Origin::Branch { fork, branch } => {
                let answer = if job.failed {
                    Answer::Failed
                } else {
                    Answer::Ok
                };
                self.branch_answered(now, queue, (fork, branch), answer, job.entered);
            }
            _ => {}
        }
    }

    /// The latency of branch `branch` of `fork`'s call, drawn; 0 when it has none.
    fn branch_latency_ns(&mut self, fork: JobId, branch: u16) -> u64 {
        let state = self.forks[fork];
        let group = &self.model.call_groups[usize::from(state.group)];
        let index = match group.kind {
            GroupKind::Parallel => group.first_call + branch,
            _ => group.first_call,
        };
        let caller = self.jobs[state.parent].node;
        self.draw_call_latency(caller.index(), usize::from(index))
    }

    /// Draws the latency of call `index` of pool `node` (both ways when it is
    /// one way); 0 when it has none.
    fn draw_call_latency(&mut self, node: usize, index: usize) -> u64 {
        let Some(Some((sampler, one_way))) = self.wires.calls[node].get(index) else {
            return 0;
        };
        let rng = &mut self.wires.rng;
        let there = sampler.draw(rng);
        if *one_way {
            there.saturating_add(sampler.draw(rng))
        } else {
            there
        }
    }

    /// The latency of the call `id` answers, drawn; 0 when it has none.
    fn call_latency_ns(&mut self, id: JobId) -> u64 {
        let Origin::Call(parent) = self.jobs[id].origin else {
            return 0;
        };
        let caller = self.jobs[parent];
        if let Origin::Client { .. } = caller.origin {
            return 0;
        }
        // A pool's `step` points past the call being made.
        let index = usize::from(caller.step).wrapping_sub(1);
        self.draw_call_latency(caller.node.index(), index)
    }

    /// The round trip between the zone of the pool instance that served `id`
    /// and the zone of the nearest pool instance up its request (through
    /// balancers and caches), drawn, and whether the zones differ; `None`
    /// when either end is not a pool instance or no latency is set.
    fn zone_latency_ns(&mut self, id: JobId) -> Option<(u64, bool)> {
        let callee = self.zone_of(id)?;
        let mut up = self.jobs[id].origin;
        let caller = loop {
            let parent = match up {
                Origin::Call(parent) => parent,
                Origin::Branch { fork, .. } => self.forks[fork].parent,
                _ => return None,
            };
            if let Some(zone) = self.zone_of(parent) {
                break zone;
            }
            up = self.jobs[parent].origin;
        };
        let cross = caller != callee;
        let sampler = if cross {
            &self.wires.cross_zone
        } else {
            &self.wires.same_zone
        };
        let ns = sampler.as_ref()?.draw(&mut self.wires.rng);
        Some((ns, cross))
    }

    /// The zone id of the pool instance serving `id`, if it is at one.
    fn zone_of(&self, id: JobId) -> Option<u16> {
        let job = &self.jobs[id];
        if job.slot == NO_SLOT || matches!(job.origin, Origin::Client { .. }) {
            return None;
        }
        let NodeState::Pool(pool) = &self.states[job.node.index()] else {
            return None;
        };
        let zone = pool.instance(job.slot).zone;
        self.wires.zone_ids[job.node.index()]
            .get(usize::from(zone))
            .copied()
    }
}
