//! A figure over two axes of a sweep as a heat map: one cell per point,
//! coloured from the lowest value (light) to the highest (dark), the value
//! written in each cell.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Picture, PlotError, Table, draw_to};

struct Heatmap {
    title: String,
    x_label: String,
    y_label: String,
    x_levels: Vec<String>,
    y_levels: Vec<String>,
    /// (x index, y index, value).
    cells: Vec<(usize, usize, f64)>,
}

/// Plots column `z` of the sweep over columns `x` and `y`.
pub fn heatmap(
    table: &Table,
    x: &str,
    y: &str,
    z: &str,
    title: &str,
    out: &Path,
) -> Result<(), PlotError> {
    let xs = table.texts(x)?;
    let ys = table.texts(y)?;
    let zs = table.numbers(z)?;
    let levels = |values: &[String]| {
        let mut distinct: Vec<String> = Vec::new();
        for v in values {
            if !distinct.contains(v) {
                distinct.push(v.clone());
            }
        }
        distinct
    };
    let (x_levels, y_levels) = (levels(&xs), levels(&ys));
    let cells = (0..zs.len())
        .map(|i| {
            let xi = x_levels
                .iter()
                .position(|l| *l == xs[i])
                .expect("a level of its column");
            let yi = y_levels
                .iter()
                .position(|l| *l == ys[i])
                .expect("a level of its column");
            (xi, yi, zs[i])
        })
        .collect();
    draw_to(
        out,
        &Heatmap {
            title: title.to_string(),
            x_label: x.to_string(),
            y_label: format!("{y}   (cells: {z})"),
            x_levels,
            y_levels,
            cells,
        },
    )
}

impl Picture for Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (nx, ny) = (self.x_levels.len(), self.y_levels.len());
        let finite = || self.cells.iter().map(|c| c.2).filter(|v| v.is_finite());
        let lo = finite().fold(f64::INFINITY, f64::min);
        let hi = finite().fold(f64::NEG_INFINITY, f64::max);
        // Where a value sits between the lowest (0) and the highest (1).
        let share = |v: f64| {
            if hi > lo && v.is_finite() {
                (v - lo) / (hi - lo)
            } else {
                0.0
            }
        };
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 26))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
            .map_err(|e| e.to_string())?;
        let (xl, yl) = (self.x_levels.clone(), self.y_levels.clone());
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nx * 2 + 1)
            .y_labels(ny * 2 + 1)
            .x_label_formatter(&|v| super::category_label(&xl, *v))
            .y_label_formatter(&|v| super::category_label(&yl, *v))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(self.cells.iter().map(|&(x, y, v)| {
                let share = share(v);
                // From a pale to a deep blue.
                let shade = |light: f64, dark: f64| (light + (dark - light) * share) as u8;
                let color = if v.is_finite() {
                    RGBColor(shade(230.0, 8.0), shade(240.0, 48.0), shade(250.0, 107.0))
                } else {
                    RGBColor(200, 200, 200)
                };
                Rectangle::new(
                    [(x as f64, y as f64), (x as f64 + 1.0, y as f64 + 1.0)],
                    color.filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(self.cells.iter().map(|&(x, y, v)| {
                let share = share(v);
                let ink = if share > 0.5 { WHITE } else { BLACK };
                let text = if v.is_finite() {
                    format!("{v:.3}")
                } else {
                    "-".into()
                };
                Text::new(
                    text,
                    (x as f64 + 0.38, y as f64 + 0.45),
                    ("sans-serif", 15).into_font().color(&ink),
                )
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}
