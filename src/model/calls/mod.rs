//! Call policies (timeouts, retries, breakers, connection pools): the format
//! (`spec`), its checks (`check`), the numbering of call sites (`compile`) and
//! the compiled sites (`compiled`).

pub mod check;
pub mod compile;
pub mod compiled;
pub mod spec;
