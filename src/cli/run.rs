//! `capsim run`: simulate, print the table, optionally write JSON and a
//! time-series CSV. Output paths and sizes are checked before it starts.

use std::process::ExitCode;

use rayon::prelude::*;

use capsim::{RunOptions, Summary};

use super::EXIT_UNSTABLE;
use super::args::{RunArgs, SeriesFormat};
use super::outputs::check_writable;
use super::progress::{Progress, Unit};

/// The most replications `--json` may write: it keeps every run whole,
/// with all its histograms (up to about a megabyte each).
const MAX_JSON_REPLICATIONS: u32 = 1_000;

/// The most rows `--series` may hold (windows × replications): each is a
/// row of figures kept until the file is written.
const MAX_SERIES_ROWS: f64 = 1_000_000.0;

pub fn execute(args: RunArgs) -> anyhow::Result<ExitCode> {
    check_outputs(&args)?;
    let mut model = super::load_model(&args.model, args.skip_bad_lines)?;
    let seed = args.seed.unwrap_or(model.seed);
    detect_warmup(&args, &mut model, seed)?;
    check_series_rows(&args, model.duration_s)?;

    let options = RunOptions {
        series_window_s: series_window(&args, model.duration_s),
        decisions: args.decisions.is_some() || args.html.is_some(),
    };
    let runs = match args.precision {
        Some(precision) => simulate_to_precision(&args, &model, seed, precision, &options),
        None => simulate_all(&args, &model, seed, &options, args.replications),
    };

    print_warnings(&runs);
    let summary = Summary::of(&runs);
    let window_s = runs[0].window_s;
    capsim::report::table::write(&mut std::io::stdout().lock(), &summary, window_s)?;
    let offered = capsim::analytic::offered_load(&model);
    // A backlog that grows slowly may not reach `max_in_flight` within the
    // run; the offered load still says the system cannot keep up.
    let saturated: Vec<&str> = offered
        .iter()
        .flatten()
        .filter(|load| load.is_saturated())
        .map(|load| load.name.as_str())
        .collect();
    let unstable = summary.unstable.is_some() || !saturated.is_empty();
    if let Some(path) = &args.json {
        let stability = capsim::report::json::Stability {
            unstable,
            saturated: &saturated,
        };
        capsim::report::json::write(path, &summary, stability, offered.as_deref(), &runs)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.html {
        let page = capsim::report::html::RunPage {
            model: &model,
            summary: &summary,
            stability: capsim::report::json::Stability {
                unstable,
                saturated: &saturated,
            },
            offered_load: offered.as_deref(),
            runs: &runs,
        };
        page.write(path)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.decisions {
        capsim::report::decisions::write(path, &runs)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.series {
        match args.series_format {
            SeriesFormat::Csv => capsim::report::series::write(path, &runs)?,
            SeriesFormat::Openmetrics => {
                let start = args.start.unwrap_or_else(now_unix_s);
                capsim::report::openmetrics::write(path, &runs, start)?
            }
        }
        eprintln!("wrote {}", path.display());
    }
    if !saturated.is_empty() {
        println!(
            "UNSTABLE: offered load reaches or exceeds capacity at {} (see `capsim check`); the figures above describe a growing backlog, not a steady state",
            saturated.join(", ")
        );
    }
    Ok(if unstable {
        ExitCode::from(EXIT_UNSTABLE)
    } else {
        ExitCode::SUCCESS
    })
}

/// Seconds since 1970, now.
fn now_unix_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

/// Every output can be written, and `--json` is not asked to keep more
/// runs whole than memory allows.
fn check_outputs(args: &RunArgs) -> anyhow::Result<()> {
    if args.start.is_some() && args.series_format != SeriesFormat::Openmetrics {
        anyhow::bail!("--start stamps an OpenMetrics series: add --series-format openmetrics");
    }
    let whole = if args.json.is_some() {
        "--json"
    } else {
        "--html"
    };
    let (most, option) = match args.precision {
        Some(_) => (args.max_replications, "--max-replications"),
        None => (args.replications, "--replications"),
    };
    if (args.json.is_some() || args.html.is_some()) && most > MAX_JSON_REPLICATIONS {
        anyhow::bail!(
            "{option} {most} with {whole}: expected at most {MAX_JSON_REPLICATIONS} (it keeps every run with its histograms); drop {whole} for more"
        );
    }
    let outputs = [
        ("--json", &args.json),
        ("--series", &args.series),
        ("--decisions", &args.decisions),
        ("--html", &args.html),
    ];
    for (option, path) in outputs {
        if let Some(path) = path {
            check_writable(option, path)?;
        }
    }
    Ok(())
}

/// The series fits its bound: windows of the run × replications.
fn check_series_rows(args: &RunArgs, duration_s: f64) -> anyhow::Result<()> {
    if args.series.is_none() {
        return Ok(());
    }
    let window = args.series_window;
    let windows = (duration_s / window).ceil();
    let rows = windows * f64::from(args.replications);
    if rows > MAX_SERIES_ROWS {
        let least = duration_s * f64::from(args.replications) / MAX_SERIES_ROWS;
        anyhow::bail!(
            "--series-window {window}: {windows} windows of the {duration_s} s run × {} replication{} = {rows} rows, more than the {MAX_SERIES_ROWS} a series may hold; use --series-window {} or more",
            args.replications,
            if args.replications == 1 { "" } else { "s" },
            round_up(least)
        );
    }
    Ok(())
}

/// The series window: `--series-window` with `--series`; for `--html`
/// alone, about 150 windows over the run (a chart's worth of points).
fn series_window(args: &RunArgs, duration_s: f64) -> Option<f64> {
    if args.series.is_some() {
        Some(args.series_window)
    } else if args.html.is_some() {
        round_up(duration_s / 150.0).parse().ok()
    } else {
        None
    }
}

/// `x` (> 0) rounded up to two significant digits: a window the user can type.
fn round_up(x: f64) -> String {
    let exponent = x.log10().floor() as i32 - 1;
    let scale = 10f64.powi(exponent);
    // Less a hair, so that 0.02 stays 0.02 and does not become 0.021.
    let digits = (x / scale - 1e-9).ceil();
    let decimals = usize::try_from(-exponent).unwrap_or(0);
    let text = format!("{:.decimals$}", digits * scale);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Every replication, in replication order, with a progress report: over
/// simulated time for a single run, over replications for several.
/// `--json` writes every run whole; otherwise each keeps its figures only
/// (its histograms dropped as it finishes). Replications run in parallel;
/// `collect` keeps replication order, so the output does not depend on the
/// thread count.
fn simulate_all(
    args: &RunArgs,
    model: &capsim::model::Model,
    seed: u64,
    options: &RunOptions,
    replications: u32,
) -> Vec<capsim::RunResult> {
    let single = replications == 1;
    let progress = if single {
        Progress::new("simulating", 1000, Unit::SimulatedTime)
    } else {
        Progress::new(
            "simulating",
            u64::from(replications),
            Unit::Count("replications"),
        )
    };
    let keep_whole = args.json.is_some() || args.html.is_some();
    let runs = (0..replications)
        .into_par_iter()
        .map(|rep| {
            let mut result = capsim::simulate_with(model, seed, rep, options, &mut |done| {
                if single {
                    progress.set_position((done * 1000.0) as u64);
                }
            });
            if !single {
                progress.inc();
            }
            if !keep_whole {
                capsim::drop_histograms(&mut result);
            }
            result
        })
        .collect();
    progress.finish();
    runs
}

/// `--precision`: replications, doubling, until every end-to-end figure is
/// narrow enough or the cap is reached; says which, and where it stopped.
/// `--json` and `--html` keep every run whole: the replications found are
/// run again with their histograms (the same runs: same seed, same streams).
fn simulate_to_precision(
    args: &RunArgs,
    model: &capsim::model::Model,
    seed: u64,
    precision: capsim::precision::Precision,
    options: &RunOptions,
) -> Vec<capsim::RunResult> {
    let cap = args.max_replications;
    let progress = Progress::new(
        "simulating to precision",
        u64::from(cap),
        Unit::Count("replications"),
    );
    let (replicated, reached) = capsim::precision::replicate_to_precision(
        model,
        seed,
        precision,
        (args.replications, cap),
        options,
        &|_| progress.inc(),
    );
    progress.finish();
    let (figure, ratio) = reached.widest;
    let target = args_precision_text(precision);
    if reached.met {
        eprintln!(
            "precision {target}: reached after {} replications (widest: {figure}, at {:.2} of the target)",
            reached.replications, ratio
        );
    } else {
        eprintln!(
            "precision {target}: not reached after {} replications, the cap (widest: {figure}, at {:.2} × the target); raise --max-replications",
            reached.replications, ratio
        );
    }
    if args.json.is_some() || args.html.is_some() {
        return simulate_all(args, model, seed, options, reached.replications);
    }
    replicated.runs
}

/// A precision as the user writes it.
fn args_precision_text(precision: capsim::precision::Precision) -> String {
    match precision {
        capsim::precision::Precision::Relative(f) => format!("{}%", f * 100.0),
        capsim::precision::Precision::AbsoluteMs(ms) => format!("{ms}ms"),
    }
}

/// `--warmup mser5`: replaces the model's warm-up by the one MSER-5 finds, and says so.
fn detect_warmup(
    args: &RunArgs,
    model: &mut capsim::model::Model,
    seed: u64,
) -> anyhow::Result<()> {
    if args.warmup.is_none() {
        return Ok(());
    }
    {
        let found = capsim::warmup::detect(model, seed)
            .map_err(|e| anyhow::anyhow!("--warmup mser5: {e}"))?;
        eprintln!(
            "warm-up: MSER-5 on a pilot run's requests in flight truncates {} of {} batches: {} s (the model says {} s)",
            found.batches.0,
            found.batches.1,
            capsim::stats::csv_number(found.warmup_s),
            capsim::stats::csv_number(model.warmup_s)
        );
        model.warmup_s = found.warmup_s;
    }
    Ok(())
}

/// Every run's warnings, once each, sorted.
fn print_warnings(runs: &[capsim::RunResult]) {
    let mut warnings: Vec<&String> = runs.iter().flat_map(|run| &run.warnings).collect();
    warnings.sort();
    warnings.dedup();
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}
