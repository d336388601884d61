//! The admission columns of a series: for each node with admission control,
//! in node order, the requests it shed and the requests its token bucket
//! refused, per second (`<node>.shed_per_s`, `<node>.rate_limited_per_s`).

use crate::engine::Refusal;
use crate::model::{Model, NodeId, NodeKind};

use super::{ColumnGroup, Span};

/// Every admission-controlled node's counts in the open window.
pub(super) struct AdmissionColumns {
    names: Vec<String>,
    /// (shed, rate limited) of the open window.
    counts: Vec<(u64, u64)>,
    /// Index into `names` for each node; `None` for nodes without admission control.
    index_of_node: Vec<Option<usize>>,
}

impl AdmissionColumns {
    /// A column pair for each node of `model` with admission control.
    pub(super) fn new(model: &Model) -> Self {
        let mut names = Vec::new();
        let index_of_node = model
            .nodes
            .iter()
            .map(|node| {
                let controlled = match &node.kind {
                    NodeKind::Pool(pool) => pool.admission.is_some(),
                    NodeKind::Balancer(balancer) => balancer.admission.is_some(),
                    _ => false,
                };
                controlled.then(|| {
                    names.push(node.name.clone());
                    names.len() - 1
                })
            })
            .collect();
        AdmissionColumns {
            counts: vec![(0, 0); names.len()],
            names,
            index_of_node,
        }
    }

    /// `node` turned a request away for `why`.
    pub(super) fn refused(&mut self, node: NodeId, why: Refusal) {
        if let Some(i) = self.index_of_node[node.index()] {
            match why {
                Refusal::Shed => self.counts[i].0 += 1,
                Refusal::RateLimited => self.counts[i].1 += 1,
            }
        }
    }
}

impl ColumnGroup for AdmissionColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for name in &self.names {
            columns.push(format!("{name}.shed_per_s"));
            columns.push(format!("{name}.rate_limited_per_s"));
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        let seconds = span.seconds();
        for (shed, limited) in &mut self.counts {
            row.push(*shed as f64 / seconds);
            row.push(*limited as f64 / seconds);
            (*shed, *limited) = (0, 0);
        }
    }
}
