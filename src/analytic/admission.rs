//! Admission control in theory. A token bucket caps the flow it passes: for
//! Poisson arrivals at λ and a bucket of rate r, the long-run admitted rate
//! is min(λ, r) when the burst is large against the rate's fluctuations
//! (with a finite burst some arrivals are refused even below r, and a few
//! more pass above it for a while: approximate near λ ≈ r). A concurrency
//! limit K (and shedding by queue length) turns a single queue into the
//! loss system M/M/c/K, solved exactly where the service is exponential.
//! Shedding by expected wait, LIFO and per-source buckets are not modelled.

use crate::model::{Admission, Model, NodeKind, Pool, RateKey};

/// A node's admission control, if it has any.
pub(crate) fn admission_of(model: &Model, node: usize) -> Option<&Admission> {
    match &model.nodes[node].kind {
        NodeKind::Pool(pool) => pool.admission.as_deref(),
        NodeKind::Balancer(balancer) => balancer.admission.as_deref(),
        _ => None,
    }
}

/// The share of each class's arrivals each node admits (`[node][class]`),
/// given `admitted[node][class]`, the rates admitted with the current
/// shares `pass` (a fixed point: the caller iterates until it holds).
pub(crate) fn pass_shares(
    model: &Model,
    admitted: &[Vec<f64>],
    pass: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    (0..model.nodes.len())
        .map(|i| {
            let n = model.classes.len();
            let mut shares = vec![1.0; n];
            let Some(limit) = admission_of(model, i).and_then(|a| a.rate_limit.as_ref()) else {
                return shares;
            };
            let offered = |c: usize| {
                if pass[i][c] > 0.0 {
                    admitted[i][c] / pass[i][c]
                } else {
                    0.0
                }
            };
            let limited: Vec<usize> = (0..n).filter(|&c| limit.class_filter[c]).collect();
            let cap = |lambda: f64| {
                if lambda > limit.rate_per_s() {
                    limit.rate_per_s() / lambda
                } else {
                    1.0
                }
            };
            match limit.per {
                RateKey::Node => {
                    let share = cap(limited.iter().map(|&c| offered(c)).sum());
                    limited.iter().for_each(|&c| shares[c] = share);
                }
                RateKey::Class => limited.iter().for_each(|&c| shares[c] = cap(offered(c))),
                // Each source's own flow is not tracked apart: not capped.
                RateKey::Source => {}
            }
            shares
        })
        .collect()
}

/// One of `pool`'s `queues` queues with `servers` servers, under its
/// concurrency limit and queue-length shedding: `(servers, waiting places)`
/// for M/M/c/K. With several queues the pool-wide limits are split evenly
/// (approximate).
pub(crate) fn capped_queue(pool: &Pool, servers: u32, queues: u32) -> (u32, Option<u32>) {
    let limit = pool.queue_limit;
    let Some(admission) = pool.admission.as_deref() else {
        return (servers, limit);
    };
    let per_queue = |total: u32| (total / queues.max(1)).max(1);
    let mut servers = servers;
    let mut limit = limit;
    if let Some(k) = admission.max_concurrency.map(per_queue) {
        servers = servers.min(k);
        limit = Some(limit.map_or(k - servers, |l| l.min(k - servers)));
    }
    if let Some(q) = admission.shed_queue_length.map(per_queue) {
        limit = Some(limit.map_or(q, |l| l.min(q)));
    }
    (servers, limit)
}
