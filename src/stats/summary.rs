//! Figures over replications: each a mean with its 95% confidence interval.

use serde::Serialize;

use super::interval::Estimate;
use super::latency::LatencySummary;
use super::result::{Outcome, RunResult};

/// Latency figures over replications.
#[derive(Clone, Debug, Serialize)]
pub struct LatencyEstimate {
    /// Successful completions per second.
    pub throughput_rps: Estimate,
    /// Mean, ms.
    pub mean_ms: Estimate,
    /// Median, ms.
    pub p50_ms: Estimate,
    /// 95th percentile, ms.
    pub p95_ms: Estimate,
    /// 99th percentile, ms.
    pub p99_ms: Estimate,
    /// 99.9th percentile, ms.
    pub p999_ms: Estimate,
    /// Share of errors.
    pub error_rate: Estimate,
}

impl LatencyEstimate {
    pub(super) fn of(runs: &[&LatencySummary]) -> Self {
        let estimate = |figure: fn(&LatencySummary) -> f64| {
            Estimate::of(&runs.iter().map(|run| figure(run)).collect::<Vec<_>>())
        };
        LatencyEstimate {
            throughput_rps: estimate(|s| s.throughput_rps),
            mean_ms: estimate(|s| s.mean_ms),
            p50_ms: estimate(|s| s.p50_ms),
            p95_ms: estimate(|s| s.p95_ms),
            p99_ms: estimate(|s| s.p99_ms),
            p999_ms: estimate(|s| s.p999_ms),
            error_rate: estimate(|s| s.error_rate),
        }
    }
}

/// Node figures over replications.
#[derive(Clone, Debug, Serialize)]
pub struct NodeEstimate {
    /// Node name.
    pub name: String,
    /// Visits per class at a node that serves classes by priority: (class,
    /// figures) (empty elsewhere).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_class: Vec<(String, LatencyEstimate)>,
    /// Node kind.
    pub kind: String,
    /// Visit latency.
    pub latency: LatencyEstimate,
    /// Busy servers / servers.
    pub utilization: Option<Estimate>,
    /// Busy workers / workers.
    pub worker_utilization: Option<Estimate>,
    /// Time-average of requests waiting.
    pub mean_queue: Estimate,
    /// Rejections per second.
    pub rejected_per_s: Estimate,
    /// Price per hour.
    pub usd_per_hour: Estimate,
    /// A cache's measured hit ratio.
    pub hit_ratio: Option<Estimate>,
    /// Visits offered per second, retries included.
    pub offered_per_s: Estimate,
    /// A database's shards, in order: utilization, queries/s, mean ms.
    pub shards: Vec<ShardEstimate>,
    /// Requests dropped per second at the queue timeout.
    pub expired_per_s: Estimate,
    /// Mean network time of its answers, ms, when they travel over a latency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_ms: Option<Estimate>,
    /// The share of its answers between pool instances that crossed zones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_zone_share: Option<Estimate>,
    /// Requests shed per second by admission control.
    pub shed_per_s: Estimate,
    /// Requests refused per second by a token bucket.
    pub rate_limited_per_s: Estimate,
}

/// One class's visits turned away by admission control, per second.
#[derive(Clone, Debug, Serialize)]
pub struct ClassRefusals {
    /// Class name.
    pub name: String,
    /// Shed, at any node.
    pub shed_per_s: Estimate,
    /// Refused by a token bucket, at any node.
    pub rate_limited_per_s: Estimate,
}

/// One database shard over replications.
#[derive(Clone, Debug, Serialize)]
pub struct ShardEstimate {
    /// Busy vCPUs / vCPUs of its servers.
    pub utilization: Estimate,
    /// Busy vCPUs / vCPUs of its primary.
    pub primary_utilization: Estimate,
    /// Busy vCPUs / vCPUs of its replicas (`None` without).
    pub replica_utilization: Option<Estimate>,
    /// Connections held / connections of its servers.
    pub connection_utilization: Estimate,
    /// Connections held / connections of its primary.
    pub primary_connection_utilization: Estimate,
    /// Connections held / connections of its replicas (`None` without).
    pub replica_connection_utilization: Option<Estimate>,
    /// Queries finished per second.
    pub throughput_rps: Estimate,
    /// Mean time at the database, ms.
    pub mean_ms: Estimate,
}

/// Call-site figures over replications, per second of the window.
#[derive(Clone, Debug, Serialize)]
pub struct CallEstimate {
    /// `<caller>-><callee>`.
    pub name: String,
    /// The node called.
    pub callee: String,
    /// Attempts, retries included.
    pub attempts_per_s: Estimate,
    /// Retries.
    pub retries_per_s: Estimate,
    /// Attempts given up on.
    pub timeouts_per_s: Estimate,
    /// Calls failed for good.
    pub failed_per_s: Estimate,
    /// Retries the budget refused.
    pub budget_denied_per_s: Estimate,
    /// Calls failed at once by the open breaker.
    pub short_circuits_per_s: Estimate,
    /// Breaker openings in the window (a count, not a rate).
    pub breaker_openings: Estimate,
    /// Mean wait for a connection of the caller's pool, ms (NaN without a pool).
    pub connection_wait_ms: Estimate,
}

/// Every figure of a set of replications of one model.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Model name.
    pub model: String,
    /// Replications summarized.
    pub replications: usize,
    /// The first unstable outcome, if any replication was unstable.
    pub unstable: Option<Outcome>,
    /// End to end.
    pub end_to_end: LatencyEstimate,
    /// End to end, per class: (name, figures).
    pub classes: Vec<(String, LatencyEstimate)>,
    /// Per class, visits turned away by admission control.
    pub class_refusals: Vec<ClassRefusals>,
    /// Per node.
    pub nodes: Vec<NodeEstimate>,
    /// Per call site (calls with a timeout, retries or a breaker).
    pub calls: Vec<CallEstimate>,
    /// Per group of calls made at once.
    pub groups: Vec<super::fanout::GroupEstimate>,
    /// Per Kubernetes cluster: nodes, pending pods, cost (absent from JSON without).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<super::clusters::ClusterEstimate>,
    /// Per burstable pool, its CPU credits.
    pub credits: Vec<super::credit_estimates::CreditsEstimate>,
    /// Price per hour: all instances (a cluster's nodes included), managed
    /// load balancers and CDNs, egress, and surplus CPU credits.
    pub usd_per_hour: Estimate,
    /// The same by component.
    pub cost_by_component: super::bill::ComponentEstimates,
    /// Dollars per million successful requests.
    pub usd_per_million: Estimate,
}

impl Summary {
    /// Summarizes `runs` (at least one), replications of the same model.
    pub fn of(runs: &[RunResult]) -> Summary {
        let first = &runs[0];
        Summary {
            model: first.model.clone(),
            replications: runs.len(),
            unstable: runs
                .iter()
                .map(|r| &r.outcome)
                .find(|o| **o != Outcome::Completed)
                .cloned(),
            end_to_end: LatencyEstimate::of(
                &runs.iter().map(|r| &r.end_to_end).collect::<Vec<_>>(),
            ),
            classes: first
                .classes
                .iter()
                .enumerate()
                .map(|(i, class)| {
                    let latencies: Vec<_> = runs.iter().map(|r| &r.classes[i].latency).collect();
                    (class.name.clone(), LatencyEstimate::of(&latencies))
                })
                .collect(),
            class_refusals: (first.classes.iter().enumerate())
                .map(|(i, class)| ClassRefusals {
                    name: class.name.clone(),
                    shed_per_s: over(runs, &|r| r.classes[i].shed as f64 / r.window_s),
                    rate_limited_per_s: over(runs, &|r| {
                        r.classes[i].rate_limited as f64 / r.window_s
                    }),
                })
                .collect(),
            nodes: (0..first.nodes.len())
                .map(|i| node_estimate(runs, i))
                .collect(),
            calls: (0..first.calls.len())
                .map(|i| call_estimate(runs, i))
                .collect(),
            groups: super::fanout::estimates(runs),
            clusters: super::clusters::estimates(runs),
            credits: super::credit_estimates::estimates(runs),
            usd_per_hour: over(runs, &|r| r.cost.usd_per_hour),
            cost_by_component: super::bill::ComponentEstimates::of(runs),
            usd_per_million: over(runs, &|r| r.cost.usd_per_million),
        }
    }
}

/// The estimate of `figure` over the runs.
fn over(runs: &[RunResult], figure: &dyn Fn(&RunResult) -> f64) -> Estimate {
    Estimate::of(&runs.iter().map(figure).collect::<Vec<_>>())
}

/// The estimate of `figure` when every run has it, else `None`.
fn optional(runs: &[RunResult], figure: &dyn Fn(&RunResult) -> Option<f64>) -> Option<Estimate> {
    let values: Option<Vec<f64>> = runs.iter().map(figure).collect();
    values.map(|v| Estimate::of(&v))
}

/// The estimates of node `i`, its shards' among them.
fn node_estimate(runs: &[RunResult], i: usize) -> NodeEstimate {
    let node = &runs[0].nodes[i];
    let over = |figure: &dyn Fn(&RunResult) -> f64| over(runs, figure);
    let optional = |figure: &dyn Fn(&RunResult) -> Option<f64>| optional(runs, figure);
    NodeEstimate {
        name: node.name.clone(),
        kind: node.kind.clone(),
        latency: LatencyEstimate::of(&runs.iter().map(|r| &r.nodes[i].latency).collect::<Vec<_>>()),
        utilization: optional(&|r| r.nodes[i].utilization),
        worker_utilization: optional(&|r| r.nodes[i].worker_utilization),
        mean_queue: over(&|r| r.nodes[i].mean_queue),
        rejected_per_s: over(&|r| r.nodes[i].rejected as f64 / r.window_s),
        usd_per_hour: over(&|r| r.nodes[i].usd_per_hour),
        hit_ratio: optional(&|r| r.nodes[i].hit_ratio),
        network_ms: optional(&|r| r.nodes[i].network.as_ref().map(|n| n.mean_ms)),
        cross_zone_share: optional(&|r| {
            r.nodes[i].network.as_ref().and_then(|n| n.cross_zone_share)
        }),
        offered_per_s: over(&|r| r.nodes[i].offered_per_s),
        shards: (0..node.shards.len())
            .map(|k| ShardEstimate {
                utilization: over(&|r| r.nodes[i].shards[k].utilization),
                primary_utilization: over(&|r| r.nodes[i].shards[k].primary_utilization),
                replica_utilization: optional(&|r| r.nodes[i].shards[k].replica_utilization),
                connection_utilization: over(&|r| r.nodes[i].shards[k].connection_utilization),
                primary_connection_utilization: over(&|r| {
                    r.nodes[i].shards[k].primary_connection_utilization
                }),
                replica_connection_utilization: optional(&|r| {
                    r.nodes[i].shards[k].replica_connection_utilization
                }),
                throughput_rps: over(&|r| r.nodes[i].shards[k].throughput_rps),
                mean_ms: over(&|r| r.nodes[i].shards[k].mean_ms),
            })
            .collect(),
        expired_per_s: over(&|r| r.nodes[i].expired as f64 / r.window_s),
        shed_per_s: over(&|r| r.nodes[i].shed as f64 / r.window_s),
        rate_limited_per_s: over(&|r| r.nodes[i].rate_limited as f64 / r.window_s),
        by_class: (node.by_class.iter().enumerate())
            .map(|(c, class)| {
                let latencies: Vec<_> = runs
                    .iter()
                    .map(|r| &r.nodes[i].by_class[c].latency)
                    .collect();
                (class.name.clone(), LatencyEstimate::of(&latencies))
            })
            .collect(),
    }
}

/// The estimates of call site `i`: rates per second of its attempts and
/// failures, its breaker's openings, its wait for a connection.
fn call_estimate(runs: &[RunResult], i: usize) -> CallEstimate {
    let call = &runs[0].calls[i];
    let rate = |figure: fn(&super::CallResult) -> u64| {
        over(runs, &|r| figure(&r.calls[i]) as f64 / r.window_s)
    };
    CallEstimate {
        name: call.name.clone(),
        callee: call.callee.clone(),
        attempts_per_s: rate(|c| c.attempts),
        retries_per_s: rate(|c| c.retries),
        timeouts_per_s: rate(|c| c.timeouts),
        failed_per_s: rate(|c| c.failed),
        budget_denied_per_s: rate(|c| c.budget_denied),
        short_circuits_per_s: rate(|c| c.short_circuits),
        breaker_openings: over(runs, &|r| r.calls[i].breaker_openings as f64),
        connection_wait_ms: over(runs, &|r| {
            let call = &r.calls[i];
            if call.connected == 0 {
                f64::NAN
            } else {
                call.connection_wait_ns / call.connected as f64 / 1e6
            }
        }),
    }
}
