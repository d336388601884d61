//! Kubernetes clusters' paths in the network: a pod launched by its pool's
//! fleet is bound to a node by the scheduler, or waits (pending) until one
//! has room; a pod gone frees its node; the cluster autoscaler's scans add
//! nodes for pending pods and remove empty ones; a node that comes up takes
//! the pending pods it fits. A bound pod then starts as any instance does
//! (the pool's `provisioning`, then `warmup`). The state is in
//! `nodes/cluster.rs`; models without clusters never come here.

use crate::engine::rng;
use crate::engine::{EventQueue, Observer, SimTime};
use crate::model::{NodeId, NodeKind, Pod};

use super::super::cluster::{ClusterState, PodRef};
use super::super::fleet::Timer;
use super::super::pool::Phase;
use super::Network;

/// A pod not bound to any node (pending, or not a pod).
pub(super) const NO_NODE: u32 = u32::MAX;

impl<O: Observer> Network<'_, O> {
    /// Each cluster's state, from `$cluster.<name>` streams.
    pub(super) fn cluster_states(
        model: &crate::model::Model,
        seed: u64,
        replication: u32,
    ) -> Vec<ClusterState> {
        (model.clusters.iter())
            .map(|c| {
                let stream = rng::stream(seed, replication, &format!("$cluster.{}", c.name));
                ClusterState::new(c, stream)
            })
            .collect()
    }

    /// The pods of pool `node`, if its instances are pods.
    fn pod_spec(&self, node: NodeId) -> Option<&Pod> {
        match &self.model.nodes[node.index()].kind {
            NodeKind::Pool(pool) => pool.kubernetes.as_deref(),
            _ => None,
        }
    }

    /// True if pool `node` runs as pods of a cluster.
    pub(super) fn is_pods(&self, node: NodeId) -> bool {
        self.pod_spec(node).is_some()
    }

    /// Binds the initial pods (serving from the start) to the initial
    /// nodes, in node and instance order; those that fit nowhere wait, not
    /// serving. Schedules each autoscaler's first scan, at time 0.
    pub(super) fn start_clusters(&mut self, queue: &mut EventQueue) {
        if self.model.clusters.is_empty() {
            return;
        }
        for i in 0..self.model.nodes.len() {
            let node = NodeId(i as u32);
            let Some(pod) = self.pod_spec(node).cloned() else {
                continue;
            };
            let instances = self.pool(i).instances().len() as u32;
            self.pod_nodes[i] = vec![NO_NODE; instances as usize];
            for instance in 0..instances {
                let cluster = usize::from(pod.cluster);
                match self.clusters[cluster].pick(&self.model.clusters[cluster], &pod) {
                    Some(k) => {
                        self.clusters[cluster].bind(k, &pod);
                        self.pod_nodes[i][instance as usize] = k;
                    }
                    None => {
                        self.pool(i).set_phase(instance, Phase::Starting);
                        self.clusters[cluster].pend((i as u32, instance));
                    }
                }
            }
            self.report_fleet(SimTime::ZERO, queue, node);
        }
        for (c, cluster) in self.model.clusters.iter().enumerate() {
            if cluster.autoscaler.is_some() {
                let cluster = c as u16;
                self.set_timer(queue, 0, Timer::ClusterScan { cluster });
            }
            self.report_cluster(SimTime::ZERO, c);
        }
    }

    /// A pod `instance` of pool `node` was launched: bound and starting, or pending.
    pub(super) fn pod_launched(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        instance: u32,
    ) {
        let pod = self.pod_spec(node).cloned().expect("a pool of pods");
        let places = &mut self.pod_nodes[node.index()];
        if places.len() <= instance as usize {
            places.resize(instance as usize + 1, NO_NODE);
        }
        let cluster = usize::from(pod.cluster);
        match self.clusters[cluster].pick(&self.model.clusters[cluster], &pod) {
            Some(k) => self.bind_pod(now, queue, (node.0, instance), k, &pod),
            None => {
                self.clusters[cluster].pend((node.0, instance));
                self.report_cluster(now, cluster);
            }
        }
    }

    /// Binds a pod to node `k`; it starts (provisioning, then warm-up).
    fn bind_pod(&mut self, now: SimTime, queue: &mut EventQueue, pod: PodRef, k: u32, spec: &Pod) {
        let (node, instance) = (NodeId(pod.0), pod.1);
        self.clusters[usize::from(spec.cluster)].bind(k, spec);
        self.pod_nodes[node.index()][instance as usize] = k;
        let fleet = self.fleets[node.index()]
            .as_mut()
            .expect("every pool has a fleet");
        let provisioning = fleet.provisioning.clone();
        let delay = fleet.draw(provisioning.as_ref());
        self.set_timer(
            queue,
            now.as_nanos() + delay,
            Timer::Booted { node, instance },
        );
    }

    /// Pod `instance` of pool `node` is gone: it frees its node, or leaves
    /// the pending pods; the pending ones may fit now.
    pub(super) fn pod_gone(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        instance: u32,
    ) {
        let Some(pod) = self.pod_spec(node).cloned() else {
            return;
        };
        let cluster = usize::from(pod.cluster);
        let place = &mut self.pod_nodes[node.index()][instance as usize];
        if *place == NO_NODE {
            self.clusters[cluster].unpend((node.0, instance));
        } else {
            let k = std::mem::replace(place, NO_NODE);
            self.clusters[cluster].unbind(k, &pod);
            self.schedule_pending(now, queue, cluster);
        }
        self.report_cluster(now, cluster);
    }

    /// The scheduler retries the pending pods, oldest first (a node came
    /// up, or a pod went and freed room).
    fn schedule_pending(&mut self, now: SimTime, queue: &mut EventQueue, cluster: usize) {
        let waiting = self.clusters[cluster].take_pending();
        for pod_ref in waiting {
            let spec = self
                .pod_spec(NodeId(pod_ref.0))
                .cloned()
                .expect("a pool of pods");
            match self.clusters[cluster].pick(&self.model.clusters[cluster], &spec) {
                Some(k) => self.bind_pod(now, queue, pod_ref, k, &spec),
                None => self.clusters[cluster].pend(pod_ref),
            }
        }
    }

    /// A node of `cluster` is ready: pending pods go to it.
    pub(super) fn node_ready(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        cluster: u16,
        k: u32,
    ) {
        let c = usize::from(cluster);
        if self.clusters[c].nodes[k as usize].gone {
            return;
        }
        self.clusters[c].node_ready(k);
        self.schedule_pending(now, queue, c);
        self.report_cluster(now, c);
    }

    /// The cluster autoscaler's loop: scale up for the pending pods, else
    /// scale down empty nodes; then the next scan.
    pub(super) fn cluster_scan(&mut self, now: SimTime, queue: &mut EventQueue, cluster: u16) {
        let c = usize::from(cluster);
        let spec = &self.model.clusters[c];
        let autoscaler = spec.autoscaler.as_ref().expect("scans need an autoscaler");
        let (scan_ns, unneeded_ns, after_add_ns) = (
            autoscaler.scan_ns,
            autoscaler.unneeded_ns,
            autoscaler.delay_after_add_ns,
        );
        let model = self.model;
        let pod_of = |(node, _): PodRef| match &model.nodes[node as usize].kind {
            NodeKind::Pool(pool) => (**pool.kubernetes.as_ref().expect("a pod")).clone(),
            _ => unreachable!("pending pods are pods of pools"),
        };
        let plan = self.clusters[c].plan_scale_up(spec, pod_of);
        for pool in plan {
            let (k, delay) = self.clusters[c].add_node(pool, now);
            self.set_timer(
                queue,
                now.as_nanos() + delay,
                Timer::NodeReady { cluster, node: k },
            );
        }
        self.clusters[c].scale_down(spec, now, unneeded_ns, after_add_ns);
        self.set_timer(
            queue,
            now.as_nanos() + scan_ns,
            Timer::ClusterScan { cluster },
        );
        self.report_cluster(now, c);
    }

    /// Tells the observer the cluster's levels.
    fn report_cluster(&mut self, now: SimTime, cluster: usize) {
        let levels = self.clusters[cluster].levels(&self.model.clusters[cluster]);
        self.observer.cluster(now, cluster as u16, levels);
    }

    /// The pool whose pods a cluster's timer is about (for a stall's report).
    pub(super) fn cluster_owner(&self, cluster: u16) -> NodeId {
        (0..self.model.nodes.len() as u32)
            .map(NodeId)
            .find(|&n| self.pod_spec(n).is_some_and(|p| p.cluster == cluster))
            .unwrap_or(NodeId(0))
    }
}
