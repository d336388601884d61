//! Call policies → numbered call sites: pools' calls in node and call order,
//! then sources' clients, each with its timeout, retries and breaker in ns.

use crate::model::calls::compiled::{Breaker, CallSite, Retry, RetryBudget, SiteId};
use crate::model::shared::units::{Positive, ms_to_ns};
use crate::model::topology::compiled::{Node, NodeKind, Source};
use crate::model::topology::spec::{BreakerSpec, NodeSpec, RetrySpec, Topology};
use crate::model::traffic::sources::SourceView;

/// Numbers every call that has a policy, and points the call (or source) at its site.
pub fn call_sites(
    topology: &Topology,
    views: &[SourceView],
    nodes: &mut [Node],
    sources: &mut [Source],
) -> Vec<CallSite> {
    let mut sites = Vec::new();
    for ((name, spec), node) in topology.nodes.iter().zip(nodes.iter_mut()) {
        let (NodeSpec::Pool(pool_spec), NodeKind::Pool(pool)) = (spec, &mut node.kind) else {
            continue;
        };
        let leaves = crate::model::calls::leaves::leaves(&pool_spec.calls);
        for (i, (call_spec, call)) in leaves.iter().zip(pool.calls.iter_mut()).enumerate() {
            let policy = (call_spec.timeout_ms, call_spec.retry, call_spec.breaker);
            let connections = call_spec.connections.map(|c| c.get());
            let mut site_name = format!("{name}->{}", call_spec.to);
            // A second call to the same node gets its index: names stay unique.
            if sites.iter().any(|s: &CallSite| s.name == site_name) {
                site_name = format!("{site_name}#{i}");
            }
            if let Some(site) = site(site_name, call.to, policy, connections) {
                call.site = Some(sites.len() as SiteId);
                sites.push(site);
            }
        }
    }
    for (view, source) in views.iter().zip(sources.iter_mut()) {
        let Some(client) = view.client else { continue };
        let policy = (
            client.timeout_ms,
            client.retry.as_ref(),
            client.breaker.as_ref(),
        );
        let name = format!("{}->{}", view.name, view.entry);
        if let Some(site) = site(name, source.entry, policy, None) {
            source.client_site = Some(sites.len() as SiteId);
            sites.push(site);
        }
    }
    sites
}

fn site(
    name: String,
    to: crate::model::shared::ids::NodeId,
    (timeout_ms, retry, breaker): (Option<Positive>, Option<&RetrySpec>, Option<&BreakerSpec>),
    connections: Option<u32>,
) -> Option<CallSite> {
    if timeout_ms.is_none() && retry.is_none() && breaker.is_none() && connections.is_none() {
        return None;
    }
    Some(CallSite {
        name,
        to,
        timeout_ns: timeout_ms.map(|t| ms_to_ns(t.get())),
        retry: retry.map(|r| Retry {
            max_attempts: r.max_attempts.get(),
            backoff_ns: r.backoff_ms.get() * 1e6,
            multiplier: r.multiplier.get(),
            max_backoff_ns: r.max_backoff_ms.map_or(f64::INFINITY, |m| m.get() * 1e6),
            jitter: r.jitter,
            budget: r.budget.as_ref().map(|b| RetryBudget {
                ratio: b.ratio.get(),
                min_per_s: b.min_per_s.get(),
                window_s: b.window_s.get(),
            }),
        }),
        breaker: breaker.map(|b| Breaker {
            failures: b.failures.get(),
            window_ns: (b.window_s.get() * 1e9).round() as u64,
            open_ns: (b.open_s.get() * 1e9).round() as u64,
        }),
        connections,
    })
}
