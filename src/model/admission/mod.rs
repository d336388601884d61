//! Admission control at a pool or a load balancer (a token-bucket rate
//! limit, a concurrency limit, load shedding, LIFO under overload): the
//! format (`spec`), its checks (`check`), its compilation (`compile`) and the
//! compiled form (`compiled`).

pub mod check;
pub mod compile;
pub mod compiled;
pub mod spec;
