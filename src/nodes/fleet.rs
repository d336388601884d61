//! A pool's fleet at run time: what it wants, its zones, its samplers and its
//! autoscaler's state, and the [`Timer`]s its steps are. The steps themselves
//! (launch, drain, crash, replace, check, scale) are the network's, in
//! `nodes/network/fleet_paths.rs`: this file knows nothing of the network.

use crate::engine::rng::Rng;
use crate::engine::{JobId, Sampler, SimTime};
use crate::model::{Fleet, HealthCheck, Interruptions, NodeId};

use super::autoscale::Controller;
use super::monitor::Monitor;

/// Something a fleet must do at a set time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Provisioning ended: the instance warms up.
    Booted { node: NodeId, instance: u32 },
    /// Warm-up ended: the instance serves.
    Ready { node: NodeId, instance: u32 },
    /// A random crash.
    Crash { node: NodeId, instance: u32 },
    /// A crashed instance is terminated and replaced.
    Replace { node: NodeId, instance: u32 },
    /// The autoscaler evaluates.
    Sync { node: NodeId },
    /// A round of health checks.
    HealthCheck { node: NodeId },
    /// A check of a crashed instance timed out.
    CheckFailed { node: NodeId, instance: u32 },
    /// A scheduled crash (index into the pool's scheduled failures).
    Scheduled { node: NodeId, index: u16 },
    /// A zone comes back.
    ZoneUp { node: NodeId, zone: u16 },
    /// An AWS scheduled action (index into the group's actions).
    Action { node: NodeId, index: u16 },
    /// A caller's timeout for its call attempt `token`.
    CallTimeout { job: JobId, token: u32 },
    /// A caller's backoff before retrying, ends (`token`: the retry's).
    Retry { job: JobId, token: u32 },
    /// A CPU burst on pre-emptive or shared vCPUs ends, if `token` is
    /// still the job's (else it was pre-empted or its end moved).
    Burst { job: JobId, token: u32 },
    /// The visibility timeout of a queue's delivery ends.
    Visibility { queue: NodeId, delivery: JobId },
    /// A call's answer, in transit over the network, reaches its caller.
    Answer { job: JobId },
    /// A hedge's delay ended: another copy leaves, unless fork `fork`
    /// (named by `token`) has answered.
    Hedge { fork: JobId, token: u32 },
    /// A cluster's new node `node` is ready for pods.
    NodeReady { cluster: u16, node: u32 },
    /// A cluster autoscaler's scan.
    ClusterScan { cluster: u16 },
    /// A spot instance's interruption notice: it drains, and a replacement
    /// launches.
    Interrupt { node: NodeId, instance: u32 },
    /// The notice ended: the interrupted instance stops, failing what it
    /// still holds.
    SpotStop { node: NodeId, instance: u32 },
    /// A burstable instance's credit balance may reach a kink (empty,
    /// full, the surplus limit, zero), unless its CPU use moved it.
    Credits { node: NodeId, instance: u32 },
}

/// The run-time state of one pool's fleet.
#[derive(Debug)]
pub struct FleetState {
    /// Instances wanted (serving + starting once all launches land).
    pub desired: u32,
    pub(in crate::nodes) zone_up: Vec<bool>,
    pub(in crate::nodes) zone_cursor: usize,
    pub(in crate::nodes) rng: Rng,
    pub(in crate::nodes) provisioning: Option<Sampler>,
    pub(in crate::nodes) warmup: Option<Sampler>,
    pub(in crate::nodes) time_to_failure: Option<Sampler>,
    pub(in crate::nodes) time_to_replace: Option<Sampler>,
    pub(in crate::nodes) health: Option<HealthCheck>,
    /// What the autoscaler reads; only a pool with an autoscaler pays for it.
    pub monitor: Option<Monitor>,
    pub(in crate::nodes) controller: Option<Controller>,
    pub(in crate::nodes) usd_per_hour: f64,
    /// A spot pool's time to an interruption notice, and the notice, ns.
    pub(in crate::nodes) interruption: Option<(Sampler, u64)>,
}

impl FleetState {
    /// The fleet of a pool with `instances` at the start.
    pub fn new(fleet: &Fleet, instances: u32, vcpus: u32, usd_per_hour: f64, rng: Rng) -> Self {
        let sampler = |d: &Option<crate::model::Dist>| d.as_ref().map(|d| Sampler::new(d, 1.0));
        FleetState {
            desired: instances,
            zone_up: vec![true; fleet.zones.len()],
            zone_cursor: instances as usize,
            rng,
            provisioning: sampler(&fleet.provisioning),
            warmup: sampler(&fleet.warmup),
            time_to_failure: sampler(&fleet.failures.time_to_failure),
            time_to_replace: sampler(&fleet.failures.time_to_replace),
            health: fleet.health_check.clone(),
            monitor: fleet.autoscaler.as_ref().map(|_| Monitor::new(vcpus)),
            controller: fleet.autoscaler.as_ref().map(Controller::new),
            usd_per_hour,
            interruption: None,
        }
    }

    /// The same fleet, its instances interrupted as `interruptions` says.
    pub fn interrupted(mut self, interruptions: Option<&Interruptions>) -> Self {
        self.interruption =
            interruptions.map(|spot| (Sampler::new(&spot.time_to_notice, 1.0), spot.notice_ns));
        self
    }

    pub(in crate::nodes) fn draw(&mut self, sampler: Option<&Sampler>) -> u64 {
        sampler.map_or(0, |s| s.draw(&mut self.rng))
    }

    /// The next zone that is up, in turn (zone 0 for a pool without zones);
    /// `None` while every zone is down: a launch then waits for one to come back.
    pub(in crate::nodes) fn next_zone(&mut self) -> Option<u16> {
        let n = self.zone_up.len();
        if n == 0 {
            return Some(0);
        }
        let zone = (0..n)
            .map(|k| (self.zone_cursor + k) % n)
            .find(|&zone| self.zone_up[zone])?;
        self.zone_cursor = zone + 1;
        Some(zone as u16)
    }
}

/// Seconds as the engine's nanoseconds.
pub(in crate::nodes) fn seconds(s: f64) -> u64 {
    SimTime::from_secs_f64(s).as_nanos()
}
