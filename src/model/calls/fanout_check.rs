//! Checks of calls made at once: an entry is a call (`to`) or a group
//! (`parallel`), a group's join can be met, a scatter goes to a database's
//! shards, a hedge sends a few copies of a sync call.

use crate::model::shared::error::Diagnostic;
use crate::model::topology::spec::{
    CallMode, CallSpec, HedgeSpec, JoinSpec, NodeSpec, Operation, ParallelSpec, ScatterSpec,
    Sharding, Topology,
};

/// Calls of one `parallel` group at most (and shards one scatter reaches):
/// a fan-out wider than this is a batch job, not a request.
pub const MAX_BRANCHES: u32 = 1024;

/// Copies of a hedged call at most: past a few, a hedge only adds load.
pub const MAX_COPIES: u32 = 10;

/// Every pool's entries of `calls`.
pub fn check_all(acc: &mut Vec<Diagnostic>, topology: &Topology) {
    for (name, node) in &topology.nodes {
        let NodeSpec::Pool(pool) = node else { continue };
        for (i, call) in pool.calls.iter().enumerate() {
            let path = format!("nodes.{name}.pool.calls[{i}]");
            match &call.parallel {
                Some(group) => check_group(acc, &path, call, group),
                None if call.to.is_empty() => acc.push(Diagnostic::new(
                    &path,
                    "expected `to` (the node called) or `parallel` (calls made at once)",
                )),
                None => check_single(acc, topology, &path, call),
            }
        }
    }
}

/// A `parallel` entry: only `classes` and `probability` beside it, a join
/// its calls can meet.
fn check_group(acc: &mut Vec<Diagnostic>, path: &str, call: &CallSpec, group: &ParallelSpec) {
    let beside = [
        ("to", !call.to.is_empty()),
        ("mode", call.mode == CallMode::Async),
        ("op", call.op == Operation::Write),
        ("timeout_ms", call.timeout_ms.is_some()),
        ("retry", call.retry.is_some()),
        ("breaker", call.breaker.is_some()),
        ("connections", call.connections.is_some()),
        ("latency", call.latency.is_some()),
        ("scatter", call.scatter.is_some()),
        ("hedge", call.hedge.is_some()),
    ];
    for (field, given) in beside {
        if given {
            acc.push(Diagnostic::new(
                format!("{path}.{field}"),
                "a `parallel` entry takes only `classes` and `probability` beside it: give each of its calls its own `to`, `op`, `timeout_ms`, `retry`, `breaker`, `connections` and `latency`",
            ));
        }
    }
    let n = group.calls.len();
    if n == 0 {
        acc.push(Diagnostic::new(
            format!("{path}.parallel.calls"),
            "expected at least one call",
        ));
    } else if n > MAX_BRANCHES as usize {
        acc.push(Diagnostic::new(
            format!("{path}.parallel.calls"),
            format!("expected at most {MAX_BRANCHES} calls, got {n}"),
        ));
    }
    if let JoinSpec::Quorum(k) = group.join
        && k.get() as usize > n
    {
        acc.push(Diagnostic::new(
            format!("{path}.parallel.join.quorum"),
            format!(
                "expected at most the group's {n} call{}, got {}: the quorum could never be met",
                if n == 1 { "" } else { "s" },
                k.get()
            ),
        ));
    }
}

/// A single call with a `scatter` or a `hedge`.
fn check_single(acc: &mut Vec<Diagnostic>, topology: &Topology, path: &str, call: &CallSpec) {
    if call.scatter.is_some() && call.hedge.is_some() {
        acc.push(Diagnostic::new(
            format!("{path}.hedge"),
            "give `scatter` or `hedge`, not both",
        ));
    }
    for (field, given) in [
        ("scatter", call.scatter.is_some()),
        ("hedge", call.hedge.is_some()),
    ] {
        if given && call.mode == CallMode::Async {
            acc.push(Diagnostic::new(
                format!("{path}.{field}"),
                format!("a `{field}` needs a `sync` call: nobody waits for an `async` one"),
            ));
        }
    }
    if let Some(hedge) = &call.hedge {
        check_hedge_delay(acc, &format!("{path}.hedge"), hedge);
        let copies = hedge.copies.get();
        if !(2..=MAX_COPIES).contains(&copies) {
            acc.push(Diagnostic::new(
                format!("{path}.hedge.copies"),
                format!("expected 2 to {MAX_COPIES} copies (the first included), got {copies}"),
            ));
        }
    }
    let Some(scatter) = call.scatter else { return };
    let db = match topology.nodes.get(&call.to) {
        Some(NodeSpec::Database(db)) => db,
        // A missing node is reported by the target check.
        None => return,
        Some(other) => {
            acc.push(Diagnostic::new(
                format!("{path}.scatter"),
                format!(
                    "a scatter goes to a database's shards, and `{}` is a {}",
                    call.to,
                    kind_name(other)
                ),
            ));
            return;
        }
    };
    if db.shards.get() > MAX_BRANCHES {
        acc.push(Diagnostic::new(
            format!("{path}.scatter"),
            format!(
                "expected a database of at most {MAX_BRANCHES} shards to scatter to, `{}` has {}",
                call.to,
                db.shards.get()
            ),
        ));
    }
    if matches!(scatter, ScatterSpec::KeyRange(_)) && db.sharding != Sharding::Range {
        acc.push(Diagnostic::new(
            format!("{path}.scatter.key_range"),
            format!(
                "a key range touches neighbouring shards only with `sharding: range`, and `{}` hashes its keys (a hash spreads any range over every shard): give `all_shards`",
                call.to
            ),
        ));
    }
}

fn kind_name(node: &NodeSpec) -> &'static str {
    match node {
        NodeSpec::LoadBalancer(_) => "load_balancer",
        NodeSpec::Pool(_) => "pool",
        NodeSpec::Cache(_) => "cache",
        NodeSpec::Database(_) => "database",
        NodeSpec::Delay(_) => "delay",
        NodeSpec::Queue(_) => "queue",
    }
}

/// A hedge's delay: fixed or a running percentile, one of the two.
fn check_hedge_delay(acc: &mut Vec<Diagnostic>, path: &str, hedge: &HedgeSpec) {
    match (hedge.after_ms, hedge.after_percentile) {
        (Some(_), Some(_)) => acc.push(Diagnostic::new(
            format!("{path}.after_percentile"),
            "give `after_ms` (a fixed delay) or `after_percentile`, not both",
        )),
        (None, None) => acc.push(Diagnostic::new(
            path,
            "a hedge needs `after_ms` (a fixed delay) or `after_percentile` (the running percentile of its copies' times, e.g. 95)",
        )),
        (None, Some(q)) if q.get() >= 100.0 => acc.push(Diagnostic::new(
            format!("{path}.after_percentile"),
            format!("expected a percentile below 100, got {}", q.get()),
        )),
        (Some(_), None) if hedge.window_s.is_some() => acc.push(Diagnostic::new(
            format!("{path}.window_s"),
            "`window_s` is the window of `after_percentile`; a fixed `after_ms` has none",
        )),
        _ => {}
    }
}
