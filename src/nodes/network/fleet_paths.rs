//! The fleet's paths in the network: launching instances (provisioning, then
//! warm-up), removing them (draining), crashes and their replacement, zone
//! outages, health checks, and the autoscaler's periodic evaluation. Each
//! step is a [`Timer`] the network dispatches here; the fleet's own state is
//! in `nodes/fleet.rs`, which knows nothing of the network.

use crate::engine::rng::{self, Rng};
use crate::engine::{EventQueue, FleetCounts, JobId, Observer, Resource, SimTime};
use crate::model::{Autoscaler, Crash, NodeId, NodeKind};

use super::super::autoscale::{Controller, Evaluation, View};
use super::super::fleet::{FleetState, Timer, seconds};
use super::super::monitor::Monitor;
use super::super::pool::Phase;
use super::{Answer, Network};

impl<O: Observer> Network<'_, O> {
    /// Schedules each pool's first fleet timers: autoscaler syncs, health
    /// checks, scheduled crashes and actions, and the first random crashes.
    pub(super) fn start_fleets(&mut self, queue: &mut EventQueue) {
        for (i, node) in self.model.nodes.iter().enumerate() {
            let NodeKind::Pool(pool) = &node.kind else {
                continue;
            };
            let id = NodeId(i as u32);
            let fleet = &pool.fleet;
            if let Some(autoscaler) = &fleet.autoscaler {
                self.set_timer(
                    queue,
                    seconds(autoscaler.period_s()),
                    Timer::Sync { node: id },
                );
                if let Autoscaler::Aws(aws) = autoscaler {
                    for (index, action) in aws.scheduled.iter().enumerate() {
                        let index = index as u16;
                        self.set_timer(
                            queue,
                            seconds(action.at_s),
                            Timer::Action { node: id, index },
                        );
                    }
                }
            }
            if let Some(health) = &fleet.health_check {
                self.set_timer(
                    queue,
                    seconds(health.interval_s),
                    Timer::HealthCheck { node: id },
                );
            }
            for (index, crash) in fleet.failures.scheduled.iter().enumerate() {
                let index = index as u16;
                self.set_timer(
                    queue,
                    seconds(crash.at_s),
                    Timer::Scheduled { node: id, index },
                );
            }
            for instance in 0..pool.instances {
                self.arm_failure(queue, SimTime::ZERO, id, instance);
            }
            self.report_fleet(SimTime::ZERO, queue, id);
        }
    }

    /// Carries out `timer`.
    pub(super) fn fleet_timer(&mut self, now: SimTime, queue: &mut EventQueue, timer: Timer) {
        match timer {
            Timer::Booted { node, instance } => {
                if self.pool(node.index()).instance(instance).phase == Phase::Starting {
                    let fleet = self.fleet(node);
                    let warmup = fleet.warmup.clone();
                    let delay = fleet.draw(warmup.as_ref());
                    self.set_timer(
                        queue,
                        now.as_nanos() + delay,
                        Timer::Ready { node, instance },
                    );
                }
            }
            Timer::Ready { node, instance } => {
                if self.pool(node.index()).instance(instance).phase == Phase::Starting {
                    let checked = self.fleet(node).health.is_some();
                    let pool = self.pool(node.index());
                    pool.set_ready(instance, now);
                    // Behind health checks, a new instance takes traffic
                    // only after passing `healthy_threshold` checks.
                    pool.set_healthy(instance, !checked);
                    self.arm_failure(queue, now, node, instance);
                    self.report_fleet(now, queue, node);
                    if !checked {
                        self.pool_serve_waiting(now, queue, node);
                    }
                }
            }
            Timer::Crash { node, instance } => self.crash(now, queue, node, instance),
            Timer::Interrupt { node, instance } => self.interrupt(now, queue, node, instance),
            Timer::SpotStop { node, instance } => {
                if self.pool(node.index()).instance(instance).phase == Phase::Draining {
                    self.crash(now, queue, node, instance);
                }
            }
            Timer::Replace { node, instance } => {
                if self.pool(node.index()).instance(instance).phase == Phase::Failed {
                    self.pool(node.index()).set_phase(instance, Phase::Gone);
                    self.gone(now, queue, node, instance);
                    self.reconcile(now, queue, node);
                }
            }
            Timer::Sync { node } => self.sync(now, queue, node),
            Timer::HealthCheck { node } => self.health_checks(now, queue, node),
            Timer::CheckFailed { node, instance } => self.check_failed(now, queue, node, instance),
            Timer::Scheduled { node, index } => self.scheduled_crash(now, queue, node, index),
            Timer::ZoneUp { node, zone } => {
                self.fleet(node).zone_up[zone as usize] = true;
                self.reconcile(now, queue, node);
            }
            Timer::NodeReady { cluster, node } => self.node_ready(now, queue, cluster, node),
            Timer::ClusterScan { cluster } => self.cluster_scan(now, queue, cluster),
            Timer::CallTimeout { .. }
            | Timer::Retry { .. }
            | Timer::Burst { .. }
            | Timer::Answer { .. }
            | Timer::Hedge { .. }
            | Timer::Visibility { .. }
            | Timer::Credits { .. } => {
                unreachable!("call, queue and credit timers are the network's, not the fleet's")
            }
            Timer::Action { node, index } => {
                let NodeKind::Pool(pool) = &self.model.nodes[node.index()].kind else {
                    unreachable!("fleet timers are for pools")
                };
                let Some(Autoscaler::Aws(aws)) = &pool.fleet.autoscaler else {
                    unreachable!("actions belong to AWS groups")
                };
                let action = &aws.scheduled[index as usize];
                let fleet = self.fleet(node);
                let current = fleet.desired;
                let Some(Controller::Aws(group)) = &mut fleet.controller else {
                    unreachable!("an AWS group has an AWS controller")
                };
                let evaluation = group.schedule(action, current);
                self.apply(now, queue, node, vec![evaluation]);
            }
        }
    }

    fn fleet(&mut self, node: NodeId) -> &mut FleetState {
        self.fleets[node.index()]
            .as_mut()
            .expect("every pool has a fleet")
    }

    /// Tells the observer and the monitor the pool's counts.
    pub(super) fn report_fleet(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId) {
        if self.credits {
            // Instances launched, crashed or gone: their credits.
            self.credits_settle(now, queue, node);
        }
        let mut counts: FleetCounts = self.pool(node.index()).counts();
        let fleet = self.fleets[node.index()]
            .as_mut()
            .expect("every pool has a fleet");
        counts.desired = fleet.desired;
        if let Some(monitor) = &mut fleet.monitor {
            monitor.serving(now, counts.serving);
        }
        let price = fleet.usd_per_hour;
        self.observer.instances(now, node, counts, price);
    }

    /// Schedules a random crash of `instance`, and its spot interruption,
    /// if the pool has them.
    fn arm_failure(&mut self, queue: &mut EventQueue, now: SimTime, node: NodeId, instance: u32) {
        let fleet = self.fleet(node);
        if let Some(ttf) = fleet.time_to_failure.clone() {
            let at = now.as_nanos() + ttf.draw(&mut fleet.rng);
            self.set_timer(queue, at, Timer::Crash { node, instance });
        }
        let fleet = self.fleet(node);
        if let Some((ttn, _)) = fleet.interruption.clone() {
            let at = now.as_nanos() + ttn.draw(&mut fleet.rng);
            self.set_timer(queue, at, Timer::Interrupt { node, instance });
        }
    }

    /// A spot interruption notice for `instance`: it takes no new request
    /// and stops when the notice ends (AWS's two minutes by default:
    /// docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html),
    /// while its replacement launches at once, as an Auto Scaling group
    /// with Capacity Rebalancing does.
    fn interrupt(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId, instance: u32) {
        if self.pool(node.index()).instance(instance).phase != Phase::Serving {
            return;
        }
        self.observer.interrupted(now, node);
        let notice_ns = self.fleet(node).interruption.as_ref().map_or(0, |i| i.1);
        let pool = self.pool(node.index());
        pool.set_phase(instance, Phase::Draining);
        if pool.is_drained(instance) {
            pool.set_phase(instance, Phase::Gone);
            self.gone(now, queue, node, instance);
        } else {
            let at = now.as_nanos() + notice_ns;
            self.set_timer(queue, at, Timer::SpotStop { node, instance });
        }
        self.reconcile(now, queue, node);
    }

    /// The autoscaler reads its monitor and decides.
    fn sync(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId) {
        let Some(period_start) = self.fleet(node).monitor.as_ref().map(Monitor::period_start)
        else {
            return;
        };
        let settled = self.pool(node.index()).settled_cpu(period_start, now);
        let counts = self.pool(node.index()).counts();
        let fleet = self.fleet(node);
        let Some(monitor) = &mut fleet.monitor else {
            return;
        };
        let mut reading = monitor.read(now);
        reading.settled_cpu = settled.cpu;
        if let Some(queue) = self.consumer_of[node.index()] {
            self.read_queue(now, queue, &mut reading);
        }
        let fleet = self.fleet(node);
        let view = View {
            desired: fleet.desired,
            serving: counts.serving,
            settled: settled.instances,
            starting: counts.starting,
            failed: counts.failed,
        };
        let Some(controller) = &mut fleet.controller else {
            return;
        };
        let evaluations = controller.evaluate(now.as_secs_f64(), &reading, view);
        let period = match &self.model.nodes[node.index()].kind {
            NodeKind::Pool(pool) => pool
                .fleet
                .autoscaler
                .as_ref()
                .map_or(15.0, Autoscaler::period_s),
            _ => unreachable!("fleet timers are for pools"),
        };
        self.set_timer(
            queue,
            now.as_nanos() + seconds(period),
            Timer::Sync { node },
        );
        self.apply(now, queue, node, evaluations);
    }

    /// Logs `evaluations` and moves the pool to the first one's desired count.
    fn apply(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        evaluations: Vec<Evaluation>,
    ) {
        let Some(desired) = evaluations.first().map(|e| e.desired) else {
            return;
        };
        let name = &self.model.nodes[node.index()].name;
        for evaluation in evaluations {
            let decision = evaluation.decision(now.as_secs_f64(), name);
            self.observer.decision(now, &decision);
        }
        self.fleet(node).desired = desired;
        self.reconcile(now, queue, node);
    }

    /// Launches or removes instances until serving + starting = desired.
    fn reconcile(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId) {
        let desired = self.fleet(node).desired;
        let counts = self.pool(node.index()).counts();
        let active = counts.serving + counts.starting;
        if active < desired {
            for _ in active..desired {
                let fleet = self.fleet(node);
                // Every zone down: the zone's return reconciles again.
                let Some(zone) = fleet.next_zone() else {
                    break;
                };
                if self.is_pods(node) {
                    // The scheduler binds it (then it starts), or it waits.
                    let instance = self.pool(node.index()).launch(zone);
                    self.pod_launched(now, queue, node, instance);
                    continue;
                }
                let fleet = self.fleet(node);
                let provisioning = fleet.provisioning.clone();
                let delay = fleet.draw(provisioning.as_ref());
                let instance = self.pool(node.index()).launch(zone);
                self.set_timer(
                    queue,
                    now.as_nanos() + delay,
                    Timer::Booted { node, instance },
                );
            }
        } else if active > desired {
            for _ in desired..active {
                if let Some(instance) = self.remove_one(node) {
                    self.gone(now, queue, node, instance);
                }
            }
        }
        self.report_fleet(now, queue, node);
    }

    /// Removes one instance: a starting one if any (never served), else the
    /// serving one with the least work, newest first among equals; returns
    /// it if it is gone at once.
    fn remove_one(&mut self, node: NodeId) -> Option<u32> {
        let pool = self.pool(node.index());
        let pick = |phase: Phase| {
            pool.instances()
                .iter()
                .enumerate()
                .filter(|(_, i)| i.phase == phase)
                .min_by_key(|(index, _)| std::cmp::Reverse(*index))
                .map(|(index, _)| index as u32)
        };
        if let Some(starting) = pick(Phase::Starting) {
            pool.set_phase(starting, Phase::Gone);
            return Some(starting);
        }
        let serving = pool
            .instances()
            .iter()
            .enumerate()
            .filter(|(_, i)| i.phase == Phase::Serving)
            .min_by_key(|(index, i)| (i.load_now(), std::cmp::Reverse(*index)))
            .map(|(index, _)| index as u32);
        let instance = serving?;
        pool.set_phase(instance, Phase::Draining);
        if pool.is_drained(instance) {
            pool.set_phase(instance, Phase::Gone);
            return Some(instance);
        }
        None
    }

    /// An instance went: a pod frees its node (nothing to do for a machine).
    fn gone(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId, instance: u32) {
        if self.is_pods(node) {
            self.pod_gone(now, queue, node, instance);
        }
    }

    /// A draining instance finished its last request.
    pub(super) fn drained(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        instance: u32,
    ) {
        self.pool(node.index()).set_phase(instance, Phase::Gone);
        self.gone(now, queue, node, instance);
        self.report_fleet(now, queue, node);
    }

    /// `instance` crashes: its waiting requests fail now, the rest as they
    /// come back; replaced once noticed (at once without health checks).
    fn crash(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId, instance: u32) {
        let phase = self.pool(node.index()).instance(instance).phase;
        if !matches!(phase, Phase::Serving | Phase::Draining | Phase::Starting) {
            return;
        }
        if phase == Phase::Starting {
            // Never served: it simply does not come up; launch another.
            self.pool(node.index()).set_phase(instance, Phase::Gone);
            self.gone(now, queue, node, instance);
            self.reconcile(now, queue, node);
            return;
        }
        let noticed = self.fleet(node).health.is_none();
        let crashed = self.pool(node.index()).crash(instance, noticed, now);
        self.occupancy(now, node, Resource::Server, -(crashed.busy_vcpus as i32));
        self.occupancy(now, node, Resource::Worker, -(crashed.busy_workers as i32));
        self.occupancy(now, node, Resource::Queue, -(crashed.waiting.len() as i32));
        for job in crashed.waiting.into_iter().chain(crashed.running) {
            self.finish(now, queue, job, Answer::Failed);
        }
        if phase == Phase::Draining {
            // It was on its way out: no replacement.
            self.pool(node.index()).set_phase(instance, Phase::Gone);
            self.gone(now, queue, node, instance);
        } else if noticed {
            self.schedule_replacement(now, queue, node, instance);
        }
        self.report_fleet(now, queue, node);
    }

    fn schedule_replacement(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        instance: u32,
    ) {
        let fleet = self.fleet(node);
        let ttr = fleet.time_to_replace.clone();
        let delay = fleet.draw(ttr.as_ref());
        self.set_timer(
            queue,
            now.as_nanos() + delay,
            Timer::Replace { node, instance },
        );
    }

    /// A round of health checks: serving instances pass at once; a crashed
    /// one fails when the check times out.
    fn health_checks(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId) {
        let health = self
            .fleet(node)
            .health
            .clone()
            .expect("checks are scheduled only with a health check");
        let pool = self.pool(node.index());
        let mut failed = Vec::new();
        let mut changed = false;
        for i in 0..pool.instances().len() as u32 {
            let instance = pool.instance(i);
            match instance.phase {
                Phase::Serving => {
                    let streak = instance.streak.max(0) + 1;
                    let becomes_healthy = !instance.healthy && streak >= health.healthy as i32;
                    pool.set_streak(i, streak);
                    if becomes_healthy {
                        pool.set_healthy(i, true);
                        changed = true;
                    }
                }
                Phase::Failed if instance.healthy => failed.push(i),
                _ => {}
            }
        }
        let timeout = seconds(health.timeout_s);
        for instance in failed {
            self.set_timer(
                queue,
                now.as_nanos() + timeout,
                Timer::CheckFailed { node, instance },
            );
        }
        self.set_timer(
            queue,
            now.as_nanos() + seconds(health.interval_s),
            Timer::HealthCheck { node },
        );
        if changed {
            self.report_fleet(now, queue, node);
            self.pool_serve_waiting(now, queue, node);
        }
    }

    fn check_failed(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId, instance: u32) {
        let unhealthy = self.fleet(node).health.as_ref().map_or(1, |h| h.unhealthy) as i32;
        let pool = self.pool(node.index());
        let state = pool.instance(instance);
        if state.phase != Phase::Failed || !state.healthy {
            return;
        }
        let streak = state.streak.min(0) - 1;
        pool.set_streak(instance, streak);
        if -streak >= unhealthy {
            pool.set_healthy(instance, false);
            self.schedule_replacement(now, queue, node, instance);
        }
    }

    fn scheduled_crash(&mut self, now: SimTime, queue: &mut EventQueue, node: NodeId, index: u16) {
        let NodeKind::Pool(pool) = &self.model.nodes[node.index()].kind else {
            unreachable!("fleet timers are for pools")
        };
        let crash = pool.fleet.failures.scheduled[index as usize].what;
        let state = self.pool(node.index());
        let victims: Vec<u32> = match crash {
            Crash::Instances(n) => state
                .instances()
                .iter()
                .enumerate()
                .filter(|(_, i)| i.phase == Phase::Serving)
                .take(n as usize)
                .map(|(index, _)| index as u32)
                .collect(),
            Crash::Zone(zone, _) => state
                .instances()
                .iter()
                .enumerate()
                .filter(|(_, i)| {
                    i.zone == zone && i.phase != Phase::Gone && i.phase != Phase::Failed
                })
                .map(|(index, _)| index as u32)
                .collect(),
        };
        if let Crash::Zone(zone, down_for) = crash {
            self.fleet(node).zone_up[zone as usize] = false;
            if let Some(seconds_down) = down_for {
                self.set_timer(
                    queue,
                    now.as_nanos() + seconds(seconds_down),
                    Timer::ZoneUp { node, zone },
                );
            }
        }
        for instance in victims {
            self.crash(now, queue, node, instance);
        }
    }

    /// A stream for `node`'s fleet, apart from its requests' stream.
    pub(super) fn fleet_rng(seed: u64, replication: u32, name: &str) -> Rng {
        rng::stream(seed, replication, &format!("$fleet.{name}"))
    }

    /// Sets a timer firing at `at_ns`.
    pub(super) fn set_timer(&mut self, queue: &mut EventQueue, at_ns: u64, timer: Timer) {
        let id: JobId = self.timers.insert(timer);
        queue.schedule(SimTime(at_ns), crate::engine::Event::Timer { id });
    }
}
