//! `Topology` (validated) → `Model`: names become indices, defaults are filled
//! in, and class routes are resolved once here rather than per request.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::shared::error::Diagnostic;
use crate::model::shared::units::ms_to_ns;
use crate::model::topology::compiled::*;
use crate::model::topology::spec::{
    AdmissionSpec, AutoscalingSpec, BalancerSpec, CacheSpec, DatabaseSpec, InstanceTypeSpec,
    NodeSpec, PoolSpec, PrioritySpec, Sharding, Topology,
};
use crate::model::traffic::compile::compile_source;
use crate::model::traffic::sources::{SourceView, class_names, largest_key, sources};

/// A pool's instances at time 0: an AWS group's `DesiredCapacity`, or
/// `instances` kept within an HPA's bounds.
fn initial_instances(pool: &PoolSpec) -> u32 {
    let n = pool.instance_count();
    match &pool.autoscaling {
        Some(AutoscalingSpec::Aws(aws)) => aws.desired_capacity.map_or(n, |d| d.get()),
        Some(AutoscalingSpec::Hpa(source)) => source.spec().map_or(n, |hpa| {
            n.clamp(hpa.min_replicas.get(), hpa.max_replicas.get())
        }),
        None => n,
    }
}

/// Names resolved to indices: what every node kind's compile step looks up.
/// Every name was checked by `validate`, so lookups here cannot fail.
struct Lookup<'a> {
    node_names: Vec<&'a String>,
    classes: &'a [Class],
    instance_types: &'a BTreeMap<String, InstanceTypeSpec>,
}

impl Lookup<'_> {
    fn node_id(&self, name: &str) -> NodeId {
        NodeId(
            self.node_names
                .iter()
                .position(|n| *n == name)
                .expect("validated node reference") as u32,
        )
    }

    fn class_id(&self, name: &str) -> usize {
        self.classes
            .iter()
            .position(|c| c.name == name)
            .expect("validated class")
    }

    fn instance_type(&self, name: &str) -> InstanceType {
        let spec = &self.instance_types[name];
        InstanceType {
            name: name.to_string(),
            vcpus: spec.vcpus.get(),
            speed: spec.speed.get(),
            memory_gb: spec.memory_gb.get(),
            usd_per_hour: spec.usd_per_hour.get(),
        }
    }
}

/// Compiles a topology that passed validation: the classes, each node by its
/// kind, the sources (reading the files they name, relative to `base`: those
/// problems are returned), then the call sites.
pub fn compile(
    topology: &Topology,
    instance_types: &BTreeMap<String, InstanceTypeSpec>,
    base: &Path,
    skip_bad_lines: bool,
) -> Result<Model, Vec<Diagnostic>> {
    let views = sources(&mut Vec::new(), &topology.traffic);
    let classes: Vec<Class> = class_names(&views)
        .into_iter()
        .map(|name| Class { name })
        .collect();
    let lookup = Lookup {
        node_names: topology.nodes.keys().collect(),
        classes: &classes,
        instance_types,
    };
    let mut nodes: Vec<Node> = topology
        .nodes
        .iter()
        .map(|(name, node)| Node {
            name: name.clone(),
            kind: node_kind(&lookup, topology, &views, node),
        })
        .collect();

    let names: Vec<String> = classes.iter().map(|c| c.name.clone()).collect();
    let mut problems = Vec::new();
    let mut sources: Vec<Source> = views
        .iter()
        .filter_map(|view| {
            let entry = lookup.node_id(view.entry);
            compile_source(&mut problems, view, entry, &names, base, skip_bad_lines)
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }

    let call_sites =
        crate::model::calls::compile::call_sites(topology, &views, &mut nodes, &mut sources);
    let call_groups = crate::model::calls::fanout_compile::call_groups(topology, &mut nodes);
    let sim = &topology.simulation;
    Ok(Model {
        name: topology.name.clone(),
        duration_s: sim.duration_s.get(),
        warmup_s: sim.warmup_s.get(),
        seed: sim.seed,
        max_in_flight: sim.max_in_flight.get(),
        sources,
        classes,
        nodes,
        call_sites,
        zones: crate::model::network::check::zone_latency(&mut Vec::new(), &topology.network),
        call_groups,
        clusters: crate::model::clusters::compile::clusters(&topology.clusters, instance_types),
        bill: crate::model::billing::compile::bill(topology, &views, &names),
        notes: Vec::new(),
    })
}

/// One node, by its kind.
fn node_kind(
    lookup: &Lookup,
    topology: &Topology,
    views: &[SourceView],
    node: &NodeSpec,
) -> NodeKind {
    match node {
        NodeSpec::LoadBalancer(lb) => NodeKind::Balancer(balancer(lookup, lb)),
        NodeSpec::Pool(pool_spec) => NodeKind::Pool(pool(lookup, topology, pool_spec)),
        NodeSpec::Cache(cache_spec) => NodeKind::Cache(cache(lookup, cache_spec)),
        NodeSpec::Database(db) => NodeKind::Database(database(lookup, views, db)),
        NodeSpec::Delay(delay) => NodeKind::Delay(Delay {
            latency: delay.latency.clone(),
        }),
        NodeSpec::Queue(queue) => NodeKind::Queue(crate::model::queues::compile::queue(
            queue,
            lookup.node_id(&queue.consumer),
        )),
    }
}

/// A balancer's targets resolved per class: a class's route, else the default split.
fn balancer(lookup: &Lookup, lb: &BalancerSpec) -> Balancer {
    let default = match &lb.to {
        Some(to) => Targets(vec![(lookup.node_id(to), 1.0)]),
        None => {
            let total: f64 = lb.split.iter().map(|t| t.weight.get()).sum();
            Targets(
                lb.split
                    .iter()
                    .map(|t| (lookup.node_id(&t.to), t.weight.get() / total))
                    .collect(),
            )
        }
    };
    let targets_by_class = lookup
        .classes
        .iter()
        .map(|class| {
            lb.routes
                .iter()
                .find(|route| route.classes.contains(&class.name))
                .map(|route| Targets(vec![(lookup.node_id(&route.to), 1.0)]))
                .unwrap_or_else(|| default.clone())
        })
        .collect();
    Balancer {
        policy: lb.policy,
        targets_by_class,
        latency: lb.latency.clone(),
        admission: admission_of(lookup, lb.admission.as_ref()),
    }
}

/// A node's admission control, compiled against the model's classes.
fn admission_of(lookup: &Lookup, spec: Option<&AdmissionSpec>) -> Option<Box<Admission>> {
    let classes: Vec<String> = lookup.classes.iter().map(|c| c.name.clone()).collect();
    spec.map(|spec| Box::new(crate::model::admission::compile::admission(spec, &classes)))
}

/// A pool: its fleet, service per class and calls with their class filters.
fn pool(lookup: &Lookup, topology: &Topology, pool: &PoolSpec) -> Pool {
    let classes = lookup.classes;
    let duration_s = topology.simulation.duration_s.get();
    let (instance_type, kubernetes) = pool_machine(lookup, topology, pool);
    let purchase = crate::model::billing::compile::purchase(pool, instance_type.usd_per_hour);
    Pool {
        instance_type,
        kubernetes,
        instances: initial_instances(pool),
        fleet: Box::new(crate::model::scaling::compile::fleet(
            &mut Vec::new(),
            "",
            pool,
            duration_s,
        )),
        workers: pool.workers_per_instance.get(),
        queue_limit: pool.queue_limit.map(|l| l.get()),
        shared_queue: pool.shared_queue,
        queue_timeout_ns: pool.queue_timeout_ms.map(|t| ms_to_ns(t.get())),
        admission: admission_of(lookup, pool.admission.as_ref()),
        balance: pool.balance,
        service_by_class: classes
            .iter()
            .map(|class| {
                pool.service_by_class
                    .get(&class.name)
                    .unwrap_or(&pool.service)
                    .clone()
            })
            .collect(),
        calls: pool_calls(lookup, pool),
        scheduling: scheduling(lookup, pool.priority.as_ref(), pool.cpu),
        credits: pool_credits(lookup, pool),
        purchase,
        interruptions: crate::model::billing::compile::interruptions(pool),
    }
}

/// What a pool's instances are: a cloud instance type, or pods on a
/// cluster's nodes (whose shape the pod's limits and node pool give).
fn pool_machine(
    lookup: &Lookup,
    topology: &Topology,
    pool: &PoolSpec,
) -> (InstanceType, Option<Box<Pod>>) {
    match (&pool.kubernetes, &pool.instance_type) {
        (Some(pod), _) => {
            let clusters = &topology.clusters;
            let (pod, shape) =
                crate::model::clusters::compile::pod(pod, clusters, lookup.instance_types);
            let instance_type = InstanceType {
                name: format!("pod on {}", shape.node_type),
                vcpus: shape.vcpus,
                speed: shape.speed,
                memory_gb: shape.memory_gb,
                usd_per_hour: 0.0,
            };
            (instance_type, Some(Box::new(pod)))
        }
        (None, Some(name)) => (lookup.instance_type(name), None),
        (None, None) => unreachable!("validated: a pool has an instance type or pods"),
    }
}

/// A pool's calls, flattened to leaves, with their class filters.
fn pool_calls(lookup: &Lookup, pool: &PoolSpec) -> Vec<Call> {
    let classes = lookup.classes;
    crate::model::calls::leaves::leaves(&pool.calls)
        .iter()
        .map(|call| Call {
            to: lookup.node_id(call.to),
            class_filter: (0..classes.len())
                .map(|i| {
                    call.classes.is_empty() || call.classes.iter().any(|c| lookup.class_id(c) == i)
                })
                .collect(),
            probability: call.probability.get(),
            mode: call.mode,
            op: call.op,
            site: None,
            latency: crate::model::network::check::call_latency(
                &mut Vec::new(),
                "",
                &call.latency.cloned(),
                call.mode == CallMode::Sync,
            ),
            group: None,
        })
        .collect()
}

/// A pool's CPU credits, when its instance type is burstable. A pool of
/// pods has no instance type, so no credits.
fn pool_credits(lookup: &Lookup, pool: &PoolSpec) -> Option<Box<Credits>> {
    let burstable = pool.instance_type.as_ref().and_then(|name| {
        crate::model::credits::check::burstable_of(
            name,
            lookup.instance_types.get(name),
            crate::model::credits::builtin::types(),
        )
    });
    crate::model::credits::compile::credits(burstable, pool.credits.as_ref()).map(Box::new)
}

/// A node's class priorities (and a pool's CPU discipline), by class id.
fn scheduling(lookup: &Lookup, priority: Option<&PrioritySpec>, cpu: CpuDiscipline) -> Scheduling {
    let names: Vec<&str> = lookup.classes.iter().map(|c| c.name.as_str()).collect();
    crate::model::scheduling::compile::compile(&names, priority, cpu)
}

/// A cache: a fixed hit ratio, or a store of keys (its capacity in keys, or
/// in megabytes over the object size).
fn cache(lookup: &Lookup, cache: &CacheSpec) -> Cache {
    Cache {
        hits: match (cache.hit_ratio, cache.capacity_keys, cache.capacity_mb) {
            (Some(ratio), _, _) => Hits::Ratio(ratio.get()),
            (None, keys, mb) => Hits::Store {
                capacity: keys.map_or_else(
                    || {
                        let kb = cache.object_kb.map_or(1.0, |k| k.get());
                        let mb = mb.map_or(0.0, |m| m.get());
                        ((mb * 1024.0 / kb).floor() as u32).max(1)
                    },
                    |k| k.get(),
                ),
                policy: cache.policy,
                ttl_s: cache.ttl_s.map(|t| t.get()),
                prewarm: cache.prewarm,
            },
        },
        latency: cache.latency.clone(),
        on_miss: cache.on_miss.as_deref().map(|n| lookup.node_id(n)),
        writes: cache.writes,
        instance_type: cache
            .instance_type
            .as_deref()
            .map(|t| lookup.instance_type(t)),
        instances: cache.instances.get(),
    }
}

/// A database: a range map's key space defaults to the sources' largest key.
fn database(lookup: &Lookup, views: &[SourceView], db: &DatabaseSpec) -> Database {
    Database {
        instance_type: lookup.instance_type(&db.instance_type),
        shards: db.shards.get(),
        sharding: match db.sharding {
            Sharding::Hash => ShardMap::Hash,
            Sharding::Range => ShardMap::Range {
                key_space: db
                    .key_space
                    .map(|k| u64::from(k.get()))
                    .or_else(|| largest_key(views))
                    .unwrap_or(1),
            },
        },
        read_from: db.read_from,
        replication: db.replication.clone(),
        replicas: db.replicas.get(),
        connections: db.connections.get(),
        queue_limit: db.queue_limit.map(|l| l.get()),
        read: db.read.clone(),
        write: db.write.clone().unwrap_or_else(|| db.read.clone()),
        read_cpu_share: db.read_cpu_share.get(),
        write_cpu_share: db.write_cpu_share.unwrap_or(db.read_cpu_share).get(),
        scheduling: scheduling(lookup, db.priority.as_ref(), CpuDiscipline::Fifo),
    }
}
