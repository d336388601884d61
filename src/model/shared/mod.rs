//! What every concern of the model may use and nothing in the model imports
//! back: range-checked units, distributions and their checks, errors, the
//! duplicate-key guard. A leaf: no file here imports another part of `model`.

pub mod bounds;
pub mod checks;
pub mod date;
pub mod dist;
pub mod error;
pub mod ids;
pub mod law_checks;
pub mod laws;
pub mod unique;
pub mod units;
