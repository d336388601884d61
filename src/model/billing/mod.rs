//! What a run costs beyond its instances: the built-in service prices
//! (`prices.json`, read by `prices`), how a load balancer or a CDN is billed
//! and how a pool's instances are bought (`spec`), their checks (`check`),
//! and the compiled form the statistics price the run with (`compile`,
//! `compiled`).

pub mod check;
pub mod compile;
pub mod compiled;
pub mod prices;
pub mod spec;
