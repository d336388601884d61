//! The CPU credits of burstable pools in the network: after each change of
//! an instance's CPU use, its account is brought up to date (O(1), that
//! instance only); a throttle that starts or ends re-times its running
//! bursts; each account's next kink (empty, full, at the surplus limit,
//! crossing zero) is a `Timer::Credits`, armed only when it comes earlier
//! than the one armed (a timer that finds its kink moved re-arms), so
//! timers do not pile up as the CPU use changes; the pool's totals go to
//! the observer. Pools of other types pay one `bool` test per burst.

use crate::engine::{EventQueue, Observer, SimTime};
use crate::model::NodeId;

use super::super::fleet::Timer;
use super::super::pool::CreditOutcome;
use super::super::sliced_cpu::Change;
use super::Network;

impl<O: Observer> Network<'_, O> {
    /// Instance `instance` of pool `node` changed its CPU use at `now`.
    pub(super) fn credits_changed(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        instance: u32,
    ) {
        let Some(outcome) = self.pool(node.index()).credits_changed(instance, now) else {
            return;
        };
        self.credits_apply(now, queue, node, instance, outcome);
        self.credits_report(now, node);
    }

    /// A kink timer of `instance` fires.
    pub(super) fn credits_timer(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        instance: u32,
    ) {
        let Some(outcome) = self.pool(node.index()).credits_timer(instance, now) else {
            return;
        };
        self.credits_apply(now, queue, node, instance, outcome);
        self.credits_report(now, node);
    }

    /// Brings the instances launched, crashed or gone since the last time
    /// up to date (the fleet's steps call this as they report the fleet).
    pub(super) fn credits_settle(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId) {
        if !self.pool(node.index()).has_credits() {
            return;
        }
        while let Some(instance) = self.pool(node.index()).credits_touched() {
            if let Some(outcome) = self.pool(node.index()).credits_changed(instance, now) {
                self.credits_apply(now, queue, node, instance, outcome);
            }
        }
        self.credits_report(now, node);
    }

    fn credits_apply(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        instance: u32,
        outcome: CreditOutcome,
    ) {
        if outcome.change != Change::default() {
            self.burst_changed(now, queue, node, outcome.change);
        }
        if let Some(at) = outcome.arm {
            self.set_timer(queue, at.as_nanos(), Timer::Credits { node, instance });
        }
    }

    fn credits_report(&mut self, now: SimTime, node: NodeId) {
        let levels = self.pool(node.index()).credit_levels();
        self.observer.credits(now, node, levels);
    }
}
