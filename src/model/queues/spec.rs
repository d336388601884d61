//! The `queue` node as written in JSON.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::shared::units::{Count, Positive};

/// `queue`: producers send messages (a call to the queue is answered once
/// the message is stored); the `consumer` pool's workers receive them in
/// batches, and delete each batch when its job succeeds.
///
/// After Amazon SQS: a received message is invisible for
/// `visibility_timeout_s`; not deleted by then (the job failed, or is still
/// running), it becomes visible again and is received anew; a message
/// received `max_receives` times without being deleted goes to the
/// dead-letter queue (SQS's redrive policy `maxReceiveCount`).
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// The pool whose workers receive the messages. It takes work from this
    /// queue only: nothing else may send to it.
    pub consumer: String,
    /// Messages one receive takes at most (SQS `MaxNumberOfMessages`, 1–10;
    /// Kafka `max.poll.records`); a receive takes what is visible, up to
    /// this, without waiting for more (default 1). The batch is one job: its
    /// CPU work is one draw of the consumer's service per message, its calls
    /// are made once for the batch.
    #[serde(default = "Count::one")]
    pub batch_size: Count,
    /// How long a received message stays invisible, seconds (default 30, SQS's).
    #[serde(default = "default_visibility_timeout")]
    pub visibility_timeout_s: Positive,
    /// Receives after which a message not deleted is dead-lettered (SQS
    /// `maxReceiveCount`, 1–1000; default: none, redelivered until deleted).
    #[serde(default)]
    pub max_receives: Option<Count>,
    /// Ordered partitions (Kafka partitions, SQS FIFO message groups): a
    /// message's key picks one, and each is received by one job at a time,
    /// in order; so at most this many jobs run at once, however many
    /// consumers there are (default: none, one unordered queue).
    #[serde(default)]
    pub partitions: Option<Count>,
    /// Messages the queue holds at most (visible or in flight); a send
    /// beyond it is rejected (default: unbounded, within `simulation.max_in_flight`).
    #[serde(default)]
    pub max_messages: Option<Count>,
}

fn default_visibility_timeout() -> Positive {
    Positive::try_from(30.0).expect("constant in range")
}
