//! Figures of groups of calls made at once: the group's latency from fork
//! to join, and per branch what it sent, how its answers counted (before
//! the join, late, failed, cancelled) and its mean time.

use serde::Serialize;

use super::interval::Estimate;
use super::latency::{LatencyRecord, LatencySummary};
use super::summary::LatencyEstimate;
use crate::engine::FanoutEvent;
use crate::model::Model;

/// One group's record in the measured window.
pub struct GroupRecord {
    latency: LatencyRecord,
    branches: Vec<BranchRecord>,
    /// A running hedge delay's values set in the window: sum, ns, and count.
    delay_sum_ns: f64,
    delays: u64,
}

#[derive(Clone, Default)]
struct BranchRecord {
    sent: u64,
    counted: u64,
    late: u64,
    failed: u64,
    cancelled: u64,
    answered: u64,
    sum_ns: f64,
}

/// What one group did in one run.
#[derive(Clone, Debug, Serialize)]
pub struct GroupResult {
    /// `<pool>.calls[i]`.
    pub name: String,
    /// `all`, `first`, `quorum k/n`, `scatter` or `hedge`.
    pub kind: String,
    /// Fork to join; an error when the join could not be met.
    pub latency: LatencySummary,
    /// Per branch (call, shard or copy), in order.
    pub branches: Vec<BranchResult>,
    /// A hedge at a running percentile: the mean of the delays its window
    /// set in the measured window (each held until the next bucket
    /// closed), ms; NaN if none was set. Absent for other groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hedge_after_ms: Option<f64>,
}

/// What one branch did in one run.
#[derive(Clone, Debug, Serialize)]
pub struct BranchResult {
    /// The callee, `shard <s>` or `copy <c>`.
    pub name: String,
    /// Times it left.
    pub sent: u64,
    /// Successful answers heard before the join (they made it).
    pub counted: u64,
    /// Answers heard after the join (ok or not).
    pub late: u64,
    /// Failed answers (before or after the join).
    pub failed: u64,
    /// Times it was cancelled as a loser.
    pub cancelled: u64,
    /// Mean time from leaving to its answer, ms (NaN if none answered).
    pub mean_ms: f64,
}

impl GroupRecord {
    /// Empty records for every group of `model`.
    pub fn all(model: &Model) -> Vec<GroupRecord> {
        model
            .call_groups
            .iter()
            .map(|group| GroupRecord {
                latency: LatencyRecord::default(),
                branches: vec![BranchRecord::default(); group.branch_names.len()],
                delay_sum_ns: 0.0,
                delays: 0,
            })
            .collect()
    }

    /// Counts `event` (the caller checks the warm-up).
    pub fn record(&mut self, event: FanoutEvent) {
        let (FanoutEvent::Sent { branch }
        | FanoutEvent::Answered { branch, .. }
        | FanoutEvent::Cancelled { branch }) = event
        else {
            match event {
                FanoutEvent::Joined { ok, ns } => self.latency.record(ns, ok),
                FanoutEvent::Delay { ns: Some(ns) } => {
                    self.delay_sum_ns += ns as f64;
                    self.delays += 1;
                }
                _ => {}
            }
            return;
        };
        // Every branch sent has a name (the compiled group counts them).
        let Some(record) = self.branches.get_mut(usize::from(branch)) else {
            return;
        };
        match event {
            FanoutEvent::Sent { .. } => record.sent += 1,
            FanoutEvent::Answered { ok, late, ns, .. } => {
                record.answered += 1;
                record.sum_ns += ns as f64;
                record.counted += u64::from(ok && !late);
                record.late += u64::from(late);
                record.failed += u64::from(!ok);
            }
            FanoutEvent::Cancelled { .. } => record.cancelled += 1,
            FanoutEvent::Joined { .. } | FanoutEvent::Delay { .. } => {}
        }
    }

    /// The group's figures over a window of `window_s`.
    pub fn finish(&self, model: &Model, index: usize, window_s: f64) -> GroupResult {
        let group = &model.call_groups[index];
        GroupResult {
            name: group.name.clone(),
            kind: group.label(),
            latency: self.latency.summarize(window_s),
            branches: self
                .branches
                .iter()
                .zip(&group.branch_names)
                .map(|(record, name)| BranchResult {
                    name: name.clone(),
                    sent: record.sent,
                    counted: record.counted,
                    late: record.late,
                    failed: record.failed,
                    cancelled: record.cancelled,
                    mean_ms: if record.answered == 0 {
                        f64::NAN
                    } else {
                        record.sum_ns / record.answered as f64 / 1e6
                    },
                })
                .collect(),
            hedge_after_ms: group.running_hedge().then(|| match self.delays {
                0 => f64::NAN,
                n => self.delay_sum_ns / n as f64 / 1e6,
            }),
        }
    }
}

/// A group's figures over replications.
#[derive(Clone, Debug, Serialize)]
pub struct GroupEstimate {
    /// `<pool>.calls[i]`.
    pub name: String,
    /// `all`, `first`, `quorum k/n`, `scatter` or `hedge`.
    pub kind: String,
    /// Fork to join.
    pub latency: LatencyEstimate,
    /// Per branch.
    pub branches: Vec<BranchEstimate>,
    /// A hedge at a running percentile: the mean delay it set, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hedge_after_ms: Option<Estimate>,
}

/// A branch's figures over replications, per second of the window.
#[derive(Clone, Debug, Serialize)]
pub struct BranchEstimate {
    /// The callee, `shard <s>` or `copy <c>`.
    pub name: String,
    /// Times it left.
    pub sent_per_s: Estimate,
    /// Share of the group's joins it counted in (answered ok before the join).
    pub counted_share: Estimate,
    /// Late answers.
    pub late_per_s: Estimate,
    /// Failed answers.
    pub failed_per_s: Estimate,
    /// Cancellations.
    pub cancelled_per_s: Estimate,
    /// Mean time to its answer, ms.
    pub mean_ms: Estimate,
}

/// Every group over `runs` (replications of one model, at least one).
pub fn estimates(runs: &[super::RunResult]) -> Vec<GroupEstimate> {
    let first = &runs[0];
    let over = |figure: &dyn Fn(&super::RunResult) -> f64| {
        Estimate::of(&runs.iter().map(figure).collect::<Vec<_>>())
    };
    first
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| GroupEstimate {
            name: group.name.clone(),
            kind: group.kind.clone(),
            latency: LatencyEstimate::of(
                &runs
                    .iter()
                    .map(|r| &r.groups[g].latency)
                    .collect::<Vec<_>>(),
            ),
            branches: (0..group.branches.len())
                .map(|b| {
                    let rate = |figure: fn(&BranchResult) -> u64| {
                        over(&|r| figure(&r.groups[g].branches[b]) as f64 / r.window_s)
                    };
                    BranchEstimate {
                        name: group.branches[b].name.clone(),
                        sent_per_s: rate(|x| x.sent),
                        counted_share: over(&|r| {
                            let joins = r.groups[g].latency.completed + r.groups[g].latency.errors;
                            r.groups[g].branches[b].counted as f64 / joins.max(1) as f64
                        }),
                        late_per_s: rate(|x| x.late),
                        failed_per_s: rate(|x| x.failed),
                        cancelled_per_s: rate(|x| x.cancelled),
                        mean_ms: over(&|r| r.groups[g].branches[b].mean_ms),
                    }
                })
                .collect(),
            hedge_after_ms: group
                .hedge_after_ms
                .map(|_| over(&|r| r.groups[g].hedge_after_ms.unwrap_or(f64::NAN))),
        })
        .collect()
}
