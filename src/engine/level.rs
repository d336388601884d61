//! Time-weighted integrals of a level (busy servers, queue length,
//! instances), counted only after a given start (the warm-up).

use super::time::SimTime;

/// A level that changes at instants; its integral over the measured window.
#[derive(Clone, Debug, Default)]
pub struct Level {
    value: f64,
    since: SimTime,
    /// ∫ value dt over [warm-up end, last change], in value × ns.
    area: f64,
}

impl Level {
    /// Integrates up to `now` (ignoring anything before `from`), then sets the level.
    pub fn set(&mut self, now: SimTime, from: SimTime, value: f64) {
        let start = self.since.max(from);
        if now > start {
            self.area += self.value * now.since(start) as f64;
        }
        self.value = value;
        self.since = now;
    }

    /// Adds `delta` to the level at `now`.
    pub fn add(&mut self, now: SimTime, from: SimTime, delta: f64) {
        self.set(now, from, self.value + delta);
    }

    /// The integral over [from, now], then a fresh integral from `now` on (the
    /// level itself carries on): one window's share of the area, value × ns.
    pub fn take_area(&mut self, now: SimTime, from: SimTime) -> f64 {
        self.set(now, from, self.value);
        std::mem::take(&mut self.area)
    }

    /// The integral over [from, now], value × ns.
    pub fn area_until(&self, now: SimTime, from: SimTime) -> f64 {
        let start = self.since.max(from);
        self.area
            + if now > start {
                self.value * now.since(start) as f64
            } else {
                0.0
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_only_after_the_warmup() {
        let warmup = SimTime(10);
        let mut level = Level::default();
        level.add(SimTime(0), warmup, 2.0); // 2 from 0: only 10..15 counts
        level.add(SimTime(15), warmup, 1.0); // 3 from 15 to 20
        assert_eq!(level.area_until(SimTime(20), warmup), 2.0 * 5.0 + 3.0 * 5.0);
    }

    #[test]
    fn taking_the_area_splits_the_integral_into_windows() {
        let mut level = Level::default();
        level.add(SimTime(0), SimTime::ZERO, 2.0);
        assert_eq!(level.take_area(SimTime(10), SimTime::ZERO), 20.0);
        level.add(SimTime(15), SimTime::ZERO, 1.0);
        // 2 from 10 to 15, then 3 from 15 to 20: the level outlives the window.
        assert_eq!(level.take_area(SimTime(20), SimTime::ZERO), 10.0 + 15.0);
        assert_eq!(level.take_area(SimTime(30), SimTime::ZERO), 30.0);
    }
}
