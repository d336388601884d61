//! Second pass over a parsed topology: cross-references, ranges that involve
//! two fields, and cycles in the synchronous call graph. Every check pushes
//! its problems and goes on, so the user sees them all at once.

use std::collections::BTreeMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

use crate::model::scheduling::check::{Owner, check as check_scheduling};
pub(crate) use crate::model::shared::checks::check_dist;
use crate::model::shared::error::Diagnostic;
use crate::model::topology::spec::{
    AutoscalingSpec, BalancerSpec, CacheSpec, CallMode, CpuDiscipline, DatabaseSpec,
    InstanceTypeSpec, NodeSpec, PoolSpec, Sharding, Topology,
};
use crate::model::traffic::compile as compile_traffic;
use crate::model::traffic::sources as traffic_sources;

/// The names a reference may point to, listed in messages.
struct Names<'a>(Vec<&'a str>);

impl<'a> Names<'a> {
    fn contains(&self, name: &str) -> bool {
        self.0.contains(&name)
    }

    fn list(&self) -> String {
        if self.0.is_empty() {
            "there are none".to_string()
        } else {
            self.0.join(", ")
        }
    }
}

/// What a reference may name: nodes, classes and instance types.
struct Known<'a> {
    nodes: Names<'a>,
    classes: Names<'a>,
    instance_types: &'a BTreeMap<String, InstanceTypeSpec>,
}

/// Checks `topology` against itself and `instance_types` (catalog plus the
/// model's own), pushing one diagnostic per problem.
pub fn check(
    acc: &mut Vec<Diagnostic>,
    topology: &Topology,
    instance_types: &BTreeMap<String, InstanceTypeSpec>,
) {
    let sources = traffic_sources::sources(acc, &topology.traffic);
    let class_names = traffic_sources::class_names(&sources);
    let known = Known {
        nodes: Names(topology.nodes.keys().map(String::as_str).collect()),
        classes: Names(class_names.iter().map(String::as_str).collect()),
        instance_types,
    };
    check_document(acc, topology, class_names.len());
    crate::model::network::check::zone_latency(acc, &topology.network);
    for source in &sources {
        check_target(
            acc,
            &known.nodes,
            format!("{}.entry", source.path),
            source.entry,
        );
        compile_traffic::check_source(acc, source);
    }
    crate::model::billing::check::check_payloads(acc, &sources);
    let duration_s = topology.simulation.duration_s.get();
    for (name, node) in &topology.nodes {
        let at = |rest: &str| format!("nodes.{name}.{rest}");
        match node {
            NodeSpec::LoadBalancer(lb) => check_balancer(acc, &known, &at, lb),
            NodeSpec::Pool(pool) => check_pool(acc, &known, &at, pool, duration_s),
            NodeSpec::Cache(cache) => check_cache(acc, &known, &at, cache),
            NodeSpec::Database(db) => check_database(acc, &known, &at, db, &sources),
            NodeSpec::Delay(delay) => check_dist(acc, &at("delay.latency"), &delay.latency),
            // Checked with the other queues, below.
            NodeSpec::Queue(_) => {}
        }
    }
    for (name, cluster) in &topology.clusters {
        for (i, pool) in cluster.node_pools.iter().enumerate() {
            let path = format!("clusters.{name}.node_pools[{i}].instance_type");
            check_instance_type(acc, instance_types, path, &pool.instance_type);
        }
    }
    crate::model::clusters::check::check(acc, topology, instance_types);
    crate::model::queues::check::check_queues(acc, topology, &sources);
    crate::model::calls::check::check_all(acc, topology, instance_types, &sources);
    crate::model::calls::fanout_check::check_all(acc, topology);
    crate::model::topology::check_sizes::check_sizes(acc, topology, &sources);
    check_cycles(acc, topology);
}

/// The document as a whole: warm-up within the run, at least one node, a
/// class count that fits an id, instance speeds the sampler can use.
fn check_document(acc: &mut Vec<Diagnostic>, topology: &Topology, classes: usize) {
    let sim = &topology.simulation;
    if sim.warmup_s.get() >= sim.duration_s.get() {
        acc.push(Diagnostic::new(
            "simulation.warmup_s",
            format!(
                "expected less than `duration_s` ({}), got {}",
                sim.duration_s.get(),
                sim.warmup_s.get()
            ),
        ));
    }
    if topology.nodes.is_empty() {
        acc.push(Diagnostic::new(
            "nodes",
            "expected at least one node, got none",
        ));
    }
    if classes > usize::from(u16::MAX) {
        acc.push(Diagnostic::new(
            "traffic",
            format!("expected at most {} classes, got {}", u16::MAX, classes),
        ));
    }
    for (name, spec) in &topology.instance_types {
        let path = format!("instance_types.{name}.speed");
        crate::model::shared::checks::check_speed(acc, path, spec.speed.get());
        crate::model::credits::check::check_declared(acc, name, spec);
    }
}

/// A balancer: exactly one of `to` and `split`, every target and route
/// class known, weights and latency the sampler can use.
fn check_balancer(
    acc: &mut Vec<Diagnostic>,
    known: &Known,
    at: &impl Fn(&str) -> String,
    lb: &BalancerSpec,
) {
    match (&lb.to, lb.split.is_empty()) {
        (Some(_), false) => acc.push(Diagnostic::new(
            at("load_balancer"),
            "expected either `to` or `split`, got both",
        )),
        (None, true) => acc.push(Diagnostic::new(
            at("load_balancer"),
            "expected a target: `to` (one node) or `split` (several, by weight)",
        )),
        _ => {}
    }
    if let Some(to) = &lb.to {
        check_target(acc, &known.nodes, at("load_balancer.to"), to);
    }
    let weights = lb.split.iter().map(|target| target.weight.get());
    crate::model::shared::checks::check_weights(acc, &at("load_balancer.split"), weights);
    for (i, target) in lb.split.iter().enumerate() {
        let path = at(&format!("load_balancer.split[{i}].to"));
        check_target(acc, &known.nodes, path, &target.to);
    }
    for (i, route) in lb.routes.iter().enumerate() {
        let path = at(&format!("load_balancer.routes[{i}].to"));
        check_target(acc, &known.nodes, path, &route.to);
        let path = at(&format!("load_balancer.routes[{i}].classes"));
        check_classes(acc, &known.classes, &path, &route.classes);
    }
    if let Some(latency) = &lb.latency {
        check_dist(acc, &at("load_balancer.latency"), latency);
    }
    if let Some(admission) = &lb.admission {
        let path = at("load_balancer.admission");
        crate::model::admission::check::check(acc, &path, admission, false, &known.classes.0);
    }
}

/// A pool: its instance type, service times (per class too), fleet and
/// autoscaling, and the targets and classes of its calls.
fn check_pool(
    acc: &mut Vec<Diagnostic>,
    known: &Known,
    at: &impl Fn(&str) -> String,
    pool: &PoolSpec,
    duration_s: f64,
) {
    if let Some(instance_type) = &pool.instance_type {
        check_instance_type(
            acc,
            known.instance_types,
            at("pool.instance_type"),
            instance_type,
        );
    }
    check_dist(acc, &at("pool.service"), &pool.service);
    let name = pool.instance_type.as_deref();
    let (declared, builtin) = (
        name.and_then(|name| known.instance_types.get(name)),
        crate::model::credits::builtin::types(),
    );
    let burstable =
        name.and_then(|name| crate::model::credits::check::burstable_of(name, declared, builtin));
    let vcpus = declared.map(|t| t.vcpus.get());
    crate::model::credits::check::check_pool(acc, &at("pool"), pool, vcpus, builtin, burstable);
    crate::model::billing::check::check_purchase(acc, &at("pool"), pool);
    if let Some(admission) = &pool.admission {
        let path = at("pool.admission");
        crate::model::admission::check::check(acc, &path, admission, true, &known.classes.0);
    }
    crate::model::scaling::compile::fleet(acc, &at("pool"), pool, duration_s);
    if let Some(AutoscalingSpec::Aws(aws)) = &pool.autoscaling
        && let Some(desired) = aws.desired_capacity
        && (desired.get() < aws.min_size.get() || desired.get() > aws.max_size.get())
    {
        acc.push(Diagnostic::new(
            at("pool.autoscaling.aws.DesiredCapacity"),
            format!(
                "expected between `MinSize` ({}) and `MaxSize` ({}), got {}",
                aws.min_size.get(),
                aws.max_size.get(),
                desired.get()
            ),
        ));
    }
    for (class, dist) in &pool.service_by_class {
        let path = at(&format!("pool.service_by_class.{class}"));
        if !known.classes.contains(class) {
            acc.push(Diagnostic::new(&path, no_class(class, &known.classes)));
        }
        check_dist(acc, &path, dist);
    }
    let (priority, classes) = (pool.priority.as_ref(), &known.classes.0);
    check_scheduling(acc, &at("pool"), Owner::Pool, classes, priority, pool.cpu);
    for leaf in crate::model::calls::leaves::leaves(&pool.calls) {
        let path = at(&format!("pool.{}.to", leaf.path()));
        check_target(acc, &known.nodes, path, leaf.to);
    }
    for (i, call) in pool.calls.iter().enumerate() {
        let path = at(&format!("pool.calls[{i}].classes"));
        check_classes(acc, &known.classes, &path, &call.classes);
    }
    for leaf in crate::model::calls::leaves::leaves(&pool.calls) {
        let path = at(&format!("pool.{}", leaf.path()));
        let latency = leaf.latency.cloned();
        crate::model::network::check::call_latency(
            acc,
            &path,
            &latency,
            leaf.mode == CallMode::Sync,
        );
    }
}

/// A cache: its latency, exactly one way to size it (`capacity_mb` with
/// `object_kb`), its miss target and instance type.
fn check_cache(
    acc: &mut Vec<Diagnostic>,
    known: &Known,
    at: &impl Fn(&str) -> String,
    cache: &CacheSpec,
) {
    check_dist(acc, &at("cache.latency"), &cache.latency);
    let sizes = [
        cache.hit_ratio.is_some(),
        cache.capacity_keys.is_some(),
        cache.capacity_mb.is_some(),
    ];
    match sizes.iter().filter(|&&given| given).count() {
        0 => acc.push(Diagnostic::new(
            at("cache"),
            "expected `hit_ratio` (a fixed share of hits), `capacity_keys` or `capacity_mb` (a store of keys)",
        )),
        1 => {}
        _ => acc.push(Diagnostic::new(
            at("cache"),
            "expected one of `hit_ratio`, `capacity_keys` and `capacity_mb`, got several",
        )),
    }
    if cache.capacity_mb.is_some() != cache.object_kb.is_some() {
        acc.push(Diagnostic::new(
            at("cache"),
            "`capacity_mb` and `object_kb` go together (capacity in keys = MB × 1024 / KB)",
        ));
    }
    if let Some(on_miss) = &cache.on_miss {
        check_target(acc, &known.nodes, at("cache.on_miss"), on_miss);
    }
    if let Some(instance_type) = &cache.instance_type {
        let path = at("cache.instance_type");
        check_instance_type(acc, known.instance_types, path, instance_type);
    }
}

/// A database: its instance type, its latencies, and a key space wherever
/// `range` sharding needs one.
fn check_database(
    acc: &mut Vec<Diagnostic>,
    known: &Known,
    at: &impl Fn(&str) -> String,
    db: &DatabaseSpec,
    sources: &[traffic_sources::SourceView],
) {
    let path = at("database.instance_type");
    check_instance_type(acc, known.instance_types, path, &db.instance_type);
    check_dist(acc, &at("database.read"), &db.read);
    if db.sharding == Sharding::Range
        && db.key_space.is_none()
        && traffic_sources::largest_key(sources).is_none()
    {
        acc.push(Diagnostic::new(
            at("database.key_space"),
            "`range` sharding needs the key space: give `key_space`, or `keys` (uniform or zipf) to every source",
        ));
    }
    if let Some(replication) = &db.replication {
        check_dist(acc, &at("database.replication"), replication);
    }
    if let Some(write) = &db.write {
        check_dist(acc, &at("database.write"), write);
    }
    let (priority, classes) = (db.priority.as_ref(), &known.classes.0);
    let fifo = CpuDiscipline::Fifo;
    check_scheduling(
        acc,
        &at("database"),
        Owner::Database,
        classes,
        priority,
        fifo,
    );
}

fn check_target(acc: &mut Vec<Diagnostic>, nodes: &Names, path: String, target: &str) {
    if !nodes.contains(target) {
        acc.push(Diagnostic::new(
            path,
            format!("no node named `{target}` (nodes: {})", nodes.list()),
        ));
    }
}

fn no_class(class: &str, classes: &Names) -> String {
    format!("no class named `{class}` (classes: {})", classes.list())
}

fn check_classes(acc: &mut Vec<Diagnostic>, classes: &Names, path: &str, listed: &[String]) {
    for (i, class) in listed.iter().enumerate() {
        if !classes.contains(class) {
            acc.push(Diagnostic::new(
                format!("{path}[{i}]"),
                no_class(class, classes),
            ));
        }
    }
}

fn check_instance_type(
    acc: &mut Vec<Diagnostic>,
    instance_types: &BTreeMap<String, InstanceTypeSpec>,
    path: String,
    name: &str,
) {
    if !instance_types.contains_key(name) {
        let similar: Vec<&str> = instance_types
            .keys()
            .map(String::as_str)
            .filter(|known| family(known) == family(name))
            .collect();
        let suggestion = if similar.is_empty() {
            String::new()
        } else {
            format!(" (similar: {})", similar.join(", "))
        };
        acc.push(Diagnostic::new(
            path,
            format!("no instance type `{name}`{suggestion}"),
        ));
    }
}

/// The family of an instance type name: `t3` of `t3.medium`, `n2` of `n2-standard-4`.
fn family(name: &str) -> &str {
    name.split(['.', '-', '_']).next().unwrap_or(name)
}

/// A request that calls itself, directly or through others, would hold
/// workers forever; reject such cycles. Async calls do not hold the caller,
/// so they are not edges here.
fn check_cycles(acc: &mut Vec<Diagnostic>, topology: &Topology) {
    let names: Vec<&String> = topology.nodes.keys().collect();
    let index = |name: &str| names.iter().position(|n| *n == name);
    let mut graph = DiGraph::<(), ()>::new();
    let ids: Vec<_> = names.iter().map(|_| graph.add_node(())).collect();
    for (from, node) in topology.nodes.values().enumerate() {
        let targets: Vec<&str> = match node {
            NodeSpec::LoadBalancer(lb) => lb
                .to
                .iter()
                .map(String::as_str)
                .chain(lb.split.iter().map(|t| t.to.as_str()))
                .chain(lb.routes.iter().map(|r| r.to.as_str()))
                .collect(),
            NodeSpec::Pool(pool) => crate::model::calls::leaves::leaves(&pool.calls)
                .into_iter()
                .filter(|call| call.mode == crate::model::topology::spec::CallMode::Sync)
                .map(|call| call.to)
                .collect(),
            NodeSpec::Cache(cache) => cache.on_miss.iter().map(String::as_str).collect(),
            // A queue answers its senders at once; its consumer does not hold them.
            NodeSpec::Database(_) | NodeSpec::Delay(_) | NodeSpec::Queue(_) => Vec::new(),
        };
        for target in targets {
            if let Some(to) = index(target) {
                graph.add_edge(ids[from], ids[to], ());
            }
        }
    }
    for component in tarjan_scc(&graph) {
        let is_cycle = component.len() > 1 || graph.contains_edge(component[0], component[0]);
        if is_cycle {
            let mut members: Vec<usize> = component.iter().map(|id| id.index()).collect();
            members.sort_unstable();
            let first = names[members[0]];
            let loop_names: Vec<&str> = members.iter().map(|&i| names[i].as_str()).collect();
            acc.push(Diagnostic::new(
                format!("nodes.{first}"),
                format!(
                    "synchronous call cycle through {} (a request would wait on itself)",
                    loop_names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
}
