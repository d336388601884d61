//! Compiles a node's scheduling: priorities to ranks per class.

use crate::model::scheduling::compiled::{CpuDiscipline, Scheduling};
use crate::model::scheduling::spec::PrioritySpec;

/// The scheduling of a node with `priority` and `cpu`, for `classes` (in
/// class id order). Distinct priorities become ranks, highest first; with
/// one priority for every class there are no ranks (first come, first
/// served, and nothing to pre-empt).
pub fn compile(
    classes: &[&str],
    priority: Option<&PrioritySpec>,
    cpu: CpuDiscipline,
) -> Scheduling {
    let Some(priority) = priority else {
        return Scheduling {
            cpu,
            ..Scheduling::fifo()
        };
    };
    let of = |class: &str| priority.classes.get(class).copied().unwrap_or(0);
    let priority_by_class: Vec<i32> = classes.iter().map(|c| of(c)).collect();
    let mut distinct = priority_by_class.clone();
    distinct.sort_unstable_by(|a, b| b.cmp(a));
    distinct.dedup();
    if distinct.len() <= 1 {
        return Scheduling {
            cpu,
            ..Scheduling::fifo()
        };
    }
    let rank_by_class = priority_by_class
        .iter()
        .map(|p| distinct.iter().position(|d| d == p).unwrap_or(0) as u16)
        .collect();
    Scheduling {
        rank_by_class,
        // At most one rank per class, and classes fit in 16 bits (checked).
        ranks: distinct.len().min(usize::from(u16::MAX)) as u16,
        priority_by_class,
        preemptive: priority.preemptive,
        cpu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priority(pairs: &[(&str, i32)], preemptive: bool) -> PrioritySpec {
        PrioritySpec {
            classes: pairs.iter().map(|(c, p)| (c.to_string(), *p)).collect(),
            preemptive,
        }
    }

    #[test]
    fn higher_priorities_get_lower_ranks_and_unlisted_classes_have_zero() {
        let spec = priority(&[("checkout", 5), ("batch", -1)], true);
        let s = compile(
            &["batch", "browse", "checkout"],
            Some(&spec),
            CpuDiscipline::Fifo,
        );
        assert_eq!(s.rank_by_class, [2, 1, 0]);
        assert_eq!(s.ranks, 3);
        assert_eq!(s.priority_by_class, [-1, 0, 5]);
        assert!(s.preemptive && s.by_priority());
    }

    #[test]
    fn one_priority_for_all_classes_is_first_come_first_served() {
        let spec = priority(&[("a", 3), ("b", 3)], true);
        let s = compile(&["a", "b"], Some(&spec), CpuDiscipline::ProcessorSharing);
        assert_eq!(s.ranks, 1);
        assert!(!s.preemptive && !s.by_priority());
        assert_eq!(s.cpu, CpuDiscipline::ProcessorSharing);
    }
}
