//! `capsim sweep` and `capsim merge`: run an experiment's points with a
//! progress report, keep each finished point in a partial file (so a killed
//! sweep resumes where it stopped, if its inputs are unchanged), and write
//! the CSV in point order.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Context;

use capsim::report::sweep::{self as csv_out, Appender, Manifest};
use capsim::report::sweep_merge;
use capsim::sweep::{Experiment, Row, Slo};

use super::args::{MergeArgs, SweepArgs};
use super::outputs::check_writable;
use super::progress::{Progress, Unit};

/// The folder of outputs written without `-o`.
const DEFAULT_FOLDER: &str = "out";

pub fn execute(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let mut experiment = Experiment::load(&args.experiment)
        .with_context(|| format!("cannot load experiment `{}`", args.experiment.display()))?;
    if let Some(text) = &args.slo {
        let slo = Slo::parse(text).map_err(|e| anyhow::anyhow!("--slo: {e}"))?;
        experiment
            .set_slo(slo)
            .map_err(|e| anyhow::anyhow!("--slo: {e}"))?;
    }
    let out = output_path(&args, &experiment)?;
    let manifest = Manifest {
        sweep: experiment.name.clone(),
        inputs: experiment.fingerprint(),
        points: experiment.points.len(),
        shard: args.shard(),
    };
    if let Some(html) = &args.html {
        check_writable("--html", html)?;
    }
    if args.search && experiment.axes.len() > 1 {
        return super::design_search::execute(&experiment, &manifest, &out, args.html.as_deref());
    }
    if args.search {
        return search(&experiment, &manifest, &out, args.html.as_deref());
    }
    let files = Files::of(&out);
    check_writable("--out", &files.out)?;
    check_writable("--out", &files.histograms)?;

    let in_shard = |index: usize| args.shard().is_none_or(|(i, n)| index % n == i - 1);
    let mut done = if args.fresh || !files.partial.exists() {
        Vec::new()
    } else {
        resumable(&args.experiment, &experiment, &manifest, &files)?
    };
    let fresh = done.is_empty();
    done.retain(|r| in_shard(r.point));
    let finished: BTreeSet<usize> = done.iter().map(|r| r.point).collect();
    let total = experiment
        .points
        .iter()
        .filter(|p| in_shard(p.index))
        .count();
    eprintln!(
        "{}: {} points × {} replications{}{}",
        experiment.name,
        total,
        experiment.replications,
        args.shard()
            .map_or(String::new(), |(i, n)| format!(", shard {i} of {n}")),
        if finished.is_empty() {
            String::new()
        } else {
            format!(", {} already done (resuming)", finished.len())
        }
    );
    let progress = Progress::new("sweeping", total as u64, Unit::Count("points"));
    progress.set_position(finished.len() as u64);
    let select = |index: usize| in_shard(index) && !finished.contains(&index);
    let rows = run_keeping(&experiment, &manifest, &files, fresh, &select, &progress)?;
    progress.finish();

    let mut all = done;
    all.extend(rows);
    csv_out::write(&files.out, &experiment.columns, &mut all)?;
    csv_out::write_sorted_histograms(&files.histograms_partial, &manifest, &files.histograms)?;
    std::fs::remove_file(&files.partial).ok();
    std::fs::remove_file(&files.histograms_partial).ok();
    eprintln!(
        "wrote {} ({} points) and their merged latency histograms to {}",
        files.out.display(),
        all.len(),
        files.histograms.display()
    );
    report_cheapest(&experiment, &all);
    write_html(args.html.as_deref(), &experiment, &all)?;
    Ok(ExitCode::SUCCESS)
}

/// `--html`: the sweep's page.
pub(super) fn write_html(
    path: Option<&Path>,
    experiment: &Experiment,
    rows: &[Row],
) -> anyhow::Result<()> {
    if let Some(path) = path {
        capsim::report::html::SweepPage { experiment, rows }.write(path)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The files of a sweep written to `out`.
struct Files {
    out: PathBuf,
    /// Rows as they finish, after the fingerprint of their inputs.
    partial: PathBuf,
    histograms: PathBuf,
    /// Histograms as they finish, after the manifest.
    histograms_partial: PathBuf,
}

impl Files {
    fn of(out: &Path) -> Files {
        let histograms = csv_out::histograms_path(out);
        Files {
            out: out.to_path_buf(),
            partial: PathBuf::from(format!("{}.partial", out.display())),
            histograms_partial: PathBuf::from(format!("{}.partial", histograms.display())),
            histograms,
        }
    }
}

/// Runs the points `select` keeps, appending each finished row and its
/// histogram to the partial files (started anew if `fresh`).
fn run_keeping(
    experiment: &Experiment,
    manifest: &Manifest,
    files: &Files,
    fresh: bool,
    select: &(dyn Fn(usize) -> bool + Sync),
    progress: &Progress,
) -> anyhow::Result<Vec<Row>> {
    let appender = Appender::open(&files.partial, &experiment.columns, &manifest.inputs, fresh)?;
    let mut histogram_file = std::fs::OpenOptions::new()
        .create(true)
        .append(!fresh)
        .write(true)
        .truncate(fresh)
        .open(&files.histograms_partial)
        .with_context(|| format!("cannot write `{}`", files.histograms_partial.display()))?;
    if fresh {
        csv_out::write_manifest(&mut histogram_file, &files.histograms_partial, manifest)?;
    }
    let (appender, histogram_file) = (Mutex::new(appender), Mutex::new(histogram_file));
    let failed_write = Mutex::new(None);
    let rows = experiment.run(|p| select(p.index), &|row| {
        // The histogram first: a row in the CSV partial means both are kept.
        let kept = csv_out::append_histogram(
            &mut histogram_file.lock().expect("not poisoned"),
            &files.histograms_partial,
            row,
        )
        .and_then(|()| appender.lock().expect("not poisoned").append(row));
        if let Err(e) = kept {
            failed_write.lock().expect("not poisoned").get_or_insert(e);
        }
        progress.inc();
    })?;
    if let Some(error) = failed_write.into_inner().expect("not poisoned") {
        return Err(error).context("cannot keep finished points");
    }
    Ok(rows)
}

/// `-o`, or `out/<name>.csv` (`out/<name>.shard-i-of-n.csv` for a shard),
/// creating `out/`.
fn output_path(args: &SweepArgs, experiment: &Experiment) -> anyhow::Result<PathBuf> {
    if let Some(out) = &args.out {
        return Ok(out.clone());
    }
    let stem = match args.shard() {
        Some((i, n)) => format!("{}.shard-{i}-of-{n}.csv", experiment.name),
        None => format!("{}.csv", experiment.name),
    };
    std::fs::create_dir_all(DEFAULT_FOLDER)
        .with_context(|| format!("cannot create the folder `{DEFAULT_FOLDER}` for the CSV"))?;
    Ok(Path::new(DEFAULT_FOLDER).join(stem))
}

/// The rows of an interrupted run of this very sweep, from its partial
/// files. A partial file computed from other inputs (the experiment or a
/// point's model changed since) is refused: its rows would be stale.
fn resumable(
    path: &Path,
    experiment: &Experiment,
    manifest: &Manifest,
    files: &Files,
) -> anyhow::Result<Vec<Row>> {
    let (partial, histograms_partial) = (&files.partial, &files.histograms_partial);
    let kept = csv_out::read_partial(partial)?;
    let stale = kept.inputs.as_deref() != Some(manifest.inputs.as_str())
        || kept.columns != experiment.columns;
    if kept.rows.is_empty() {
        if stale {
            eprintln!(
                "note: `{}` was computed from other inputs but holds no finished point: starting over",
                partial.display()
            );
        }
        return Ok(Vec::new());
    }
    if stale {
        anyhow::bail!(
            "`{}` holds {} point{} of an interrupted sweep, computed from other inputs than `{}` and its models give now (one of them changed since, or another version of capsim wrote it): resuming would mix stale rows with new ones\nrun again with --fresh to start over (the partial file is then replaced)",
            partial.display(),
            kept.rows.len(),
            if kept.rows.len() == 1 { "" } else { "s" },
            path.display()
        );
    }
    // Only points whose histogram was kept too (it is written first).
    let with_histogram: BTreeSet<usize> = if histograms_partial.exists() {
        let index = csv_out::index_histograms(histograms_partial)?;
        if index.manifest.as_ref() == Some(manifest) {
            index.lines.iter().map(|l| l.0).collect()
        } else {
            BTreeSet::new()
        }
    } else {
        BTreeSet::new()
    };
    let mut rows = kept.rows;
    rows.retain(|r| r.point < experiment.points.len() && with_histogram.contains(&r.point));
    rows.sort_by_key(|r| r.point);
    rows.dedup_by_key(|r| r.point);
    Ok(rows)
}

/// Names the cheapest design point meeting the objective, per load level.
fn report_cheapest(experiment: &Experiment, rows: &[Row]) {
    let Some(slo) = &experiment.slo else {
        return;
    };
    let cost = experiment.columns.iter().position(|c| c == "usd_per_hour");
    let wanted = slo.written();
    let pairs = |cells: &[(String, String)]| {
        cells
            .iter()
            .map(|(column, value)| format!("{column} = {value}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for level in capsim::sweep::cheapest(experiment, rows) {
        let at = if level.load.is_empty() {
            String::new()
        } else {
            format!("at {}: ", pairs(&level.load))
        };
        match level.row {
            Some(row) => println!(
                "{at}cheapest point meeting {wanted}: point {} ({}), ${}/hour",
                row.point,
                pairs(&level.design),
                cost.and_then(|c| row.cells.get(c))
                    .map_or("?", String::as_str)
            ),
            None => println!("{at}no point meets {wanted}"),
        }
    }
}

/// `--search`: bisection on the one axis; writes the rows it ran.
fn search(
    experiment: &Experiment,
    manifest: &Manifest,
    out: &Path,
    html: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    check_writable("--out", out)?;
    check_writable("--out", &csv_out::histograms_path(out))?;
    let objective: Vec<String> = experiment.slo.iter().map(Slo::written).collect();
    eprintln!(
        "{}: searching {} levels of `{}` by bisection for {}",
        experiment.name,
        experiment.points.len(),
        experiment.axes[0].paths.join(", "),
        objective.join(", ")
    );
    // A line per point run: each may take a while, and says which way the search goes.
    let meets = experiment.columns.iter().position(|c| c == "meets_slo");
    let mut found = experiment.search(&|row| {
        let settings: Vec<String> = experiment
            .points
            .get(row.point)
            .into_iter()
            .flat_map(|p| &p.settings)
            .map(|(path, value)| format!("{path} = {value}"))
            .collect();
        let met = meets
            .and_then(|m| row.cells.get(m))
            .is_some_and(|m| m == "1");
        eprintln!(
            "  point {} ({}): {}",
            row.point,
            settings.join(", "),
            if met { "meets it" } else { "misses it" }
        );
    })?;
    csv_out::write(out, &experiment.columns, &mut found.rows)?;
    csv_out::write_histograms(&csv_out::histograms_path(out), manifest, &found.rows)?;
    eprintln!(
        "wrote {} ({} of {} points run)",
        out.display(),
        found.rows.len(),
        experiment.points.len()
    );
    match found.point.and_then(|index| experiment.points.get(index)) {
        Some(point) => {
            let settings: Vec<String> = point
                .settings
                .iter()
                .map(|(path, value)| format!("{path} = {value}"))
                .collect();
            println!(
                "{} meeting {}: {}",
                found.boundary,
                objective.join(", "),
                settings.join(", ")
            );
        }
        None => println!("no level meets {}", objective.join(", ")),
    }
    write_html(html, experiment, &found.rows)?;
    Ok(ExitCode::SUCCESS)
}

pub fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let out_histograms = csv_out::histograms_path(&args.out);
    check_writable("--out", &args.out)?;
    check_writable("--out", &out_histograms)?;
    let mut merged = sweep_merge::merge(&args.parts).context("cannot merge")?;
    sweep_merge::write_merged(&mut merged, &args.out)?;
    eprintln!(
        "wrote {} ({} points from {} parts) and their histograms to {}",
        args.out.display(),
        merged.rows.len(),
        args.parts.len(),
        out_histograms.display()
    );
    Ok(ExitCode::SUCCESS)
}
