//! Time series: one row of figures per window of simulated time, over the
//! whole run from t = 0 (warm-up included: the dynamics are the point).
//!
//! The [`Recorder`](super::Recorder) owns a [`SeriesRecorder`] only when a
//! series is asked for, so a run without one pays a branch per observer call.
//! Windows close lazily: when a call arrives at or past the open window's
//! end, and when the run finishes.
//!
//! ```text
//!   time_s  warmup | arrivals_per_s … p99_ms  in_flight | web.utilization  web.worker_utilization | …
//!   clock          | requests (requests.rs)             | pools (pools.rs), one pair per pool      | next group
//! ```
//!
//! Columns come in groups, each built once from the model: a group names its
//! columns, hears the observer calls it needs, and appends its values when a
//! window closes. Adding columns (instances, cost, cache hit ratio) is adding
//! a group: a file under `series/`, a field in [`SeriesRecorder`], and one
//! line each in `new`, `close` and the observer method that feeds it.
//!
//! The recorder's entry points here are `#[inline(never)]`: a run without a
//! series then inlines only the recorder's own small bodies into the
//! network's hot path.
//!
//! **Invariants:** no I/O; no allocation per event (one row per window);
//! values are fractions, per-second rates or milliseconds, NaN where a window
//! has no data (no completion, hence no percentile).

mod admission;
mod bill;
mod caches;
mod calls;
mod clusters;
mod credits;
mod fleet;
mod groups;
mod pools;
mod queues;
mod requests;

use serde::Serialize;

use crate::engine::{
    CallEvent, ClusterLevels, CreditLevels, FanoutEvent, FleetCounts, Hop, MessageEvent,
    QueueLevels, Refusal, Resource, SimTime,
};
use crate::model::{ClassId, Model, NodeId};

use admission::AdmissionColumns;
use bill::BillColumns;
use caches::CacheColumns;
use calls::CallColumns;
use clusters::ClusterColumns;
use credits::CreditColumns;
use fleet::FleetColumns;
use groups::GroupColumns;
use pools::PoolColumns;
use queues::QueueColumns;
use requests::RequestColumns;

/// A run's time series. Plain data: `rows[i][j]` is `columns[j]` in window `i`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Window length, seconds. Windows start at 0, `window_s`, 2 × `window_s`,
    /// …; the last one ends with the run and may be shorter (its rates are
    /// per second of its own length).
    pub window_s: f64,
    /// Column names, units in the names: `time_s` (window start) and `warmup`
    /// (1 if the window starts before the warm-up ends) first, then each group's.
    pub columns: Vec<String>,
    /// One row per window in time order, values in `columns` order; NaN
    /// (`null` in JSON, an empty CSV field) where a figure is undefined.
    pub rows: Vec<Vec<f64>>,
}

impl Series {
    /// The values of column `name`, one per window; `None` if there is no such column.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let index = self.columns.iter().position(|c| c == name)?;
        Some(self.rows.iter().map(|row| row[index]).collect())
    }
}

/// A window of simulated time, `[start, end)`.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: SimTime,
    end: SimTime,
}

impl Span {
    /// Length in seconds; the divisor of every rate.
    fn seconds(self) -> f64 {
        self.end.since(self.start) as f64 / 1e9
    }
}

/// A group of columns: how it names them and how it closes a window. The
/// recorder holds each group as a concrete field (static dispatch per event);
/// the trait only keeps the groups alike.
trait ColumnGroup {
    /// Appends this group's column names.
    fn name_columns(&self, columns: &mut Vec<String>);
    /// Appends this group's values for `span`, then starts the next window.
    fn close(&mut self, span: Span, row: &mut Vec<f64>);
}

/// Records one run's series, window by window.
pub struct SeriesRecorder {
    window_ns: u64,
    /// The run's planned end: events at exactly this instant still belong to
    /// the last window (the run handles them), so no window opens there.
    horizon: SimTime,
    warmup_end: SimTime,
    open: Span,
    requests: RequestColumns,
    pools: PoolColumns,
    fleet: FleetColumns,
    caches: CacheColumns,
    calls: CallColumns,
    groups: GroupColumns,
    admission: AdmissionColumns,
    queues: QueueColumns,
    clusters: ClusterColumns,
    credits: CreditColumns,
    bill: BillColumns,
    columns: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl SeriesRecorder {
    /// An empty series for `model` in windows of `window` (at least 1 ns).
    pub fn new(model: &Model, window: SimTime) -> Self {
        let window_ns = window.as_nanos().max(1);
        let requests = RequestColumns::default();
        let pools = PoolColumns::new(model);
        let fleet = FleetColumns::new(model);
        let caches = CacheColumns::new(model);
        let calls = CallColumns::new(model);
        let groups = GroupColumns::new(model);
        let admission = AdmissionColumns::new(model);
        let queues = QueueColumns::new(model);
        let clusters = ClusterColumns::new(model);
        let credits = CreditColumns::new(model);
        let bill = BillColumns::new(model);
        let mut columns = vec!["time_s".to_string(), "warmup".to_string()];
        requests.name_columns(&mut columns);
        pools.name_columns(&mut columns);
        fleet.name_columns(&mut columns);
        caches.name_columns(&mut columns);
        calls.name_columns(&mut columns);
        groups.name_columns(&mut columns);
        admission.name_columns(&mut columns);
        queues.name_columns(&mut columns);
        clusters.name_columns(&mut columns);
        credits.name_columns(&mut columns);
        bill.name_columns(&mut columns);
        SeriesRecorder {
            window_ns,
            horizon: SimTime::from_secs_f64(model.duration_s),
            warmup_end: SimTime::from_secs_f64(model.warmup_s),
            open: Span {
                start: SimTime::ZERO,
                end: SimTime(window_ns),
            },
            requests,
            pools,
            fleet,
            caches,
            calls,
            groups,
            admission,
            queues,
            clusters,
            credits,
            bill,
            columns,
            rows: Vec::new(),
        }
    }

    /// A request arrived from a source.
    #[inline(never)]
    pub fn arrival(&mut self, now: SimTime) {
        self.advance(now);
        self.requests.arrival();
    }

    /// A request of `class` that entered at `created` got its answer (`ok`
    /// false: an error).
    #[inline(never)]
    pub fn request_done(&mut self, now: SimTime, class: ClassId, created: SimTime, ok: bool) {
        self.advance(now);
        self.requests.done(now.since(created), ok);
        if ok {
            self.bill.answered(class);
        }
    }

    /// A visit of `class` to `node` ended (for the metered bill).
    #[inline(never)]
    pub fn visit_done(&mut self, now: SimTime, node: NodeId, class: ClassId, ok: bool) {
        self.advance(now);
        self.bill.visit(node, class, ok);
    }

    /// An answer went back over the network (for the bill's cross-zone bytes).
    #[inline(never)]
    pub fn hop(&mut self, now: SimTime, hop: Hop) {
        self.advance(now);
        self.bill.hop(hop);
    }

    /// Cache `node` looked a key up.
    #[inline(never)]
    pub fn cache_lookup(&mut self, now: SimTime, node: NodeId, hit: bool) {
        self.advance(now);
        self.caches.lookup(node, hit);
    }

    /// `event` happened at call site `site`.
    #[inline(never)]
    pub fn call(&mut self, now: SimTime, site: u16, event: CallEvent) {
        self.advance(now);
        self.calls.call(site, event);
    }

    /// `event` happened in call group `group`.
    #[inline(never)]
    pub fn fanout(&mut self, now: SimTime, group: u16, event: FanoutEvent) {
        self.advance(now);
        self.groups.fanout(group, event);
    }

    /// `node`'s admission control turned a request away for `why`.
    #[inline(never)]
    pub fn refused(&mut self, now: SimTime, node: NodeId, why: Refusal) {
        self.advance(now);
        self.admission.refused(node, why);
    }

    /// The occupancy of `resource` at `node` changed by `delta`.
    #[inline(never)]
    pub fn occupancy(&mut self, now: SimTime, node: NodeId, resource: Resource, delta: i32) {
        self.advance(now);
        self.pools.occupancy(now, node, resource, delta);
    }

    /// `count` messages of queue `node` went through `event`, leaving it at `levels`.
    #[inline(never)]
    pub fn messages(
        &mut self,
        now: SimTime,
        node: NodeId,
        event: MessageEvent,
        count: u32,
        levels: QueueLevels,
    ) {
        self.advance(now);
        self.queues.messages(now, node, event, count, levels);
    }

    /// `node`'s instances changed: `counts` by phase, billed at `usd_per_hour` each.
    #[inline(never)]
    pub fn instances(
        &mut self,
        now: SimTime,
        node: NodeId,
        counts: FleetCounts,
        usd_per_hour: f64,
    ) {
        self.advance(now);
        self.pools.instances(now, node, counts.serving);
        self.fleet.instances(now, node, counts, usd_per_hour);
    }

    /// Cluster `cluster`'s nodes and pending pods are now `levels`.
    #[inline(never)]
    pub fn cluster(&mut self, now: SimTime, cluster: u16, levels: ClusterLevels) {
        self.advance(now);
        self.clusters.cluster(cluster, levels);
        self.fleet.cluster(now, cluster, levels.usd_per_hour);
    }

    /// Burstable pool `node`'s credits are `levels` from `now` on.
    #[inline(never)]
    pub fn credits(&mut self, now: SimTime, node: NodeId, levels: CreditLevels) {
        self.advance(now);
        self.credits.credits(now, node, levels);
    }

    /// Closes every window up to `stopped` (the horizon, or where an unstable
    /// run was halted) and returns the series.
    pub fn finish(mut self, stopped: SimTime) -> Series {
        while self.open.end < stopped {
            self.close(self.open.end);
        }
        // A run halted exactly on a window's start leaves an empty window:
        // no time to rate, so no row (only the events of that very instant,
        // the ones that tipped the run over, go unrecorded).
        if stopped > self.open.start {
            self.close(stopped);
        }
        Series {
            window_s: self.window_ns as f64 / 1e9,
            columns: self.columns,
            rows: self.rows,
        }
    }

    /// Closes the windows that end at or before `now`.
    #[inline]
    fn advance(&mut self, now: SimTime) {
        while now >= self.open.end && self.open.end < self.horizon {
            self.close(self.open.end);
        }
    }

    /// Closes the open window at `end` and opens the next one there.
    // Once per window, not per event: kept out of the callers' hot path.
    #[inline(never)]
    fn close(&mut self, end: SimTime) {
        let span = Span {
            start: self.open.start,
            end,
        };
        let mut row = Vec::with_capacity(self.columns.len());
        // Divided, not multiplied by 1e-9, so that 990 s reads 990, not 990.0000000000001.
        row.push(span.start.as_nanos() as f64 / 1e9);
        row.push(if span.start < self.warmup_end {
            1.0
        } else {
            0.0
        });
        self.requests.close(span, &mut row);
        self.pools.close(span, &mut row);
        self.fleet.close(span, &mut row);
        self.caches.close(span, &mut row);
        self.calls.close(span, &mut row);
        self.groups.close(span, &mut row);
        self.admission.close(span, &mut row);
        self.queues.close(span, &mut row);
        self.clusters.close(span, &mut row);
        self.credits.close(span, &mut row);
        self.bill.close(span, &mut row);
        debug_assert_eq!(row.len(), self.columns.len(), "a group miscounted");
        self.rows.push(row);
        self.open = Span {
            start: end,
            end: end.after(self.window_ns),
        };
    }
}

#[cfg(test)]
mod tests;
