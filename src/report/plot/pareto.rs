//! Cost against p99 for every point of a sweep, the Pareto frontier (no
//! other point is both cheaper and faster) and the SLO's p99 limit.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{PALETTE, Picture, PlotError, Table, draw_to, padded};

struct Pareto {
    title: String,
    /// (p99 ms, $/hour, label).
    points: Vec<(f64, f64, String)>,
    frontier: Vec<(f64, f64)>,
    slo_ms: Option<f64>,
    /// (p99 ms, $/hour) of the unstable points, crossed.
    unstable: Vec<(f64, f64)>,
}

/// Plots `usd_per_hour` against `p99_ms`, labelling each point with the
/// values of `label_columns`. Unstable points (`stable` = 0) are left out
/// of the frontier and the axes (their p99 only says how long the run
/// lasted) and crossed in red at the edge.
pub fn pareto(
    table: &Table,
    label_columns: &[String],
    slo_ms: Option<f64>,
    title: &str,
    out: &Path,
) -> Result<(), PlotError> {
    let p99 = table.numbers("p99_ms")?;
    let cost = table.numbers("usd_per_hour")?;
    let stable = table
        .numbers("stable")
        .unwrap_or_else(|_| vec![1.0; p99.len()]);
    let labels: Vec<Vec<String>> = label_columns
        .iter()
        .map(|c| table.texts(c))
        .collect::<Result<_, _>>()?;
    let points: Vec<(f64, f64, String)> = (0..p99.len())
        .filter(|&i| p99[i].is_finite() && cost[i].is_finite() && stable[i] == 1.0)
        .map(|i| {
            let label = labels
                .iter()
                .map(|l| l[i].clone())
                .collect::<Vec<_>>()
                .join(" × ");
            (p99[i], cost[i], label)
        })
        .collect();
    let unstable = (0..p99.len())
        .filter(|&i| p99[i].is_finite() && cost[i].is_finite() && stable[i] != 1.0)
        .map(|i| (p99[i], cost[i]))
        .collect();
    // Sorted by p99, a point is on the frontier if it is cheaper than
    // every faster one.
    let mut sorted: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut frontier = Vec::new();
    let mut cheapest = f64::INFINITY;
    for (x, y) in sorted {
        if y < cheapest {
            frontier.push((x, y));
            cheapest = y;
        }
    }
    draw_to(
        out,
        &Pareto {
            title: title.to_string(),
            points,
            frontier,
            slo_ms,
            unstable,
        },
    )
}

impl Picture for Pareto {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (x0, x1) = padded(self.points.iter().map(|p| p.0).chain(self.slo_ms), false);
        let (y0, y1) = padded(self.points.iter().map(|p| p.1), false);
        let mut chart = super::chart(root, &self.title, x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc("p99 latency, ms (mean over replications)")
            .y_desc("cost, $ per hour")
            .x_label_formatter(&super::plain)
            .y_label_formatter(&super::plain)
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(|e| e.to_string())?;
        let [blue, orange, green, ..] = PALETTE;
        chart
            .draw_series(LineSeries::new(
                self.frontier.iter().copied(),
                orange.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("Pareto frontier")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], orange.stroke_width(2))
            });
        if let Some(limit) = self.slo_ms {
            chart
                .draw_series(LineSeries::new(
                    [(limit, y0), (limit, y1)],
                    green.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(format!("SLO: p99 < {limit} ms"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], green.stroke_width(2))
                });
        }
        chart
            .draw_series(self.points.iter().map(|(x, y, label)| {
                EmptyElement::at((*x, *y))
                    + Circle::new((0, 0), 5, blue.filled())
                    + Text::new(label.clone(), (8, -8), ("sans-serif", 14))
            }))
            .map_err(|e| e.to_string())?;
        super::unstable_crosses(&mut chart, &self.unstable, (x0..x1, y0..y1))?;
        super::legend(&mut chart, SeriesLabelPosition::LowerLeft, 16)
    }
}
