//! The call-group columns of a series: for each group of calls made at once
//! (`<pool>.calls[i]`), its joins per second, failed joins per second, mean
//! fork-to-join time of the successful ones (ms, NaN in a window with none)
//! and branches sent per second: with a hedge, sent over joins is the copies
//! a request cost, which rises with the callee's tail.

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
}

impl GroupColumns {
    /// Columns for each call group of `model` (none without groups).
    pub(super) fn new(model: &Model) -> Self {
        GroupColumns {
            names: model.call_groups.iter().map(|g| g.name.clone()).collect(),
            counts: vec![Counts::default(); model.call_groups.len()],
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
            FanoutEvent::Answered { .. } | FanoutEvent::Cancelled { .. } => {}
        }
    }
}

impl ColumnGroup for GroupColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for name in &self.names {
            for figure in ["joins_per_s", "failed_per_s", "mean_ms", "sent_per_s"] {
                columns.push(format!("{name}.{figure}"));
            }
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        let seconds = span.seconds();
        for counts in &mut self.counts {
            let ok = counts.joined - counts.failed;
            row.push(counts.joined as f64 / seconds);
            row.push(counts.failed as f64 / seconds);
            row.push(match ok {
                0 => f64::NAN,
                n => counts.sum_ns / n as f64 / 1e6,
            });
            row.push(counts.sent as f64 / seconds);
            *counts = Counts::default();
        }
    }
}
