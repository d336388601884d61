//! Checks of a node's scheduling: priorities name classes, pre-emption only
//! at a pool's vCPUs and not with processor sharing.

use crate::model::scheduling::spec::{CpuDiscipline, PrioritySpec};
use crate::model::shared::error::Diagnostic;

/// Which node kind the scheduling belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A pool (path `…pool`).
    Pool,
    /// A database (path `…database`).
    Database,
}

/// Checks `priority` (and a pool's `cpu`) of the node at `path`
/// (`nodes.<name>.pool` or `nodes.<name>.database`) against `classes`.
pub fn check(
    acc: &mut Vec<Diagnostic>,
    path: &str,
    owner: Owner,
    classes: &[&str],
    priority: Option<&PrioritySpec>,
    cpu: CpuDiscipline,
) {
    let Some(priority) = priority else {
        return;
    };
    if priority.classes.is_empty() {
        acc.push(Diagnostic::new(
            format!("{path}.priority.classes"),
            "expected at least one class with its priority, got none",
        ));
    }
    for class in priority.classes.keys() {
        if !classes.contains(&class.as_str()) {
            let list = if classes.is_empty() {
                "there are none".to_string()
            } else {
                classes.join(", ")
            };
            acc.push(Diagnostic::new(
                format!("{path}.priority.classes.{class}"),
                format!("no class named `{class}` (classes: {list})"),
            ));
        }
    }
    if !priority.preemptive {
        return;
    }
    match owner {
        Owner::Database => acc.push(Diagnostic::new(
            format!("{path}.priority.preemptive"),
            "a query keeps its connection until it ends: only a pool's vCPUs can pre-empt",
        )),
        Owner::Pool if cpu == CpuDiscipline::ProcessorSharing => acc.push(Diagnostic::new(
            format!("{path}.priority.preemptive"),
            "pre-emption needs `cpu: fifo`: with `processor_sharing` every runnable request already has a share of the vCPUs",
        )),
        Owner::Pool => {}
    }
}
