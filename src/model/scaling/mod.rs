//! Fleets and autoscaling: the format (`spec`), the checks and compilation of
//! a pool's fleet (`compile`), and the compiled fleet (`compiled`).

pub mod compile;
pub mod compiled;
pub mod custom_metric_spec;
pub mod hpa_source;
pub mod metric_math;
pub mod spec;
