//! Call policies (timeouts, retries, breakers, connection pools): the format
//! (`spec`), its checks (`check`), the numbering of call sites (`compile`) and
//! the compiled sites (`compiled`); calls made at once (`fanout_*`: parallel
//! groups, scatter, hedges) and the flat list of calls a pool makes (`leaves`).

pub mod check;
pub mod compile;
pub mod compiled;
pub mod fanout_check;
pub mod fanout_compile;
pub mod fanout_compiled;
pub mod fanout_spec;
pub mod leaves;
pub mod spec;
