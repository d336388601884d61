//! Scheduling at a node: class priorities at a pool's queues and vCPUs and
//! at a database's connections, and a pool's CPU discipline. The format
//! (`spec`), its checks (`check`), compilation (`compile`) and the compiled
//! form (`compiled`).

pub mod check;
pub mod compile;
pub mod compiled;
pub mod spec;
