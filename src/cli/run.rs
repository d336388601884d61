//! `capsim run`: simulate, print the table, optionally write JSON.

use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use capsim::Summary;

use super::EXIT_UNSTABLE;
use super::args::RunArgs;

pub fn execute(args: RunArgs) -> anyhow::Result<ExitCode> {
    let model = capsim::model::load(&args.model)
        .with_context(|| format!("cannot load model `{}`", args.model.display()))?;
    let seed = args.seed.unwrap_or(model.seed);

    let progress = if args.replications > 1 {
        let bar = ProgressBar::new(u64::from(args.replications));
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} replications, {elapsed} elapsed, ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message("simulating");
        bar
    } else {
        ProgressBar::hidden()
    };
    // Replications run in parallel; `collect` keeps replication order, so
    // the output does not depend on the thread count.
    let runs: Vec<_> = (0..args.replications)
        .into_par_iter()
        .map(|rep| {
            let result = capsim::simulate(&model, seed, rep);
            progress.inc(1);
            result
        })
        .collect();
    progress.finish_and_clear();

    let summary = Summary::of(&runs);
    let window_s = runs[0].window_s;
    capsim::report::table::write(&mut std::io::stdout().lock(), &summary, window_s)?;
    let offered = capsim::analytic::offered_load(&model);
    if let Some(path) = &args.json {
        capsim::report::json::write(path, &summary, offered.as_deref(), &runs)?;
        eprintln!("wrote {}", path.display());
    }
    // A backlog that grows slowly may not reach `max_in_flight` within the
    // run; the offered load still says the system cannot keep up.
    let saturated: Vec<&str> = offered
        .iter()
        .flatten()
        .filter(|load| load.is_saturated())
        .map(|load| load.name.as_str())
        .collect();
    if !saturated.is_empty() {
        println!(
            "UNSTABLE: offered load reaches or exceeds capacity at {} (see `capsim check`); the figures above describe a growing backlog, not a steady state",
            saturated.join(", ")
        );
    }
    let unstable = summary.unstable.is_some() || !saturated.is_empty();
    Ok(if unstable {
        ExitCode::from(EXIT_UNSTABLE)
    } else {
        ExitCode::SUCCESS
    })
}
