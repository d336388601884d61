//! `capsim sweep` and `capsim merge`: run an experiment's points with a
//! progress bar, keep each finished point in a partial file (so a killed
//! sweep resumes where it stopped), and write the CSV in point order.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use capsim::report::sweep::{self as csv_out, Appender};
use capsim::sweep::{Experiment, Slo};

use super::args::{MergeArgs, SweepArgs};

pub fn execute(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let mut experiment = Experiment::load(&args.experiment)
        .with_context(|| format!("cannot load experiment `{}`", args.experiment.display()))?;
    if let Some(text) = &args.slo {
        let slo = Slo::parse(text).map_err(|e| anyhow::anyhow!("--slo: {e}"))?;
        experiment.set_slo(slo);
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = match args.shard {
            Some((i, n)) => format!("{}.shard-{i}-of-{n}.csv", experiment.name),
            None => format!("{}.csv", experiment.name),
        };
        PathBuf::from(stem)
    });
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let histograms = csv_out::histograms_path(&out);
    let histograms_partial = PathBuf::from(format!("{}.partial", histograms.display()));
    if args.search {
        return search(&experiment, &out);
    }

    // Points a previous run of the same sweep finished.
    let mut done = Vec::new();
    let resumable = !args.fresh && partial.exists();
    if resumable {
        let (columns, rows) = csv_out::read(&partial)?;
        if columns == experiment.columns {
            done = rows;
        }
    }
    let fresh = done.is_empty();
    let in_shard = |index: usize| args.shard.is_none_or(|(i, n)| index % n == i - 1);
    done.retain(|r| in_shard(r.point) && r.point < experiment.points.len());
    done.sort_by_key(|r| r.point);
    done.dedup_by_key(|r| r.point);
    let finished: std::collections::BTreeSet<usize> = done.iter().map(|r| r.point).collect();

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
        args.shard
            .map_or(String::new(), |(i, n)| format!(", shard {i} of {n}")),
        if finished.is_empty() {
            String::new()
        } else {
            format!(", {} already done (resuming)", finished.len())
        }
    );
    let progress = ProgressBar::new(total as u64);
    progress.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} points, {per_sec}, {elapsed} elapsed, ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    progress.set_message("sweeping");
    progress.set_position(finished.len() as u64);

    let appender = Mutex::new(Appender::open(&partial, &experiment.columns, fresh)?);
    let histogram_file = std::fs::OpenOptions::new()
        .create(true)
        .append(!fresh)
        .write(true)
        .truncate(fresh)
        .open(&histograms_partial)
        .with_context(|| format!("cannot write `{}`", histograms_partial.display()))?;
    let histogram_file = Mutex::new(histogram_file);
    let failed_write = Mutex::new(None);
    let rows = experiment.run(
        |p| in_shard(p.index) && !finished.contains(&p.index),
        &|row| {
            // The histogram first: a row in the CSV partial means both are kept.
            let kept = csv_out::append_histogram(
                &mut histogram_file.lock().expect("not poisoned"),
                &histograms_partial,
                row,
            )
            .and_then(|()| appender.lock().expect("not poisoned").append(row));
            if let Err(e) = kept {
                failed_write.lock().expect("not poisoned").get_or_insert(e);
            }
            progress.inc(1);
        },
    )?;
    progress.finish_and_clear();
    if let Some(error) = failed_write.into_inner().expect("not poisoned") {
        return Err(error).context("cannot keep finished points");
    }
    let mut all = done;
    all.extend(rows);
    csv_out::write(&out, &experiment.columns, &mut all)?;
    csv_out::write_sorted_histograms(std::slice::from_ref(&histograms_partial), &histograms)?;
    std::fs::remove_file(&partial).ok();
    std::fs::remove_file(&histograms_partial).ok();
    eprintln!(
        "wrote {} ({} points) and their merged latency histograms to {}",
        out.display(),
        all.len(),
        histograms.display()
    );
    report_cheapest(&experiment, &all);
    Ok(ExitCode::SUCCESS)
}

/// Names the cheapest point meeting the objective, if there is one.
fn report_cheapest(experiment: &Experiment, rows: &[capsim::sweep::Row]) {
    let Some(slo) = &experiment.slo else {
        return;
    };
    let column = |name: &str| experiment.columns.iter().position(|c| c == name);
    let (Some(meets), Some(cost)) = (column("meets_slo"), column("usd_per_hour")) else {
        return;
    };
    let axes = 1..experiment
        .columns
        .iter()
        .position(|c| c == "stable")
        .unwrap_or(1);
    let cheapest = rows
        .iter()
        .filter(|r| r.cells[meets] == "1")
        .min_by(|a, b| {
            let price =
                |r: &capsim::sweep::Row| r.cells[cost].parse::<f64>().unwrap_or(f64::INFINITY);
            price(a).total_cmp(&price(b))
        });
    let wanted: Vec<&str> = slo.conditions.iter().map(|c| c.2.as_str()).collect();
    match cheapest {
        Some(row) => {
            let settings: Vec<String> = axes
                .clone()
                .map(|i| format!("{} = {}", experiment.columns[i], row.cells[i]))
                .collect();
            println!(
                "cheapest point meeting {}: point {} ({}), ${}/hour",
                wanted.join(", "),
                row.point,
                settings.join(", "),
                row.cells[cost]
            );
        }
        None => println!("no point meets {}", wanted.join(", ")),
    }
}

/// `--search`: bisection on the one axis; writes the rows it ran.
fn search(experiment: &Experiment, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    eprintln!(
        "{}: searching {} levels of `{}` by bisection",
        experiment.name,
        experiment.points.len(),
        experiment.axes[0].paths.join(", ")
    );
    let (mut rows, found) = experiment.search()?;
    csv_out::write(out, &experiment.columns, &mut rows)?;
    csv_out::write_histograms(&csv_out::histograms_path(out), &rows)?;
    eprintln!(
        "wrote {} ({} of {} points run)",
        out.display(),
        rows.len(),
        experiment.points.len()
    );
    let objective: Vec<&str> = experiment
        .slo
        .iter()
        .flat_map(|s| s.conditions.iter().map(|c| c.2.as_str()))
        .collect();
    match found {
        Some(index) => {
            let settings: Vec<String> = experiment.points[index]
                .settings
                .iter()
                .map(|(path, value)| format!("{path} = {value}"))
                .collect();
            println!(
                "first level meeting {}: {}",
                objective.join(", "),
                settings.join(", ")
            );
        }
        None => println!("no level meets {}", objective.join(", ")),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let parts: Vec<&std::path::Path> = args.parts.iter().map(PathBuf::as_path).collect();
    let (columns, mut rows) = csv_out::merge(&parts)?;
    csv_out::write(&args.out, &columns, &mut rows)?;
    let histograms: Vec<PathBuf> = parts.iter().map(|p| csv_out::histograms_path(p)).collect();
    csv_out::write_sorted_histograms(&histograms, &csv_out::histograms_path(&args.out))?;
    eprintln!(
        "wrote {} ({} points from {} parts)",
        args.out.display(),
        rows.len(),
        parts.len()
    );
    Ok(ExitCode::SUCCESS)
}
