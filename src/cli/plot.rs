//! `capsim plot`: pictures of a sweep's CSV or a run's series.

use std::process::ExitCode;

use capsim::report::plot::{self, Table};

use super::args::PlotCommand;

pub fn execute(command: PlotCommand) -> anyhow::Result<ExitCode> {
    let out = match command {
        PlotCommand::Lines {
            csv,
            x,
            y,
            group,
            title,
            out,
        } => {
            let table = Table::read(&csv)?;
            let title = or(title, || format!("{} against {x}", y.join(", ")));
            plot::lines(&table, &x, &y, group.as_deref(), &title, &out)?;
            out
        }
        PlotCommand::Pareto {
            csv,
            label,
            slo_p99_ms,
            title,
            out,
        } => {
            let table = Table::read(&csv)?;
            // Default labels: the axis columns, between `point` and `stable`.
            let label = if label.is_empty() {
                let stable = table.index("stable")?;
                table.columns[1..stable].to_vec()
            } else {
                label
            };
            let title = or(title, || "cost against p99".to_string());
            plot::pareto(&table, &label, slo_p99_ms, &title, &out)?;
            out
        }
        PlotCommand::Compare {
            csv,
            label,
            filter,
            title,
            out,
        } => {
            let table = Table::read(&csv)?;
            let filter = filter
                .as_deref()
                .map(|f| {
                    f.split_once('=')
                        .ok_or_else(|| anyhow::anyhow!("--where: expected COLUMN=VALUE, got `{f}`"))
                })
                .transpose()?;
            let title = or(title, || format!("{} side by side", label.join(" × ")));
            plot::compare(&table, &label, filter, &title, &out)?;
            out
        }
        PlotCommand::Heatmap {
            csv,
            x,
            y,
            z,
            title,
            out,
        } => {
            let table = Table::read(&csv)?;
            let title = or(title, || format!("{z} over {x} and {y}"));
            plot::heatmap(&table, &x, &y, &z, &title, &out)?;
            out
        }
        PlotCommand::Series { csv, title, out } => {
            let table = Table::read(&csv)?;
            let title = or(title, || format!("{} over time", csv.display()));
            plot::series(&table, &title, &out)?;
            out
        }
    };
    eprintln!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// `title`, or a default when the user gave none.
fn or(title: String, default: impl FnOnce() -> String) -> String {
    if title.is_empty() { default() } else { title }
}
