//! The CPU credits of a burstable pool over the measured window: its mean
//! balance and surplus per instance (exact integrals of the linear pieces
//! the network reports), the share of instance-time throttled, and the
//! surplus credits billed with their price.
//!
//! Billing rule (unlimited mode): the window is billed the surplus it adds,
//! as if its instances stopped at its end: AWS charges the surplus credits
//! not paid back when an instance stops or terminates, and at once those
//! beyond a day of earnings, so under a load that lasts the same credits
//! are charged sooner or later. Billed = (outstanding + charged) at the end
//! − (outstanding + charged) at the warm-up's end, never below 0 (a window
//! that pays back surplus spent before it is billed nothing).

use serde::Serialize;

use crate::engine::{CreditLevels, Level, SimTime};
use crate::model::{CreditMode, Credits};

/// The reports of one pool, integrated.
#[derive(Clone, Debug, Default)]
pub struct CreditRecord {
    last: CreditLevels,
    since: SimTime,
    /// ∫ balance dt and ∫ surplus dt over the window up to `since`, credits × ns.
    balance_area: f64,
    surplus_area: f64,
    throttled: Level,
    /// Surplus outstanding plus charged at the warm-up's end, once known.
    owed_at_warmup: Option<f64>,
}

/// (balance, surplus, charged) at `t` ≥ `since`, on the last linear piece.
fn values_at(last: &CreditLevels, since: SimTime, t: SimTime) -> (f64, f64, f64) {
    let dt = t.since(since) as f64;
    (
        last.balance + last.balance_per_ns * dt,
        last.surplus + last.surplus_per_ns * dt,
        last.charged + last.charged_per_ns * dt,
    )
}

impl CreditRecord {
    /// The pool's credits are `levels` from `now` on (the window from `from`).
    pub fn report(&mut self, now: SimTime, from: SimTime, levels: CreditLevels) {
        self.integrate(now, from);
        self.throttled.set(now, from, f64::from(levels.throttled));
        self.last = levels;
        self.since = now;
    }

    fn integrate(&mut self, now: SimTime, from: SimTime) {
        if self.owed_at_warmup.is_none() && now >= from {
            let (_, surplus, charged) = values_at(&self.last, self.since, from.max(self.since));
            self.owed_at_warmup = Some(surplus + charged);
        }
        let start = self.since.max(from);
        if now > start {
            let ns = now.since(start) as f64;
            let (b0, s0, _) = values_at(&self.last, self.since, start);
            let (b1, s1, _) = values_at(&self.last, self.since, now);
            self.balance_area += (b0 + b1) / 2.0 * ns;
            self.surplus_area += (s0 + s1) / 2.0 * ns;
        }
    }

    /// The pool's figures over [`from`, `end`], `instance_ns` being its
    /// billed instance-time.
    pub fn result(
        &self,
        credits: &Credits,
        from: SimTime,
        end: SimTime,
        instance_ns: f64,
    ) -> CreditsResult {
        let mut record = self.clone();
        record.integrate(end, from);
        let (_, surplus, charged) = values_at(&self.last, self.since, end.max(self.since));
        let billed = (surplus + charged - record.owed_at_warmup.unwrap_or(0.0)).max(0.0);
        let per_instance = |area: f64| {
            if instance_ns > 0.0 {
                area / instance_ns
            } else {
                f64::NAN
            }
        };
        let window_h = end.since(from).max(1) as f64 / 3.6e12;
        CreditsResult {
            mode: match credits.mode {
                CreditMode::Standard => "standard",
                CreditMode::Unlimited => "unlimited",
            },
            mean_balance: per_instance(record.balance_area),
            mean_surplus: per_instance(record.surplus_area),
            throttled: per_instance(self.throttled.area_until(end, from)),
            surplus_credits: billed,
            usd_per_hour: billed * credits.usd_per_credit / window_h,
        }
    }
}

/// A burstable pool's credits over the measured window.
#[derive(Clone, Debug, Serialize)]
pub struct CreditsResult {
    /// `standard` or `unlimited`.
    pub mode: &'static str,
    /// Time-average of an instance's balance (earned, unspent), credits.
    pub mean_balance: f64,
    /// Time-average of an instance's surplus spent and not paid back, credits.
    pub mean_surplus: f64,
    /// Share of instance-time throttled to the baseline (standard mode).
    pub throttled: f64,
    /// Surplus credits billed for the window (unlimited mode).
    pub surplus_credits: f64,
    /// Their price per hour of the window, US dollars.
    pub usd_per_hour: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60_000_000_000;

    fn unlimited() -> Credits {
        Credits {
            mode: CreditMode::Unlimited,
            baseline_vcpus: 0.4,
            max_balance: 576.0,
            initial_balance: 0.0,
            launch_balance: 0.0,
            usd_per_credit: 0.05 / 60.0,
        }
    }

    #[test]
    fn only_the_surplus_added_in_the_window_is_billed() {
        // 1.6 surplus credits a minute from time 0; warm-up 10 minutes,
        // window 50: 80 credits billed, $0.0667 over 50/60 h = $0.08 an hour.
        let mut record = CreditRecord::default();
        let from = SimTime(10 * MINUTE);
        let levels = CreditLevels {
            surplus_per_ns: 1.6 / 60e9,
            ..CreditLevels::default()
        };
        record.report(SimTime::ZERO, from, levels);
        let result = record.result(&unlimited(), from, SimTime(60 * MINUTE), 50.0 * 60e9);
        assert!((result.surplus_credits - 80.0).abs() < 1e-9);
        assert!((result.usd_per_hour - 0.08).abs() < 1e-12);
        // Mean surplus over minutes 10..60: (16 + 96) / 2 = 56.
        assert!((result.mean_surplus - 56.0).abs() < 1e-9);
    }
}
