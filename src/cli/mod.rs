//! The command line: parse arguments, call the library, print. The only
//! place that knows clap, indicatif and anyhow.

mod analyze;
mod args;
mod check;
mod compare;
mod design_search;
mod install;
mod loadtest;
mod outputs;
mod plot;
mod progress;
mod run;
mod schema;
mod sweep;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use clap::Parser;

use args::{Cli, Command};

/// Exit code for bad input (unreadable or invalid model, bad arguments).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a modelled system that cannot keep up with its load.
pub const EXIT_UNSTABLE: u8 = 3;
/// Exit code for a comparison with a figure outside `--tolerance`.
pub const EXIT_OUT_OF_TOLERANCE: u8 = 4;

/// Runs the command line and maps every failure to an exit code.
pub fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    if let Some(threads) = cli.command.threads() {
        // Before any parallel work; results do not depend on the count.
        if let Err(error) = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(threads))
            .build_global()
        {
            eprintln!("warning: --threads {threads}: {error}");
        }
    }
    let result = match cli.command {
        Command::Run(args) => run::execute(args),
        Command::Check(args) => check::execute(args),
        Command::Analyze(args) => analyze::execute(args),
        Command::InstanceTypes(args) => check::list_instance_types(args),
        Command::Sweep(args) => sweep::execute(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Compare(args) => compare::compare(args),
        Command::Calibrate(args) => compare::calibrate(args),
        Command::Loadtest(args) => loadtest::execute(args),
        Command::Plot(command) => plot::execute(command),
        Command::Schema { of } => schema::print(of),
        Command::Completions { shell } => install::completions(shell),
        Command::Man { dir } => install::man(dir.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report_error(&error);
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// What part of the recording a replay covers, when it is not the replay's own
/// span: a trace sped up or cut by a window replays in less time than it holds.
fn recorded_span(config: &capsim::trace::TraceConfig, replay_span_ns: u64) -> String {
    if config.speed == 1.0 && config.from_ns == 0 {
        return String::new();
    }
    let recorded_s = replay_span_ns as f64 / 1e9 * config.speed;
    let from = match config.from_ns {
        0 => String::new(),
        from_ns => format!(" from {} s", from_ns as f64 / 1e9),
    };
    format!(
        ", replaying {recorded_s:.1} s of the recording{from} at speed {}",
        config.speed
    )
}

/// Loads a model, then says what its traces hold: a trace is scanned
/// whole at load, so every bad line is found before anything runs.
fn load_model(path: &Path, skip_bad_lines: bool) -> anyhow::Result<capsim::model::Model> {
    let options = capsim::model::LoadOptions { skip_bad_lines };
    let model = capsim::model::load_with(path, options)
        .with_context(|| format!("cannot load model `{}`", path.display()))?;
    for source in &model.sources {
        if let capsim::model::Arrivals::Trace(trace) = &source.arrivals {
            let totals = &trace.totals;
            eprintln!(
                "trace `{}`: {} requests over {:.1} s ({:.1} req/s){}{}",
                trace.config.path.display(),
                totals.requests,
                totals.span_ns as f64 / 1e9,
                totals.rate_rps(),
                recorded_span(&trace.config, totals.span_ns),
                if totals.skipped > 0 {
                    let plural = if totals.skipped == 1 { "" } else { "s" };
                    format!(", skipped {} bad line{plural}", totals.skipped)
                } else {
                    String::new()
                }
            );
            let end_s = totals.span_ns as f64 / 1e9;
            if end_s < 0.95 * model.duration_s {
                eprintln!(
                    "note: the trace ends at {end_s:.1} s, before the run's {} s: no requests from it after that",
                    model.duration_s
                );
            }
        }
    }
    // What the manifests and templates the model names hold beyond what is
    // simulated: said, so that nothing in them is ignored unseen.
    for note in &model.notes {
        eprintln!("note: {note}");
    }
    warn_unreachable(&model);
    Ok(model)
}

/// A node no traffic reaches is simulated idle and, if it has instances,
/// billed: most likely a typo in a `to`. A warning, not an error: a tier
/// kept for a later edit is legitimate.
fn warn_unreachable(model: &capsim::model::Model) {
    use capsim::model::NodeKind;
    for id in model.unreachable_nodes() {
        let node = model.node(id);
        let billed = match &node.kind {
            NodeKind::Pool(_) | NodeKind::Database(_) => true,
            NodeKind::Cache(cache) => cache.instance_type.is_some(),
            NodeKind::Balancer(_) | NodeKind::Delay(_) | NodeKind::Queue(_) => false,
        };
        eprintln!(
            "warning: nodes.{}: no traffic reaches this {} (no source's entry leads to it){}",
            node.name,
            node.kind.label(),
            if billed {
                "; it is billed all the same"
            } else {
                ""
            }
        );
    }
}

/// Prints `error: <context>` then each cause indented, then a hint if any.
/// A cause whose text was already printed (an error that shows its source,
/// such as "cannot read `m.json`: No such file…") is not printed again.
fn report_error(error: &anyhow::Error) {
    eprintln!("error: {error}");
    let mut printed = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if printed.contains(&text) {
            continue;
        }
        for line in text.lines() {
            eprintln!("  {line}");
        }
        printed.push_str(&text);
    }
    let hint = error.chain().find_map(|cause| {
        if let Some(error) = cause.downcast_ref::<capsim::model::ModelError>() {
            error.hint()
        } else if let Some(capsim::sweep::SweepError::Point { errors, .. }) = cause.downcast_ref() {
            errors.hint()
        } else {
            cause
                .downcast_ref::<capsim::observed::ObservedError>()
                .and_then(|e| e.hint())
        }
    });
    if let Some(hint) = hint {
        eprintln!("\nhint: {hint}");
    }
}

/// Rust ignores SIGPIPE, so printing to a pipe its reader closed (`capsim
/// run … | head`) would panic; with the default action the process ends
/// quietly, as every Unix tool does.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists; it
    // only resets one signal's disposition to the system default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
