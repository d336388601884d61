//! The queue's paths: a send (stored, then answered at once), receives by
//! the consumer pool's free workers, a job's end (delete, or leave the
//! messages to their visibility timeout), and the timeout (visible again,
//! or dead-lettered). The bookkeeping is `nodes/queue.rs`'s.
//!
//! Consumers poll: a worker that frees takes the next batch at once (SQS
//! long polling answers as soon as a message is visible), so a message
//! waits only while every worker of the consumer is busy, or, ordered,
//! while its partition's previous batch is in flight.

use crate::engine::{EventQueue, JobId, MessageEvent, Observer, SimTime};
use crate::model::{NodeId, NodeKind, Queue};

use super::super::fleet::Timer;
use super::super::job::{Job, NO_JOB, Origin};
use super::super::monitor::Reading;
use super::super::queue::{Message, QueueState};
use super::{Answer, Network, NodeState};

impl<O: Observer> Network<'_, O> {
    fn queue_state(&mut self, node: NodeId) -> &mut QueueState {
        match &mut self.states[node.index()] {
            NodeState::Queue(queue) => queue,
            _ => unreachable!("node {} is a queue", node.0),
        }
    }

    fn queue_config(&self, node: NodeId) -> &Queue {
        match &self.model.nodes[node.index()].kind {
            NodeKind::Queue(queue) => queue,
            _ => unreachable!("node {} is a queue", node.0),
        }
    }

    /// Tells the observer what `count` messages went through.
    fn report_messages(&mut self, now: SimTime, node: NodeId, event: MessageEvent, count: u32) {
        if count > 0 {
            let levels = self.queue_state(node).levels();
            self.observer.messages(now, node, event, count, levels);
        }
    }

    /// A producer's send: stored (or refused when the queue is full), then
    /// answered at once; the consumers are told.
    pub(super) fn queue_enter(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        let job = self.jobs[id];
        let config = self.queue_config(job.node);
        let (max, partition) = (config.max_messages, config.partition_of(job.key));
        let state = self.queue_state(job.node);
        if max.is_some_and(|max| state.stored() >= max) {
            self.finish(now, queue, id, Answer::Rejected);
            return;
        }
        state.send(
            partition,
            Message {
                class: job.class,
                key: job.key,
                sent: now,
                receives: 0,
            },
        );
        // The message is in flight until deleted or dead-lettered.
        self.requests += 1;
        self.report_messages(now, job.node, MessageEvent::Sent, 1);
        self.answer_sender(now, queue, id);
        self.queue_dispatch(now, queue, job.node, None);
    }

    /// The send's answer, without a visit of its own: the queue's visits
    /// are its messages' (sent to deleted), reported as they are deleted.
    fn answer_sender(&mut self, now: SimTime, queue: &mut EventQueue, id: JobId) {
        self.jobs[id].token = 0;
        let job = self.jobs.remove(id);
        self.count_request(job.origin, -1);
        match job.origin {
            Origin::Call(parent) => self.call_returned(now, queue, parent, true),
            Origin::Root { source } => self.request_ended(now, queue, source, &job, true),
            Origin::Branch { fork, branch } => {
                self.branch_answered(now, queue, (fork, branch), Answer::Ok, job.entered)
            }
            Origin::Async => {}
            Origin::Client { .. } | Origin::BranchClient { .. } | Origin::Message(_) => {
                unreachable!("a queue is sent to by a source or a call")
            }
        }
    }

    /// Hands batches to free consumer workers while there are both;
    /// `hint` is an instance whose worker just freed.
    fn queue_dispatch(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        mut hint: Option<u32>,
    ) {
        let config = self.queue_config(node);
        let (consumer, timeout) = (config.consumer, config.visibility_timeout_ns);
        loop {
            let state = self.queue_state(node);
            if !state.can_receive() || (state.consumers_busy && hint.is_none()) {
                return;
            }
            let Some(instance) = self.pool(consumer.index()).worker_for_message(hint.take()) else {
                self.queue_state(node).consumers_busy = true;
                return;
            };
            let Some(received) = self.queue_state(node).receive() else {
                return;
            };
            self.report_messages(now, node, MessageEvent::Received, received.len);
            self.report_messages(now, node, MessageEvent::Redelivered, received.redelivered);
            let at = now.as_nanos() + timeout;
            let delivery = received.delivery;
            self.set_timer(
                queue,
                at,
                Timer::Visibility {
                    queue: node,
                    delivery,
                },
            );
            let job = Job {
                node: consumer,
                origin: Origin::Message(delivery),
                class: received.first.class,
                step: 0,
                write: false,
                failed: false,
                slot: instance,
                key: received.first.key,
                entered: now,
                attempt: 1,
                token: 0,
                pending: NO_JOB,
            };
            self.spawn(now, queue, job);
        }
    }

    /// The CPU draws of `origin`'s job: one per message of its batch.
    pub(super) fn draws_of(&self, origin: Origin, node: NodeId) -> u32 {
        match (origin, self.consumer_of[node.index()]) {
            (Origin::Message(delivery), Some(queue)) => match &self.states[queue.index()] {
                NodeState::Queue(state) => state.len(delivery),
                _ => 1,
            },
            _ => 1,
        }
    }

    /// A consumer's job ended: its batch is deleted if it succeeded before
    /// its timeout ran out; its worker (unless its instance crashed) takes
    /// the next batch.
    pub(super) fn message_done(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        job: &Job,
        delivery: JobId,
        ok: bool,
    ) {
        let Some(node) = self.consumer_of[job.node.index()] else {
            unreachable!("a message job runs at its queue's consumer")
        };
        let state = self.queue_state(node);
        let deleted = state.job_done(delivery, ok);
        for k in 0..deleted {
            let message = self.queue_state(node).held(delivery, k);
            self.observer
                .visit_done(now, node, message.class, message.sent, true);
        }
        self.requests -= deleted as usize;
        self.report_messages(now, node, MessageEvent::Deleted, deleted);
        self.queue_state(node).consumers_busy = false;
        self.queue_dispatch(now, queue, node, Some(job.slot));
    }

    /// A delivery's visibility timeout ran out: what was not deleted is
    /// visible again, or dead-lettered, and free workers take it.
    pub(super) fn visibility_expired(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        node: NodeId,
        delivery: JobId,
    ) {
        let expired = self.queue_state(node).expire(delivery);
        self.report_messages(now, node, MessageEvent::Returned, expired.returned);
        // The dead ones lead the delivery's slot until the next receive.
        for k in 0..expired.dead {
            let message = self.queue_state(node).held(delivery, k);
            self.observer
                .visit_done(now, node, message.class, message.sent, false);
        }
        self.requests -= expired.dead as usize;
        self.report_messages(now, node, MessageEvent::DeadLettered, expired.dead);
        // Returned messages, or an ordered partition unlocked.
        self.queue_dispatch(now, queue, node, None);
    }

    /// What an autoscaler reads of queue `node` now: its messages visible
    /// and in flight, and its oldest visible message's age in seconds.
    pub(super) fn read_queue(&mut self, now: SimTime, node: NodeId, reading: &mut Reading) {
        let levels = self.queue_state(node).levels();
        reading.queue_age_s = levels
            .oldest
            .map_or(0.0, |sent| now.since(sent) as f64 / 1e9);
        reading.queue_visible = f64::from(levels.visible);
        reading.queue_depth = f64::from(levels.visible + levels.in_flight);
    }

    /// Instances joined the consumer pool `pool`'s rotation: their workers poll.
    pub(in crate::nodes) fn consumers_joined(
        &mut self,
        now: SimTime,
        queue: &mut EventQueue,
        pool: NodeId,
    ) {
        if let Some(node) = self.consumer_of[pool.index()] {
            self.queue_state(node).consumers_busy = false;
            self.queue_dispatch(now, queue, node, None);
        }
    }
}
