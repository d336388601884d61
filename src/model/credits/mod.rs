//! CPU credits of burstable instance types (AWS T2, T3, T3a, T4g): the
//! per-type figures (`burstable.json`, read by `builtin`), the pool's
//! `credits` option and a declared type's `burstable` block (`spec`), their
//! checks (`check`), and the compiled form the simulation runs (`compile`,
//! `compiled`).

pub mod builtin;
pub mod check;
pub mod compile;
pub mod compiled;
pub mod spec;
