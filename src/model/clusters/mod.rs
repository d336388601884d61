//! Kubernetes clusters: node pools, the scheduler's policy and the cluster
//! autoscaler (`spec`), a pool's pods (`kubernetes` on a pool: requests and
//! limits, as Kubernetes quantities in `quantity`), their checks (`check`),
//! compilation (`compile`) and compiled form (`compiled`).

pub mod check;
pub mod compile;
pub mod compiled;
pub mod quantity;
pub mod spec;
