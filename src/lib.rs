//! capsim predicts latency, utilization, errors and cost of a web system by
//! simulating its topology as a network of queues.
//!
//! ```text
//!  models/shop.json ──► model::load ──► Model ──► simulate(&Model, seed, rep) ──► RunResult
//!                                         │                                         │
//!                                         └──► analytic (closed forms)   Summary ◄──┘ ──► report
//! ```
//!
//! Layers, bottom up: `trace`, `model`, `engine`, `traffic`, `nodes` and
//! `stats`, `analytic`, `run` (and `fingerprint`, beside it), `observed`, `sweep`, `report`; each
//! uses only layers below it (ARCHITECTURE.md).
#![warn(missing_docs)]

pub mod analytic;
pub mod engine;
pub mod fingerprint;
pub mod loadtest;
pub mod model;
pub mod nodes;
pub mod observed;
pub mod parallelism;
pub mod precision;
pub mod report;
mod run;
pub mod stats;
pub mod sweep;
pub mod trace;
pub mod traffic;
pub mod warmup;

pub use run::{
    MAX_REPLICATIONS, Replicated, RunOptions, drop_histograms, replicate, replicate_figures,
    replicate_more, simulate, simulate_with, simulate_with_progress,
};
pub use stats::{Outcome, RunResult, Series, Summary};
