//! How much of one run could run apart: a bound on the speed-up of
//! parallelising a single run, measured on its own events.
//!
//! A parallel discrete-event simulation splits the model into logical
//! processes (here: each node, or each instance of a node) that handle their
//! own events and send each other messages. Conservative synchronisation
//! (Chandy–Misra–Bryant; the windowed form of Lubachevsky's "bounded lag" /
//! Nicol's YAWNS) lets every process run ahead through a window as wide as
//! the *lookahead*: the least simulated time any message between processes
//! takes. Inside a window the processes are independent, so the window costs
//! what its busiest process costs, or its share of the cores if that is more.
//!
//! [`profile`] replays a run (the same events as [`crate::simulate`]) and,
//! for each lookahead and core count asked, adds up that cost over windows:
//! `events / Σ_windows max(busiest process, ⌈events in window / cores⌉)` is
//! the speed-up no implementation of the scheme can beat (it leaves out the
//! cost of synchronising, which only lowers it). A lookahead of zero means
//! a window is one instant: what is left is events that share a timestamp.
//! The figures are in ARCHITECTURE.md, "Parallelising one run".

use std::collections::HashMap;
use std::ops::ControlFlow;

use crate::engine::{self, Event, EventQueue, SimTime, World};
use crate::model::Model;
use crate::nodes::Network;
use crate::stats::Recorder;

/// How the model is cut into logical processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// One process per node.
    Nodes,
    /// One process per instance of a pool (per server of a database), the
    /// rest of each node, balancer included, one more.
    Instances,
}

/// The bound for one lookahead, split and core count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    /// The lookahead, ns (0: one instant).
    pub lookahead_ns: u64,
    /// The split.
    pub split: Split,
    /// Cores.
    pub cores: u32,
    /// Events over the windows' critical path: the speed-up bound.
    pub speedup: f64,
}

/// Events of a run and the bounds asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// Events handled.
    pub events: u64,
    /// One per (split, lookahead, cores) asked, in that order.
    pub bounds: Vec<Bound>,
}

/// Replays `model` (replication 0 of `seed`) for at most `max_events`
/// events and bounds the speed-up of every split × lookahead × cores.
pub fn profile(
    model: &Model,
    seed: u64,
    max_events: u64,
    lookaheads_ns: &[u64],
    cores: &[u32],
) -> Profile {
    let mut windows = Vec::new();
    for split in [Split::Nodes, Split::Instances] {
        for &lookahead_ns in lookaheads_ns {
            windows.push(Windows::new(split, lookahead_ns, cores));
        }
    }
    let mut replay = Replay {
        network: Network::new(model, seed, 0, Recorder::new(model, None, false)),
        windows,
        left: max_events,
    };
    let mut queue = EventQueue::new();
    replay.network.start(&mut queue);
    let horizon = SimTime::from_secs_f64(model.duration_s);
    let (_, events) = engine::run(&mut replay, &mut queue, horizon);
    let bounds = (replay.windows.iter_mut())
        .flat_map(|w| w.bounds(events))
        .collect();
    Profile { events, bounds }
}

/// The engine's side: where each event happens, before it is handled.
struct Replay<'m> {
    network: Network<'m, Recorder>,
    windows: Vec<Windows>,
    left: u64,
}

impl World for Replay<'_> {
    fn handle(&mut self, now: SimTime, event: Event, queue: &mut EventQueue) -> ControlFlow<()> {
        let (node, slot) = self.network.site_of(event);
        for windows in &mut self.windows {
            let process = match windows.split {
                Split::Nodes => (node.0, u32::MAX),
                Split::Instances => (node.0, slot.unwrap_or(u32::MAX)),
            };
            windows.add(now, process);
        }
        self.left = self.left.saturating_sub(1);
        if self.left == 0 {
            let _ = self.network.handle(now, event, queue);
            return ControlFlow::Break(());
        }
        self.network.handle(now, event, queue)
    }
}

/// The windows of one split and lookahead, as the run goes.
struct Windows {
    split: Split,
    lookahead_ns: u64,
    cores: Vec<u32>,
    /// The current window's start (its index × lookahead, or its instant).
    window: Option<u64>,
    /// Events of each process in the current window.
    counts: HashMap<(u32, u32), u64>,
    /// Σ over finished windows of each core count's cost.
    critical: Vec<u64>,
}

impl Windows {
    fn new(split: Split, lookahead_ns: u64, cores: &[u32]) -> Self {
        Windows {
            split,
            lookahead_ns,
            cores: cores.to_vec(),
            window: None,
            counts: HashMap::new(),
            critical: vec![0; cores.len()],
        }
    }

    fn add(&mut self, now: SimTime, process: (u32, u32)) {
        let window = match self.lookahead_ns {
            0 => now.as_nanos(),
            width => now.as_nanos() / width,
        };
        if self.window != Some(window) {
            self.close();
            self.window = Some(window);
        }
        *self.counts.entry(process).or_insert(0) += 1;
    }

    /// Adds the current window's cost at each core count.
    fn close(&mut self) {
        let total: u64 = self.counts.values().sum();
        let busiest = self.counts.values().copied().max().unwrap_or(0);
        for (critical, &cores) in self.critical.iter_mut().zip(&self.cores) {
            *critical += busiest.max(total.div_ceil(u64::from(cores)));
        }
        self.counts.clear();
    }

    fn bounds(&mut self, events: u64) -> Vec<Bound> {
        self.close();
        (self.cores.iter().zip(&self.critical))
            .map(|(&cores, &critical)| Bound {
                lookahead_ns: self.lookahead_ns,
                split: self.split,
                cores,
                speedup: events as f64 / critical.max(1) as f64,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two processes with one event each per instant: a zero lookahead
    /// runs them in pairs (speed-up 2 on 2 cores, still 2 on 8); a
    /// lookahead of 10 instants changes nothing but the window.
    #[test]
    fn a_window_costs_its_busiest_process_or_its_share_of_the_cores() {
        let mut windows = Windows::new(Split::Nodes, 0, &[1, 2, 8]);
        for t in 0..100 {
            windows.add(SimTime(t), (0, 0));
            windows.add(SimTime(t), (1, 0));
        }
        let speedups: Vec<f64> = windows.bounds(200).iter().map(|b| b.speedup).collect();
        assert_eq!(speedups, [1.0, 2.0, 2.0]);
        // Three events of one process and one of another per window of 10:
        // the busy one sets the pace, 4 / 3.
        let mut windows = Windows::new(Split::Nodes, 10, &[2]);
        for w in 0..10 {
            for i in 0..3 {
                windows.add(SimTime(w * 10 + i), (0, 0));
            }
            windows.add(SimTime(w * 10 + 5), (1, 0));
        }
        let bound = windows.bounds(40)[0];
        assert!((bound.speedup - 4.0 / 3.0).abs() < 1e-12, "{bound:?}");
    }
}
