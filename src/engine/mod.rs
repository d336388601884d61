//! The discrete-event kernel: clock, event queue, job slab, random streams,
//! and the observer trait. Knows no node kind.
//!
//! **Invariants:** no I/O; no allocation per event in steady state; no
//! dynamic dispatch per event; events at equal times run in the order they
//! were scheduled.

mod event;
mod level;
mod observe;
mod queue;
pub mod rng;
mod run;
mod sample;
mod sample_laws;
mod slab;
mod time;

pub use event::Event;
pub use level::Level;
pub use observe::{
    CallEvent, ClusterLevels, CreditLevels, Decision, FanoutEvent, FleetCounts, Hop, MessageEvent,
    Observer, QueueLevels, Refusal, Resource,
};
pub use queue::{EventQueue, Exhausted};
pub use run::{Stop, World, run};
pub use sample::Sampler;
pub use slab::{JobId, Slab};
pub use time::SimTime;
