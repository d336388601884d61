//! Figures of a sweep against one axis, with their 95% confidence bands;
//! one line per figure and per value of an optional grouping column.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Names, PALETTE, Picture, PlotError, Table, draw_to, padded};

/// A line's legend and points: (x, mean, half-width of its interval).
type Line = (String, Vec<(f64, f64, f64)>);

struct Lines {
    title: String,
    x_label: String,
    y_label: String,
    lines: Vec<Line>,
    /// (x, figure) of the unstable points, crossed.
    unstable: Vec<(f64, f64)>,
}

/// Plots `figures` (columns with `_hw` partners) of the sweep CSV `table`
/// against column `x`, one line per value of `group` if given. Unstable
/// points (`stable` = 0) are left out of the lines and the axis (their
/// figures describe a backlog growing for as long as the run lasted, not
/// the design) and crossed in red.
pub fn lines(
    table: &Table,
    x: &str,
    figures: &[String],
    group: Option<&str>,
    (title, names): (&str, &Names),
    out: &Path,
) -> Result<(), PlotError> {
    let xs = table.numbers(x)?;
    let stable = table
        .numbers("stable")
        .unwrap_or_else(|_| vec![1.0; xs.len()]);
    let groups = match group {
        Some(g) => table.texts(g)?,
        None => vec![String::new(); xs.len()],
    };
    let mut distinct: Vec<String> = Vec::new();
    for g in &groups {
        if !distinct.contains(g) {
            distinct.push(g.clone());
        }
    }
    let mut lines = Vec::new();
    let mut unstable = Vec::new();
    for figure in figures {
        let means = table.numbers(figure)?;
        let hws = table
            .numbers(&format!("{figure}_hw"))
            .unwrap_or_else(|_| vec![0.0; means.len()]);
        unstable.extend(
            (0..xs.len())
                .filter(|&i| stable[i] != 1.0 && means[i].is_finite())
                .map(|i| (xs[i], means[i])),
        );
        for g in &distinct {
            let mut points: Vec<(f64, f64, f64)> = (0..xs.len())
                .filter(|&i| &groups[i] == g && means[i].is_finite() && stable[i] == 1.0)
                .map(|i| {
                    (
                        xs[i],
                        means[i],
                        if hws[i].is_finite() { hws[i] } else { 0.0 },
                    )
                })
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let legend = match group {
                Some(name) => format!("{figure}, {} = {g}", names.of(name)),
                None => figure.clone(),
            };
            lines.push((legend, points));
        }
    }
    let unit = if figures.iter().all(|f| f.ends_with("_ms")) {
        "latency, ms (mean and 95% interval over replications)".to_string()
    } else {
        figures.join(", ")
    };
    draw_to(
        out,
        &Lines {
            title: title.to_string(),
            x_label: names.of(x),
            y_label: unit,
            lines,
            unstable,
        },
    )
}

impl Picture for Lines {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let all = || self.lines.iter().flat_map(|(_, p)| p.iter());
        let (x0, x1) = padded(all().map(|p| p.0), false);
        // Fitted to the data: 143–170 ms lines and their bands must show.
        let (y0, y1) = padded(all().flat_map(|p| [p.1 - p.2, p.1 + p.2]), false);
        let mut chart = super::chart(root, &self.title, x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&super::plain)
            .y_label_formatter(&super::plain)
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (legend, points)) in self.lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let band: Vec<(f64, f64)> = points
                .iter()
                .map(|p| (p.0, p.1 + p.2))
                .chain(points.iter().rev().map(|p| (p.0, p.1 - p.2)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    color.mix(0.18).filled(),
                )))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|p| (p.0, p.1)),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(legend)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.0, p.1), 3, color.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
        super::unstable_crosses(&mut chart, &self.unstable, (x0..x1, y0..y1))?;
        super::legend(&mut chart, SeriesLabelPosition::UpperLeft, 16)
    }
}
