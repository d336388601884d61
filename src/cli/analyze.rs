//! `capsim analyze`: theory's estimate, and with `--simulate` the
//! simulation beside it.

use std::process::ExitCode;

use super::EXIT_UNSTABLE;
use super::args::AnalyzeArgs;
use super::progress::{Progress, Unit};

pub fn execute(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let model = super::load_model(&args.model, args.skip_bad_lines)?;
    let analysis = capsim::analytic::analyze(&model);
    let mut out = std::io::stdout().lock();
    capsim::report::analysis::write(&mut out, &analysis)?;
    let mut versus = None;
    if args.simulate {
        let seed = args.seed.unwrap_or(model.seed);
        let runs = simulate(&model, seed, args.replications);
        let rows = capsim::analytic::versus(&analysis, &runs);
        capsim::report::analysis::write_versus(&mut out, &rows, runs.len())?;
        versus = Some(rows);
    }
    if let Some(path) = &args.json {
        capsim::report::analysis::write_json(path, &analysis, versus.as_deref())?;
        eprintln!("wrote {}", path.display());
    }
    let unstable = analysis
        .reasons
        .contains(&capsim::analytic::Reason::Unstable);
    Ok(if unstable {
        ExitCode::from(EXIT_UNSTABLE)
    } else {
        ExitCode::SUCCESS
    })
}

/// The replications, in parallel and in replication order (so the output
/// does not depend on the thread count), with the shared progress report (the
/// analysis is instant; the simulation is what takes time).
fn simulate(model: &capsim::model::Model, seed: u64, replications: u32) -> Vec<capsim::RunResult> {
    let progress = Progress::new(
        "simulating",
        u64::from(replications),
        Unit::Count("replications"),
    );
    let options = capsim::RunOptions::default();
    let replicated = capsim::replicate_figures(model, seed, replications, &options, &|_| {
        progress.inc();
    });
    progress.finish();
    replicated.runs
}
