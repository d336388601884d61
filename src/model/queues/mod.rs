//! Message queues (SQS/Kafka-like): the format (`spec`), its checks
//! (`check`), its compile step (`compile`) and the compiled form (`compiled`).

pub mod check;
pub mod compile;
pub mod compiled;
pub mod spec;
