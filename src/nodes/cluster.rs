//! A Kubernetes cluster at run time: its nodes with what their pods have
//! requested, the scheduler's choice of a node for a pod, the pods waiting
//! for one (pending), and the cluster autoscaler's plans. Bookkeeping only:
//! the steps (placing, scans, a node coming up) are the network's, in
//! `nodes/network/cluster_paths.rs`.

use std::collections::VecDeque;

use crate::engine::rng::Rng;
use crate::engine::{ClusterLevels, Sampler, SimTime};
use crate::model::{Cluster, NodePool, Pod, SchedulerPolicy};

/// kube-scheduler's highest node score (`framework.MaxNodeScore`).
const MAX_NODE_SCORE: u64 = 100;

/// The memory a pod without a memory request counts for when nodes are
/// scored, not when they are filtered (`DefaultMemoryRequest`, 200 MiB,
/// pkg/scheduler/util/pod_resources.go `GetNonzeroRequests`).
const DEFAULT_MEMORY_REQUEST: u64 = 200 * 1024 * 1024;

/// Empty nodes removed at most per scan (`--max-empty-bulk-delete`, 10).
const MAX_EMPTY_BULK_DELETE: usize = 10;

/// A pod, named by its pool (node index) and its instance index there.
pub type PodRef = (u32, u32);

/// One node.
#[derive(Debug, Clone)]
pub struct KubeNode {
    /// Its node pool (index).
    pub pool: u16,
    /// Registered and ready: the scheduler may place pods on it.
    pub ready: bool,
    /// Removed by the autoscaler (never reused, so indices stay valid).
    pub gone: bool,
    /// CPU requested by its pods, millicores.
    cpu_requested: u32,
    /// Memory requested by its pods, bytes.
    memory_requested: u64,
    /// The same with the scoring default for pods without one.
    memory_scored: u64,
    /// Its pods.
    pub pods: u32,
    /// When a scan first found it empty (the autoscaler's "unneeded since").
    unneeded_since: Option<SimTime>,
}

impl KubeNode {
    fn new(pool: u16, ready: bool) -> Self {
        KubeNode {
            pool,
            ready,
            gone: false,
            cpu_requested: 0,
            memory_requested: 0,
            memory_scored: 0,
            pods: 0,
            unneeded_since: None,
        }
    }

    /// True if `pod` fits in what is left of `pool`'s allocatable (the
    /// `NodeResourcesFit` filter: requests only, never usage).
    fn fits(&self, pool: &NodePool, pod: &Pod) -> bool {
        u64::from(self.cpu_requested) + u64::from(pod.cpu_request_milli)
            <= u64::from(pool.cpu_milli)
            && self.memory_requested + pod.memory_request_bytes <= pool.memory_bytes
    }

    /// The node's score for `pod` under `policy`: CPU's and memory's, each
    /// on 0–100, weights 1 (`leastRequestedScore`, `mostRequestedScore` in
    /// pkg/scheduler/framework/plugins/noderesources), integer arithmetic as there.
    fn score(&self, pool: &NodePool, pod: &Pod, policy: SchedulerPolicy) -> u64 {
        let cpu = u64::from(self.cpu_requested + pod.cpu_request_milli);
        let memory = self.memory_scored + scored_memory(pod);
        let one = |requested: u64, capacity: u64| -> u64 {
            if capacity == 0 {
                return 0;
            }
            match policy {
                SchedulerPolicy::MostAllocated => {
                    requested.min(capacity) * MAX_NODE_SCORE / capacity
                }
                _ if requested > capacity => 0,
                _ => (capacity - requested) * MAX_NODE_SCORE / capacity,
            }
        };
        (one(cpu, u64::from(pool.cpu_milli)) + one(memory, pool.memory_bytes)) / 2
    }
}

/// The run-time state of one cluster.
#[derive(Debug)]
pub struct ClusterState {
    /// Every node ever created, by index.
    pub nodes: Vec<KubeNode>,
    /// Nodes per node pool, not gone (starting or ready).
    per_pool: Vec<u32>,
    /// Pods waiting for a node, oldest first.
    pending: VecDeque<PodRef>,
    /// When the autoscaler last added nodes.
    last_scale_up: Option<SimTime>,
    /// Scale-up to node ready.
    provisioning: Option<Sampler>,
    pub(in crate::nodes) rng: Rng,
}

impl ClusterState {
    /// The cluster's initial nodes, ready.
    pub fn new(cluster: &Cluster, rng: Rng) -> Self {
        let mut nodes = Vec::new();
        for (i, pool) in cluster.node_pools.iter().enumerate() {
            nodes.extend((0..pool.initial).map(|_| KubeNode::new(i as u16, true)));
        }
        ClusterState {
            per_pool: cluster.node_pools.iter().map(|p| p.initial).collect(),
            nodes,
            pending: VecDeque::new(),
            last_scale_up: None,
            provisioning: (cluster.autoscaler.as_ref()).map(|a| Sampler::new(&a.provisioning, 1.0)),
            rng,
        }
    }

    /// The scheduler's node for `pod`, if one fits: the first that does,
    /// or the best scored (the lowest index among equals, where
    /// kube-scheduler draws one at random).
    pub fn pick(&self, cluster: &Cluster, pod: &Pod) -> Option<u32> {
        let mut best: Option<(u64, usize)> = None;
        for (i, node) in self.nodes.iter().enumerate() {
            let pool = &cluster.node_pools[usize::from(node.pool)];
            if !node.ready || node.gone || !node.fits(pool, pod) {
                continue;
            }
            if cluster.scheduler == SchedulerPolicy::FirstFit {
                return Some(i as u32);
            }
            let score = node.score(pool, pod, cluster.scheduler);
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, i));
            }
        }
        best.map(|(_, i)| i as u32)
    }

    /// Binds `pod` to `node`.
    pub fn bind(&mut self, node: u32, pod: &Pod) {
        let node = &mut self.nodes[node as usize];
        node.cpu_requested += pod.cpu_request_milli;
        node.memory_requested += pod.memory_request_bytes;
        node.memory_scored += scored_memory(pod);
        node.pods += 1;
    }

    /// A pod bound to `node` is gone: its requests are free again.
    pub fn unbind(&mut self, node: u32, pod: &Pod) {
        let node = &mut self.nodes[node as usize];
        node.cpu_requested -= pod.cpu_request_milli;
        node.memory_requested -= pod.memory_request_bytes;
        node.memory_scored -= scored_memory(pod);
        node.pods -= 1;
    }

    /// `pod` waits for a node.
    pub fn pend(&mut self, pod: PodRef) {
        self.pending.push_back(pod);
    }

    /// `pod` no longer waits (it was removed before it got a node); true if it did.
    pub fn unpend(&mut self, pod: PodRef) -> bool {
        let at = self.pending.iter().position(|&p| p == pod);
        at.and_then(|k| self.pending.remove(k)).is_some()
    }

    /// The pods waiting, oldest first, taken out (the caller puts back
    /// those that still fit nowhere, in order).
    pub fn take_pending(&mut self) -> VecDeque<PodRef> {
        std::mem::take(&mut self.pending)
    }

    /// Pods waiting now.
    pub fn pending(&self) -> u32 {
        self.pending.len() as u32
    }

    /// Node counts and cost now.
    pub fn levels(&self, cluster: &Cluster) -> ClusterLevels {
        let live = || self.nodes.iter().filter(|n| !n.gone);
        ClusterLevels {
            nodes: self.per_pool.iter().sum(),
            ready: live().filter(|n| n.ready).count() as u32,
            pending: self.pending(),
            usd_per_hour: (cluster.node_pools.iter().zip(&self.per_pool))
                .map(|(pool, &n)| f64::from(n) * pool.usd_per_hour)
                .sum(),
        }
    }

    /// A new node of node pool `pool`, not yet ready; returns its index
    /// and the time until it is.
    pub fn add_node(&mut self, pool: u16, now: SimTime) -> (u32, u64) {
        self.nodes.push(KubeNode::new(pool, false));
        self.per_pool[usize::from(pool)] += 1;
        self.last_scale_up = Some(now);
        let delay = (self.provisioning.as_ref()).map_or(0, |s| s.draw(&mut self.rng));
        ((self.nodes.len() - 1) as u32, delay)
    }

    /// The cluster autoscaler's scale-up: how many nodes of each pool the
    /// pending pods need, after those already starting (the binpacking
    /// estimator, first fit: each pod on the first starting or planned node
    /// it fits, else on a new node of the first node pool with room below
    /// its maximum whose type fits it; the `first` expander, where
    /// cluster-autoscaler's default draws a node group at random).
    pub fn plan_scale_up(&self, cluster: &Cluster, pod_of: impl Fn(PodRef) -> Pod) -> Vec<u16> {
        let mut planned: Vec<KubeNode> = (self.nodes.iter())
            .filter(|n| !n.ready && !n.gone)
            .cloned()
            .collect();
        let starting = planned.len();
        let mut per_pool = self.per_pool.clone();
        for &pod_ref in &self.pending {
            let pod = pod_of(pod_ref);
            let pool_of = |n: &KubeNode| &cluster.node_pools[usize::from(n.pool)];
            if let Some(node) = planned.iter_mut().find(|n| n.fits(pool_of(n), &pod)) {
                node.cpu_requested += pod.cpu_request_milli;
                node.memory_requested += pod.memory_request_bytes;
                continue;
            }
            let fresh = KubeNode::new(0, false);
            let Some(pool) = (0..cluster.node_pools.len()).find(|&p| {
                per_pool[p] < cluster.node_pools[p].max && fresh.fits(&cluster.node_pools[p], &pod)
            }) else {
                continue; // No room anywhere: it stays pending.
            };
            per_pool[pool] += 1;
            let mut node = KubeNode::new(pool as u16, false);
            node.cpu_requested = pod.cpu_request_milli;
            node.memory_requested = pod.memory_request_bytes;
            planned.push(node);
        }
        planned[starting..].iter().map(|n| n.pool).collect()
    }

    /// The cluster autoscaler's scale-down at a scan at `now`: marks the
    /// empty ready nodes unneeded (from this scan, if not already), and
    /// returns those unneeded for `unneeded_ns`, at most
    /// [`MAX_EMPTY_BULK_DELETE`], keeping each pool's minimum, none within
    /// `delay_after_add_ns` of the last scale-up; they are gone on return.
    pub fn scale_down(
        &mut self,
        cluster: &Cluster,
        now: SimTime,
        unneeded_ns: u64,
        delay_after_add_ns: u64,
    ) -> usize {
        for node in self.nodes.iter_mut().filter(|n| n.ready && !n.gone) {
            if node.pods == 0 {
                node.unneeded_since.get_or_insert(now);
            } else {
                node.unneeded_since = None;
            }
        }
        let cooldown = self
            .last_scale_up
            .is_some_and(|t| t.after(delay_after_add_ns) > now);
        if cooldown {
            return 0;
        }
        let mut removed = 0;
        for node in &mut self.nodes {
            let pool = usize::from(node.pool);
            let due = node
                .unneeded_since
                .is_some_and(|t| t.after(unneeded_ns) <= now);
            if !node.gone && due && self.per_pool[pool] > cluster.node_pools[pool].min {
                node.gone = true;
                self.per_pool[pool] -= 1;
                removed += 1;
                if removed == MAX_EMPTY_BULK_DELETE {
                    break;
                }
            }
        }
        removed
    }

    /// Node `node` is ready for pods.
    pub fn node_ready(&mut self, node: u32) {
        self.nodes[node as usize].ready = true;
    }
}

/// What a pod counts for in memory when nodes are scored.
fn scored_memory(pod: &Pod) -> u64 {
    if pod.memory_request_bytes == 0 {
        DEFAULT_MEMORY_REQUEST
    } else {
        pod.memory_request_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn cluster(scheduler: SchedulerPolicy) -> Cluster {
        let pool = NodePool {
            instance_type: "m5.xlarge".into(),
            cpu_milli: 4000,
            memory_bytes: 16 * GIB,
            vcpus: 4,
            speed: 1.0,
            usd_per_hour: 0.192,
            min: 0,
            max: 10,
            initial: 2,
        };
        Cluster {
            name: "main".into(),
            node_pools: vec![pool],
            scheduler,
            autoscaler: None,
        }
    }

    fn pod(cpu: u32, memory_gib: u64) -> Pod {
        Pod {
            cluster: 0,
            cpu_request_milli: cpu,
            memory_request_bytes: memory_gib * GIB,
            cpu_limit_milli: None,
        }
    }

    /// Node 0 holds 3000m and 4 GiB, node 1 1000m and 2 GiB (of 4000m,
    /// 16 GiB). For a pod of 500m and 1 GiB, least allocated scores node 0
    /// ((4000 − 3500) · 100 / 4000 = 12, (16 − 5) · 100 / 16 = 68: 40) below
    /// node 1 (62 and 81: 71); most allocated the other way (87 and 31: 59
    /// against 37 and 18: 27); first fit takes node 0. A pod of 1500m fits
    /// node 1 only.
    #[test]
    fn the_scheduler_scores_nodes_as_kube_scheduler_does() {
        let mut state = ClusterState::new(
            &cluster(SchedulerPolicy::FirstFit),
            crate::engine::rng::stream(1, 0, "t"),
        );
        state.bind(0, &pod(3000, 4));
        state.bind(1, &pod(1000, 2));
        let small = pod(500, 1);
        let (n0, n1) = (&state.nodes[0], &state.nodes[1]);
        let pool = &cluster(SchedulerPolicy::LeastAllocated).node_pools[0];
        assert_eq!(n0.score(pool, &small, SchedulerPolicy::LeastAllocated), 40);
        assert_eq!(n1.score(pool, &small, SchedulerPolicy::LeastAllocated), 71);
        assert_eq!(n0.score(pool, &small, SchedulerPolicy::MostAllocated), 59);
        assert_eq!(n1.score(pool, &small, SchedulerPolicy::MostAllocated), 27);
        for (policy, node) in [
            (SchedulerPolicy::LeastAllocated, 1),
            (SchedulerPolicy::MostAllocated, 0),
            (SchedulerPolicy::FirstFit, 0),
        ] {
            assert_eq!(
                state.pick(&cluster(policy), &small),
                Some(node),
                "{policy:?}"
            );
            assert_eq!(
                state.pick(&cluster(policy), &pod(1500, 1)),
                Some(1),
                "{policy:?}"
            );
        }
        assert_eq!(
            state.pick(&cluster(SchedulerPolicy::LeastAllocated), &pod(3500, 1)),
            None
        );
    }

    /// Five pending pods of 1500m on 4000m nodes, one node starting with
    /// 1000m free: the estimator puts none there, two on each new node
    /// (3000m), so three new nodes; with a maximum of 4 nodes (two more
    /// than the ready and the starting one), only two.
    #[test]
    fn the_scale_up_plan_packs_pending_pods_first_fit() {
        let mut spec = cluster(SchedulerPolicy::LeastAllocated);
        spec.node_pools[0].initial = 1;
        let mut state = ClusterState::new(&spec, crate::engine::rng::stream(1, 0, "t"));
        let (starting, _) = state.add_node(0, SimTime::ZERO);
        state.bind(starting, &pod(3000, 1));
        for i in 0..5 {
            state.pend((0, i));
        }
        assert_eq!(state.plan_scale_up(&spec, |_| pod(1500, 1)), vec![0, 0, 0]);
        spec.node_pools[0].max = 4;
        assert_eq!(state.plan_scale_up(&spec, |_| pod(1500, 1)), vec![0, 0]);
    }
}
