//! `capsim sweep --search` on an experiment of several axes: the design
//! search (racing, scenarios, monotone axes), a line per point it runs,
//! the rows it ran written as a sweep's CSV, and the answer.

use std::path::Path;
use std::process::ExitCode;

use capsim::report::sweep::{self as csv_out, Manifest};
use capsim::sweep::{DesignSearch, Experiment, Ran, Slo, Standing};

use super::outputs::check_writable;
use super::sweep::write_html;

pub fn execute(
    experiment: &Experiment,
    manifest: &Manifest,
    out: &Path,
    html: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    check_writable("--out", out)?;
    check_writable("--out", &csv_out::histograms_path(out))?;
    let objective = experiment
        .slo
        .as_ref()
        .map_or_else(String::new, Slo::written);
    let space = experiment.space();
    eprintln!(
        "{}: searching {} designs × {} scenario{} for the cheapest meeting {objective} ({} a point)",
        experiment.name,
        space.designs(),
        space.scenarios(),
        if space.scenarios() == 1 { "" } else { "s" },
        match experiment.replications {
            1 => "1 replication".to_string(),
            2 => "2 replications".to_string(),
            n => format!("2 to {n} replications"),
        }
    );
    // A line per point: each may take a while, and says where the search goes.
    let found = experiment.design_search(&|ran: &Ran| {
        eprintln!(
            "  point {} ({}): {} after {} replication{}",
            ran.row.point,
            settings(experiment, ran.row.point),
            ran.verdict.name(),
            ran.replications,
            if ran.replications == 1 { "" } else { "s" }
        );
    })?;
    let mut rows: Vec<_> = found.ran.iter().map(|r| r.row.clone()).collect();
    csv_out::write(out, &experiment.columns, &mut rows)?;
    csv_out::write_histograms(&csv_out::histograms_path(out), manifest, &rows)?;
    eprintln!(
        "wrote {} ({} of {} points run: {} replications, against {} for the full grid)",
        out.display(),
        found.ran.len(),
        experiment.points.len(),
        found.replications(),
        found.grid_replications
    );
    report(experiment, &found, &objective);
    write_html(html, experiment, &rows)?;
    Ok(ExitCode::SUCCESS)
}

/// The answer, and what became of every design.
fn report(experiment: &Experiment, found: &DesignSearch, objective: &str) {
    let every = if experiment.space().scenarios() > 1 {
        " in every scenario"
    } else {
        ""
    };
    match (found.best, found.best_point) {
        (Some((_, cost)), Some(point)) => println!(
            "cheapest design meeting {objective}{every}: {} (point {point}), ${}/hour",
            design_settings(experiment, point),
            capsim::stats::csv_number(cost)
        ),
        _ => println!("no design meets {objective}{every}"),
    }
    let run = [
        Standing::Met,
        Standing::Missed,
        Standing::Unsure,
        Standing::Dearer,
    ];
    let named = ["met", "missed", "unsure", "dropped as dearer"];
    let parts: Vec<String> = (run.iter().zip(named))
        .map(|(s, name)| (found.count(*s), name))
        .filter(|(n, _)| *n > 0)
        .map(|(n, name)| format!("{n} {name}"))
        .collect();
    let ran: usize = run.iter().map(|s| found.count(*s)).sum();
    let mut line = format!("designs: {ran} run ({})", parts.join(", "));
    for (standing, words) in [
        (Standing::InferredMissed, "inferred to miss"),
        (Standing::NotCheaper, "never cheaper than one that meets"),
        (Standing::Unknown, "not reached"),
    ] {
        let n = found.count(standing);
        if n > 0 {
            line.push_str(&format!(", {n} {words}"));
        }
    }
    println!("{line}");
}

/// `path = value, …` of every setting of `point`.
fn settings(experiment: &Experiment, point: usize) -> String {
    pairs(experiment, point, |_| true)
}

/// `path = value, …` of the design axes' settings of `point`.
fn design_settings(experiment: &Experiment, point: usize) -> String {
    let design_paths: Vec<&String> = (experiment.axes.iter())
        .filter(|a| !a.load)
        .flat_map(|a| &a.paths)
        .collect();
    pairs(experiment, point, |path| design_paths.contains(&path))
}

fn pairs(experiment: &Experiment, point: usize, keep: impl Fn(&String) -> bool) -> String {
    (experiment.points.get(point).into_iter())
        .flat_map(|p| &p.settings)
        .filter(|(path, _)| keep(path))
        .map(|(path, value)| format!("{path} = {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}
