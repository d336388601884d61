//! The observer that turns what nodes report into a [`RunResult`]. Ignores
//! everything before the warm-up ends, except the optional time series,
//! which covers the whole run.

use crate::engine::{
    CallEvent, ClusterLevels, CreditLevels, Decision, FanoutEvent, FleetCounts, Hop, MessageEvent,
    Observer, QueueLevels, Refusal, Resource, SimTime,
};
use crate::model::{Class, ClassId, Database, Model, Node, NodeId, NodeKind, Purchase};

use super::bill::{BillMeter, Components};
use super::clusters::ClusterRecord;
use super::credits::CreditRecord;
use super::fanout::GroupRecord;
use super::latency::{LatencyRecord, LatencySummary};
use super::network::NetworkRecord;
use super::queues::QueueRecord;
use super::result::{
    BREAKER_LOG_LIMIT, BreakerChange, CallResult, ClassLatency, ClassResult, CostResult,
    NodeResult, Outcome, RunResult, ShardResult,
};
use super::series::SeriesRecorder;
use crate::engine::Level;

/// Per-node accumulators.
#[derive(Default)]
struct NodeRecord {
    latency: LatencyRecord,
    /// Cache lookups and hits after the warm-up.
    lookups: u64,
    hits: u64,
    rejected: u64,
    expired: u64,
    /// Turned away by admission control: shed, rate limited.
    refused: Refusals,
    queued: u64,
    busy_servers: Level,
    busy_workers: Level,
    waiting: Level,
    /// Instances billed (every phase but gone).
    instances: Level,
    /// Instances serving: the capacity utilization is measured against.
    serving: Level,
    usd_per_hour: Level,
    /// A database's shards.
    shards: Vec<ShardRecord>,
    /// Servers (vCPUs, connections) and workers per instance; 0 where the kind has none.
    servers_per_instance: u32,
    workers_per_instance: u32,
    /// A queue's messages.
    queue: Option<Box<QueueRecord>>,
    network: NetworkRecord,
    /// A burstable pool's CPU credits.
    credits: Option<Box<CreditRecord>>,
    /// How a pool's instances are paid for (other nodes: each at the
    /// price the network reports).
    purchase: Option<Purchase>,
    /// Spot interruption notices in the window.
    interruptions: u64,
    /// Per class, at a node that serves classes by priority (else empty).
    by_class: Vec<LatencyRecord>,
}

/// Requests admission control turned away, by why.
#[derive(Clone, Copy, Default)]
struct Refusals {
    shed: u64,
    rate_limited: u64,
}

impl Refusals {
    fn count(&mut self, why: Refusal) {
        match why {
            Refusal::Shed => self.shed += 1,
            Refusal::RateLimited => self.rate_limited += 1,
        }
    }

    fn total(self) -> u64 {
        self.shed + self.rate_limited
    }
}

/// One shard of a database: its busy connections, its finished queries.
#[derive(Default)]
struct ShardRecord {
    busy: Level,
    /// Busy connections of its primary alone.
    busy_primary: Level,
    /// Busy vCPUs of its servers.
    busy_cpu: Level,
    /// Busy vCPUs of its primary alone.
    busy_cpu_primary: Level,
    done: u64,
    sum_ns: f64,
}

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
        let nodes = model
            .nodes
            .iter()
            .map(|node| {
                let (servers, workers) = match &node.kind {
                    NodeKind::Pool(pool) => (pool.instance_type.vcpus, pool.workers),
                    NodeKind::Database(db) => (db.instance_type.vcpus, db.connections),
                    _ => (0, 0),
                };
                let shards = match &node.kind {
                    NodeKind::Database(db) => db.shards,
                    _ => 0,
                };
                NodeRecord {
                    shards: (0..shards).map(|_| ShardRecord::default()).collect(),
                    queue: matches!(node.kind, NodeKind::Queue(_)).then(Box::default),
                    credits: matches!(&node.kind, NodeKind::Pool(p) if p.credits.is_some())
                        .then(Box::default),
                    servers_per_instance: servers,
                    workers_per_instance: workers,
                    purchase: match &node.kind {
                        NodeKind::Pool(pool) => Some(pool.purchase.clone()),
                        _ => None,
                    },
                    by_class: match &node.kind {
                        NodeKind::Pool(pool) if pool.scheduling.by_priority() => {
                            vec![LatencyRecord::default(); model.classes.len()]
                        }
                        NodeKind::Database(db) if db.scheduling.by_priority() => {
                            vec![LatencyRecord::default(); model.classes.len()]
                        }
                        _ => Vec::new(),
                    },
                    ..Default::default()
                }
            })
            .collect();
        Recorder {
            warmup_end: SimTime::from_secs_f64(model.warmup_s),
            arrivals: 0,
            end_to_end: LatencyRecord::default(),
            classes: model
                .classes
                .iter()
                .map(|_| LatencyRecord::default())
                .collect(),
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
            classes: self
                .classes
                .iter()
                .zip(&model.classes)
                .zip(&self.class_refusals)
                .map(|((record, class), refused)| ClassResult {
                    name: class.name.clone(),
                    latency: record.summarize(window_s),
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

/// The measured window: from the end of the warm-up to the end of the run.
struct Window {
    from: SimTime,
    end: SimTime,
    /// Its length in nanoseconds, at least 1.
    ns: f64,
}

impl NodeRecord {
    /// The node's figures over `window`.
    fn result(&self, node: &Node, classes: &[Class], window: &Window) -> NodeResult {
        let Window {
            from,
            end,
            ns: window_ns,
        } = *window;
        let window_s = window_ns / 1e9;
        let instance_ns = self.instances.area_until(end, from);
        let serving_ns = self.serving.area_until(end, from);
        let ratio = |busy: &Level, per_instance: u32| {
            (per_instance > 0 && serving_ns > 0.0)
                .then(|| busy.area_until(end, from) / (serving_ns * f64::from(per_instance)))
        };
        NodeResult {
            name: node.name.clone(),
            kind: node.kind.label().to_string(),
            latency: with_turn_aways(
                self.latency.summarize(window_s),
                self.rejected + self.expired + self.refused.total(),
            ),
            rejected: self.rejected,
            expired: self.expired,
            shed: self.refused.shed,
            rate_limited: self.refused.rate_limited,
            offered_per_s: (self.latency.ok
                + self.latency.errors
                + self.rejected
                + self.expired
                + self.refused.total()) as f64
                / window_s,
            queued: self.queued,
            utilization: ratio(&self.busy_servers, self.servers_per_instance),
            worker_utilization: ratio(&self.busy_workers, self.workers_per_instance),
            mean_queue: self.waiting.area_until(end, from) / window_ns,
            mean_instances: instance_ns / window_ns,
            shards: match &node.kind {
                NodeKind::Database(db) => self.shard_results(db, window),
                _ => Vec::new(),
            },
            interruptions: self.interruptions,
            by_class: (self.by_class.iter().zip(classes))
                .map(|(record, class)| ClassLatency {
                    name: class.name.clone(),
                    latency: record.summarize(window_s),
                })
                .collect(),
            hit_ratio: matches!(node.kind, NodeKind::Cache(_))
                .then(|| self.hits as f64 / self.lookups.max(1) as f64),
            usd_per_hour: self.usd_per_hour.area_until(end, from) / window_ns,
            network: self.network.summarize(window.ns / 1e9),
            queue: (self.queue.as_deref().cloned())
                .map(|mut queue| queue.result(end, from, window.ns / 1e9)),
            credits: match (&node.kind, &self.credits) {
                (NodeKind::Pool(pool), Some(record)) => (pool.credits.as_deref())
                    .map(|credits| record.result(credits, from, end, instance_ns)),
                _ => None,
            },
        }
    }

    /// Each shard's utilization (all its servers, the primary, the
    /// replicas), throughput and mean time over `window`.
    fn shard_results(&self, db: &Database, window: &Window) -> Vec<ShardResult> {
        let Window {
            from,
            end,
            ns: window_ns,
        } = *window;
        let window_s = window_ns / 1e9;
        let share = |busy: &Level, per_server: u32, servers: u32| {
            busy.area_until(end, from) / (window_ns * f64::from(per_server * servers))
        };
        // The replicas' part: all servers' area less the primary's.
        let replicas = |all: &Level, primary: &Level, per_server: u32| {
            (db.replicas > 0).then(|| {
                (all.area_until(end, from) - primary.area_until(end, from))
                    / (window_ns * f64::from(per_server * db.replicas))
            })
        };
        let (vcpus, connections) = (db.instance_type.vcpus, db.connections);
        (self.shards.iter())
            .map(|shard| ShardResult {
                utilization: share(&shard.busy_cpu, vcpus, 1 + db.replicas),
                primary_utilization: share(&shard.busy_cpu_primary, vcpus, 1),
                replica_utilization: replicas(&shard.busy_cpu, &shard.busy_cpu_primary, vcpus),
                connection_utilization: share(&shard.busy, connections, 1 + db.replicas),
                primary_connection_utilization: share(&shard.busy_primary, connections, 1),
                replica_connection_utilization: replicas(
                    &shard.busy,
                    &shard.busy_primary,
                    connections,
                ),
                throughput_rps: shard.done as f64 / window_s,
                mean_ms: shard.sum_ns / shard.done.max(1) as f64 / 1e6,
            })
            .collect()
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
            self.classes[class.index()].record(nanos, ok);
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

/// A node's visit figures, its error rate counting the visits it turned
/// away itself (rejected by a full queue, dropped at the queue timeout,
/// refused by its admission control) as
/// errors too, as the README defines a node's `errors %`.
fn with_turn_aways(mut latency: LatencySummary, turned_away: u64) -> LatencySummary {
    let answered = latency.completed + latency.errors + turned_away;
    if answered > 0 {
        latency.error_rate = (latency.errors + turned_away) as f64 / answered as f64;
    }
    latency
}
