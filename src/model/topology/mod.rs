//! The topology as a whole: the document and its nodes (`spec`), the
//! cross-reference checks (`check`, `check_sizes`), the compilation into
//! [`Model`](crate::model::Model) (`compile`, `compiled`), the built-in
//! instance catalog and the reachability of nodes.

pub mod catalog;
pub mod check;
pub mod check_sizes;
pub mod compile;
pub mod compiled;
pub mod reach;
pub mod spec;
