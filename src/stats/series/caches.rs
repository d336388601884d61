//! The cache columns of a series: for each cache, in node order, the share
//! of its lookups in the window that hit (`<cache>.hit_ratio`).

use crate::model::{Model, NodeId, NodeKind};

use super::{ColumnGroup, Span};

/// Every cache's counts in the open window.
pub(super) struct CacheColumns {
    names: Vec<String>,
    /// (lookups, hits) of the open window.
    counts: Vec<(u64, u64)>,
    /// Index into `names` for each node; `None` for nodes that are not caches.
    cache_of_node: Vec<Option<usize>>,
}

impl CacheColumns {
    /// A column for each cache of `model`.
    pub(super) fn new(model: &Model) -> Self {
        let mut names = Vec::new();
        let cache_of_node = model
            .nodes
            .iter()
            .map(|node| match node.kind {
                NodeKind::Cache(_) => {
                    names.push(node.name.clone());
                    Some(names.len() - 1)
                }
                _ => None,
            })
            .collect();
        CacheColumns {
            counts: vec![(0, 0); names.len()],
            names,
            cache_of_node,
        }
    }

    /// A lookup at `node`.
    #[inline]
    pub(super) fn lookup(&mut self, node: NodeId, hit: bool) {
        if let Some(i) = self.cache_of_node[node.index()] {
            self.counts[i].0 += 1;
            self.counts[i].1 += u64::from(hit);
        }
    }
}

impl ColumnGroup for CacheColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        columns.extend(self.names.iter().map(|n| format!("{n}.hit_ratio")));
    }

    fn close(&mut self, _span: Span, row: &mut Vec<f64>) {
        for (lookups, hits) in &mut self.counts {
            row.push(if *lookups == 0 {
                f64::NAN
            } else {
                *hits as f64 / *lookups as f64
            });
            (*lookups, *hits) = (0, 0);
        }
    }
}
