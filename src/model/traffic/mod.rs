//! Traffic: the `traffic` part of the format (`spec`), its checks and
//! compilation into sources (`compile`), and the compiled sources (`compiled`).

pub mod compile;
pub mod compiled;
pub mod sources;
pub mod spec;
