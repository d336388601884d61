//! Event-trace fingerprints: one stable hash of everything a run does, in
//! order, so that a change of behaviour shows as a changed number
//! (`tests/it/fingerprint.rs` pins one per example model).
//!
//! The hash covers the engine's events (time, kind, source of an arrival)
//! and every fact the nodes report to their [`Observer`] (time, node,
//! class, outcome, occupancy, fleet, decision) with its arguments, then why
//! the run stopped. Slot numbers of jobs and timers are left out: they are
//! bookkeeping, and a change in how slots are reused is not a change of
//! behaviour. FNV-1a over little-endian bytes: the same on every machine,
//! with no seeded hasher.
//!
//! A fingerprinted run is a separate monomorphization of the network and the
//! event loop, so ordinary runs pay nothing for it.

use std::ops::ControlFlow;

use crate::engine::{
    self, CallEvent, ClusterLevels, CreditLevels, Decision, Event, EventQueue, FanoutEvent,
    FleetCounts, Hop, MessageEvent, Observer, QueueLevels, Refusal, Resource, SimTime, Stop, World,
};
use crate::model::{ClassId, Model, NodeId};
use crate::nodes::Network;

/// The hash of one run's event trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// FNV-1a over the ordered trace.
    pub hash: u64,
    /// Events the engine handled.
    pub events: u64,
    /// Simulated time the run reached: its end, or where it stopped.
    pub until: SimTime,
}

/// Runs `model` as [`crate::simulate`] does (the same seed and replication
/// give the same run), for at most `max_events` events, and hashes its
/// trace instead of recording figures.
pub fn fingerprint(model: &Model, seed: u64, replication: u32, max_events: u64) -> Fingerprint {
    let mut traced = Traced {
        network: Network::new(model, seed, replication, Hashing::default()),
        events: Fnv::default(),
        left: max_events,
    };
    let mut queue = EventQueue::new();
    traced.network.start(&mut queue);
    let horizon = SimTime::from_secs_f64(model.duration_s);
    let (stop, events) = engine::run(&mut traced, &mut queue, horizon);
    let mut hash = traced.events;
    let until = match stop {
        Stop::Horizon => {
            hash.tag(0);
            horizon
        }
        Stop::Drained => {
            hash.tag(1);
            horizon
        }
        // Halted by the network (unstable), or at the last event allowed.
        Stop::Halted(at) => {
            hash.tag(2);
            hash.u64(at.as_nanos());
            at
        }
    };
    hash.u64(events);
    hash.u64(traced.network.into_observer().0.0);
    Fingerprint {
        hash: hash.0,
        events,
        until,
    }
}

/// FNV-1a, 64 bits (Fowler, Noll, Vo: offset basis and prime as published).
#[derive(Clone, Copy, Debug)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn tag(&mut self, tag: u8) {
        self.bytes(&[tag]);
    }

    fn u64(&mut self, value: u64) {
        self.bytes(&value.to_le_bytes());
    }

    fn time(&mut self, tag: u8, now: SimTime) {
        self.tag(tag);
        self.u64(now.as_nanos());
    }

    fn node(&mut self, node: NodeId) {
        self.u64(u64::from(node.0));
    }

    fn class(&mut self, class: ClassId) {
        self.u64(u64::from(class.0));
    }

    fn f64(&mut self, value: f64) {
        self.u64(value.to_bits());
    }

    fn str(&mut self, text: &str) {
        // Length first, so that ("ab", "c") and ("a", "bc") differ.
        self.u64(text.len() as u64);
        self.bytes(text.as_bytes());
    }
}

/// The engine's side: each event as it is handled.
struct Traced<'m> {
    network: Network<'m, Hashing>,
    events: Fnv,
    /// Events still allowed.
    left: u64,
}

impl World for Traced<'_> {
    fn handle(&mut self, now: SimTime, event: Event, queue: &mut EventQueue) -> ControlFlow<()> {
        match event {
            Event::Arrival { source } => {
                self.events.time(0, now);
                self.events.u64(u64::from(source));
            }
            Event::PhaseDone { .. } => self.events.time(1, now),
            Event::Timer { .. } => self.events.time(2, now),
        }
        self.left = self.left.saturating_sub(1);
        if self.left == 0 {
            let _ = self.network.handle(now, event, queue);
            return ControlFlow::Break(());
        }
        self.network.handle(now, event, queue)
    }
}

/// The nodes' side: every observer call with its arguments.
#[derive(Default)]
struct Hashing(Fnv);

impl Observer for Hashing {
    fn visit_done(
        &mut self,
        now: SimTime,
        node: NodeId,
        class: ClassId,
        entered: SimTime,
        ok: bool,
    ) {
        self.0.time(0, now);
        self.0.node(node);
        self.0.class(class);
        self.0.u64(entered.as_nanos());
        self.0.tag(u8::from(ok));
    }

    fn arrival(&mut self, now: SimTime, class: ClassId) {
        self.0.time(1, now);
        self.0.class(class);
    }

    fn request_done(&mut self, now: SimTime, class: ClassId, created: SimTime, ok: bool) {
        self.0.time(2, now);
        self.0.class(class);
        self.0.u64(created.as_nanos());
        self.0.tag(u8::from(ok));
    }

    fn cache_lookup(&mut self, now: SimTime, node: NodeId, hit: bool) {
        self.0.time(3, now);
        self.0.node(node);
        self.0.tag(u8::from(hit));
    }

    fn rejected(&mut self, now: SimTime, node: NodeId, class: ClassId) {
        self.0.time(4, now);
        self.0.node(node);
        self.0.class(class);
    }

    fn expired(&mut self, now: SimTime, node: NodeId, class: ClassId) {
        self.0.time(5, now);
        self.0.node(node);
        self.0.class(class);
    }

    fn refused(&mut self, now: SimTime, node: NodeId, class: ClassId, why: Refusal) {
        self.0.time(21, now);
        self.0.node(node);
        self.0.class(class);
        self.0.tag(match why {
            Refusal::RateLimited => 0,
            Refusal::Shed => 1,
        });
    }

    fn shard_busy(&mut self, now: SimTime, node: NodeId, shard: u32, primary: bool, delta: i32) {
        self.0.time(6, now);
        self.0.node(node);
        self.0.u64(u64::from(shard));
        self.0.u64(u64::from(primary));
        self.0.bytes(&delta.to_le_bytes());
    }

    fn shard_cpu_busy(
        &mut self,
        now: SimTime,
        node: NodeId,
        shard: u32,
        primary: bool,
        delta: i32,
    ) {
        self.0.time(22, now);
        self.0.node(node);
        self.0.u64(u64::from(shard));
        self.0.u64(u64::from(primary));
        self.0.bytes(&delta.to_le_bytes());
    }

    fn shard_done(&mut self, now: SimTime, node: NodeId, shard: u32, entered: SimTime) {
        self.0.time(7, now);
        self.0.node(node);
        self.0.u64(u64::from(shard));
        self.0.u64(entered.as_nanos());
    }

    fn call(&mut self, now: SimTime, site: u16, event: CallEvent) {
        self.0.time(8, now);
        self.0.u64(u64::from(site));
        call_event(&mut self.0, event);
    }

    fn fanout(&mut self, now: SimTime, group: u16, event: FanoutEvent) {
        self.0.time(20, now);
        self.0.u64(u64::from(group));
        match event {
            FanoutEvent::Sent { branch } => {
                self.0.tag(0);
                self.0.u64(u64::from(branch));
            }
            FanoutEvent::Answered {
                branch,
                ok,
                late,
                ns,
            } => {
                self.0.tag(1);
                self.0.u64(u64::from(branch));
                self.0.tag(u8::from(ok) | u8::from(late) << 1);
                self.0.u64(ns);
            }
            FanoutEvent::Cancelled { branch } => {
                self.0.tag(2);
                self.0.u64(u64::from(branch));
            }
            FanoutEvent::Joined { ok, ns } => {
                self.0.tag(3);
                self.0.tag(u8::from(ok));
                self.0.u64(ns);
            }
            FanoutEvent::Delay { ns } => {
                self.0.tag(4);
                self.0.u64(ns.unwrap_or(u64::MAX));
            }
        }
    }

    fn occupancy(&mut self, now: SimTime, node: NodeId, resource: Resource, delta: i32) {
        self.0.time(9, now);
        self.0.node(node);
        self.0.tag(match resource {
            Resource::Server => 0,
            Resource::Worker => 1,
            Resource::Queue => 2,
        });
        self.0.bytes(&delta.to_le_bytes());
    }

    fn cluster(&mut self, now: SimTime, cluster: u16, levels: ClusterLevels) {
        self.0.time(50, now);
        self.0.u64(u64::from(cluster));
        let ClusterLevels {
            nodes,
            ready,
            pending,
            usd_per_hour,
        } = levels;
        for count in [nodes, ready, pending] {
            self.0.u64(u64::from(count));
        }
        self.0.f64(usd_per_hour);
    }

    fn instances(&mut self, now: SimTime, node: NodeId, counts: FleetCounts, usd_per_hour: f64) {
        self.0.time(10, now);
        self.0.node(node);
        let FleetCounts {
            serving,
            starting,
            draining,
            failed,
            desired,
        } = counts;
        for count in [serving, starting, draining, failed, desired] {
            self.0.u64(u64::from(count));
        }
        self.0.f64(usd_per_hour);
    }

    fn decision(&mut self, now: SimTime, decision: &Decision) {
        self.0.time(11, now);
        self.0.f64(decision.time_s);
        for text in [
            &decision.pool,
            &decision.rule,
            &decision.metric,
            &decision.reason,
        ] {
            self.0.str(text);
        }
        self.0.f64(decision.value);
        self.0.f64(decision.target);
        self.0.u64(u64::from(decision.current));
        self.0.u64(u64::from(decision.desired));
    }

    fn messages(
        &mut self,
        now: SimTime,
        node: NodeId,
        event: MessageEvent,
        count: u32,
        levels: QueueLevels,
    ) {
        // Tag 41: far from the other methods', which other kinds extend.
        self.0.time(41, now);
        self.0.node(node);
        self.0.tag(event as u8);
        self.0.u64(u64::from(count));
        self.0.u64(u64::from(levels.visible));
        self.0.u64(u64::from(levels.in_flight));
        self.0
            .u64(levels.oldest.map_or(u64::MAX, SimTime::as_nanos));
    }

    fn network(&mut self, now: SimTime, node: NodeId, hop: Hop) {
        // The class and outcome are the visit's, hashed with its end.
        self.0.time(40, now);
        self.0.node(node);
        self.0.u64(hop.delay_ns);
        self.0.tag(hop.cross_zone.map_or(2, u8::from));
    }

    fn interrupted(&mut self, now: SimTime, node: NodeId) {
        self.0.time(52, now);
        self.0.node(node);
    }

    fn credits(&mut self, now: SimTime, node: NodeId, levels: CreditLevels) {
        self.0.time(51, now);
        self.0.node(node);
        for value in [levels.balance, levels.surplus, levels.charged] {
            self.0.f64(value);
        }
        self.0.u64(u64::from(levels.throttled));
    }
}

/// A call site's event: its kind and what it carries.
fn call_event(hash: &mut Fnv, event: CallEvent) {
    match event {
        CallEvent::Attempt { retry } => {
            hash.tag(0);
            hash.tag(u8::from(retry));
        }
        CallEvent::Timeout => hash.tag(1),
        CallEvent::BudgetDenied => hash.tag(2),
        CallEvent::ShortCircuit => hash.tag(3),
        CallEvent::Failed => hash.tag(4),
        CallEvent::BreakerOpened => hash.tag(5),
        CallEvent::BreakerHalfOpen => hash.tag(6),
        CallEvent::BreakerClosed => hash.tag(7),
        CallEvent::Connected { waited_ns } => {
            hash.tag(8);
            hash.u64(waited_ns);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv;

    /// FNV-1a 64 of "a" and "foobar", the published test vectors
    /// (Fowler, Noll and Vo's reference test suite).
    #[test]
    fn fnv_matches_the_published_vectors() {
        let of = |text: &str| {
            let mut hash = Fnv::default();
            hash.bytes(text.as_bytes());
            hash.0
        };
        assert_eq!(of(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(of("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(of("foobar"), 0x8594_4171_f739_67e8);
    }
}
