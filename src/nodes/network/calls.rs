//! Calls with a policy: the caller's timeout, retries with backoff and a
//! budget, and circuit breaker. The caller is a pool job making one of its
//! calls, or a source's client job. Calls without a policy never come here.
//!
//! A timed-out attempt is abandoned, not cancelled: its job runs on at the
//! callee (holding workers, queue places, connections) and answers nobody,
//! as real abandoned work does.
//!
//! Timers are never cancelled either: each attempt (and each pending retry)
//! carries a fresh token in its caller, and a timer whose token no longer
//! matches is stale and ignored.

use crate::engine::{CallEvent, EventQueue, JobId, Observer, SimTime};
use crate::model::{NodeId, NodeKind, Operation, SiteId};

use super::super::fleet::Timer;
use super::super::job::Origin;
use super::super::resilience::{Connect, Gate, Transition};
use super::Network;

impl<O: Observer> Network<'_, O> {
    /// The call `caller` is making: its target, whether it writes, and its
    /// site, if it has a policy.
    fn current_call(&self, caller: JobId) -> (NodeId, bool, Option<SiteId>) {
        let job = &self.jobs[caller];
        if let Origin::Client { source } = job.origin {
            let source = &self.model.sources[source as usize];
            return (source.entry, false, source.client_site);
        }
        match &self.model.nodes[job.node.index()].kind {
            NodeKind::Pool(pool) => {
                // `step` already points past the call being made.
                let call = &pool.calls[job.step as usize - 1];
                (call.to, call.op == Operation::Write, call.site)
            }
            // Balancers and caches forward without a policy.
            _ => (job.node, false, None),
        }
    }

    pub(super) fn new_token(&mut self) -> u32 {
        self.last_token = self.last_token.wrapping_add(1).max(1);
        self.last_token
    }

    /// Makes an attempt of `caller`'s current call (the first, or a retry),
    /// unless its breaker is open.
    pub(super) fn call_attempt(&mut self, now: SimTime, queue: &mut EventQueue, caller: JobId) {
        let (to, write, site) = self.current_call(caller);
        let site = site.expect("only calls with a policy are attempted here");
        let token = self.new_token();
        let retry = self.jobs[caller].attempt > 1;
        let instance = self.caller_instance(caller);
        let state = &mut self.sites[usize::from(site)];
        if let Some(breaker) = &mut state.breaker {
            match breaker.gate(now.as_nanos(), token) {
                Gate::Pass => {}
                Gate::Probe => self.observer.call(now, site, CallEvent::BreakerHalfOpen),
                Gate::Reject => {
                    // Failing fast is the breaker's point: no retry.
                    self.observer.call(now, site, CallEvent::ShortCircuit);
                    self.observer.call(now, site, CallEvent::Failed);
                    self.child_returned(now, queue, caller, false);
                    return;
                }
            }
        }
        if !retry && let Some(budget) = &mut state.budget {
            budget.first_attempt(now.as_nanos());
        }
        match state.connect(instance, caller, now) {
            Connect::Now => {
                self.observer
                    .call(now, site, CallEvent::Connected { waited_ns: 0 });
                self.send_attempt(now, queue, caller, (to, write, site), token);
            }
            // The token waits with it (a breaker's probe is known by it);
            // no timer is set until the attempt leaves.
            Connect::Wait => self.jobs[caller].token = token,
        }
    }

    /// The instance of the caller's connection pool: its pool instance (a
    /// source's client has none: one pool, which validation never gives it).
    fn caller_instance(&self, caller: JobId) -> u32 {
        match self.jobs[caller].origin {
            Origin::Client { .. } => 0,
            _ => self.jobs[caller].slot,
        }
    }

    /// The attempt leaves on its connection, with its timeout set.
    fn send_attempt(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        caller: JobId,
        (to, write, site): (NodeId, bool, SiteId),
        token: u32,
    ) {
        let retry = self.jobs[caller].attempt > 1;
        self.observer.call(now, site, CallEvent::Attempt { retry });
        let mut child = self.child(caller, to, Origin::Call(caller), now);
        child.write = write;
        let child = self.jobs.insert(child);
        let job = &mut self.jobs[caller];
        job.token = token;
        job.pending = child;
        if let Some(timeout) = self.model.call_sites[usize::from(site)].timeout_ns {
            let timer = Timer::CallTimeout { job: caller, token };
            self.set_timer(queue, now.as_nanos() + timeout, timer);
        }
        self.enter(now, queue, child);
    }

    /// An attempt of `caller`'s call answered; with no policy on the call,
    /// straight back to the caller.
    pub(super) fn call_returned(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        caller: JobId,
        ok: bool,
    ) {
        let Some(site) = self.current_call(caller).2 else {
            return self.child_returned(now, queue, caller, ok);
        };
        let token = std::mem::take(&mut self.jobs[caller].token);
        self.hang_up(now, queue, caller, site);
        self.breaker_heard(now, site, token, ok);
        if ok {
            self.child_returned(now, queue, caller, true);
        } else {
            self.retry_or_fail(now, queue, caller, site);
        }
    }

    /// `caller` stops waiting for attempt `token`, if it still waits for it.
    pub(super) fn call_timed_out(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        caller: JobId,
        token: u32,
    ) {
        if self.jobs[caller].token != token {
            return;
        }
        let site = self.current_call(caller).2.expect("a timeout has a site");
        let pending = self.jobs[caller].pending;
        self.jobs[pending].origin = Origin::Async;
        // Abandoned, it runs on as a request of its own.
        self.count_request(Origin::Async, 1);
        self.jobs[caller].token = 0;
        self.hang_up(now, queue, caller, site);
        self.observer.call(now, site, CallEvent::Timeout);
        self.breaker_heard(now, site, token, false);
        self.retry_or_fail(now, queue, caller, site);
    }

    /// `caller`'s backoff is over: the retry leaves.
    pub(super) fn retry_due(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        caller: JobId,
        token: u32,
    ) {
        if self.jobs[caller].token != token {
            return;
        }
        if self.cancels && self.cancelled(caller) {
            // A cancelled loser's retry does not leave.
            self.jobs[caller].token = 0;
            return self.child_returned(now, queue, caller, false);
        }
        self.call_attempt(now, queue, caller);
    }

    /// After a failed attempt: a retry after a backoff, if attempts and the
    /// budget allow, else the call fails for good.
    fn retry_or_fail(&mut self, now: SimTime, queue: &mut EventQueue, caller: JobId, site: SiteId) {
        let attempt = self.jobs[caller].attempt;
        let model = self.model;
        if let Some(retry) = &model.call_sites[usize::from(site)].retry
            && u32::from(attempt) < retry.max_attempts
            && !(self.cancels && self.cancelled(caller))
        {
            let state = &mut self.sites[usize::from(site)];
            let allowed = state
                .budget
                .as_mut()
                .is_none_or(|budget| budget.try_retry(now.as_nanos()));
            if allowed {
                let wait = state.backoff(retry, u32::from(attempt));
                let token = self.new_token();
                let job = &mut self.jobs[caller];
                job.attempt += 1;
                job.token = token;
                let timer = Timer::Retry { job: caller, token };
                self.set_timer(queue, now.as_nanos() + wait, timer);
                return;
            }
            self.observer.call(now, site, CallEvent::BudgetDenied);
        }
        self.observer.call(now, site, CallEvent::Failed);
        self.child_returned(now, queue, caller, false);
    }

    /// `caller`'s attempt is over (answered or given up): its connection
    /// goes to the next caller of its instance waiting for one, whose
    /// attempt then leaves.
    fn hang_up(&mut self, now: SimTime, queue: &mut EventQueue, caller: JobId, site: SiteId) {
        let instance = self.caller_instance(caller);
        if let Some((next, since)) = self.sites[usize::from(site)].disconnect(instance) {
            let waited_ns = now.since(since);
            self.observer
                .call(now, site, CallEvent::Connected { waited_ns });
            let (to, write, _) = self.current_call(next);
            let token = self.jobs[next].token;
            self.send_attempt(now, queue, next, (to, write, site), token);
        }
    }

    /// Tells `site`'s breaker how attempt `token` ended.
    fn breaker_heard(&mut self, now: SimTime, site: SiteId, token: u32, ok: bool) {
        let Some(breaker) = &mut self.sites[usize::from(site)].breaker else {
            return;
        };
        match breaker.record(now.as_nanos(), token, ok) {
            Some(Transition::Opened | Transition::Reopened) => {
                self.observer.call(now, site, CallEvent::BreakerOpened)
            }
            Some(Transition::Closed) => self.observer.call(now, site, CallEvent::BreakerClosed),
            None => {}
        }
    }
}
