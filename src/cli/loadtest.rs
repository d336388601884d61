//! `capsim loadtest`: a Locust or k6 script whose traffic is the model's.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use capsim::loadtest::{self, Tool};
use capsim::model::Format;

use super::args::{LoadTool, LoadtestArgs};

/// Loads the model (every usual check), writes the script to `--out` or
/// standard output, and prints its notes on standard error.
pub fn execute(args: LoadtestArgs) -> anyhow::Result<ExitCode> {
    if let Some(out) = &args.out {
        super::outputs::check_writable("--out", out)?;
    }
    let model = super::load_model(&args.model, false)?;
    let text = std::fs::read_to_string(&args.model)
        .with_context(|| format!("cannot read `{}`", args.model.display()))?;
    let topology = capsim::model::parse_topology_as(&text, Format::of(&args.model))
        .with_context(|| format!("cannot load model `{}`", args.model.display()))?;
    let tool = match args.to {
        LoadTool::Locust => Tool::Locust,
        LoadTool::K6 => Tool::K6,
    };
    let script = loadtest::script(&model, &topology, tool, &args.host)
        .with_context(|| format!("cannot write a load test of `{}`", args.model.display()))?;
    for note in &script.notes {
        eprintln!("note: {note}");
    }
    match &args.out {
        Some(path) => {
            capsim::report::loadtest::write(path, &script)?;
            eprintln!("wrote {}", path.display());
        }
        None => std::io::stdout()
            .write_all(script.text.as_bytes())
            .context("cannot write the script")?,
    }
    Ok(ExitCode::SUCCESS)
}
