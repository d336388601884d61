//! The table's lines on admission control: what each node shed and rate
//! limited, and, with several classes, whose requests they were. Printed
//! only when something was turned away, so other models' tables are unchanged.

use std::io::{self, Write};

use super::table::cell;
use crate::stats::{ClassRefusals, Estimate, NodeEstimate, Summary};

/// One kind of refusal: its label, and its figure per node and per class.
struct Kind {
    label: &'static str,
    of_node: fn(&NodeEstimate) -> Estimate,
    of_class: fn(&ClassRefusals) -> Estimate,
}

const KINDS: [Kind; 2] = [
    Kind {
        label: "shed/s",
        of_node: |n| n.shed_per_s,
        of_class: |c| c.shed_per_s,
    },
    Kind {
        label: "rate limited/s",
        of_node: |n| n.rate_limited_per_s,
        of_class: |c| c.rate_limited_per_s,
    },
];

/// `shed/s: api 12.3` and `rate limited/s: edge 4.50`, then the same by class.
pub(super) fn write_refusals(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    for kind in &KINDS {
        let nodes: Vec<String> = summary
            .nodes
            .iter()
            .filter(|node| (kind.of_node)(node).mean > 0.0)
            .map(|node| format!("{} {}", node.name, cell((kind.of_node)(node))))
            .collect();
        if nodes.is_empty() {
            continue;
        }
        writeln!(out, "{}: {}", kind.label, nodes.join(", "))?;
        if summary.class_refusals.len() > 1 {
            let classes: Vec<String> = summary
                .class_refusals
                .iter()
                .filter(|class| (kind.of_class)(class).mean > 0.0)
                .map(|class| format!("{} {}", class.name, cell((kind.of_class)(class))))
                .collect();
            writeln!(out, "{} by class: {}", kind.label, classes.join(", "))?;
        }
    }
    Ok(())
}
