//! The table's cost line: the bill per hour, by component when it has more
//! than its instances' compute.

use crate::stats::{Components, Summary};

use super::table::cell;

/// How each component is named in the table, in [`Components::NAMES`] order.
const LABELS: [&str; 6] = [
    "compute",
    "managed",
    "load balancer",
    "CDN",
    "egress",
    "surplus credits",
];

/// ` (compute $a, load balancer $b, …)`: the components that cost
/// something (surplus credits also at $0 when a pool is in unlimited mode);
/// nothing when compute is the whole bill.
pub(super) fn cost_parts(summary: &Summary) -> String {
    let unlimited = summary.credits.iter().any(|p| p.mode == "unlimited");
    let values = summary.cost_by_component.values();
    let parts: Vec<String> = (LABELS.iter().zip(values).enumerate())
        .filter(|(i, (_, e))| e.mean != 0.0 || (*i == 5 && unlimited))
        .map(|(_, (label, e))| format!("{label} ${}", cell(e)))
        .collect();
    let only_compute = parts.len() == 1 && values[0].mean != 0.0 && !unlimited;
    if parts.is_empty() || only_compute {
        return String::new();
    }
    debug_assert_eq!(LABELS.len(), Components::NAMES.len());
    format!(" ({})", parts.join(", "))
}
