//! The call-site columns of a series: for each call with a timeout, retries
//! or a breaker, in site order, its attempts, retries and timeouts per second
//! (`<caller>-><callee>.attempts_per_s`, `.retries_per_s`, `.timeouts_per_s`)
//! and, for a site with a breaker, `.breaker_open`: 1 if the breaker was
//! open (or half-open) at any moment of the window, else 0.

use crate::engine::CallEvent;
use crate::model::Model;

use super::{ColumnGroup, Span};

/// One site's counts in the open window.
#[derive(Clone, Copy, Default)]
struct Counts {
    attempts: u64,
    retries: u64,
    timeouts: u64,
    /// Not closed now.
    open: bool,
    /// Not closed at some moment of the window.
    was_open: bool,
}

/// Every call site's counts in the open window.
pub(super) struct CallColumns {
    names: Vec<String>,
    has_breaker: Vec<bool>,
    counts: Vec<Counts>,
}

impl CallColumns {
    /// Columns for each call site of `model`.
    pub(super) fn new(model: &Model) -> Self {
        CallColumns {
            names: model.call_sites.iter().map(|s| s.name.clone()).collect(),
            has_breaker: model
                .call_sites
                .iter()
                .map(|s| s.breaker.is_some())
                .collect(),
            counts: vec![Counts::default(); model.call_sites.len()],
        }
    }

    /// `event` happened at `site`.
    pub(super) fn call(&mut self, site: u16, event: CallEvent) {
        let counts = &mut self.counts[usize::from(site)];
        match event {
            CallEvent::Attempt { retry } => {
                counts.attempts += 1;
                counts.retries += u64::from(retry);
            }
            CallEvent::Timeout => counts.timeouts += 1,
            CallEvent::BreakerOpened => {
                counts.open = true;
                counts.was_open = true;
            }
            CallEvent::BreakerClosed => counts.open = false,
            _ => {}
        }
    }
}

impl ColumnGroup for CallColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for (name, &breaker) in self.names.iter().zip(&self.has_breaker) {
            for figure in ["attempts_per_s", "retries_per_s", "timeouts_per_s"] {
                columns.push(format!("{name}.{figure}"));
            }
            if breaker {
                columns.push(format!("{name}.breaker_open"));
            }
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        let seconds = span.seconds();
        for (counts, &breaker) in self.counts.iter_mut().zip(&self.has_breaker) {
            row.push(counts.attempts as f64 / seconds);
            row.push(counts.retries as f64 / seconds);
            row.push(counts.timeouts as f64 / seconds);
            if breaker {
                row.push(f64::from(u8::from(counts.was_open)));
            }
            *counts = Counts {
                open: counts.open,
                was_open: counts.open,
                ..Counts::default()
            };
        }
    }
}
