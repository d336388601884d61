//! What each kind of node does: balancers, pools, caches, databases, delays, queues.
//! Requests come from `traffic`. The [`Network`] implements `engine::World`
//! over them and reports to an `engine::Observer`.
//!
//! **Invariants:** no I/O here (a trace source reads its file, in
//! `traffic`); no `dyn` per event; a node's randomness comes only from its
//! own stream.

mod admission;
mod autoscale;
mod balancer;
mod bursts;
mod capped_cpu;
mod cfs_quota;
mod class_queue;
mod cluster;
mod credits;
mod database;
mod fleet;
mod fork;
mod hedge_delay;
mod job;
mod key_store;
mod monitor;
mod network;
mod pool;
#[cfg(test)]
mod pool_picks_tests;
mod queue;
mod resilience;
mod sliced_cpu;
mod slot_index;

pub use network::{Network, Saturation, Stall};
