//! `simulate`: the one place where engine, nodes and stats meet.

use rayon::prelude::*;

use crate::engine::{self, EventQueue, SimTime, Stop};
use crate::model::Model;
use crate::nodes::Network;
use crate::stats::{Outcome, Recorder, RunInfo, RunResult};

/// Simulates `model` once. Pure: no I/O, no globals; the same arguments give
/// the same `RunResult`, bit for bit, on any machine and thread count.
///
/// `replication` selects independent random streams for the same seed.
pub fn simulate(model: &Model, seed: u64, replication: u32) -> RunResult {
    let mut network = Network::new(model, seed, replication, Recorder::new(model));
    let mut queue = EventQueue::new();
    network.start(&mut queue);
    let horizon = SimTime::from_secs_f64(model.duration_s);
    let (stop, events) = engine::run(&mut network, &mut queue, horizon);
    let (end, outcome) = match (stop, network.saturation()) {
        (Stop::Halted(at), Some(saturation)) => (
            at,
            Outcome::Unstable {
                at_s: at.as_secs_f64(),
                in_flight: saturation.in_flight,
                node: model.node(saturation.node).name.clone(),
            },
        ),
        _ => (horizon, Outcome::Completed),
    };
    let peak = network.peak_in_flight();
    let recorder = network.into_observer();
    // A run stopped during the warm-up has an empty window; end it at the
    // warm-up so that rates stay finite.
    let end = end.max(SimTime::from_secs_f64(model.warmup_s));
    recorder.finish(
        model,
        RunInfo {
            seed,
            replication,
            end,
            outcome,
            events,
            peak_in_flight: peak,
        },
    )
}

/// Runs `replications` independent replications in parallel. Results come
/// back in replication order whatever the thread count.
pub fn replicate(model: &Model, seed: u64, replications: u32) -> Vec<RunResult> {
    (0..replications)
        .into_par_iter()
        .map(|rep| simulate(model, seed, rep))
        .collect()
}
