//! The event loop. Generic over the world, so it is monomorphized and the
//! dispatch of each event is a direct call.

use std::ops::ControlFlow;

use super::event::Event;
use super::queue::{EventQueue, Exhausted};
use super::time::SimTime;

/// Something that reacts to events.
pub trait World {
    /// Handles `event` at `now`, scheduling follow-ups on `queue`.
    /// `Break` stops the run (the world knows why).
    fn handle(&mut self, now: SimTime, event: Event, queue: &mut EventQueue) -> ControlFlow<()>;
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The next event was after the horizon.
    Horizon,
    /// Nothing was left to happen.
    Drained,
    /// The world asked to stop at this time.
    Halted(SimTime),
}

/// Runs `world` until `horizon` (events after it stay queued, so a run can
/// go on in slices), or until it halts. Returns why it stopped and how many
/// events were handled.
pub fn run<W: World>(world: &mut W, queue: &mut EventQueue, horizon: SimTime) -> (Stop, u64) {
    let mut handled = 0u64;
    loop {
        let (now, event) = match queue.pop_until(horizon) {
            Ok(next) => next,
            Err(Exhausted::Drained) => return (Stop::Drained, handled),
            Err(Exhausted::Horizon) => return (Stop::Horizon, handled),
        };
        handled += 1;
        if world.handle(now, event, queue).is_break() {
            return (Stop::Halted(now), handled);
        }
    }
}
