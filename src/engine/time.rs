//! Simulated time: an integer count of nanoseconds since the run started.

use serde::Serialize;

/// Simulated time in nanoseconds. Integer so that ordering is total and exact
/// and long runs do not drift (2^64 ns is 584 years).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// From seconds, rounded to the nearest nanosecond (negative becomes 0).
    pub fn from_secs_f64(seconds: f64) -> SimTime {
        SimTime((seconds * 1e9).round().max(0.0) as u64)
    }

    /// As seconds.
    pub fn as_secs_f64(self) -> f64 {
        // Divided, not multiplied by 1e-9: whole seconds stay whole (735 s
        // reads 735, not 735.0000000000001), which decision times rely on.
        self.0 as f64 / 1e9
    }

    /// Nanoseconds.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// `self + nanos`, saturating.
    pub fn after(self, nanos: u64) -> SimTime {
        SimTime(self.0.saturating_add(nanos))
    }

    /// Nanoseconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}
