//! A figure over two axes of a sweep as a heat map: one cell per point,
//! coloured from the lowest value (light) to the highest (dark) of the
//! stable points, the value written in each cell, a colour bar beside it.
//! An unstable point (`stable` = 0) is crossed out and says so: its figure
//! describes a growing backlog, and coloured like the others it would pass
//! for a cheap, fast configuration.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{Names, Picture, PlotError, Table, draw_to};

struct Heatmap {
    title: String,
    x_label: String,
    y_label: String,
    x_levels: Vec<String>,
    y_levels: Vec<String>,
    /// (x index, y index, value, stable).
    cells: Vec<(usize, usize, f64, bool)>,
}

/// Plots column `z` of the sweep over columns `x` and `y`.
pub fn heatmap(
    table: &Table,
    x: &str,
    y: &str,
    z: &str,
    (title, names): (&str, &Names),
    out: &Path,
) -> Result<(), PlotError> {
    let xs = table.texts(x)?;
    let ys = table.texts(y)?;
    let zs = table.numbers(z)?;
    // Without a `stable` column (an older CSV) every point counts as stable.
    let stable = table
        .numbers("stable")
        .unwrap_or_else(|_| vec![1.0; zs.len()]);
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
            (xi, yi, zs[i], stable[i] != 0.0)
        })
        .collect();
    draw_to(
        out,
        &Heatmap {
            title: title.to_string(),
            x_label: names.of(x),
            y_label: format!("{}   (cells: {z})", names.of(y)),
            x_levels,
            y_levels,
            cells,
        },
    )
}

/// The chart a heat map's cells are drawn on: cell i spans i to i + 1.
type Grid<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Picture for Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (lo, hi) = self.stable_range();
        // Where a value sits between the lowest (0) and the highest (1).
        let share = |v: f64| {
            if hi > lo && v.is_finite() {
                ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let (width, _) = root.dim_in_pixel();
        let (main, bar) = root.split_horizontally(width.saturating_sub(130));
        let mut chart = self.grid(&main)?;
        self.fill(&mut chart, &share)?;
        self.cross_out(&mut chart)?;
        self.write_values(&mut chart, &share)?;
        colour_bar(&bar, lo, hi)
    }
}

impl Heatmap {
    /// The lowest and highest finite value of the stable cells.
    fn stable_range(&self) -> (f64, f64) {
        let finite = || {
            self.cells
                .iter()
                .filter(|c| c.3)
                .map(|c| c.2)
                .filter(|v| v.is_finite())
        };
        let lo = finite().fold(f64::INFINITY, f64::min);
        let hi = finite().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }

    /// The titled grid with each axis's levels at the centres of its cells.
    fn grid<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
    ) -> Result<Grid<'a, DB>, String> {
        let (nx, ny) = (self.x_levels.len(), self.y_levels.len());
        let mut chart = ChartBuilder::on(area)
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
        Ok(chart)
    }

    /// Each cell's colour: blue by its share, pink if unstable, grey if undefined.
    fn fill<DB: DrawingBackend>(
        &self,
        chart: &mut Grid<'_, DB>,
        share: &dyn Fn(f64) -> f64,
    ) -> Result<(), String> {
        chart
            .draw_series(self.cells.iter().map(|&(x, y, v, stable)| {
                let color = match (stable, v.is_finite()) {
                    (false, _) => RGBColor(250, 215, 210),
                    (true, true) => blue(share(v)),
                    (true, false) => RGBColor(200, 200, 200),
                };
                Rectangle::new(
                    [(x as f64, y as f64), (x as f64 + 1.0, y as f64 + 1.0)],
                    color.filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// A red cross over each unstable cell.
    fn cross_out<DB: DrawingBackend>(&self, chart: &mut Grid<'_, DB>) -> Result<(), String> {
        let crossed = self.cells.iter().filter(|c| !c.3);
        for &(x, y, _, _) in crossed {
            let (x, y) = (x as f64, y as f64);
            let red = RGBColor(200, 30, 20).stroke_width(3);
            for line in [[(x, y), (x + 1.0, y + 1.0)], [(x, y + 1.0), (x + 1.0, y)]] {
                chart
                    .draw_series(std::iter::once(PathElement::new(line.to_vec(), red)))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// The value in each cell (`unstable` in an unstable one: its figure is a backlog's).
    fn write_values<DB: DrawingBackend>(
        &self,
        chart: &mut Grid<'_, DB>,
        share: &dyn Fn(f64) -> f64,
    ) -> Result<(), String> {
        chart
            .draw_series(self.cells.iter().map(|&(x, y, v, stable)| {
                let ink = if stable && share(v) > 0.5 {
                    WHITE
                } else {
                    BLACK
                };
                let text = match (stable, v.is_finite()) {
                    (false, _) => "unstable".to_string(),
                    (true, true) => format!("{v:.3}"),
                    (true, false) => "-".into(),
                };
                Text::new(
                    text,
                    (x as f64 + 0.32, y as f64 + 0.45),
                    ("sans-serif", 15).into_font().color(&ink),
                )
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// From a pale (0) to a deep (1) blue.
fn blue(share: f64) -> RGBColor {
    let shade = |light: f64, dark: f64| (light + (dark - light) * share) as u8;
    RGBColor(shade(230.0, 8.0), shade(240.0, 48.0), shade(250.0, 107.0))
}

/// The colour scale, lowest to highest stable value, with its ticks.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lo: f64,
    hi: f64,
) -> Result<(), String> {
    if !(lo.is_finite() && hi.is_finite()) {
        return Ok(());
    }
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let mut chart = ChartBuilder::on(area)
        .margin_top(60)
        .margin_bottom(70)
        .margin_right(10)
        // Labels right of the bar, where nothing covers them.
        .right_y_label_area_size(60)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| e.to_string())?;
    let steps = 64;
    chart
        .draw_series((0..steps).map(|i| {
            let (a, b) = (i as f64 / steps as f64, (i + 1) as f64 / steps as f64);
            let (y0, y1) = (lo + (hi - lo) * a, lo + (hi - lo) * b);
            Rectangle::new([(0.0, y0), (1.0, y1)], blue((a + b) / 2.0).filled())
        }))
        .map_err(|e| e.to_string())?;
    Ok(())
}
