//! The metered bill's columns of a series, when the model meters traffic
//! (a payload or a managed load balancer or CDN): what the load balancers,
//! the CDNs and egress have cost so far, from t = 0, in US dollars, beside
//! the instances' `cost_usd`.

use crate::engine::Hop;
use crate::model::{ClassId, Metered, Model, NodeId};
use crate::stats::BillMeter;

use super::{ColumnGroup, Span};

/// The meter of the open window, and the cost of the closed ones.
pub(super) struct BillColumns {
    meter: BillMeter,
    /// Which nodes are load balancers (else CDNs) among the metered.
    balancer: Vec<Option<bool>>,
    /// Spent so far: load balancers, CDNs, egress, $.
    spent: [f64; 3],
}

impl BillColumns {
    /// Columns for `model`: none when it meters nothing.
    pub(super) fn new(model: &Model) -> Self {
        BillColumns {
            meter: BillMeter::new(model),
            balancer: (model.bill.metered.iter())
                .map(|m| m.map(|m| matches!(m, Metered::Balancer { .. })))
                .collect(),
            spent: [0.0; 3],
        }
    }

    pub(super) fn visit(&mut self, node: NodeId, class: ClassId, ok: bool) {
        self.meter.visit(node, class, ok);
    }

    pub(super) fn answered(&mut self, class: ClassId) {
        self.meter.answered(class);
    }

    pub(super) fn hop(&mut self, hop: Hop) {
        self.meter.hop(hop);
    }

    pub(super) fn any(&self) -> bool {
        self.meter.any()
    }
}

impl ColumnGroup for BillColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        if self.any() {
            for name in ["cost_load_balancer_usd", "cost_cdn_usd", "cost_egress_usd"] {
                columns.push(name.to_string());
            }
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        if !self.any() {
            return;
        }
        let seconds = span.seconds();
        let (per_node, egress) = self.meter.price(seconds);
        let hours = seconds / 3600.0;
        for (usd, balancer) in per_node.iter().zip(&self.balancer) {
            match balancer {
                Some(true) => self.spent[0] += usd * hours,
                Some(false) => self.spent[1] += usd * hours,
                None => {}
            }
        }
        self.spent[2] += egress * hours;
        row.extend(self.spent);
        self.meter.reset();
    }
}
