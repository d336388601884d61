//! `capsim plot`: pictures of a sweep's CSV or a run's series.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use capsim::model::Format;
use capsim::report::plot::{self, Names, SeriesOptions, Table};
use capsim::sweep::ExperimentSpec;
use capsim::sweep::spec::AxisSpec;

use super::args::{PlotCommand, SweepSource};

pub fn execute(command: PlotCommand) -> anyhow::Result<ExitCode> {
    let out = match command {
        PlotCommand::Lines {
            csv,
            x,
            y,
            group,
            from,
            title,
            out,
        } => {
            let table = Table::read(&csv)?;
            let (name, names) = source(&from)?;
            let what = format!("{} against {}", y.join(", "), names.of(&x));
            let title = titled(title, name.as_deref(), what);
            plot::lines(&table, &x, &y, group.as_deref(), (&title, &names), &out)?;
            out
        }
        PlotCommand::Pareto {
            csv,
            label,
            slo_p99_ms,
            from,
            title,
            out,
        } => {
            pareto(&csv, label, slo_p99_ms, &from, title, &out)?;
            out
        }
        PlotCommand::Compare {
            csv,
            label,
            filter,
            from,
            title,
            out,
        } => {
            compare(&csv, &label, filter.as_deref(), &from, title, &out)?;
            out
        }
        PlotCommand::Heatmap {
            csv,
            x,
            y,
            z,
            from,
            title,
            out,
        } => {
            let table = Table::read(&csv)?;
            let (name, names) = source(&from)?;
            let what = format!("{z} over {} and {}", names.of(&x), names.of(&y));
            let title = titled(title, name.as_deref(), what);
            plot::heatmap(&table, &x, &y, &z, (&title, &names), &out)?;
            out
        }
        PlotCommand::Series {
            csv,
            model,
            replication,
            linear,
            title,
            out,
        } => {
            series(&csv, model.as_deref(), replication, linear, title, &out)?;
            out
        }
    };
    eprintln!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn series(
    csv: &Path,
    model: Option<&Path>,
    replication: Option<u32>,
    linear: bool,
    title: String,
    out: &Path,
) -> anyhow::Result<()> {
    let table = Table::read(csv)?;
    let name = model
        .map(|path| super::load_model(path, false).map(|m| m.name))
        .transpose()?;
    // Never the CSV's path: it names a folder of the machine, not the system.
    let title = titled(title, None, name.unwrap_or_else(|| "time series".into()));
    let options = SeriesOptions {
        title,
        replication,
        linear,
    };
    plot::series(&table, &options, out)?;
    Ok(())
}

fn pareto(
    csv: &Path,
    label: Vec<String>,
    slo_p99_ms: Option<f64>,
    from: &SweepSource,
    title: String,
    out: &Path,
) -> anyhow::Result<()> {
    let table = Table::read(csv)?;
    // Default labels: the axis columns, between `point` and `stable`.
    let label = if label.is_empty() {
        let stable = table.index("stable")?;
        table.columns[1..stable].to_vec()
    } else {
        label
    };
    let (name, _) = source(from)?;
    let title = titled(title, name.as_deref(), "cost against p99".into());
    plot::pareto(&table, &label, slo_p99_ms, &title, out)?;
    Ok(())
}

fn compare(
    csv: &Path,
    label: &[String],
    filter: Option<&str>,
    from: &SweepSource,
    title: String,
    out: &Path,
) -> anyhow::Result<()> {
    let table = Table::read(csv)?;
    let filter = filter
        .map(|f| {
            f.split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--where: expected COLUMN=VALUE, got `{f}`"))
        })
        .transpose()?;
    let (name, names) = source(from)?;
    let labels: Vec<String> = label.iter().map(|l| names.of(l)).collect();
    let what = format!("{} side by side", labels.join(" × "));
    let title = titled(title, name.as_deref(), what);
    plot::compare(&table, label, filter, &title, out)?;
    Ok(())
}

/// `title`, or the default `what`, after the experiment's `name` if known.
fn titled(title: String, name: Option<&str>, what: String) -> String {
    match (title.is_empty(), name) {
        (false, _) => title,
        (true, Some(name)) => format!("{name}: {what}"),
        (true, None) => what,
    }
}

/// The experiment's name and its axes' labels, if `--experiment` names it.
fn source(from: &SweepSource) -> anyhow::Result<(Option<String>, Names)> {
    let Some(path) = &from.experiment else {
        return Ok((None, Names::default()));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--experiment: cannot read `{}`", path.display()))?;
    let spec: ExperimentSpec = capsim::model::format::deserialize(&text, Format::of(path))
        .map_err(|(at, message)| anyhow::anyhow!("{at}: {message}"))
        .with_context(|| format!("--experiment: `{}` is not an experiment", path.display()))?;
    let mut names = Vec::new();
    for axis in &spec.axes {
        labels(axis, &mut names);
    }
    let name = if spec.name.is_empty() {
        stem(path)
    } else {
        spec.name
    };
    Ok((Some(name), Names(names)))
}

/// (path, label) of `axis` and of the parts of a `zip`.
fn labels(axis: &AxisSpec, names: &mut Vec<(String, String)>) {
    if let (Some(path), Some(label)) = (&axis.path, &axis.label) {
        names.push((path.clone(), label.clone()));
    }
    for part in axis.zip.iter().flatten() {
        labels(part, names);
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}
