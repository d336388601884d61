//! The closed set of things that can happen during a run.

use super::slab::JobId;

/// Everything that can happen during a run. A closed set: adding a kind of
/// event is an edit here, and the compiler then lists every `match` to update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A traffic source emits a request (open: the next arrival is due;
    /// closed: a user has finished thinking).
    Arrival {
        /// Index of the source.
        source: u32,
    },
    /// The timed phase of a job at its node ended: CPU work, a query, a
    /// lookup, a delay. The node reads what phase it was from the job.
    PhaseDone {
        /// The job.
        job: JobId,
    },
    /// A timer set by the network fired: an instance booted or crashed, an
    /// autoscaler's sync, a health check. The network keeps what it means.
    Timer {
        /// The timer's slot.
        id: JobId,
    },
}

// Events are copied in and out of the queue millions of times a second.
const _: () = assert!(std::mem::size_of::<Event>() <= 8);
