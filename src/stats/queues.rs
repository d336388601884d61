//! A queue's figures: messages sent, received, redelivered, deleted,
//! returned at a visibility timeout and dead-lettered, after the warm-up;
//! the time-averaged messages in flight; and the oldest visible message's
//! age (its mean over time, and its largest). The time-averaged depth is the
//! node's `mean_queue`, its sent-to-deleted latency the node's latency.

use serde::Serialize;

use crate::engine::{Level, MessageEvent, QueueLevels, SimTime};

/// Accumulators of one queue.
#[derive(Clone, Debug, Default)]
pub(super) struct QueueRecord {
    counts: [u64; 6],
    in_flight: Level,
    /// ∫ age of the oldest visible message dt, ns², after the warm-up.
    age_area: f64,
    /// The largest age seen after the warm-up, ns.
    max_age_ns: u64,
    /// The oldest visible message's sending time, from the last change.
    oldest: Option<SimTime>,
    since: SimTime,
}

impl QueueRecord {
    /// `count` messages went through `event`, leaving the queue at `levels`.
    pub(super) fn record(
        &mut self,
        now: SimTime,
        from: SimTime,
        event: MessageEvent,
        count: u32,
        levels: QueueLevels,
    ) {
        if now >= from {
            self.counts[event as usize] += u64::from(count);
        }
        self.in_flight.set(now, from, f64::from(levels.in_flight));
        self.accrue_age(now, from);
        self.oldest = levels.oldest;
    }

    /// Integrates the oldest message's age up to `now`: it grows linearly
    /// between changes, so each stretch adds a trapezoid.
    fn accrue_age(&mut self, now: SimTime, from: SimTime) {
        let start = self.since.max(from);
        if let Some(sent) = self.oldest
            && now > start
        {
            let (a, b) = (start.since(sent) as f64, now.since(sent) as f64);
            self.age_area += (a + b) / 2.0 * (b - a);
            self.max_age_ns = self.max_age_ns.max(now.since(sent));
        }
        self.since = now;
    }

    /// The figures over [`from`, `end`].
    pub(super) fn result(&mut self, end: SimTime, from: SimTime, window_s: f64) -> QueueResult {
        self.accrue_age(end, from);
        let window_ns = window_s * 1e9;
        let of = |event: MessageEvent| self.counts[event as usize];
        QueueResult {
            sent: of(MessageEvent::Sent),
            received: of(MessageEvent::Received),
            redelivered: of(MessageEvent::Redelivered),
            deleted: of(MessageEvent::Deleted),
            returned: of(MessageEvent::Returned),
            dead_lettered: of(MessageEvent::DeadLettered),
            mean_in_flight: self.in_flight.area_until(end, from) / window_ns,
            mean_oldest_age_s: self.age_area / window_ns / 1e9,
            max_oldest_age_s: self.max_age_ns as f64 / 1e9,
        }
    }
}

/// A queue's figures over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueueResult {
    /// Messages sent (stored).
    pub sent: u64,
    /// Messages received by consumer jobs, redeliveries included.
    pub received: u64,
    /// Receives of messages received before.
    pub redelivered: u64,
    /// Messages deleted after their job succeeded.
    pub deleted: u64,
    /// Messages made visible again when their visibility timeout ran out.
    pub returned: u64,
    /// Messages moved to the dead-letter queue after `max_receives` receives.
    pub dead_lettered: u64,
    /// Time-average of messages received and not yet deleted.
    pub mean_in_flight: f64,
    /// Time-average of the oldest visible message's age, seconds (0 while none is visible).
    pub mean_oldest_age_s: f64,
    /// The oldest visible message's largest age, seconds (consumer lag at its worst).
    pub max_oldest_age_s: f64,
}
