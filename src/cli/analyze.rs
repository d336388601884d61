//! `capsim analyze`: theory's estimate, and with `--simulate` the
//! simulation beside it.

use std::process::ExitCode;

use super::EXIT_UNSTABLE;
use super::args::AnalyzeArgs;

pub fn execute(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let model = super::load_model(&args.model, args.skip_bad_lines)?;
    let analysis = capsim::analytic::analyze(&model);
    let mut out = std::io::stdout().lock();
    capsim::report::analysis::write(&mut out, &analysis)?;
    let mut versus = None;
    if args.simulate {
        let seed = args.seed.unwrap_or(model.seed);
        let runs = capsim::replicate(&model, seed, args.replications);
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
