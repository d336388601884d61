//! Calls made at once: a fork sends its branches (a group's calls, a
//! scatter's shards, a hedge's copies), counts their answers, and answers
//! its parent when the join is met (`all`, `first`, a quorum) or cannot be.
//!
//! Nothing is ever cancelled in the event queue. Branches still out at the
//! join run on, answering the fork, which notes them as late and goes when
//! the last has answered; with `cancel_losers`, the fork is marked, and a
//! job that descends from it stops where it next looks (`cancelled`): on
//! reaching a pool or a database, on leaving a queue, before its next call
//! or retry. Hedge timers carry the fork's token, so a timer of a fork that
//! is gone is stale.

use crate::engine::{EventQueue, FanoutEvent, JobId, Observer, SimTime, Slab};
use crate::model::{GroupId, GroupKind, HedgeAfter, NodeKind, Operation};

use super::super::fleet::Timer;
use super::super::fork::Fork;
use super::super::job::{Job, Origin};
use super::{Answer, Network};

impl<O: Observer> Network<'_, O> {
    /// `parent` reached group `group` of its calls: its branches leave.
    pub(super) fn fork(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        parent: JobId,
        group: GroupId,
    ) {
        let model = self.model;
        let spec = &model.call_groups[usize::from(group)];
        let planned = match &spec.kind {
            GroupKind::Parallel => spec.calls,
            GroupKind::Scatter { shard_keys, .. } => match self.scatter_range(parent, spec) {
                Some((first, last)) => (last - first + 1) as u16,
                None => shard_keys.len() as u16,
            },
            GroupKind::Hedge { .. } => spec.branches,
        };
        let token = self.new_token();
        let fork = self.forks.insert(Fork {
            parent,
            group,
            started: now,
            planned,
            sent: 0,
            answered: 0,
            ok: 0,
            failed: 0,
            joined: false,
            cancelled: false,
            sending: true,
            detached: false,
            token,
            delay_ns: u64::MAX,
            answered_bits: 0,
        });
        let at_once = match spec.kind {
            GroupKind::Hedge { after } => {
                let delay = match after {
                    HedgeAfter::Fixed(ns) => Some(ns),
                    HedgeAfter::Percentile { .. } => self.running_delay(now, group),
                };
                if let Some(delay) = delay {
                    self.forks[fork].delay_ns = delay;
                    let at = now.as_nanos().saturating_add(delay);
                    self.set_timer(queue, at, Timer::Hedge { fork, token });
                }
                1
            }
            _ => planned,
        };
        self.send_branches(now, queue, fork, at_once);
    }

    /// Sends up to `count` more branches of `fork`, stopping if it decides
    /// meanwhile (a branch can be answered at once: a full queue rejects).
    fn send_branches(&mut self, now: SimTime, queue: &mut EventQueue, fork: JobId, count: u16) {
        self.forks[fork].sending = true;
        for _ in 0..count {
            if self.forks[fork].joined {
                break;
            }
            self.send_branch(now, queue, fork);
        }
        self.forks[fork].sending = false;
        if self.forks[fork].is_done() {
            self.fork_done(fork);
        }
    }

    /// The next branch of `fork` leaves: straight to its callee, or through
    /// a caller of its own when its call has a policy.
    fn send_branch(&mut self, now: SimTime, queue: &mut EventQueue, fork: JobId) {
        let model = self.model;
        let Fork {
            parent,
            group,
            sent: branch,
            ..
        } = self.forks[fork];
        self.forks[fork].sent += 1;
        let spec = &model.call_groups[usize::from(group)];
        let index = match spec.kind {
            GroupKind::Parallel => spec.first_call + branch,
            _ => spec.first_call,
        };
        let caller = self.jobs[parent];
        let NodeKind::Pool(pool) = &model.nodes[caller.node.index()].kind else {
            unreachable!("only pools make calls")
        };
        let call = &pool.calls[usize::from(index)];
        let key = self.branch_key(parent, spec, branch);
        self.observer
            .fanout(now, group, FanoutEvent::Sent { branch });
        if call.site.is_some() {
            let origin = Origin::BranchClient { fork, branch };
            let mut client = self.child(parent, caller.node, origin, now);
            // As a pool job making that call: `step` just past it, on the
            // caller's instance (whose connection pool it uses).
            client.step = index + 1;
            client.slot = caller.slot;
            client.key = key;
            let id = self.jobs.insert(client);
            self.call_attempt(now, queue, id);
        } else {
            let mut child = self.child(parent, call.to, Origin::Branch { fork, branch }, now);
            child.write = call.op == Operation::Write;
            child.key = key;
            self.spawn(now, queue, child);
        }
    }

    /// A branch of `fork` answered (`sent_at`: when it left).
    pub(super) fn branch_answered(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        (fork, branch): (JobId, u16),
        answer: Answer,
        sent_at: SimTime,
    ) {
        let state = &mut self.forks[fork];
        state.answered += 1;
        if branch < 32 {
            state.answered_bits |= 1 << branch;
        }
        let (late, group) = (state.joined, state.group);
        let superseded = late && state.cancelled;
        let ok = answer == Answer::Ok;
        // A running percentile counts successful copies (not fast failures,
        // as Finagle's `shouldRecord`), once: a cancelled one was counted
        // when it was superseded.
        if ok && !superseded {
            self.copy_time(now, group, now.since(sent_at));
        }
        let event = match answer {
            Answer::Cancelled => FanoutEvent::Cancelled { branch },
            _ => FanoutEvent::Answered {
                branch,
                ok,
                late,
                ns: now.since(sent_at),
            },
        };
        self.observer.fanout(now, group, event);
        let decision = if late { None } else { self.decide(fork, ok) };
        let parent = self.forks[fork].parent;
        if let Some(joined_ok) = decision {
            let state = &mut self.forks[fork];
            state.joined = true;
            state.cancelled = self.model.call_groups[usize::from(group)].cancel_losers;
            state.detached = state.sending || state.answered < state.sent;
            let ns = now.since(state.started);
            if joined_ok && state.cancelled {
                self.superseded(now, fork);
            }
            let state = &self.forks[fork];
            if state.detached {
                // The losers run on (or wind down) as a request of their own.
                self.count_request(Origin::Async, 1);
            }
            self.observer
                .fanout(now, group, FanoutEvent::Joined { ok: joined_ok, ns });
        }
        if self.forks[fork].is_done() {
            self.fork_done(fork);
        }
        // Last: the parent may go on at once, forking again.
        if let Some(joined_ok) = decision {
            self.child_returned(now, queue, parent, joined_ok);
        }
    }

    /// Counts an answer before the join: `Some(ok)` once the join is met
    /// (`true`) or can no longer be (`false`).
    fn decide(&mut self, fork: JobId, ok: bool) -> Option<bool> {
        let spec = &self.model.call_groups[usize::from(self.forks[fork].group)];
        let state = &mut self.forks[fork];
        if ok {
            state.ok += 1;
        } else {
            state.failed += 1;
        }
        // A hedge's copies not yet sent are no branches yet: it fails when
        // every copy out has failed.
        let possible = match spec.kind {
            GroupKind::Hedge { .. } => state.sent,
            _ => state.planned,
        };
        let needed = spec.needed(possible).max(1);
        if state.ok >= needed {
            Some(true)
        } else if u32::from(state.failed) + u32::from(needed) > u32::from(possible) {
            Some(false)
        } else {
            None
        }
    }

    /// The fork has nothing more to hear: it goes.
    fn fork_done(&mut self, fork: JobId) {
        if self.forks[fork].detached {
            self.count_request(Origin::Async, -1);
        }
        // A freed slot keeps its data: a zero token makes its timers stale.
        self.forks[fork].token = 0;
        self.forks.remove(fork);
    }

    /// A hedge's delay is over: another copy leaves, if still wanted.
    pub(super) fn hedge_due(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        fork: JobId,
        token: u32,
    ) {
        let state = self.forks[fork];
        if state.token != token || state.joined || state.sent >= state.planned {
            return;
        }
        if state.sent + 1 < state.planned {
            let at = now.as_nanos().saturating_add(state.delay_ns);
            self.set_timer(queue, at, Timer::Hedge { fork, token });
        }
        self.send_branches(now, queue, fork, 1);
    }

    /// The delay of hedge group `group` now, at its running percentile;
    /// the observer hears when it changes.
    fn running_delay(&mut self, now: SimTime, group: GroupId) -> Option<u64> {
        let running = self.hedges[usize::from(group)].as_mut()?;
        let (delay, changed) = running.delay(now);
        if changed {
            let event = FanoutEvent::Delay { ns: delay };
            self.observer.fanout(now, group, event);
        }
        delay
    }

    /// A copy of hedge group `group` took `ns`, for its running percentile.
    fn copy_time(&mut self, now: SimTime, group: GroupId, ns: u64) {
        let Some(running) = self.hedges[usize::from(group)].as_mut() else {
            return;
        };
        if running.record(now, ns) {
            let event = FanoutEvent::Delay {
                ns: running.current(),
            };
            self.observer.fanout(now, group, event);
        }
    }

    /// `fork` joined and cancels its copies still out: each is counted as
    /// taking until now (Finagle records a superseded backup request's
    /// time), so the percentile keeps the slow ones it never hears from.
    /// Copy i left at `started + i × delay`.
    fn superseded(&mut self, now: SimTime, fork: JobId) {
        let state = self.forks[fork];
        if self.hedges[usize::from(state.group)].is_none() {
            return;
        }
        for copy in 0..state.sent.min(32) {
            if state.answered_bits & (1 << copy) == 0 {
                let sent = u64::from(copy).saturating_mul(state.delay_ns);
                let ns = now.since(state.started).saturating_sub(sent);
                self.copy_time(now, state.group, ns);
            }
        }
    }

    /// True if `id` descends from a fork whose losers are cancelled.
    pub(super) fn cancelled(&self, id: JobId) -> bool {
        descends_from_cancelled(&self.jobs, &self.forks, id)
    }

    /// The key branch `branch` carries: a shard's key for a scatter (so the
    /// database routes it there), else the request's.
    fn branch_key(&self, parent: JobId, spec: &crate::model::CallGroup, branch: u16) -> u64 {
        let key = self.jobs[parent].key;
        let GroupKind::Scatter { shard_keys, .. } = &spec.kind else {
            return key;
        };
        let first = self
            .scatter_range(parent, spec)
            .map_or(0, |(first, _)| first);
        let shard = first as usize + usize::from(branch);
        match self.scatter_range(parent, spec) {
            // A range's first shard gets the request's own key.
            Some(_) if branch == 0 => key,
            _ => shard_keys.get(shard).copied().unwrap_or(key),
        }
    }

    /// The shards a key-range scatter touches, first and last; `None` for a
    /// scatter to every shard.
    fn scatter_range(&self, parent: JobId, spec: &crate::model::CallGroup) -> Option<(u32, u32)> {
        let GroupKind::Scatter {
            key_range: Some(span),
            ..
        } = spec.kind
        else {
            return None;
        };
        let caller = &self.jobs[parent];
        let NodeKind::Pool(pool) = &self.model.nodes[caller.node.index()].kind else {
            return None;
        };
        let to = pool.calls[usize::from(spec.first_call)].to;
        let NodeKind::Database(db) = &self.model.nodes[to.index()].kind else {
            return None;
        };
        let last_key = caller.key.saturating_add(span - 1);
        Some((db.shard_of(caller.key), db.shard_of(last_key)))
    }
}

/// True if `id` descends from a fork whose losers are cancelled (the chain
/// of callers is walked up to the nearest decided fork). A free function so
/// that a caller holding a node's state can still ask.
pub(super) fn descends_from_cancelled(jobs: &Slab<Job>, forks: &Slab<Fork>, mut id: JobId) -> bool {
    loop {
        match jobs[id].origin {
            Origin::Call(parent) => id = parent,
            Origin::Branch { fork, .. } | Origin::BranchClient { fork, .. } => {
                let state = &forks[fork];
                if state.cancelled {
                    return true;
                }
                if state.joined {
                    // A loser that runs on: its fork's parent went on.
                    return false;
                }
                id = state.parent;
            }
            Origin::Root { .. } | Origin::Client { .. } | Origin::Async => return false,
            // A consumer's job belongs to no caller's tree.
            Origin::Message(_) => return false,
        }
    }
}
