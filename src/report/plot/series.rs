//! A run's time series in panels sharing the time axis: request rates
//! (and call attempts, retries included, if any), p99 latency, each pool's
//! vCPU utilization, and instances (serving and desired, summed over pools)
//! when they change.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{PALETTE, Picture, PlotError, Table, draw_to, padded};

/// One panel: a y label and its lines (legend, points).
type Panel = (String, Vec<(String, Vec<(f64, f64)>)>);

struct SeriesPlot {
    title: String,
    panels: Vec<Panel>,
}

/// Plots replication 0 of a `--series` CSV.
pub fn series(table: &Table, title: &str, out: &Path) -> Result<(), PlotError> {
    let rep = table.numbers("replication")?;
    let time = table.numbers("time_s")?;
    let keep: Vec<usize> = (0..rep.len()).filter(|&i| rep[i] == 0.0).collect();
    let line = |name: &str, legend: &str| -> Result<(String, Vec<(f64, f64)>), PlotError> {
        let values = table.numbers(name)?;
        Ok((
            legend.to_string(),
            keep.iter()
                .filter(|&&i| values[i].is_finite())
                .map(|&i| (time[i], values[i]))
                .collect(),
        ))
    };
    let summed = |suffix: &str, legend: &str| -> Result<(String, Vec<(f64, f64)>), PlotError> {
        let columns: Vec<&String> = table
            .columns
            .iter()
            .filter(|c| c.ends_with(suffix))
            .collect();
        let values: Vec<Vec<f64>> = columns
            .iter()
            .map(|c| table.numbers(c))
            .collect::<Result<_, _>>()?;
        Ok((
            legend.to_string(),
            keep.iter()
                .map(|&i| (time[i], values.iter().map(|v| v[i]).sum()))
                .collect(),
        ))
    };
    let mut rates = vec![
        line("arrivals_per_s", "arrivals")?,
        line("completions_per_s", "completions")?,
        line("errors_per_s", "errors")?,
    ];
    // Calls with retries: what the callers really send, retries included.
    if table.columns.iter().any(|c| c.ends_with(".attempts_per_s")) {
        rates.push(summed(".attempts_per_s", "attempts (retries included)")?);
    }
    let mut panels: Vec<Panel> = vec![
        ("requests per second".into(), rates),
        ("p99 latency, ms".into(), vec![line("p99_ms", "p99")?]),
    ];
    let pools: Vec<&String> = table
        .columns
        .iter()
        .filter(|c| c.ends_with(".utilization") && !c.ends_with(".worker_utilization"))
        .take(PALETTE.len())
        .collect();
    if !pools.is_empty() {
        let lines = pools
            .iter()
            .map(|c| line(c, c.trim_end_matches(".utilization")))
            .collect::<Result<_, _>>()?;
        panels.push(("vCPU utilization".into(), lines));
    }
    // Instances only when some pool's count moves: a flat line says nothing.
    let varies = |suffix: &str| -> Result<bool, PlotError> {
        for column in table.columns.iter().filter(|c| c.ends_with(suffix)) {
            let values = table.numbers(column)?;
            if keep.iter().any(|&i| values[i] != values[keep[0]]) {
                return Ok(true);
            }
        }
        Ok(false)
    };
    if !keep.is_empty() && (varies(".serving")? || varies(".desired")?) {
        panels.push((
            "instances (all pools)".into(),
            vec![
                summed(".serving", "serving")?,
                summed(".starting", "starting")?,
                summed(".desired", "desired")?,
            ],
        ));
    }
    draw_to(
        out,
        &SeriesPlot {
            title: title.to_string(),
            panels,
        },
    )
}

impl Picture for SeriesPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, ("sans-serif", 26))
            .map_err(|e| e.to_string())?;
        let areas = root.split_evenly((self.panels.len(), 1));
        let all_x = || {
            self.panels
                .iter()
                .flat_map(|(_, l)| l.iter().flat_map(|(_, p)| p.iter().map(|q| q.0)))
        };
        let (x0, x1) = padded(all_x(), true);
        for (k, ((label, lines), area)) in self.panels.iter().zip(&areas).enumerate() {
            let (y0, y1) = padded(lines.iter().flat_map(|(_, p)| p.iter().map(|q| q.1)), true);
            let last = k + 1 == self.panels.len();
            let mut chart = ChartBuilder::on(area)
                .margin(10)
                .x_label_area_size(if last { 45 } else { 20 })
                .y_label_area_size(80)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .x_desc(if last { "time, s" } else { "" })
                .y_desc(label)
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 16))
                .draw()
                .map_err(|e| e.to_string())?;
            for (i, (legend, points)) in lines.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                chart
                    .draw_series(LineSeries::new(
                        points.iter().copied(),
                        color.stroke_width(2),
                    ))
                    .map_err(|e| e.to_string())?
                    .label(legend)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
            }
            super::legend(&mut chart, SeriesLabelPosition::UpperLeft, 14)?;
        }
        Ok(())
    }
}
