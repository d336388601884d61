//! The CPU-credit columns of a series: for each burstable pool, at the
//! window's end, its credit balance and its surplus outstanding (summed
//! over its instances, credits) and its instances throttled.

use crate::engine::{CreditLevels, SimTime};
use crate::model::{Model, NodeId, NodeKind};

use super::{ColumnGroup, Span};

/// Every burstable pool's latest credit levels.
pub(super) struct CreditColumns {
    names: Vec<String>,
    /// The last levels reported and when.
    levels: Vec<(CreditLevels, SimTime)>,
    /// Index into `names` for each node; `None` for other nodes.
    pool_of_node: Vec<Option<usize>>,
}

impl CreditColumns {
    /// Columns for every pool of `model` whose type is burstable.
    pub(super) fn new(model: &Model) -> Self {
        let mut names = Vec::new();
        let pool_of_node = (model.nodes.iter())
            .map(|node| match &node.kind {
                NodeKind::Pool(pool) if pool.credits.is_some() => {
                    names.push(node.name.clone());
                    Some(names.len() - 1)
                }
                _ => None,
            })
            .collect();
        CreditColumns {
            levels: vec![(CreditLevels::default(), SimTime::ZERO); names.len()],
            names,
            pool_of_node,
        }
    }

    /// `node`'s credits are `levels` from `now` on.
    pub(super) fn credits(&mut self, now: SimTime, node: NodeId, levels: CreditLevels) {
        if let Some(index) = self.pool_of_node[node.index()] {
            self.levels[index] = (levels, now);
        }
    }
}

impl ColumnGroup for CreditColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for name in &self.names {
            for figure in ["credit_balance", "surplus_credits", "throttled"] {
                columns.push(format!("{name}.{figure}"));
            }
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        for (levels, since) in &self.levels {
            let dt = span.end.since(*since) as f64;
            row.push(levels.balance + levels.balance_per_ns * dt);
            row.push(levels.surplus + levels.surplus_per_ns * dt);
            row.push(f64::from(levels.throttled));
        }
    }
}
