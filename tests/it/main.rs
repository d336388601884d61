//! The single integration-test binary (one link, one parallel run).

mod behaviour;
mod cli;
mod determinism;
mod errors;
mod support;
mod theory;
