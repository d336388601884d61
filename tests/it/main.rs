//! The single integration-test binary (one link, one parallel run).

mod analyze;
mod analyze_defects;
mod behaviour;
mod caches;
mod cli;
mod databases;
mod determinism;
mod errors;
mod fingerprint;
mod fleet;
mod fleet_errors;
mod fuzz;
mod layout;
mod observed;
mod observed_errors;
mod observed_locust;
mod readme;
mod report_html;
mod report_plots;
mod resilience;
mod series;
mod support;
mod sweep;
mod theory;
mod traffic;
mod traffic_errors;
