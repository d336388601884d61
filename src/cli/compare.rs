//! `capsim compare` and `capsim calibrate`: a model against observed metrics.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

use capsim::model::Format;
use capsim::observed::{self, Observed, Options, Tolerance};

use super::args::{CalibrateArgs, CompareArgs, ObservedArgs};
use super::{EXIT_OUT_OF_TOLERANCE, EXIT_UNSTABLE};

/// The model as JSON (checked by loading it first, for the usual messages),
/// the directory its files are relative to, the observations and the options.
fn prepare(args: &ObservedArgs) -> anyhow::Result<(Value, &Path, Observed, Options)> {
    let model = super::load_model(&args.model, false)?;
    let text = std::fs::read_to_string(&args.model)
        .with_context(|| format!("cannot read `{}`", args.model.display()))?;
    let json: Value = capsim::model::format::value(&text, Format::of(&args.model))
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("cannot load model `{}`", args.model.display()))?;
    let window = observed::Window {
        from_s: args.from_s,
        to_s: args.to_s,
    };
    let observed = observed::load_window(&args.observed, args.format.map(Into::into), window)
        .with_context(|| format!("cannot read observed metrics `{}`", args.observed.display()))?;
    let options = Options {
        seed: args.seed.unwrap_or(model.seed),
        replications: args.replications,
    };
    let base = args.model.parent().unwrap_or(Path::new(""));
    Ok((json, base, observed, options))
}

pub fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let (model, base, observed, options) = prepare(&args.common)?;
    let mut comparison = observed::compare(&model, base, &observed, options)
        .context("cannot compare the model with the observations")?;
    let within = args.tolerance.map(|relative_pct| {
        comparison.check(&Tolerance {
            relative_pct,
            error_rate_pp: args.error_tolerance_pp,
        })
    });
    capsim::report::compare::write_comparison(&mut std::io::stdout().lock(), &comparison)?;
    if let Some(path) = &args.json {
        capsim::report::compare::write_json(path, &comparison)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.html {
        capsim::report::html::ComparePage {
            comparison: &comparison,
        }
        .write(path)?;
        eprintln!("wrote {}", path.display());
    }
    if within == Some(false) {
        let over: Vec<String> = comparison
            .rows
            .iter()
            .filter(|r| r.within_tolerance == Some(false))
            .map(|r| r.figure.label())
            .collect();
        println!(
            "outside the tolerance ({}% relative, {} pp for errors): {}",
            args.tolerance.unwrap_or_default(),
            args.error_tolerance_pp,
            over.join(", ")
        );
        return Ok(ExitCode::from(EXIT_OUT_OF_TOLERANCE));
    }
    Ok(if comparison.unstable.is_some() {
        ExitCode::from(EXIT_UNSTABLE)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn calibrate(args: CalibrateArgs) -> anyhow::Result<ExitCode> {
    let (model, base, observed, options) = prepare(&args.common)?;
    let calibration = observed::calibrate(&model, base, &observed, options)
        .context("cannot calibrate the model")?;
    capsim::report::compare::write_calibration(&mut std::io::stdout().lock(), &calibration)?;
    capsim::report::compare::write_json(&args.out, &calibration.model)?;
    eprintln!("wrote {}", args.out.display());
    if let Some(path) = &args.json {
        capsim::report::compare::write_json(path, &calibration)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
