//! The network of nodes: it implements `engine::World`, routes jobs between
//! nodes, and reports to an `Observer`. Node files keep each kind's state;
//! this file decides what happens next.
//!
//! A request is a tree of jobs. A job enters a node; the node either
//! answers it after a timed phase, forwards it as a child job (balancer,
//! cache miss, pool call) and answers when the child returns, or turns it
//! away. An answer goes to the parent job, or, for a root, ends the request.

use std::ops::ControlFlow;

use crate::engine::rng::{self, Rng};
use crate::engine::{
    Event, EventQueue, FleetCounts, JobId, Observer, Refusal, Resource, Sampler, SimTime, Slab,
    World,
};
use crate::model::{Model, NodeId, NodeKind};

use super::admission::AdmissionState;
use super::cluster::ClusterState;
use super::database::DatabaseState;
use super::fleet::{FleetState, Timer};
use super::fork::Fork;
use super::hedge_delay::RunningDelay;
use super::job::{Job, NO_JOB, NO_SLOT, Origin};
use super::key_store::KeyStore;
use super::monitor::Monitor;
use super::pool::PoolState;
use super::queue::QueueState;
use super::resilience::SiteState;

use crate::traffic::{Request, SourceState};

mod admission_paths;
mod calls;
mod cluster_paths;
mod cpu_paths;
mod credit_paths;
mod database_paths;
mod fanout;
mod fleet_paths;
mod latency;
mod pool_paths;
mod queue_paths;
mod route_paths;
mod setup;

use setup::{events_at_one_instant, initial_state};

/// The live state of one node.
///
/// A pool's state stays inline although it is the largest variant: the
/// states are one per node (not per instance or request), so the size costs
/// little, while a box would add a pointer chase to the hottest path.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
enum NodeState {
    Balancer {
        latency: Option<Sampler>,
        cursor: u32,
    },
    Pool(PoolState),
    Cache {
        latency: Sampler,
        /// The keys held, for a cache sized by capacity.
        store: Option<Box<KeyStore>>,
    },
    Database(Box<DatabaseState>),
    Delay {
        latency: Sampler,
    },
    Queue(Box<QueueState>),
}

/// How a job's visit ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    Ok,
    Failed,
    Rejected,
    /// Dropped unserved after waiting past the queue timeout.
    Expired,
    /// Turned away by the node's admission control.
    Refused(Refusal),
    /// Stopped or dropped as a loser of a group whose losers are cancelled.
    Cancelled,
}

/// Why the network stopped the run early.
#[derive(Clone, Debug, PartialEq)]
pub struct Saturation {
    /// Requests in flight when it stopped.
    pub in_flight: usize,
    /// The node with the most requests waiting.
    pub node: NodeId,
}

/// Why the network stopped a run whose clock no longer advanced.
#[derive(Clone, Debug, PartialEq)]
pub struct Stall {
    /// Events handled at that instant.
    pub events: u64,
    /// The node of the last one.
    pub node: NodeId,
}

/// Every node's state, the jobs in flight, and the observer.
pub struct Network<'m, O: Observer> {
    pub(super) model: &'m Model,
    pub(super) observer: O,
    jobs: Slab<Job>,
    states: Vec<NodeState>,
    rngs: Vec<Rng>,
    sources: Vec<SourceState>,
    /// Requests of the arrival being handled (reused: no allocation per event).
    arrived: Vec<Request>,
    max_in_flight: usize,
    /// Requests in flight: each root, client and detached (async, or
    /// abandoned at a timeout) job heads a tree of visits; counting trees,
    /// not visits, is what `simulation.max_in_flight` means.
    requests: usize,
    /// Of those, the closed users' (never more than the users): they do
    /// not count against `max_in_flight`, a closed population being bounded.
    closed_requests: usize,
    saturation: Option<Saturation>,
    /// The instant of the last event, and how many events it has had.
    instant: SimTime,
    events_at_instant: u64,
    max_events_at_instant: u64,
    stall: Option<Stall>,
    /// Pending fleet timers (instance start-up, crashes, syncs, checks).
    pub(super) timers: Slab<Timer>,
    /// Each pool's fleet; `None` for other kinds. Boxed: the hot path only
    /// asks whether there is one, and small entries keep that in cache.
    pub(super) fleets: Vec<Option<Box<FleetState>>>,
    /// Breakers and retry budgets of the call sites.
    sites: Vec<SiteState>,
    /// The last token handed to a call attempt (0 is never handed out).
    last_token: u32,
    /// Jobs dropped at a queue timeout, reused buffer.
    expired: Vec<JobId>,
    /// Each node's admission control (`None` for nodes without).
    admission: Vec<Option<Box<AdmissionState>>>,
    /// For each node, the queue it consumes (a pool consumes one at most).
    consumer_of: Vec<Option<NodeId>>,
    /// Call and zone latencies (`latency.rs`).
    wires: latency::Wires,
    /// Groups of calls in flight (their joins).
    forks: Slab<Fork>,
    /// Each call group's running percentile, for a hedge whose delay is
    /// one (`None` for every other group).
    hedges: Vec<Option<Box<RunningDelay>>>,
    /// Each Kubernetes cluster's nodes and pending pods (empty without).
    clusters: Vec<ClusterState>,
    /// For each pool of pods, the node of each of its instances (by
    /// index; `cluster_paths::NO_NODE` while pending); empty for others.
    pod_nodes: Vec<Vec<u32>>,
    /// Some group cancels its losers: only then do jobs look for it.
    cancels: bool,
    /// Some pool's instance type is burstable: only then do bursts update credits.
    credits: bool,
}

impl<'m, O: Observer> Network<'m, O> {
    /// All nodes idle, random streams seeded from (`seed`, `replication`).
    pub fn new(model: &'m Model, seed: u64, replication: u32, observer: O) -> Self {
        let states = (model.nodes.iter())
            .map(|node| initial_state(model, node, seed, replication))
            .collect();
        let mut consumer_of = vec![None; model.nodes.len()];
        for (i, node) in model.nodes.iter().enumerate() {
            if let NodeKind::Queue(queue) = &node.kind {
                consumer_of[queue.consumer.index()] = Some(NodeId(i as u32));
            }
        }
        let rngs = model
            .nodes
            .iter()
            .map(|node| rng::stream(seed, replication, &node.name))
            .collect();
        // `$` cannot start a useful node name in reports, so a source's
        // stream never collides with a node's.
        let sources = model
            .sources
            .iter()
            .map(|source| SourceState::new(source, rng::stream(seed, replication, &source.stream)))
            .collect();
        let sites = model
            .call_sites
            .iter()
            .map(|site| {
                let stream = format!("$call:{}", site.name);
                SiteState::new(site, rng::stream(seed, replication, &stream))
            })
            .collect();
        Network {
            model,
            observer,
            sites,
            last_token: 0,
            expired: Vec::new(),
            admission: admission_paths::admission_states(model),
            consumer_of,
            wires: latency::Wires::new(model, seed, replication),
            forks: Slab::new(),
            hedges: Self::running_delays(model),
            clusters: Self::cluster_states(model, seed, replication),
            pod_nodes: vec![Vec::new(); model.nodes.len()],
            cancels: model.call_groups.iter().any(|g| g.cancel_losers),
            credits: (model.nodes.iter())
                .any(|n| matches!(&n.kind, NodeKind::Pool(p) if p.credits.is_some())),
            timers: Slab::new(),
            fleets: Self::fleet_states(model, seed, replication),
            jobs: Slab::new(),
            states,
            rngs,
            sources,
            arrived: Vec::new(),
            max_in_flight: model.max_in_flight as usize,
            requests: 0,
            closed_requests: 0,
            saturation: None,
            instant: SimTime::ZERO,
            events_at_instant: 0,
            max_events_at_instant: events_at_one_instant(model),
            stall: None,
        }
    }

    /// Each pool's fleet (`None` for other nodes).
    fn fleet_states(model: &Model, seed: u64, replication: u32) -> Vec<Option<Box<FleetState>>> {
        (model.nodes.iter())
            .map(|node| match &node.kind {
                NodeKind::Pool(pool) => Some(Box::new(
                    FleetState::new(
                        &pool.fleet,
                        pool.instances,
                        pool.instance_type.vcpus,
                        pool.instance_type.usd_per_hour,
                        Self::fleet_rng(seed, replication, &node.name),
                    )
                    .interrupted(pool.interruptions.as_ref()),
                )),
                _ => None,
            })
            .collect()
    }

    /// Each call group's running percentile (`None` unless it hedges at one).
    fn running_delays(model: &Model) -> Vec<Option<Box<RunningDelay>>> {
        (model.call_groups.iter())
            .map(|group| match group.kind {
                crate::model::GroupKind::Hedge { after } => RunningDelay::new(after).map(Box::new),
                _ => None,
            })
            .collect()
    }

    /// The first events, and the billing of every node's instances.
    pub fn start(&mut self, queue: &mut EventQueue) {
        for (i, node) in self.model.nodes.iter().enumerate() {
            let billed = match &node.kind {
                NodeKind::Database(db) => Some((db.servers(), db.instance_type.usd_per_hour)),
                NodeKind::Cache(cache) => cache
                    .instance_type
                    .as_ref()
                    .map(|t| (cache.instances, t.usd_per_hour)),
                // Pools report through their fleet, below.
                NodeKind::Pool(_) | NodeKind::Balancer(_) | NodeKind::Delay(_) => None,
                NodeKind::Queue(_) => None,
            };
            if let Some((instances, price)) = billed {
                let counts = FleetCounts {
                    serving: instances,
                    desired: instances,
                    ..FleetCounts::default()
                };
                self.observer
                    .instances(SimTime::ZERO, NodeId(i as u32), counts, price);
            }
        }
        self.start_fleets(queue);
        self.start_clusters(queue);
        let mut starts = Vec::new();
        for (index, source) in self.sources.iter_mut().enumerate() {
            starts.clear();
            source.start(&mut starts);
            for &at in &starts {
                queue.schedule(
                    SimTime(at),
                    Event::Arrival {
                        source: index as u32,
                    },
                );
            }
        }
    }

    /// Trace problems met during the run (a trace that changed since it was scanned).
    pub fn source_errors(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter_map(|s| s.error().map(ToString::to_string))
            .collect()
    }

    /// The observer, with everything it was told.
    pub fn into_observer(self) -> O {
        self.observer
    }

    /// Why the run was stopped early, if it was.
    pub fn saturation(&self) -> Option<&Saturation> {
        self.saturation.as_ref()
    }

    /// Why the run was stopped as a zero-time loop, if it was.
    pub fn stall(&self) -> Option<&Stall> {
        self.stall.as_ref()
    }

    /// Where `event` happens, before it is handled: its node, and the
    /// instance (pool) or server (database) of its job if it has one.
    pub fn site_of(&self, event: Event) -> (NodeId, Option<u32>) {
        let slot = match event {
            Event::PhaseDone { job } => Some(self.jobs[job].slot).filter(|&s| s != NO_SLOT),
            _ => None,
        };
        (self.node_of(event), slot)
    }

    /// The node `event` is about: a source's entry, a job's node, a timer's pool.
    fn node_of(&self, event: Event) -> NodeId {
        match event {
            Event::Arrival { source } => self.sources[source as usize].entry(),
            Event::PhaseDone { job } => self.jobs[job].node,
            Event::Timer { id } => match self.timers[id] {
                Timer::CallTimeout { job, .. }
                | Timer::Retry { job, .. }
                | Timer::Burst { job, .. }
                | Timer::Answer { job } => self.jobs[job].node,
                Timer::Hedge { fork, .. } => {
                    let group = self.forks[fork].group;
                    self.model.call_groups[usize::from(group)].caller
                }
                Timer::Booted { node, .. }
                | Timer::Ready { node, .. }
                | Timer::Crash { node, .. }
                | Timer::Interrupt { node, .. }
                | Timer::SpotStop { node, .. }
                | Timer::Replace { node, .. }
                | Timer::Sync { node }
                | Timer::HealthCheck { node }
                | Timer::CheckFailed { node, .. }
                | Timer::Scheduled { node, .. }
                | Timer::ZoneUp { node, .. }
                | Timer::Action { node, .. }
                | Timer::Credits { node, .. } => node,
                Timer::Visibility { queue, .. } => queue,
                Timer::NodeReady { cluster, .. } | Timer::ClusterScan { cluster } => {
                    self.cluster_owner(cluster)
                }
            },
        }
    }

    /// The high-water mark of jobs in flight.
    pub fn peak_in_flight(&self) -> usize {
        self.jobs.capacity_used()
    }

    fn arrival(&mut self, now: SimTime, queue: &mut EventQueue, index: u32) {
        let source = &mut self.sources[index as usize];
        let mut arrived = std::mem::take(&mut self.arrived);
        if let Some(next) = source.arrive(&mut arrived) {
            queue.schedule(SimTime(next), Event::Arrival { source: index });
        }
        let entry = source.entry();
        let client = self.model.sources[index as usize].client_site.is_some();
        for request in arrived.drain(..) {
            self.observer.arrival(now, request.class);
            let job = Job {
                node: entry,
                origin: if client {
                    Origin::Client { source: index }
                } else {
                    Origin::Root { source: index }
                },
                class: request.class,
                step: 0,
                write: false,
                failed: false,
                slot: NO_SLOT,
                key: request.key,
                entered: now,
                attempt: 1,
                token: 0,
                pending: NO_JOB,
            };
            if client {
                let id = self.jobs.insert(job);
                self.count_request(job.origin, 1);
                self.call_attempt(now, queue, id);
            } else {
                self.spawn(now, queue, job);
            }
        }
        self.arrived = arrived;
    }

    /// Puts `job` into the slab and lets its node take it.
    fn spawn(&mut self, now: SimTime, queue: &mut EventQueue, job: Job) {
        let id = self.jobs.insert(job);
        self.count_request(job.origin, 1);
        self.enter(now, queue, id);
    }

    /// A job heading a request's tree (root, client, detached) began
    /// (`delta` 1) or ended (−1); a call's job is part of its caller's tree.
    #[inline]
    pub(super) fn count_request(&mut self, origin: Origin, delta: isize) {
        match origin {
            Origin::Root { source } | Origin::Client { source } => {
                self.requests = self.requests.wrapping_add_signed(delta);
                if self.sources[source as usize].is_closed() {
                    self.closed_requests = self.closed_requests.wrapping_add_signed(delta);
                }
            }
            Origin::Async => self.requests = self.requests.wrapping_add_signed(delta),
            // A queue counts its messages instead (`queue_paths.rs`).
            Origin::Call(_) | Origin::Message(_) => {}
            Origin::Branch { .. } | Origin::BranchClient { .. } => {}
        }
    }

    /// A child of `parent` for `to`, carrying the request's class and key.
    fn child(&self, parent: JobId, to: NodeId, origin: Origin, now: SimTime) -> Job {
        let from = self.jobs[parent];
        Job {
            node: to,
            origin,
            step: 0,
            failed: false,
            slot: NO_SLOT,
            entered: now,
            attempt: 1,
            token: 0,
            pending: NO_JOB,
            ..from
        }
    }

    fn enter(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let node = self.jobs[id].node.index();
        if self.admission[node].is_some() && self.refused_at_entry(now, queue, id) {
            return;
        }
        let rng = &mut self.rngs[node];
        match &mut self.states[node] {
            NodeState::Balancer {
                latency: Some(latency),
                ..
            }
            | NodeState::Cache { latency, .. }
            | NodeState::Delay { latency } => {
                queue.schedule(now.after(latency.draw(rng)), Event::PhaseDone { job: id });
            }
            NodeState::Balancer { latency: None, .. } => self.forward(now, queue, id),
            NodeState::Pool(_) => self.pool_enter(now, queue, id),
            NodeState::Database(_) => self.database_enter(now, queue, id),
            NodeState::Queue(_) => self.queue_enter(now, queue, id),
        }
    }

    fn phase_done(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let node = self.jobs[id].node.index();
        match &self.states[node] {
            NodeState::Balancer { .. } => self.forward(now, queue, id),
            NodeState::Pool(_) => self.pool_cpu_done(now, queue, id),
            NodeState::Cache { .. } => self.cache_lookup_done(now, queue, id),
            NodeState::Database(_) => self.database_done(now, queue, id),
            NodeState::Delay { .. } => self.finish(now, queue, id, Answer::Ok),
            NodeState::Queue(_) => unreachable!("a queue has no timed phase"),
        }
    }

    /// Ends `id`'s visit and hands the answer to whoever waits for it.
    pub(super) fn finish(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        id: JobId,
        answer: Answer,
    ) {
        // A failure of cancelled work is its cancellation, not an error.
        // (A refusal stays one: it never entered, so admission control
        // must not count it out.)
        let refused = matches!(answer, Answer::Refused(_));
        let answer = if answer != Answer::Ok && !refused && self.cancels && self.cancelled(id) {
            Answer::Cancelled
        } else {
            answer
        };
        // A freed slot keeps its data: a zero token makes any timer still
        // set for this job stale.
        self.jobs[id].token = 0;
        if self.wires.any && self.answer_travels(now, queue, id, answer) {
            return;
        }
        let job = self.jobs.remove(id);
        self.count_request(job.origin, -1);
        let ok = answer == Answer::Ok;
        self.visit_ended(now, &job, answer);
        match job.origin {
            Origin::Call(parent) => self.call_returned(now, queue, parent, ok),
            Origin::Root { source } => self.request_ended(now, queue, source, &job, ok),
            Origin::Branch { fork, branch } => {
                self.branch_answered(now, queue, (fork, branch), answer, job.entered)
            }
            Origin::Async => {}
            Origin::Message(delivery) => self.message_done(now, queue, &job, delivery, ok),
            Origin::Client { .. } | Origin::BranchClient { .. } => {
                unreachable!("a client job visits no node")
            }
        }
    }

    /// Tells the monitor and the observer that `job`'s visit ended.
    fn visit_ended(&mut self, now: SimTime, job: &Job, answer: Answer) {
        if let Some(monitor) = self.monitor(job.node.index()) {
            monitor.left(now, now.since(job.entered));
        }
        match answer {
            Answer::Refused(why) => self.observer.refused(now, job.node, job.class, why),
            _ => {
                if let Some(admission) = self.admission[job.node.index()].as_mut() {
                    admission.left();
                }
            }
        }
        match answer {
            Answer::Refused(_) => {}
            Answer::Rejected => self.observer.rejected(now, job.node, job.class),
            Answer::Expired => self.observer.expired(now, job.node, job.class),
            Answer::Ok | Answer::Failed => {
                let ok = answer == Answer::Ok;
                self.observer
                    .visit_done(now, job.node, job.class, job.entered, ok)
            }
            Answer::Cancelled => {}
        }
    }

    /// The request of `job` (its root or its client) got its answer.
    fn request_ended(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        source: u32,
        job: &Job,
        ok: bool,
    ) {
        self.observer.request_done(now, job.class, job.entered, ok);
        let state = &mut self.sources[source as usize];
        if state.is_closed() {
            let think = state.think();
            queue.schedule(now.after(think), Event::Arrival { source });
        }
    }

    /// `parent`'s call is over (after any retries): `ok` or not.
    fn child_returned(&mut self, now: SimTime, queue: &mut EventQueue, parent: JobId, ok: bool) {
        if let Origin::Client { source } = self.jobs[parent].origin {
            self.jobs[parent].token = 0;
            let client = self.jobs.remove(parent);
            self.count_request(client.origin, -1);
            self.request_ended(now, queue, source, &client, ok);
            return;
        }
        if let Origin::BranchClient { fork, branch } = self.jobs[parent].origin {
            self.jobs[parent].token = 0;
            let client = self.jobs.remove(parent);
            let answer = match ok {
                true => Answer::Ok,
                false if self.forks[fork].cancelled => Answer::Cancelled,
                false => Answer::Failed,
            };
            self.branch_answered(now, queue, (fork, branch), answer, client.entered);
            return;
        }
        let node = self.jobs[parent].node.index();
        let slot = self.jobs[parent].slot;
        match &self.states[node] {
            // The instance crashed while the call was out: the request is lost.
            NodeState::Pool(pool) if pool.is_failed(slot) => {
                self.finish(now, queue, parent, Answer::Failed)
            }
            NodeState::Pool(_) if ok => self.pool_next_call(now, queue, parent),
            NodeState::Pool(_) => {
                // Fail fast: a failed call ends the request's work here.
                self.jobs[parent].failed = true;
                self.pool_release(now, queue, parent);
            }
            _ => self.finish(
                now,
                queue,
                parent,
                if ok { Answer::Ok } else { Answer::Failed },
            ),
        }
    }

    /// Reports an occupancy change, and feeds a pool's vCPU changes to its
    /// autoscaler's monitor.
    #[inline(always)]
    pub(super) fn occupancy(&mut self, now: SimTime, node: NodeId, resource: Resource, delta: i32) {
        if resource == Resource::Server
            && let Some(monitor) = self.monitor(node.index())
        {
            monitor.vcpus(now, delta);
        }
        if resource == Resource::Queue
            && let Some(admission) = self.admission[node.index()].as_mut()
        {
            admission.queue_changed(now, delta);
        }
        self.observer.occupancy(now, node, resource, delta);
    }

    /// The autoscaler's monitor of `node`, if it is an autoscaled pool.
    #[inline(always)]
    fn monitor(&mut self, node: usize) -> Option<&mut Monitor> {
        self.fleets[node].as_mut()?.monitor.as_mut()
    }

    /// The node with the most requests waiting: the one that saturated.
    fn most_waiting(&self) -> NodeId {
        let waiting = |state: &NodeState| match state {
            NodeState::Pool(pool) => pool.waiting(),
            NodeState::Database(db) => db.waiting(),
            NodeState::Queue(q) => q.visible() as usize,
            _ => 0,
        };
        let best = (0..self.states.len())
            .max_by_key(|&i| (waiting(&self.states[i]), std::cmp::Reverse(i)));
        NodeId(best.unwrap_or(0) as u32)
    }
}

impl<O: Observer> World for Network<'_, O> {
    #[inline]
    fn handle(&mut self, now: SimTime, event: Event, queue: &mut EventQueue) -> ControlFlow<()> {
        if now == self.instant {
            self.events_at_instant += 1;
            if self.events_at_instant > self.max_events_at_instant {
                self.stall = Some(Stall {
                    events: self.events_at_instant - 1,
                    node: self.node_of(event),
                });
                return ControlFlow::Break(());
            }
        } else {
            self.instant = now;
            self.events_at_instant = 1;
        }
        match event {
            Event::Arrival { source } => self.arrival(now, queue, source),
            Event::PhaseDone { job } => self.phase_done(now, queue, job),
            Event::Timer { id } => match self.timers.remove(id) {
                Timer::CallTimeout { job, token } => self.call_timed_out(now, queue, job, token),
                Timer::Retry { job, token } => self.retry_due(now, queue, job, token),
                Timer::Burst { job, token } => self.burst_timer(now, queue, job, token),
                Timer::Visibility {
                    queue: node,
                    delivery,
                } => self.visibility_expired(now, queue, node, delivery),
                Timer::Answer { job } => self.answer_arrived(now, queue, job),
                Timer::Hedge { fork, token } => self.hedge_due(now, queue, fork, token),
                Timer::Credits { node, instance } => self.credits_timer(now, queue, node, instance),
                timer => self.fleet_timer(now, queue, timer),
            },
        }
        if self.requests - self.closed_requests > self.max_in_flight {
            self.saturation = Some(Saturation {
                in_flight: self.requests,
                node: self.most_waiting(),
            });
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}
