//! The CPU credits of a burstable pool's instances (AWS T2, T3, T3a, T4g),
//! after the EC2 User Guide ("Key concepts for burstable performance
//! instances", "Standard mode concepts", "Unlimited mode concepts"):
//!
//! - one credit is one vCPU at 100% for one minute; an instance earns its
//!   credits per hour continuously while it runs (the baseline: t3.medium
//!   earns 24 an hour, 0.4 vCPU) and spends one per vCPU-minute of use;
//! - earned credits beyond the type's maximum balance (24 hours of
//!   earnings) are discarded;
//! - standard mode: with the balance empty the instance can use no more CPU
//!   than it earns, its baseline (AWS lowers it "gradually"; capsim at
//!   once, the documented level without the undocumented ramp);
//! - unlimited mode: past the balance it spends surplus credits, paid back
//!   by later earnings; surplus beyond 24 hours of earnings is charged at
//!   once (AWS: at the end of the hour), and what is outstanding when an
//!   instance stops or terminates is charged then (`CPUSurplusCreditsCharged`).
//!
//! Each instance's balance is linear between changes of its CPU use; its
//! kinks (empty, full, at the surplus limit, crossing zero) are timers, so
//! the pool's totals are exact linear pieces the observer integrates. A
//! change touches only the instance that changed: the cost per event does
//! not grow with the fleet. T2's launch credits are counted in the balance
//! (AWS keeps them apart, outside the cap; the difference shows only once
//! a balance nears its cap with launch credits unspent).

use crate::engine::{CreditLevels, SimTime};
use crate::model::{CreditMode, Credits};

/// A vCPU busy for this long spends one credit.
const NS_PER_MINUTE: f64 = 60e9;
/// Kinks further than this (over 30 years) are never reached in a run.
const FAR_NS: f64 = 1e18;
/// No timer armed.
const NONE: SimTime = SimTime(u64::MAX);

/// One instance's credits.
#[derive(Clone, Copy, Debug)]
struct Account {
    /// Credits earned and unspent (> 0) or, unlimited, surplus spent and
    /// not paid back (< 0).
    balance: f64,
    /// Bursts that want a vCPU now (running, or sharing the vCPUs).
    demand: u32,
    /// vCPUs used since `since`: `demand`, or at most the baseline while throttled.
    usage: f64,
    since: SimTime,
    throttled: bool,
    /// When its kink timer fires (`NONE`: none armed).
    armed: SimTime,
    /// False once gone.
    live: bool,
    /// Launched and not yet counted: its clock starts at its first update.
    fresh: bool,
}

/// What one account adds to the pool's totals, and how fast each changes.
#[derive(Clone, Copy, Debug, Default)]
struct Share {
    balance: f64,
    balance_slope: f64,
    surplus: f64,
    surplus_slope: f64,
    charged_slope: f64,
}

impl Account {
    fn new(balance: f64, fresh: bool) -> Self {
        Account {
            balance,
            demand: 0,
            usage: 0.0,
            since: SimTime::ZERO,
            throttled: false,
            armed: NONE,
            live: true,
            fresh,
        }
    }

    /// Earnings minus spending, credits per ns.
    fn net(&self, c: &Credits) -> f64 {
        (c.baseline_vcpus - self.usage) / NS_PER_MINUTE
    }

    /// The balance at which the slope next changes, and in how many ns.
    fn kink(&self, c: &Credits) -> Option<(f64, f64)> {
        let (b, net, max) = (self.balance, self.net(c), c.max_balance);
        if net > 0.0 {
            if b < 0.0 {
                Some((0.0, -b / net))
            } else if b < max {
                Some((max, (max - b) / net))
            } else {
                None
            }
        } else if net < 0.0 {
            if b > 0.0 {
                Some((0.0, b / -net))
            } else if c.mode == CreditMode::Unlimited && b > -max {
                Some((-max, (b + max) / -net))
            } else {
                None
            }
        } else {
            None
        }
    }

    /// Its part of the totals now.
    fn share(&self, c: &Credits) -> Share {
        if !self.live || self.fresh {
            return Share::default();
        }
        let (b, net, max) = (self.balance, self.net(c), c.max_balance);
        let unlimited = c.mode == CreditMode::Unlimited;
        let mut share = Share {
            balance: b.max(0.0),
            surplus: (-b).max(0.0),
            ..Share::default()
        };
        if net > 0.0 {
            if b < 0.0 {
                share.surplus_slope = -net;
            } else if b < max {
                share.balance_slope = net;
            }
        } else if net < 0.0 {
            if b > 0.0 {
                share.balance_slope = net;
            } else if unlimited && b > -max {
                share.surplus_slope = -net;
            } else if unlimited {
                share.charged_slope = -net;
            }
        }
        share
    }

    /// Brings the balance to `now` at the usage since `since`, through any
    /// kink on the way; returns the surplus charged meanwhile.
    fn advance(&mut self, now: SimTime, c: &Credits) -> f64 {
        let mut dt = now.since(self.since) as f64;
        self.since = now;
        let mut charged = 0.0;
        let unlimited = c.mode == CreditMode::Unlimited;
        while dt > 0.0 {
            let net = self.net(c);
            if let Some((at, ns)) = self.kink(c)
                && ns <= dt
            {
                self.balance = at;
                dt -= ns;
                continue;
            }
            let b = self.balance;
            if net > 0.0 && b < c.max_balance {
                self.balance = (b + net * dt).min(c.max_balance);
            } else if net < 0.0 && (b > 0.0 || unlimited && b > -c.max_balance) {
                self.balance = b + net * dt;
            } else if net < 0.0 && unlimited {
                charged += -net * dt;
            }
            dt = 0.0;
        }
        charged
    }
}

/// What an update asks of the instance's vCPUs and of the timers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CreditStep {
    /// The throttle changed: the vCPUs' capacity is now this many vCPUs.
    pub cap: Option<f64>,
    /// A kink timer to arm, at this time.
    pub arm: Option<SimTime>,
}

/// The credits of every instance of a pool, and their totals.
#[derive(Debug)]
pub struct PoolCredits {
    credits: Credits,
    vcpus: f64,
    accounts: Vec<Account>,
    /// The totals at `since`, with their slopes.
    totals: CreditLevels,
    since: SimTime,
    /// Instances launched, gone or crashed, to update at the next settle.
    touched: Vec<u32>,
}

impl PoolCredits {
    /// No instances yet.
    pub fn new(credits: &Credits, vcpus: u32) -> Self {
        PoolCredits {
            credits: credits.clone(),
            vcpus: f64::from(vcpus),
            accounts: Vec::new(),
            totals: CreditLevels::default(),
            since: SimTime::ZERO,
            touched: Vec::new(),
        }
    }

    /// Whether standard mode throttles these instances.
    pub fn throttles(credits: &Credits) -> bool {
        credits.mode == CreditMode::Standard
    }

    /// A new instance, with the launch credits; counted from its first update.
    pub fn launched(&mut self, instance: u32) {
        self.accounts
            .push(Account::new(self.credits.launch_balance, true));
        self.touched.push(instance);
    }

    /// The initial instances hold the initial balance from time 0.
    pub fn start(&mut self) {
        let initial = self.credits.initial_balance;
        for i in 0..self.accounts.len() {
            self.accounts[i].balance = initial;
            self.count_in(i);
        }
    }

    /// A fresh account joins the totals, from `since` on.
    fn count_in(&mut self, i: usize) {
        let account = &mut self.accounts[i];
        account.fresh = false;
        account.since = self.since;
        let share = account.share(&self.credits);
        self.totals.balance += share.balance;
        self.totals.surplus += share.surplus;
        self.add_slopes(share, 1.0);
    }

    /// Instance `i` needs an update at the next settle (gone, crashed).
    pub fn touch(&mut self, i: u32) {
        self.touched.push(i);
    }

    /// The next instance to update at a settle, if any.
    pub fn next_touched(&mut self) -> Option<u32> {
        self.touched.pop()
    }

    /// The totals now (right after an update).
    pub fn levels(&self) -> CreditLevels {
        self.totals
    }

    fn advance_totals(&mut self, now: SimTime) {
        let dt = now.since(self.since) as f64;
        let t = &mut self.totals;
        t.balance += t.balance_per_ns * dt;
        t.surplus += t.surplus_per_ns * dt;
        t.charged += t.charged_per_ns * dt;
        self.since = now;
    }

    fn add_slopes(&mut self, share: Share, sign: f64) {
        let t = &mut self.totals;
        t.balance_per_ns += sign * share.balance_slope;
        t.surplus_per_ns += sign * share.surplus_slope;
        t.charged_per_ns += sign * share.charged_slope;
    }

    /// Instance `i` now has `demand` bursts wanting a vCPU (`live` false:
    /// it is gone): its account and the totals brought to `now`, then its
    /// throttle and its next kink.
    pub fn update(&mut self, i: u32, now: SimTime, demand: u32, live: bool) -> CreditStep {
        self.advance_totals(now);
        let i = i as usize;
        if !self.accounts[i].live {
            return CreditStep::default();
        }
        if self.accounts[i].fresh {
            self.count_in(i);
        }
        let (c, account) = (&self.credits, &mut self.accounts[i]);
        let before = account.share(c);
        let dt = now.since(account.since) as f64;
        let charged = account.advance(now, c);
        let exact = account.share(c);
        // The totals moved by the old slopes; put this account's part right.
        let t = &mut self.totals;
        t.balance += exact.balance - (before.balance + before.balance_slope * dt);
        t.surplus += exact.surplus - (before.surplus + before.surplus_slope * dt);
        t.charged += charged - before.charged_slope * dt;
        self.add_slopes(before, -1.0);
        if !live {
            return self.retire(i, exact);
        }
        let (c, vcpus, account) = (&self.credits, self.vcpus, &mut self.accounts[i]);
        let was = account.throttled;
        account.demand = demand;
        // Standard mode at an empty balance: no more CPU than the earnings.
        let throttled = c.mode == CreditMode::Standard
            && account.balance <= 0.0
            && f64::from(demand) > c.baseline_vcpus;
        account.throttled = throttled;
        let cap = if throttled { c.baseline_vcpus } else { vcpus };
        account.usage = f64::from(demand).min(cap);
        let after = account.share(c);
        let arm = account.kink(c).and_then(|(_, ns)| {
            let at = (ns < FAR_NS).then(|| now.after(ns.ceil() as u64))?;
            (at < account.armed).then_some(at)
        });
        if let Some(at) = arm {
            account.armed = at;
        }
        self.add_slopes(after, 1.0);
        self.totals.throttled = self.totals.throttled + u32::from(throttled) - u32::from(was);
        CreditStep {
            cap: (throttled != was).then_some(cap),
            arm,
        }
    }

    /// Account `i` (its part of the totals `exact`, slopes already taken
    /// out) closes: AWS charges the surplus spent and not paid back when an
    /// instance stops or terminates.
    fn retire(&mut self, i: usize, exact: Share) -> CreditStep {
        let account = &mut self.accounts[i];
        let was = account.throttled;
        account.live = false;
        account.throttled = false;
        account.balance = 0.0;
        let t = &mut self.totals;
        t.balance -= exact.balance;
        t.surplus -= exact.surplus;
        if self.credits.mode == CreditMode::Unlimited {
            t.charged += exact.surplus;
        }
        t.throttled -= u32::from(was);
        CreditStep::default()
    }

    /// Instance `i`'s kink timer fires at `now`: an update at the same
    /// demand, unless a later timer replaced it or the instance is gone.
    pub fn timer(&mut self, i: u32, now: SimTime) -> Option<CreditStep> {
        let account = &mut self.accounts[i as usize];
        if !account.live || account.armed != now {
            return None;
        }
        account.armed = NONE;
        let demand = account.demand;
        Some(self.update(i, now, demand, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60_000_000_000;

    fn t3_medium(mode: CreditMode, initial: f64) -> PoolCredits {
        let credits = Credits {
            mode,
            baseline_vcpus: 0.4,
            max_balance: 576.0,
            initial_balance: initial,
            launch_balance: 0.0,
            usd_per_credit: 0.05 / 60.0,
        };
        let mut pool = PoolCredits::new(&credits, 2);
        pool.launched(0);
        pool.start();
        pool
    }

    #[test]
    fn a_standard_balance_empties_at_the_computed_time_then_throttles() {
        // 60 credits, one busy vCPU: 1 − 0.4 = 0.6 credits a minute net,
        // so empty after 100 minutes.
        let mut pool = t3_medium(CreditMode::Standard, 60.0);
        assert_eq!(pool.update(0, SimTime::ZERO, 0, true).cap, None);
        let step = pool.update(0, SimTime::ZERO, 1, true);
        assert_eq!(step.arm, Some(SimTime(100 * MINUTE)));
        let fired = pool.timer(0, SimTime(100 * MINUTE)).unwrap();
        assert_eq!(fired.cap, Some(0.4));
        let levels = pool.levels();
        assert!(levels.balance.abs() < 1e-9, "{}", levels.balance);
        assert_eq!((levels.balance_per_ns, levels.throttled), (0.0, 1));
        // Idle again: unthrottled, earning 0.4 credits a minute.
        let idle = pool.update(0, SimTime(110 * MINUTE), 0, true);
        assert_eq!(idle.cap, Some(2.0));
        assert!((pool.levels().balance_per_ns * 60e9 - 0.4).abs() < 1e-12);
    }

    #[test]
    fn unlimited_surplus_is_charged_when_the_instance_goes() {
        // Both vCPUs busy from a zero balance: 1.6 surplus credits a minute.
        let mut pool = t3_medium(CreditMode::Unlimited, 0.0);
        let step = pool.update(0, SimTime::ZERO, 2, true);
        // The surplus limit (576) is 360 minutes away.
        assert_eq!(step.arm, Some(SimTime(360 * MINUTE)));
        pool.update(0, SimTime(10 * MINUTE), 2, false);
        let levels = pool.levels();
        assert!((levels.charged - 16.0).abs() < 1e-9, "{}", levels.charged);
        assert_eq!((levels.surplus, levels.balance), (0.0, 0.0));
    }

    #[test]
    fn surplus_past_a_day_of_earnings_is_charged_as_it_is_spent() {
        let mut pool = t3_medium(CreditMode::Unlimited, 0.0);
        pool.update(0, SimTime::ZERO, 2, true);
        pool.timer(0, SimTime(360 * MINUTE)).unwrap();
        pool.update(0, SimTime(370 * MINUTE), 2, true);
        let levels = pool.levels();
        assert!((levels.surplus - 576.0).abs() < 1e-6);
        assert!((levels.charged - 16.0).abs() < 1e-6, "{}", levels.charged);
    }

    #[test]
    fn a_balance_below_the_baseline_fills_to_its_cap_and_stops() {
        let mut pool = t3_medium(CreditMode::Standard, 570.0);
        // Idle: +0.4 a minute, full after 15 minutes.
        let step = pool.update(0, SimTime::ZERO, 0, true);
        assert_eq!(step.arm, Some(SimTime(15 * MINUTE)));
        pool.timer(0, SimTime(15 * MINUTE)).unwrap();
        assert_eq!(pool.levels().balance, 576.0);
        assert_eq!(pool.levels().balance_per_ns, 0.0);
    }
}
