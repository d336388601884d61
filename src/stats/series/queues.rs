//! The queue columns of a series: for each queue, in node order, its
//! time-averaged depth (`<queue>.depth`, visible messages) and messages in
//! flight (`<queue>.in_flight`), the largest age of its oldest visible
//! message in the window (`<queue>.oldest_age_s`: the consumer lag), and
//! its redeliveries and dead-letterings per second.

use crate::engine::{Level, MessageEvent, QueueLevels, SimTime};
use crate::model::{Model, NodeId, NodeKind};

use super::{ColumnGroup, Span};

/// One queue's window.
#[derive(Default)]
struct QueueWindow {
    name: String,
    visible: Level,
    in_flight: Level,
    /// The oldest visible message's sending time, from the last change.
    oldest: Option<SimTime>,
    /// Its largest age in the open window, ns.
    max_age_ns: u64,
    redelivered: u64,
    dead_lettered: u64,
}

/// Every queue of the model.
pub(super) struct QueueColumns {
    queues: Vec<QueueWindow>,
    /// Index into `queues` for each node; `None` for nodes that are not queues.
    queue_of_node: Vec<Option<usize>>,
}

/// Levels integrate over the whole run: the series counts the warm-up too.
const FROM_START: SimTime = SimTime::ZERO;

impl QueueColumns {
    /// Columns for each queue of `model`.
    pub(super) fn new(model: &Model) -> Self {
        let mut queues = Vec::new();
        let queue_of_node = model
            .nodes
            .iter()
            .map(|node| match &node.kind {
                NodeKind::Queue(_) => {
                    queues.push(QueueWindow {
                        name: node.name.clone(),
                        ..QueueWindow::default()
                    });
                    Some(queues.len() - 1)
                }
                _ => None,
            })
            .collect();
        QueueColumns {
            queues,
            queue_of_node,
        }
    }

    /// `count` messages of `node` went through `event`, leaving it at `levels`.
    pub(super) fn messages(
        &mut self,
        now: SimTime,
        node: NodeId,
        event: MessageEvent,
        count: u32,
        levels: QueueLevels,
    ) {
        let Some(i) = self.queue_of_node[node.index()] else {
            return;
        };
        let queue = &mut self.queues[i];
        queue
            .visible
            .set(now, FROM_START, f64::from(levels.visible));
        queue
            .in_flight
            .set(now, FROM_START, f64::from(levels.in_flight));
        // The age grows until this change: its peak is just before it.
        if let Some(sent) = queue.oldest {
            queue.max_age_ns = queue.max_age_ns.max(now.since(sent));
        }
        queue.oldest = levels.oldest;
        match event {
            MessageEvent::Redelivered => queue.redelivered += u64::from(count),
            MessageEvent::DeadLettered => queue.dead_lettered += u64::from(count),
            _ => {}
        }
    }
}

impl ColumnGroup for QueueColumns {
    fn name_columns(&self, columns: &mut Vec<String>) {
        for queue in &self.queues {
            let name = &queue.name;
            columns.push(format!("{name}.depth"));
            columns.push(format!("{name}.in_flight"));
            columns.push(format!("{name}.oldest_age_s"));
            columns.push(format!("{name}.redelivered_per_s"));
            columns.push(format!("{name}.dead_lettered_per_s"));
        }
    }

    fn close(&mut self, span: Span, row: &mut Vec<f64>) {
        let ns = span.seconds() * 1e9;
        for queue in &mut self.queues {
            row.push(queue.visible.take_area(span.end, FROM_START) / ns);
            row.push(queue.in_flight.take_area(span.end, FROM_START) / ns);
            if let Some(sent) = queue.oldest {
                queue.max_age_ns = queue.max_age_ns.max(span.end.since(sent));
            }
            row.push(queue.max_age_ns as f64 / 1e9);
            row.push(queue.redelivered as f64 / span.seconds());
            row.push(queue.dead_lettered as f64 / span.seconds());
            queue.max_age_ns = 0;
            queue.redelivered = 0;
            queue.dead_lettered = 0;
        }
    }
}
