//! `QueueSpec` (checked) → `Queue`.

use crate::model::queues::compiled::Queue;
use crate::model::queues::spec::QueueSpec;
use crate::model::shared::ids::NodeId;
use crate::model::shared::units::seconds_to_ns;

/// The queue, its consumer already resolved.
pub fn queue(spec: &QueueSpec, consumer: NodeId) -> Queue {
    Queue {
        consumer,
        batch_size: spec.batch_size.get(),
        visibility_timeout_ns: seconds_to_ns(spec.visibility_timeout_s.get()).max(1),
        max_receives: spec.max_receives.map(|m| m.get()),
        partitions: spec.partitions.map(|p| p.get()),
        max_messages: spec.max_messages.map(|m| m.get()),
    }
}
