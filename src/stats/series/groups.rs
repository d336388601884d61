//! The call-group columns of a series: for each group of calls made at once
//! (`<pool>.calls[i]`), its joins per second, failed joins per second, mean
//! fork-to-join time of the successful ones (ms, NaN in a window with none)
//! and branches sent per second: with a hedge, sent over joins is the copies
//! a request cost, which rises with the callee's tail. A hedge at a running
//! percentile adds its delay at the window's end (`hedge_after_ms`).

use crate::engine::FanoutEvent;
use crate::model::Model;

use super::{ColumnGroup, Span};

/// One group's counts in the open window.
#[derive(Clone, Copy, Default)]
struct Counts {
    joined: u64,
    failed: u64,
    sum_ns: f64,
    sent: u64,
}

/// Every group's counts in the open window.
pub(super) struct GroupColumns {
    names: Vec<String>,
    counts: Vec<Counts>,
    /// Per group: a running hedge's delay now, ms (NaN while it has none);
    /// `None` for other groups.
    delays: Vec<Option<f64>>,
}

impl GroupColumns {
    /// Columns for each call group of `model` (none without groups).
    pub(super) fn new(model: &Model) -> Self {
        GroupColumns {
            names: model.call_groups.iter().map(|g| g.name.clone()).collect(),
            counts: vec![Counts::default(); model.call_groups.len()],
            delays: (model.call_groups.iter())
                .map(|g| g.running_hedge().then_some(f64::NAN))
                .collect(),
        }
    }

    /// `event` happened in group `group`.
    pub(super) fn fanout(&mut self, group: u16, event: FanoutEvent) {
        let counts = &mut self.counts[usize::from(group)];
        match event {
            FanoutEvent::Sent { .. } => counts.sent += 1,
            FanoutEvent::Joined { ok: true, ns } => {
                counts.joined += 1;
                counts.sum_ns += ns as f64;
            }
            FanoutEvent::Joined { ok: false, .. } => {
                counts.joined += 1;
                counts.failed += 1;
            }
            FanoutEvent::Delay { ns } => {
                self.delays[usize::from(group)] = Some(ns.map_or(f64::NAN, |ns| ns as f64 / 1e6));
            }
            FanoutEvent::Answered { .. } | FanoutEvent::Cancelled { .. } => {}
        }
    }
}

impl ColumnGroup for GroupColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for (name, delay) in self.names.iter().zip(&self.delays) {
            for figure in ["joins_per_s", "failed_per_s", "mean_ms", "sent_per_s"] {
                columns.push(format!("{name}.{figure}"));
            }
            if delay.is_some() {
                columns.push(format!("{name}.hedge_after_ms"));
            }
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        let seconds = span.seconds();
        for (counts, delay) in self.counts.iter_mut().zip(&self.delays) {
            let ok = counts.joined - counts.failed;
            row.push(counts.joined as f64 / seconds);
            row.push(counts.failed as f64 / seconds);
            row.push(match ok {
                0 => f64::NAN,
                n => counts.sum_ns / n as f64 / 1e6,
            });
            row.push(counts.sent as f64 / seconds);
            if let Some(ms) = delay {
                row.push(*ms);
            }
            *counts = Counts::default();
        }
    }
}
