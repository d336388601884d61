//! Network latency: a latency on a call (one way or round trip) and the
//! latency between availability zones (same-zone and cross-zone calls
//! between pool instances). The format (`spec`), its checks (`check`) and
//! the compiled form (`compiled`).

pub mod check;
pub mod compiled;
pub mod spec;
