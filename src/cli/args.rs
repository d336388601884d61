//! Arguments as the user writes them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Predicts latency, utilization, errors and cost of a web system by simulating its topology.
#[derive(Debug, Parser)]
#[command(name = "capsim", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a model and print latency, utilization and cost.
    Run(RunArgs),
    /// Validate a model, reporting every problem, and estimate its offered load.
    Check(CheckArgs),
    /// List the built-in instance types with their prices and sources.
    InstanceTypes,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The model (JSON topology).
    pub model: PathBuf,
    /// Override the model's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Independent replications; with 2 or more, figures carry 95% confidence intervals.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub replications: u32,
    /// Write the complete result (summary, every run, histograms) to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a time series to this CSV file: one row per window and replication
    /// (rates, latency percentiles, requests in flight, pool utilization), warm-up included.
    #[arg(long, value_name = "FILE")]
    pub series: Option<PathBuf>,
    /// Length of a `--series` window, seconds.
    // Negative numbers are let through to `positive_seconds`, which says what is wrong.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 10.0,
        value_parser = positive_seconds,
        allow_negative_numbers = true,
        requires = "series"
    )]
    pub series_window: f64,
    /// Write every autoscaling decision (time, metric, current, desired, rule, reason) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// Skip malformed or out-of-order trace lines (and report how many) instead of failing.
    #[arg(long)]
    pub skip_bad_lines: bool,
}

/// A positive, finite number of seconds.
fn positive_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if seconds.is_finite() && seconds > 0.0 {
        Ok(seconds)
    } else {
        Err(format!(
            "expected a positive number of seconds, found `{text}`"
        ))
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The model (JSON topology).
    pub model: PathBuf,
    /// Skip malformed or out-of-order trace lines (and report how many) instead of failing.
    #[arg(long)]
    pub skip_bad_lines: bool,
}
