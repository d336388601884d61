//! Compiled scheduling of a node: each class's rank, and the CPU discipline.

pub use crate::model::scheduling::spec::CpuDiscipline;
use crate::model::shared::ids::ClassId;

/// How a node orders its waiting requests and shares its vCPUs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scheduling {
    /// Each class's rank (index = class id): 0 is served first. Empty when
    /// every class has the same priority: first come, first served.
    pub rank_by_class: Vec<u16>,
    /// Distinct ranks: 1 without priorities.
    pub ranks: u16,
    /// Each class's priority as written (index = class id; 0 where not
    /// written); empty without priorities.
    pub priority_by_class: Vec<i32>,
    /// A higher-ranked CPU burst pre-empts the lowest-ranked running one
    /// (pools, with priorities only).
    pub preemptive: bool,
    /// A pool's CPU discipline (`Fifo` for databases).
    pub cpu: CpuDiscipline,
}

impl Scheduling {
    /// First come, first served, one burst per vCPU.
    pub fn fifo() -> Self {
        Scheduling {
            ranks: 1,
            ..Scheduling::default()
        }
    }

    /// True if classes are served by priority.
    pub fn by_priority(&self) -> bool {
        self.ranks > 1
    }

    /// The rank of `class`: 0 is served first.
    #[inline]
    pub fn rank(&self, class: ClassId) -> u16 {
        self.rank_by_class.get(class.index()).copied().unwrap_or(0)
    }
}
