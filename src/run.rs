//! `simulate`: the one place where engine, nodes and stats meet.

use rayon::prelude::*;

use crate::engine::{self, EventQueue, SimTime, Stop};
use crate::model::Model;
use crate::nodes::Network;
use crate::stats::{Outcome, Recorder, RunInfo, RunResult};

/// What a run records beyond the figures every run has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunOptions {
    /// Record a time series (`RunResult::series`) in windows of this many
    /// seconds, from t = 0 (warm-up included). `None` (the default): no
    /// series. A window that is not a positive, finite number records no
    /// series either (the CLI rejects it before); one under a nanosecond is
    /// taken as a nanosecond.
    pub series_window_s: Option<f64>,
    /// Record every autoscaling decision (`RunResult::decisions`).
    pub decisions: bool,
}

impl RunOptions {
    /// The series window as simulated time, if there is a valid one.
    fn series_window(&self) -> Option<SimTime> {
        self.series_window_s
            .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
            .map(|seconds| SimTime(SimTime::from_secs_f64(seconds).as_nanos().max(1)))
    }
}

/// Simulates `model` once. Pure: no I/O, no globals; the same arguments give
/// the same `RunResult`, bit for bit, on any machine and thread count.
///
/// `replication` selects independent random streams for the same seed.
pub fn simulate(model: &Model, seed: u64, replication: u32) -> RunResult {
    simulate_with(
        model,
        seed,
        replication,
        &RunOptions::default(),
        &mut |_| {},
    )
}

/// Slices of simulated time between progress reports.
const PROGRESS_SLICES: u32 = 100;

/// As [`simulate`], calling `progress` with the share of simulated time done
/// (0 to 1) a hundred times along the way. The result does not depend on
/// the slicing: events past a slice's end simply wait for the next one.
pub fn simulate_with_progress(
    model: &Model,
    seed: u64,
    replication: u32,
    progress: &mut dyn FnMut(f64),
) -> RunResult {
    simulate_with(model, seed, replication, &RunOptions::default(), progress)
}

/// As [`simulate_with_progress`], recording what `options` asks for too.
/// Options add records only: the run itself (every event, every figure
/// without them) is the same.
pub fn simulate_with(
    model: &Model,
    seed: u64,
    replication: u32,
    options: &RunOptions,
    progress: &mut dyn FnMut(f64),
) -> RunResult {
    let recorder = Recorder::new(model, options.series_window(), options.decisions);
    let mut network = Network::new(model, seed, replication, recorder);
    let mut queue = EventQueue::new();
    network.start(&mut queue);
    let horizon = SimTime::from_secs_f64(model.duration_s);
    let mut events = 0;
    let mut stop = Stop::Horizon;
    for slice in 1..=PROGRESS_SLICES {
        let until = SimTime(horizon.as_nanos() / u64::from(PROGRESS_SLICES) * u64::from(slice));
        let until = if slice == PROGRESS_SLICES {
            horizon
        } else {
            until
        };
        let (slice_stop, slice_events) = engine::run(&mut network, &mut queue, until);
        events += slice_events;
        stop = slice_stop;
        progress(f64::from(slice) / f64::from(PROGRESS_SLICES));
        if matches!(stop, Stop::Halted(_) | Stop::Drained) {
            break;
        }
    }
    let (stopped, outcome) = match (stop, network.stall(), network.saturation()) {
        (Stop::Halted(at), Some(stall), _) => (
            at,
            Outcome::ZeroTimeLoop {
                at_s: at.as_secs_f64(),
                events: stall.events,
                node: model.node(stall.node).name.clone(),
            },
        ),
        (Stop::Halted(at), None, Some(saturation)) => (
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
    let warnings = network.source_errors();
    let recorder = network.into_observer();
    // A run stopped during the warm-up has an empty window; end it at the
    // warm-up so that rates stay finite.
    let end = stopped.max(SimTime::from_secs_f64(model.warmup_s));
    recorder.finish(
        model,
        RunInfo {
            seed,
            replication,
            end,
            stopped,
            outcome,
            events,
            peak_in_flight: peak,
            warnings,
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

/// The most replications a run, a comparison or a sweep's point may ask
/// for. Each replication is kept as its figures only (a few kilobytes, its
/// histograms merged and dropped as it finishes) until the summary;
/// 10,000 already narrow an interval to a hundredth of one replication's
/// spread.
pub const MAX_REPLICATIONS: u32 = 10_000;

/// Replications kept as their figures: what a summary and a sweep's row need.
#[derive(Clone, Debug)]
pub struct Replicated {
    /// Every replication in replication order, each without its latency
    /// histograms (its percentiles, counts and every other figure kept).
    pub runs: Vec<RunResult>,
    /// The end-to-end latencies of every replication, merged (µs).
    pub end_to_end: hdrhistogram::Histogram<u64>,
}

impl Replicated {
    /// No replications yet.
    pub fn empty() -> Replicated {
        Replicated {
            runs: Vec::new(),
            end_to_end: empty_histogram(3),
        }
    }
}

/// As [`replicate`], but each replication's histograms are merged into one
/// end-to-end histogram and dropped as it finishes, so memory follows the
/// number of replications by a few kilobytes each, not by every node's
/// histograms. `done` is called as each replication finishes (any order).
pub fn replicate_figures(
    model: &Model,
    seed: u64,
    replications: u32,
    options: &RunOptions,
    done: &(dyn Fn(&RunResult) + Sync),
) -> Replicated {
    let mut replicated = Replicated::empty();
    replicate_more(model, seed, &mut replicated, replications, options, done);
    replicated
}

/// Adds replications to `replicated` until it holds `replications` of
/// them (replication k is the same run whenever it is made: its streams
/// come from the seed and k), so a point can be given more replications
/// without repeating those it has.
pub fn replicate_more(
    model: &Model,
    seed: u64,
    replicated: &mut Replicated,
    replications: u32,
    options: &RunOptions,
    done: &(dyn Fn(&RunResult) + Sync),
) {
    let empty = || (Vec::new(), empty_histogram(3));
    let first = replicated.runs.len() as u32;
    let (runs, end_to_end) = (first..replications.max(first))
        .into_par_iter()
        .map(|rep| {
            let run = simulate_with(model, seed, rep, options, &mut |_| {});
            done(&run);
            run
        })
        .fold(empty, |(mut runs, mut merged), mut run| {
            // Same precision, auto-resizing: adding cannot fail.
            let _ = merged.add(&run.end_to_end.histogram);
            drop_histograms(&mut run);
            runs.push(run);
            (runs, merged)
        })
        .reduce(empty, |(mut runs, mut merged), (more, histogram)| {
            let _ = merged.add(&histogram);
            runs.extend(more);
            (runs, merged)
        });
    // Merged counts do not depend on the order; the runs' order is restored.
    let _ = replicated.end_to_end.add(&end_to_end);
    replicated.runs.extend(runs);
    replicated.runs.sort_by_key(|run| run.replication);
}

/// Replaces every latency histogram of `run` by an empty one (a few hundred
/// bytes): its figures were computed from them at the end of the run.
pub fn drop_histograms(run: &mut RunResult) {
    let tiny = || empty_histogram(1);
    run.end_to_end.histogram = tiny();
    for class in &mut run.classes {
        class.latency.histogram = tiny();
    }
    for node in &mut run.nodes {
        node.latency.histogram = tiny();
    }
    for group in &mut run.groups {
        group.latency.histogram = tiny();
    }
}

/// An empty auto-resizing histogram of `digits` significant digits (1 to 5).
fn empty_histogram(digits: u8) -> hdrhistogram::Histogram<u64> {
    hdrhistogram::Histogram::new(digits).expect("1 to 5 significant digits is a valid precision")
}
