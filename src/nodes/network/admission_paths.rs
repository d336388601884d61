//! Admission control's paths: a job entering a node with an `admission`
//! block is admitted or turned away before the node sees it.

use crate::engine::{EventQueue, JobId, Observer, SimTime};

use super::super::admission::AdmissionState;
use super::super::job::Origin;
use super::{Answer, Network};
use crate::model::{Model, NodeKind};

/// Each node's admission control, `None` for nodes without.
pub(super) fn admission_states(model: &Model) -> Vec<Option<Box<AdmissionState>>> {
    model
        .nodes
        .iter()
        .map(|node| {
            let admission = match &node.kind {
                NodeKind::Pool(pool) => pool.admission.as_deref(),
                NodeKind::Balancer(balancer) => balancer.admission.as_deref(),
                _ => None,
            }?;
            let state = AdmissionState::new(admission, model.sources.len(), model.classes.len());
            Some(Box::new(state))
        })
        .collect()
}

impl<O: Observer> Network<'_, O> {
    /// Admission control at the node `id` enters, which has some: true if
    /// it turned the job away (then answered, as an error of its own kind).
    pub(super) fn refused_at_entry(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        id: JobId,
    ) -> bool {
        let job = self.jobs[id];
        let node = job.node.index();
        let per_source = self.admission[node]
            .as_ref()
            .is_some_and(|a| a.per_source());
        let source = if per_source { self.source_of(id) } else { None };
        let Some(admission) = self.admission[node].as_mut() else {
            return false;
        };
        let Some(why) = admission.admit(now, job.class.index(), source) else {
            return false;
        };
        // A refused request still reached the pool, for its autoscaler.
        if let Some(monitor) = self.monitor(node) {
            monitor.arrived(now);
        }
        self.finish(now, queue, id, Answer::Refused(why));
        true
    }

    /// The traffic source of `id`'s request, up its tree of calls; `None`
    /// for detached work (an async call, an abandoned attempt).
    fn source_of(&self, mut id: JobId) -> Option<u32> {
        loop {
            match self.jobs[id].origin {
                Origin::Root { source } | Origin::Client { source } => return Some(source),
                Origin::Call(parent) => id = parent,
                // A branch of a group of calls: the job waiting at its join.
                Origin::Branch { fork, .. } | Origin::BranchClient { fork, .. } => {
                    id = self.forks[fork].parent
                }
                // Messages' consumers share the detached bucket too: the
                // queue decoupled them from their producers' sources.
                Origin::Async | Origin::Message(_) => return None,
            }
        }
    }
}
