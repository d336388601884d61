//! Configurations side by side: p50, p99, utilization and cost per
//! configuration (scale up against scale out at equal cost), four panels of
//! bars with their 95% intervals.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{PALETTE, Picture, PlotError, Table, draw_to, padded};

/// One panel: its title and, per configuration, (mean, half-width).
type Panel = (String, Vec<(f64, f64)>);

struct Compare {
    title: String,
    labels: Vec<String>,
    panels: Vec<Panel>,
}

/// Bars of the sweep's rows that match `filter` (column = value), labelled by `label_columns`.
pub fn compare(
    table: &Table,
    label_columns: &[String],
    filter: Option<(&str, &str)>,
    title: &str,
    out: &Path,
) -> Result<(), PlotError> {
    let keep: Vec<usize> = match filter {
        Some((column, value)) => {
            let values = table.texts(column)?;
            (0..values.len()).filter(|&i| values[i] == value).collect()
        }
        None => (0..table.rows.len()).collect(),
    };
    if keep.is_empty() {
        return Err(PlotError::Input("no row matches the filter".into()));
    }
    let label_values: Vec<Vec<String>> = label_columns
        .iter()
        .map(|c| table.texts(c))
        .collect::<Result<_, _>>()?;
    let labels = keep
        .iter()
        .map(|&i| {
            label_values
                .iter()
                .map(|l| l[i].clone())
                .collect::<Vec<_>>()
                .join(" × ")
        })
        .collect();
    let pool_utilization = table
        .columns
        .iter()
        .find(|c| c.ends_with(".utilization"))
        .cloned();
    let mut figures = vec![
        ("p50 latency, ms", "p50_ms".to_string()),
        ("p99 latency, ms", "p99_ms".to_string()),
    ];
    if let Some(u) = &pool_utilization {
        figures.push(("utilization (first pool)", u.clone()));
    }
    figures.push(("cost, $ per hour", "usd_per_hour".to_string()));
    let panels = figures
        .into_iter()
        .map(|(title, column)| {
            let means = table.numbers(&column)?;
            let hws = table
                .numbers(&format!("{column}_hw"))
                .unwrap_or_else(|_| vec![0.0; means.len()]);
            Ok((
                title.to_string(),
                keep.iter()
                    .map(|&i| (means[i], if hws[i].is_finite() { hws[i] } else { 0.0 }))
                    .collect(),
            ))
        })
        .collect::<Result<_, PlotError>>()?;
    draw_to(
        out,
        &Compare {
            title: title.to_string(),
            labels,
            panels,
        },
    )
}

impl Picture for Compare {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, ("sans-serif", 24))
            .map_err(|e| e.to_string())?;
        let areas = root.split_evenly((2, 2));
        let n = self.labels.len();
        for ((title, bars), area) in self.panels.iter().zip(&areas) {
            let (_, top) = padded(bars.iter().map(|b| b.0 + b.1), true);
            let labels = self.labels.clone();
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(30)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..n as f64, 0.0..top)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(2 * n + 1)
                .x_label_formatter(&|v| super::category_label(&labels, *v))
                .label_style(("sans-serif", 14))
                .draw()
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(bars.iter().enumerate().map(|(i, &(mean, _))| {
                    let color = PALETTE[i % PALETTE.len()];
                    Rectangle::new(
                        [(i as f64 + 0.2, 0.0), (i as f64 + 0.8, mean)],
                        color.filled(),
                    )
                }))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(bars.iter().enumerate().map(|(i, &(mean, hw))| {
                    PathElement::new(
                        vec![(i as f64 + 0.5, mean - hw), (i as f64 + 0.5, mean + hw)],
                        BLACK.stroke_width(2),
                    )
                }))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
