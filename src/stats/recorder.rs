//! The observer that turns what nodes report into a [`RunResult`]. Ignores
//! everything before the warm-up ends, except the optional time series,
//! which covers the whole run.

use crate::engine::{
    CallEvent, ClusterLevels, CreditLevels, Decision, FanoutEvent, FleetCounts, Hop, MessageEvent,
    Observer, QueueLevels, Refusal, Resource, SimTime,
};
use crate::model::{ClassId, Model, NodeId};

use super::bill::{BillMeter, Components};
use super::clusters::ClusterRecord;
use super::fanout::GroupRecord;
use super::latency::LatencyRecord;
use super::node_record::{NodeRecord, Refusals, Window};
use super::result::{
    BREAKER_LOG_LIMIT, BreakerChange, CallResult, ClassResult, CostResult, NodeResult, Outcome,
    RunResult,
};
use super::series::SeriesRecorder;

/// What the run itself knows about how it went, for [`Recorder::finish`].
pub struct RunInfo {
    /// Master seed.
    pub seed: u64,
    /// Replication index.
    pub replication: u32,
    /// End of the measured window.
    pub end: SimTime,
    /// When the run stopped: the horizon, or where it was halted as
    /// unstable. Earlier than `end` only when halted during the warm-up.
    pub stopped: SimTime,
    /// Completed or unstable.
    pub outcome: Outcome,
    /// Events handled.
    pub events: u64,
    /// Most jobs in flight at once.
    pub peak_in_flight: usize,
    /// Problems met that did not stop the run.
    pub warnings: Vec<String>,
}

/// Aggregates one run.
pub struct Recorder {
    warmup_end: SimTime,
    /// Requests that arrived after the warm-up.
    arrivals: u64,
    end_to_end: LatencyRecord,
    /// Per class; empty when the model has one class, whose record would
    /// be `end_to_end`'s twin (every request is of it), so one is kept.
    classes: Vec<LatencyRecord>,
    /// Per class, visits turned away by admission control anywhere.
    class_refusals: Vec<Refusals>,
    nodes: Vec<NodeRecord>,
    /// Present only when a series was asked for.
    series: Option<SeriesRecorder>,
    /// Present only when the decision log was asked for.
    decisions: Option<Vec<Decision>>,
    /// Per call site, in the measured window.
    calls: Vec<CallResult>,
    breaker_log: Vec<BreakerChange>,
    /// Per group of calls made at once, in the measured window.
    groups: Vec<GroupRecord>,
    /// Per Kubernetes cluster.
    clusters: Vec<ClusterRecord>,
    /// What the bill's traffic prices count, in the measured window.
    bill: BillMeter,
}

impl Recorder {
    /// Empty records for `model`'s nodes and classes, a time series in
    /// windows of `series_window` if given, and a decision log if `decisions`.
    pub fn new(model: &Model, series_window: Option<SimTime>, decisions: bool) -> Self {
        let nodes = (model.nodes.iter())
            .map(|node| NodeRecord::new(node, model.classes.len()))
            .collect();
        Recorder {
            warmup_end: SimTime::from_secs_f64(model.warmup_s),
            arrivals: 0,
            end_to_end: LatencyRecord::default(),
            classes: match model.classes.len() {
                1 => Vec::new(),
                n => vec![LatencyRecord::default(); n],
            },
            class_refusals: vec![Refusals::default(); model.classes.len()],
            nodes,
            series: series_window.map(|window| SeriesRecorder::new(model, window)),
            decisions: decisions.then(Vec::new),
            calls: model
                .call_sites
                .iter()
                .map(|site| CallResult {
                    name: site.name.clone(),
                    callee: model.node(site.to).name.clone(),
                    ..CallResult::default()
                })
                .collect(),
            breaker_log: Vec::new(),
            groups: GroupRecord::all(model),
            clusters: ClusterRecord::all(model),
            bill: BillMeter::new(model),
        }
    }

    /// The bill by component: the metered nodes' charges go into their
    /// `usd_per_hour` (so the node table shows them); a cluster's nodes are
    /// its pools' compute (its pods are priced at 0).
    fn breakdown(
        &self,
        model: &Model,
        nodes: &mut [NodeResult],
        clusters: &[super::clusters::ClusterResult],
        window_s: f64,
    ) -> Components {
        let (metered, egress) = match self.bill.any() {
            true => self.bill.price(window_s),
            false => (Vec::new(), 0.0),
        };
        for (node, usd) in nodes.iter_mut().zip(metered) {
            node.usd_per_hour += usd;
        }
        let node_usd: Vec<f64> = nodes.iter().map(|node| node.usd_per_hour).collect();
        let clusters_usd = (clusters.iter()).fold(0.0, |sum, c| sum + c.usd_per_hour);
        let credits_usd = (nodes.iter())
            .filter_map(|node| node.credits.as_ref())
            .fold(0.0, |sum, credits| sum + credits.usd_per_hour);
        super::bill::components(model, &node_usd, clusters_usd, credits_usd, egress)
    }

    /// Closes the window at `run.end` and computes every figure.
    pub fn finish(self, model: &Model, run: RunInfo) -> RunResult {
        let RunInfo {
            seed,
            replication,
            end,
            stopped,
            outcome,
            events,
            peak_in_flight,
            warnings,
        } = run;
        let from = self.warmup_end;
        let window_ns = end.since(from).max(1) as f64;
        let window_s = window_ns / 1e9;
        let window = Window {
            from,
            end,
            ns: window_ns,
        };
        let mut nodes: Vec<NodeResult> = (self.nodes.iter().zip(&model.nodes))
            .map(|(record, node)| record.result(node, &model.classes, &window))
            .collect();
        let clusters: Vec<_> = (self.clusters.iter().zip(&model.clusters))
            .map(|(record, cluster)| record.result(&cluster.name, from, end))
            .collect();
        let breakdown = self.breakdown(model, &mut nodes, &clusters, window_s);
        let usd_per_hour = breakdown.total();
        let end_to_end = self.end_to_end.summarize(window_s);
        let usd_total = usd_per_hour * window_s / 3600.0;
        let usd_per_million = if end_to_end.completed == 0 {
            f64::NAN
        } else {
            usd_total / end_to_end.completed as f64 * 1e6
        };
        RunResult {
            model: model.name.clone(),
            seed,
            replication,
            outcome,
            window_s,
            events,
            peak_in_flight,
            arrivals: self.arrivals,
            warnings,
            classes: (model.classes.iter().enumerate())
                .zip(&self.class_refusals)
                .map(|((i, class), refused)| ClassResult {
                    name: class.name.clone(),
                    latency: (self.classes.get(i))
                        .unwrap_or(&self.end_to_end)
                        .summarize(window_s),
                    shed: refused.shed,
                    rate_limited: refused.rate_limited,
                })
                .collect(),
            end_to_end,
            nodes,
            cost: CostResult {
                usd_per_hour,
                breakdown,
                usd_total,
                usd_per_million,
            },
            series: self.series.map(|series| series.finish(stopped)),
            decisions: self.decisions,
            calls: self.calls,
            breaker_log: self.breaker_log,
            groups: (self.groups.iter().enumerate())
                .map(|(i, group)| group.finish(model, i, window_s))
                .collect(),
            clusters,
        }
    }
}

impl Observer for Recorder {
    #[inline(always)]
    fn arrival(&mut self, now: SimTime, _class: ClassId) {
        if let Some(series) = &mut self.series {
            series.arrival(now);
        }
        if now >= self.warmup_end {
            self.arrivals += 1;
        }
    }

    #[inline(always)]
    fn visit_done(
        &mut self,
        now: SimTime,
        node: NodeId,
        class: ClassId,
        entered: SimTime,
        ok: bool,
    ) {
        if let Some(series) = &mut self.series
            && self.bill.any()
        {
            series.visit_done(now, node, class, ok);
        }
        if now >= self.warmup_end {
            let record = &mut self.nodes[node.index()];
            record.latency.record(now.since(entered), ok);
            if let Some(by_class) = record.by_class.get_mut(class.index()) {
                by_class.record(now.since(entered), ok);
            }
            self.bill.visit(node, class, ok);
        }
    }

    #[inline(always)]
    fn request_done(&mut self, now: SimTime, class: ClassId, created: SimTime, ok: bool) {
        if let Some(series) = &mut self.series {
            series.request_done(now, class, created, ok);
        }
        if now >= self.warmup_end {
            let nanos = now.since(created);
            self.end_to_end.record(nanos, ok);
            if let Some(record) = self.classes.get_mut(class.index()) {
                record.record(nanos, ok);
            }
            if ok {
                self.bill.answered(class);
            }
        }
    }

    #[inline(always)]
    fn cache_lookup(&mut self, now: SimTime, node: NodeId, hit: bool) {
        if let Some(series) = &mut self.series {
            series.cache_lookup(now, node, hit);
        }
        if now >= self.warmup_end {
            let record = &mut self.nodes[node.index()];
            record.lookups += 1;
            record.hits += u64::from(hit);
        }
    }

    #[inline(always)]
    fn rejected(&mut self, now: SimTime, node: NodeId, _class: ClassId) {
        if now >= self.warmup_end {
            self.nodes[node.index()].rejected += 1;
        }
    }

    fn refused(&mut self, now: SimTime, node: NodeId, class: ClassId, why: Refusal) {
        if let Some(series) = &mut self.series {
            series.refused(now, node, why);
        }
        if now >= self.warmup_end {
            self.nodes[node.index()].refused.count(why);
            self.class_refusals[class.index()].count(why);
        }
    }

    #[inline(always)]
    fn shard_busy(&mut self, now: SimTime, node: NodeId, shard: u32, primary: bool, delta: i32) {
        let record = &mut self.nodes[node.index()].shards[shard as usize];
        record.busy.add(now, self.warmup_end, f64::from(delta));
        if primary {
            record
                .busy_primary
                .add(now, self.warmup_end, f64::from(delta));
        }
    }

    #[inline(always)]
    fn shard_cpu_busy(
        &mut self,
        now: SimTime,
        node: NodeId,
        shard: u32,
        primary: bool,
        delta: i32,
    ) {
        let record = &mut self.nodes[node.index()].shards[shard as usize];
        record.busy_cpu.add(now, self.warmup_end, f64::from(delta));
        if primary {
            (record.busy_cpu_primary).add(now, self.warmup_end, f64::from(delta));
        }
    }

    #[inline(always)]
    fn shard_done(&mut self, now: SimTime, node: NodeId, shard: u32, entered: SimTime) {
        if now >= self.warmup_end {
            let record = &mut self.nodes[node.index()].shards[shard as usize];
            record.done += 1;
            record.sum_ns += now.since(entered) as f64;
        }
    }

    #[inline(always)]
    fn expired(&mut self, now: SimTime, node: NodeId, _class: ClassId) {
        if now >= self.warmup_end {
            self.nodes[node.index()].expired += 1;
        }
    }

    fn call(&mut self, now: SimTime, site: u16, event: CallEvent) {
        if let Some(series) = &mut self.series {
            series.call(now, site, event);
        }
        let state = match event {
            CallEvent::BreakerOpened => Some("open"),
            CallEvent::BreakerHalfOpen => Some("half_open"),
            CallEvent::BreakerClosed => Some("closed"),
            _ => None,
        };
        if let Some(state) = state
            && self.breaker_log.len() < BREAKER_LOG_LIMIT
        {
            self.breaker_log.push(BreakerChange {
                time_s: now.as_secs_f64(),
                call: self.calls[usize::from(site)].name.clone(),
                state,
            });
        }
        if now < self.warmup_end {
            return;
        }
        let record = &mut self.calls[usize::from(site)];
        match event {
            CallEvent::Attempt { retry } => {
                record.attempts += 1;
                record.retries += u64::from(retry);
            }
            CallEvent::Timeout => record.timeouts += 1,
            CallEvent::BudgetDenied => record.budget_denied += 1,
            CallEvent::ShortCircuit => record.short_circuits += 1,
            CallEvent::Failed => record.failed += 1,
            CallEvent::BreakerOpened => record.breaker_openings += 1,
            CallEvent::BreakerHalfOpen | CallEvent::BreakerClosed => {}
            CallEvent::Connected { waited_ns } => {
                record.connected += 1;
                record.connection_waits += u64::from(waited_ns > 0);
                record.connection_wait_ns += waited_ns as f64;
            }
        }
    }

    fn fanout(&mut self, now: SimTime, group: u16, event: FanoutEvent) {
        if let Some(series) = &mut self.series {
            series.fanout(now, group, event);
        }
        if now >= self.warmup_end {
            self.groups[usize::from(group)].record(event);
        }
    }

    #[inline(always)]
    fn occupancy(&mut self, now: SimTime, node: NodeId, resource: Resource, delta: i32) {
        if let Some(series) = &mut self.series {
            series.occupancy(now, node, resource, delta);
        }
        let record = &mut self.nodes[node.index()];
        if resource == Resource::Queue && delta > 0 && now >= self.warmup_end {
            record.queued += 1;
        }
        let level = match resource {
            Resource::Server => &mut record.busy_servers,
            Resource::Worker => &mut record.busy_workers,
            Resource::Queue => &mut record.waiting,
        };
        level.add(now, self.warmup_end, f64::from(delta));
    }

    fn instances(&mut self, now: SimTime, node: NodeId, counts: FleetCounts, usd_per_hour: f64) {
        if let Some(series) = &mut self.series {
            series.instances(now, node, counts, usd_per_hour);
        }
        let record = &mut self.nodes[node.index()];
        let billed = f64::from(counts.billed());
        record.instances.set(now, self.warmup_end, billed);
        record
            .serving
            .set(now, self.warmup_end, f64::from(counts.serving));
        let usd = match &record.purchase {
            Some(purchase) => purchase.usd_per_hour(counts.billed()),
            None => billed * usd_per_hour,
        };
        record.usd_per_hour.set(now, self.warmup_end, usd);
    }

    fn cluster(&mut self, now: SimTime, cluster: u16, levels: ClusterLevels) {
        if let Some(series) = &mut self.series {
            series.cluster(now, cluster, levels);
        }
        self.clusters[usize::from(cluster)].set(now, self.warmup_end, levels);
    }

    fn decision(&mut self, _now: SimTime, decision: &Decision) {
        if let Some(decisions) = &mut self.decisions {
            decisions.push(decision.clone());
        }
    }

    fn messages(
        &mut self,
        now: SimTime,
        node: NodeId,
        event: MessageEvent,
        count: u32,
        levels: QueueLevels,
    ) {
        if let Some(series) = &mut self.series {
            series.messages(now, node, event, count, levels);
        }
        let record = &mut self.nodes[node.index()];
        // The queue's depth is its `mean_queue`.
        record
            .waiting
            .set(now, self.warmup_end, f64::from(levels.visible));
        if let Some(queue) = &mut record.queue {
            queue.record(now, self.warmup_end, event, count, levels);
        }
    }

    fn network(&mut self, now: SimTime, node: NodeId, hop: Hop) {
        if let Some(series) = &mut self.series
            && self.bill.any()
        {
            series.hop(now, hop);
        }
        if now >= self.warmup_end {
            self.nodes[node.index()]
                .network
                .record(hop.delay_ns, hop.cross_zone);
            self.bill.hop(hop);
        }
    }

    fn interrupted(&mut self, now: SimTime, node: NodeId) {
        if now >= self.warmup_end {
            self.nodes[node.index()].interruptions += 1;
        }
    }

    fn credits(&mut self, now: SimTime, node: NodeId, levels: CreditLevels) {
        if let Some(series) = &mut self.series {
            series.credits(now, node, levels);
        }
        if let Some(record) = &mut self.nodes[node.index()].credits {
            record.report(now, self.warmup_end, levels);
        }
    }
}
