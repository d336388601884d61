//! A burstable pool's instances and their CPU credits (`nodes/credits.rs`
//! keeps the accounts): each change of an instance's CPU use updates its
//! account, and a throttle that starts or ends caps its vCPUs.

use crate::engine::{CreditLevels, SimTime};
use crate::nodes::sliced_cpu::Change;

use super::{Phase, PoolState};

/// What the network must do after a credit update of one instance.
#[derive(Clone, Copy, Debug, Default)]
pub struct CreditOutcome {
    /// The vCPUs' bursts re-timed by a change of throttle.
    pub change: Change,
    /// The instance's next kink timer, to arm at this time.
    pub arm: Option<SimTime>,
}

impl PoolState {
    /// True if the pool's type is burstable.
    #[inline]
    pub fn has_credits(&self) -> bool {
        self.credits.is_some()
    }

    /// Instance `i`'s CPU use changed at `now` (or it crashed, or went):
    /// its credits brought up to date; `None` without credits.
    pub fn credits_changed(&mut self, i: u32, now: SimTime) -> Option<CreditOutcome> {
        let credits = self.credits.as_mut()?;
        let instance = &mut self.instances[i as usize];
        let live = instance.phase != Phase::Gone;
        let demand = match &instance.sliced {
            Some(cpu) => cpu.demand(),
            None => self.vcpus - instance.free_vcpus,
        };
        let step = credits.update(i, now, demand, live);
        Some(Self::outcome(instance.sliced.as_mut(), step, now))
    }

    /// Instance `i`'s kink timer fired at `now`: `None` if it no longer holds.
    pub fn credits_timer(&mut self, i: u32, now: SimTime) -> Option<CreditOutcome> {
        let step = self.credits.as_mut()?.timer(i, now)?;
        let cpu = self.instances[i as usize].sliced.as_mut();
        Some(Self::outcome(cpu, step, now))
    }

    fn outcome(
        cpu: Option<&mut crate::nodes::sliced_cpu::SlicedCpu>,
        step: crate::nodes::credits::CreditStep,
        now: SimTime,
    ) -> CreditOutcome {
        let change = match (step.cap, cpu) {
            (Some(cap), Some(cpu)) => cpu.set_cap(cap, now),
            _ => Change::default(),
        };
        CreditOutcome {
            change,
            arm: step.arm,
        }
    }

    /// The next instance launched, crashed or gone since the last settle.
    pub fn credits_touched(&mut self) -> Option<u32> {
        self.credits.as_mut()?.next_touched()
    }

    /// The pool's credit totals now (after an update).
    pub fn credit_levels(&self) -> CreditLevels {
        self.credits
            .as_ref()
            .map_or_else(CreditLevels::default, |c| c.levels())
    }
}
