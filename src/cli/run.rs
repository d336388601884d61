//! `capsim run`: simulate, print the table, optionally write JSON and a
//! time-series CSV.

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use capsim::{RunOptions, Summary};

use super::EXIT_UNSTABLE;
use super::args::RunArgs;

pub fn execute(args: RunArgs) -> anyhow::Result<ExitCode> {
    let model = super::load_model(&args.model, args.skip_bad_lines)?;
    let seed = args.seed.unwrap_or(model.seed);

    // One bar over simulated time for a single run, over replications for several.
    let single = args.replications == 1;
    let progress = ProgressBar::new(if single {
        1000
    } else {
        u64::from(args.replications)
    });
    let template = if single {
        "{msg} [{bar:30}] {percent}% of simulated time, {elapsed} elapsed, ETA {eta}"
    } else {
        "{msg} [{bar:30}] {pos}/{len} replications, {elapsed} elapsed, ETA {eta}"
    };
    progress.set_style(
        ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    progress.set_message("simulating");
    let options = RunOptions {
        series_window_s: args.series.is_some().then_some(args.series_window),
        decisions: args.decisions.is_some(),
    };
    // Replications run in parallel; `collect` keeps replication order, so
    // the output does not depend on the thread count.
    let runs: Vec<_> = (0..args.replications)
        .into_par_iter()
        .map(|rep| {
            let result = capsim::simulate_with(&model, seed, rep, &options, &mut |done| {
                if single {
                    progress.set_position((done * 1000.0) as u64);
                }
            });
            if !single {
                progress.inc(1);
            }
            result
        })
        .collect();
    progress.finish_and_clear();

    let mut warnings: Vec<&String> = runs.iter().flat_map(|run| &run.warnings).collect();
    warnings.sort();
    warnings.dedup();
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let summary = Summary::of(&runs);
    let window_s = runs[0].window_s;
    capsim::report::table::write(&mut std::io::stdout().lock(), &summary, window_s)?;
    let offered = capsim::analytic::offered_load(&model);
    if let Some(path) = &args.json {
        capsim::report::json::write(path, &summary, offered.as_deref(), &runs)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.decisions {
        capsim::report::decisions::write(path, &runs)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.series {
        capsim::report::series::write(path, &runs)?;
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
