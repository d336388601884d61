//! Bounds on sizes, so that a typo cannot exhaust memory or time: each is
//! far beyond any real system, and beyond it a model is rejected with the
//! JSON path rather than crashing or running for ever.

use crate::model::shared::error::Diagnostic;
use crate::model::topology::spec::{
    ArrivalsSpec, AutoscalingSpec, BatchSizeSpec, CacheSpec, DatabaseSpec, NodeSpec, PoolSpec,
    Topology,
};
use crate::model::traffic::sources::SourceView;

/// Read replicas per shard beyond which a model is surely a typo: Amazon
/// Aurora and RDS allow at most 15 (AWS documentation, "Quotas for Amazon RDS").
pub const MAX_REPLICAS: u32 = 15;

/// Keys a cache sized by capacity may hold: its store takes about 60 bytes a
/// key, so this bound is about 3 GB.
pub const MAX_CACHE_KEYS: u32 = 50_000_000;

/// Requests in flight before an unstable run is stopped, at most: about 100
/// bytes each (their jobs and events), so about a gigabyte.
pub const MAX_IN_FLIGHT: u32 = 10_000_000;

/// Instances of a pool, or servers of a database, at most: each is state the
/// simulation keeps (queues, counters); far beyond any real fleet.
pub const MAX_INSTANCES: u32 = 100_000;

fn check_count(acc: &mut Vec<Diagnostic>, path: String, value: u32, what: &str) {
    if value > MAX_INSTANCES {
        acc.push(Diagnostic::new(
            path,
            format!("expected at most {MAX_INSTANCES} {what}, got {value}"),
        ));
    }
}

/// Closed users at most: each is a pending event (a large Locust test runs
/// tens of thousands).
pub const MAX_USERS: u32 = 10_000_000;

/// Sizes that would exhaust memory or time: run length, requests in flight,
/// closed users, instances, autoscaling maxima, database servers and
/// replicas, cache stores.
pub fn check_sizes(acc: &mut Vec<Diagnostic>, topology: &Topology, sources: &[SourceView]) {
    check_run_sizes(acc, topology);
    check_zero_time_loops(acc, topology, sources);
    for source in sources {
        check_source_sizes(acc, source);
    }
    for (name, node) in &topology.nodes {
        match node {
            NodeSpec::Pool(pool) => check_pool_sizes(acc, name, pool),
            NodeSpec::Database(db) => check_database_sizes(acc, name, db),
            NodeSpec::Cache(cache) => check_cache_size(acc, name, cache),
            NodeSpec::LoadBalancer(_) | NodeSpec::Delay(_) | NodeSpec::Queue(_) => {}
        }
    }
}

/// The run's length and its bound on requests in flight.
fn check_run_sizes(acc: &mut Vec<Diagnostic>, topology: &Topology) {
    // Time is u64 nanoseconds (584 years); a run of more than 31 years is a typo.
    let duration = topology.simulation.duration_s.get();
    if duration > 1e9 {
        acc.push(Diagnostic::new(
            "simulation.duration_s",
            format!("expected at most 1e9 s (about 31 years), got {duration}"),
        ));
    }
    let limit = topology.simulation.max_in_flight.get();
    if limit > MAX_IN_FLIGHT {
        acc.push(Diagnostic::new(
            "simulation.max_in_flight",
            format!("expected at most {MAX_IN_FLIGHT}, got {limit}"),
        ));
    }
}

/// A source's batch sizes and closed users.
fn check_source_sizes(acc: &mut Vec<Diagnostic>, source: &SourceView) {
    if let ArrivalsSpec::Batch(batch) = source.arrivals {
        let path = format!("{}.arrivals.batch.size", source.path);
        check_batch(acc, &path, &batch.size);
    }
    if let ArrivalsSpec::Closed(closed) = source.arrivals
        && closed.users.get() > MAX_USERS
    {
        acc.push(Diagnostic::new(
            format!("{}.arrivals.closed.users", source.path),
            format!(
                "expected at most {MAX_USERS} users, got {}",
                closed.users.get()
            ),
        ));
    }
}

/// A pool's instances and its autoscaler's maximum.
fn check_pool_sizes(acc: &mut Vec<Diagnostic>, name: &str, pool: &PoolSpec) {
    let at = |rest: &str| format!("nodes.{name}.pool.{rest}");
    check_count(acc, at("instances"), pool.instance_count(), "instances");
    match &pool.autoscaling {
        Some(AutoscalingSpec::Hpa(source)) => {
            let Some(hpa) = source.spec() else { return };
            let max = hpa.max_replicas.get();
            check_count(acc, at("autoscaling.hpa.maxReplicas"), max, "instances");
        }
        Some(AutoscalingSpec::Aws(aws)) => {
            let max = aws.max_size.get();
            check_count(acc, at("autoscaling.aws.MaxSize"), max, "instances");
        }
        None => {}
    }
}

/// A database's replicas per shard and its servers in all.
fn check_database_sizes(acc: &mut Vec<Diagnostic>, name: &str, db: &DatabaseSpec) {
    if db.replicas.get() > MAX_REPLICAS {
        acc.push(Diagnostic::new(
            format!("nodes.{name}.database.replicas"),
            format!(
                "expected at most {MAX_REPLICAS} read replicas per shard (the most Amazon Aurora and RDS allow), got {}",
                db.replicas.get()
            ),
        ));
    }
    let servers = u64::from(db.shards.get()) * (1 + u64::from(db.replicas.get()));
    let servers = u32::try_from(servers).unwrap_or(u32::MAX);
    let path = format!("nodes.{name}.database.shards");
    check_count(acc, path, servers, "servers (shards × (1 + replicas))");
}

/// The keys a cache sized by capacity would store.
fn check_cache_size(acc: &mut Vec<Diagnostic>, name: &str, cache: &CacheSpec) {
    let keys = match (cache.capacity_keys, cache.capacity_mb, cache.object_kb) {
        (Some(keys), _, _) => Some(("capacity_keys", f64::from(keys.get()))),
        (None, Some(mb), Some(kb)) => Some(("capacity_mb", (mb.get() * 1024.0 / kb.get()).floor())),
        _ => None,
    };
    if let Some((field, keys)) = keys
        && keys > f64::from(MAX_CACHE_KEYS)
    {
        acc.push(Diagnostic::new(
            format!("nodes.{name}.cache.{field}"),
            format!(
                "expected at most {MAX_CACHE_KEYS} keys (a store takes about 60 bytes a key; for a larger cache give `hit_ratio`), got {keys}"
            ),
        ));
    }
}

/// Requests in one batch at most: they arrive at one instant, each held in
/// memory until it leaves (a batch larger than `max_in_flight` is unstable
/// at once anyway). Geometric draws are capped here, so their mean is
/// bounded by a twentieth of it: the cap then moves the mean by less than
/// e^-20 of itself.
pub const MAX_BATCH: u32 = 1_000_000;

fn check_batch(acc: &mut Vec<Diagnostic>, path: &str, size: &BatchSizeSpec) {
    let (field, value, bound) = match size {
        BatchSizeSpec::Constant { n } => ("constant.n", f64::from(n.get()), MAX_BATCH),
        BatchSizeSpec::Uniform { max, .. } => ("uniform.max", f64::from(max.get()), MAX_BATCH),
        BatchSizeSpec::Geometric { mean } => ("geometric.mean", mean.get(), MAX_BATCH / 20),
    };
    if value > f64::from(bound) {
        acc.push(Diagnostic::new(
            format!("{path}.{field}"),
            format!("expected at most {bound} requests per batch, got {value}"),
        ));
    }
}

/// Loops that provably never let simulated time advance, so a run would
/// never end: closed users who think for no time at a delay of no time,
/// and instances that crash the moment they start. (The engine halts any
/// other zero-time loop at run time, naming its node.)
fn check_zero_time_loops(acc: &mut Vec<Diagnostic>, topology: &Topology, sources: &[SourceView]) {
    for source in sources {
        let ArrivalsSpec::Closed(closed) = source.arrivals else {
            continue;
        };
        let instant_entry = matches!(
            topology.nodes.get(source.entry),
            Some(NodeSpec::Delay(delay)) if delay.latency.mean_ms() == 0.0
        );
        if closed.think.mean_ms() == 0.0 && instant_entry {
            acc.push(Diagnostic::new(
                format!("{}.arrivals.closed.think", source.path),
                format!(
                    "a think time of 0 ms at `{}`, a delay of 0 ms, is a zero-time loop: each user sends again at the same instant, for ever; expected a think time or a latency above 0",
                    source.entry
                ),
            ));
        }
    }
    for (name, node) in &topology.nodes {
        let NodeSpec::Pool(pool) = node else {
            continue;
        };
        let ttf = pool
            .failures
            .as_ref()
            .and_then(|f| f.time_to_failure.as_ref());
        if ttf.is_some_and(|d| d.mean_ms() == 0.0) {
            acc.push(Diagnostic::new(
                format!("nodes.{name}.pool.failures.time_to_failure"),
                "a time to failure of 0 ms crashes every instance the moment it starts, a zero-time loop of crashes and replacements; expected a time above 0".to_string(),
            ));
        }
    }
}
