//! Compiled groups of calls made at once. A group's calls stay ordinary
//! entries of its pool's `calls` (consecutive, each with its own site), so
//! whatever counts visits sees them; the group says how they join.

use serde::Serialize;

use crate::model::shared::ids::NodeId;

/// Index of a group in [`Model::call_groups`](crate::model::Model::call_groups).
pub type GroupId = u16;

/// How many successful answers a group waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Join {
    /// Every branch's.
    All,
    /// One.
    First,
    /// `k`.
    Quorum(u16),
}

/// What the branches of a group are.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Each of the group's calls, once, all at once.
    Parallel,
    /// One call, to each shard of a database (`shard_keys[s]` is a key of
    /// shard `s`, which each branch carries so the database routes it).
    Scatter {
        /// A key of each shard.
        #[serde(skip)]
        shard_keys: Vec<u64>,
        /// Keys covered from the request's key (`None`: every shard).
        key_range: Option<u64>,
    },
    /// One call, sent again after a delay while unanswered.
    Hedge {
        /// The delay before each further copy.
        after: HedgeAfter,
    },
}

/// When a hedge's next copy leaves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HedgeAfter {
    /// A fixed delay, ns.
    Fixed(u64),
    /// The running `quantile` (0–1) of the copies' times over the last
    /// `buckets` buckets of `bucket_ns` each.
    Percentile {
        /// The quantile, 0 to 1 (0.95 for p95).
        quantile: f64,
        /// A bucket's length, ns.
        bucket_ns: u64,
        /// Buckets in the window.
        buckets: u16,
    },
}

/// One group of calls.
#[derive(Clone, Debug, Serialize)]
pub struct CallGroup {
    /// `<pool>.calls[i]`.
    pub name: String,
    /// The pool making the calls.
    #[serde(skip)]
    pub caller: NodeId,
    /// Its first call in the pool's `calls`.
    pub first_call: u16,
    /// Its calls there (1 for a scatter or a hedge).
    pub calls: u16,
    /// Branches at most: calls, shards or copies.
    pub branches: u16,
    /// When it answers.
    pub join: Join,
    /// Whether branches still out at the join are cancelled.
    pub cancel_losers: bool,
    /// Parallel calls, scatter or hedge.
    pub kind: GroupKind,
    /// A name per branch, for reports: the callee, `shard <s>`, `copy <c>`.
    pub branch_names: Vec<String>,
}

impl CallGroup {
    /// Successful answers the group needs from `made` branches.
    pub fn needed(&self, made: u16) -> u16 {
        match self.join {
            Join::All => made,
            Join::First => made.min(1),
            Join::Quorum(k) => k.min(made),
        }
    }

    /// A hedge whose delay is a running percentile.
    pub fn running_hedge(&self) -> bool {
        matches!(
            self.kind,
            GroupKind::Hedge {
                after: HedgeAfter::Percentile { .. }
            }
        )
    }

    /// `all`, `first`, `quorum k/n`, `scatter`, `hedge`, `hedge p95`: for reports.
    pub fn label(&self) -> String {
        match (&self.kind, self.join) {
            (GroupKind::Scatter { .. }, _) => "scatter".to_string(),
            (
                GroupKind::Hedge {
                    after: HedgeAfter::Percentile { quantile, .. },
                },
                _,
                // Rounded so that 99.9 does not print as 99.89999999999999.
            ) => format!("hedge p{}", (quantile * 1e6).round() / 1e4),
            (GroupKind::Hedge { .. }, _) => "hedge".to_string(),
            (GroupKind::Parallel, Join::All) => "all".to_string(),
            (GroupKind::Parallel, Join::First) => "first".to_string(),
            (GroupKind::Parallel, Join::Quorum(k)) => format!("quorum {k}/{}", self.branches),
        }
    }
}
