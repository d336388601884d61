//! The page of a sweep: what it varied and the cheapest point meeting the
//! objective; p99 and cost against each axis; cost against p99 with the
//! Pareto frontier, the objective's line and the cheapest point ringed;
//! p99 over the first two axes as a heat map; every point in a table.
//! Unstable points are crossed (hatched on the map) wherever they appear.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::report::ReportError;
use crate::sweep::slo::Target;
use crate::sweep::{Axis, Experiment, Row, Slo, cheapest};

use super::heatmap::{Cell, Heatmap};
use super::svg::{Chart, Dot, Line, Scatter};
use super::{escape, number, write_page};

/// Everything the sweep page shows.
pub struct SweepPage<'a> {
    /// The experiment: its name, axes and objective.
    pub experiment: &'a Experiment,
    /// Its rows, as in the CSV.
    pub rows: &'a [Row],
}

/// The figures embedded in the page: the CSV's.
#[derive(Serialize)]
struct Data<'a> {
    sweep: &'a str,
    replications: u32,
    objective: Vec<&'a str>,
    columns: &'a [String],
    rows: Vec<&'a [String]>,
}

/// Most lines on one chart: the palette's colours.
const MOST_LINES: usize = 8;
/// Most rows in the table of points.
const MOST_ROWS: usize = 1000;

impl SweepPage<'_> {
    /// Writes the page to `path`.
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        let mut body = String::new();
        self.verdict(&mut body);
        self.curves(&mut body);
        self.pareto(&mut body);
        self.heatmap(&mut body);
        self.table(&mut body);
        let e = self.experiment;
        let data = serde_json::to_string(&Data {
            sweep: &e.name,
            replications: e.replications,
            objective: e.slo.iter().flat_map(Slo::written_conditions).collect(),
            columns: &e.columns,
            rows: self.rows.iter().map(|r| r.cells.as_slice()).collect(),
        })?;
        write_page(path, &format!("capsim sweep: {}", e.name), &body, &data)
    }

    /// The column of `name`.
    fn column(&self, name: &str) -> Option<usize> {
        self.experiment.columns.iter().position(|c| c == name)
    }

    /// Figure `column` of `row` (NaN if absent or not a number).
    fn figure(&self, row: &Row, column: &str) -> f64 {
        self.column(column)
            .and_then(|c| row.cells.get(c))
            .and_then(|cell| cell.parse().ok())
            .unwrap_or(f64::NAN)
    }

    fn stable(&self, row: &Row) -> bool {
        self.figure(row, "stable") == 1.0
    }

    /// The level of axis `k` at `row` (the grid's first axis varies slowest).
    fn level(&self, row: &Row, k: usize) -> usize {
        let axes = &self.experiment.axes;
        let inner: usize = axes.iter().skip(k + 1).map(|a| a.levels.len()).product();
        row.point / inner.max(1) % axes.get(k).map_or(1, |a| a.levels.len().max(1))
    }

    fn verdict(&self, body: &mut String) {
        let e = self.experiment;
        let unstable = self.rows.iter().filter(|r| !self.stable(r)).count();
        let axes: Vec<String> = e.axes.iter().map(axis_name).collect();
        let _ = write!(
            body,
            "<header id=\"verdict\"><h1>{}</h1><p class=\"verdict {}\">{} points × {} replications over {}. {}</p>",
            escape(&e.name),
            if unstable == 0 { "ok" } else { "bad" },
            self.rows.len(),
            e.replications,
            escape(&axes.join("; ")),
            match unstable {
                0 => "Every point is stable.".to_string(),
                n => format!(
                    "{n} unstable point{} (crossed on every chart, hatched on the map: {} figures describe a growing backlog).",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "its" } else { "their" }
                ),
            }
        );
        let Some(slo) = &e.slo else {
            body.push_str("<p>The experiment sets no objective.</p></header>");
            return;
        };
        let wanted = slo.written();
        let _ = write!(body, "<ul id=\"cheapest\">");
        for level in cheapest(e, self.rows) {
            let at = if level.load.is_empty() {
                String::new()
            } else {
                format!("at {}: ", self.pairs(&level.load))
            };
            let _ = match level.row {
                Some(row) => write!(
                    body,
                    "<li>{}cheapest point meeting {}: point {} ({}), ${}/hour</li>",
                    escape(&at),
                    escape(&wanted),
                    row.point,
                    escape(&self.pairs(&level.design)),
                    number(self.figure(row, "usd_per_hour"))
                ),
                None => write!(
                    body,
                    "<li>{}no point meets {}</li>",
                    escape(&at),
                    escape(&wanted)
                ),
            };
        }
        body.push_str("</ul></header>");
    }

    /// `web instances = 4, …`: cells named by their axes' labels.
    fn pairs(&self, cells: &[(String, String)]) -> String {
        let names = path_names(&self.experiment.axes);
        let name = |column: &str| {
            names
                .iter()
                .find(|(path, _)| path == column)
                .map_or(column.to_string(), |(_, name)| name.clone())
        };
        let pairs: Vec<String> = cells
            .iter()
            .map(|(column, value)| format!("{} = {value}", name(column)))
            .collect();
        pairs.join(", ")
    }

    /// p99 and cost against each axis, a line per combination of the others.
    fn curves(&self, body: &mut String) {
        body.push_str("<section id=\"curves\"><h2>Against each axis</h2><p class=\"note\">Means over replications, bands their 95% CI; a red cross is an unstable point, left out of the line and the axis (drawn at the edge when off it).</p><div class=\"charts\">");
        for (k, axis) in self.experiment.axes.iter().enumerate() {
            let (x, x_label) = axis_positions(axis);
            let groups = self.groups_but(k);
            for (figure, title, unit) in [
                ("p99_ms", "p99 latency", "ms"),
                ("usd_per_hour", "cost", "$ per hour"),
            ] {
                let lines: Vec<Line> = groups
                    .iter()
                    .take(MOST_LINES)
                    .map(|(name, rows)| self.curve(k, axis, name, rows, figure))
                    .collect();
                let stable: Vec<f64> = self
                    .rows
                    .iter()
                    .filter(|r| self.stable(r))
                    .map(|r| self.figure(r, figure))
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .collect();
                let (low, high) = stable
                    .iter()
                    .fold((f64::INFINITY, 0.0f64), |(l, h), v| (l.min(*v), h.max(*v)));
                let id = format!("curve-{k}-{figure}");
                let title = format!("{title} against {}", axis_name(axis));
                let chart = Chart {
                    id: &id,
                    title: &title,
                    x_label: &x_label,
                    y_label: unit,
                    x: &x,
                    lines,
                    // Latency spanning decades reads on a log axis.
                    log_y: figure == "p99_ms" && high > 30.0 * low,
                    shade: None,
                };
                body.push_str(&chart.render());
            }
            if groups.len() > MOST_LINES {
                let _ = write!(
                    body,
                    "<p class=\"note\">The first {MOST_LINES} of {} combinations of the other axes are drawn.</p>",
                    groups.len()
                );
            }
        }
        body.push_str("</div></section>");
    }

    /// The rows grouped by their levels of every axis but `k`, named.
    fn groups_but(&self, k: usize) -> Vec<(String, Vec<&Row>)> {
        let axes = &self.experiment.axes;
        let mut groups: Vec<(Vec<usize>, String, Vec<&Row>)> = Vec::new();
        for row in self.rows {
            let key: Vec<usize> = (0..axes.len())
                .filter(|&j| j != k)
                .map(|j| self.level(row, j))
                .collect();
            match groups.iter_mut().find(|g| g.0 == key) {
                Some(group) => group.2.push(row),
                None => {
                    let names: Vec<String> = (0..axes.len())
                        .filter(|&j| j != k)
                        .map(|j| {
                            format!(
                                "{} = {}",
                                axis_name(&axes[j]),
                                level_text(&axes[j], self.level(row, j))
                            )
                        })
                        .collect();
                    let name = if names.is_empty() {
                        "points".to_string()
                    } else {
                        names.join(", ")
                    };
                    groups.push((key, name, vec![row]));
                }
            }
        }
        groups
            .into_iter()
            .map(|(_, name, rows)| (name, rows))
            .collect()
    }

    /// `figure` of `rows` at each level of axis `k`, with its band.
    fn curve(&self, k: usize, axis: &Axis, name: &str, rows: &[&Row], figure: &str) -> Line {
        let levels = axis.levels.len();
        let at = |level: usize| rows.iter().find(|r| self.level(r, k) == level);
        let value =
            |level: usize, column: &str| at(level).map_or(f64::NAN, |r| self.figure(r, column));
        let y: Vec<f64> = (0..levels).map(|l| value(l, figure)).collect();
        let half: Vec<f64> = (0..levels)
            .map(|l| value(l, &format!("{figure}_hw")))
            .collect();
        let band = (
            y.iter().zip(&half).map(|(y, h)| y - h).collect(),
            y.iter().zip(&half).map(|(y, h)| y + h).collect(),
        );
        Line {
            name: name.to_string(),
            y,
            band: Some(band),
            unstable: (0..levels)
                .map(|l| at(l).is_some_and(|r| !self.stable(r)))
                .collect(),
        }
    }

    /// Cost against p99, a group per load level.
    fn pareto(&self, body: &mut String) {
        let e = self.experiment;
        let load_axes: Vec<usize> = (0..e.axes.len()).filter(|&k| e.axes[k].load).collect();
        let mut groups: Vec<(Vec<usize>, String, Vec<Dot>)> = Vec::new();
        for row in self.rows {
            let key: Vec<usize> = load_axes.iter().map(|&k| self.level(row, k)).collect();
            let dot = Dot {
                x: self.figure(row, "p99_ms"),
                y: self.figure(row, "usd_per_hour"),
                label: format!("point {}: {}", row.point, self.design_of(row)),
                unstable: !self.stable(row),
            };
            match groups.iter_mut().find(|g| g.0 == key) {
                Some(group) => group.2.push(dot),
                None => {
                    let names: Vec<String> = load_axes
                        .iter()
                        .map(|&k| {
                            format!(
                                "{} = {}",
                                axis_name(&e.axes[k]),
                                level_text(&e.axes[k], self.level(row, k))
                            )
                        })
                        .collect();
                    let name = if names.is_empty() {
                        "points".to_string()
                    } else {
                        names.join(", ")
                    };
                    groups.push((key, name, vec![dot]));
                }
            }
        }
        let conditions = e.slo.iter().flat_map(|s| &s.conditions);
        let limit = conditions
            .filter_map(|c| match c.target {
                Target::Below(limit) if c.column == "p99_ms" => {
                    Some((limit, format!("objective: {}", c.written)))
                }
                _ => None,
            })
            .next();
        let highlights = cheapest(e, self.rows)
            .into_iter()
            .filter_map(|level| level.row)
            .map(|row| Dot {
                x: self.figure(row, "p99_ms"),
                y: self.figure(row, "usd_per_hour"),
                label: format!("cheapest: point {}", row.point),
                unstable: false,
            })
            .collect();
        let chart = Scatter {
            id: "pareto-chart",
            title: "Cost against p99: the Pareto frontier per load level",
            x_label: "p99 latency, ms (mean over replications)",
            y_label: "$ per hour",
            groups: groups
                .into_iter()
                .take(MOST_LINES)
                .map(|g| (g.1, g.2))
                .collect(),
            limit,
            highlights,
        };
        let _ = write!(
            body,
            "<section id=\"pareto\"><h2>Cost against p99</h2><p class=\"note\">On a frontier no other point of its load level is both cheaper and faster; the ringed point is the cheapest meeting the objective; unstable points are crossed at the edge.</p>{}</section>",
            chart.render()
        );
    }

    /// `web instances = 4, cache hit ratio = 0.8`: the row's design settings.
    fn design_of(&self, row: &Row) -> String {
        let axes = &self.experiment.axes;
        let parts: Vec<String> = (0..axes.len())
            .filter(|&k| !axes[k].load)
            .map(|k| {
                format!(
                    "{} = {}",
                    axis_name(&axes[k]),
                    level_text(&axes[k], self.level(row, k))
                )
            })
            .collect();
        parts.join(", ")
    }

    /// p99 over the first two axes (at the first level of any other).
    fn heatmap(&self, body: &mut String) {
        body.push_str("<section id=\"heatmap\"><h2>p99 over two axes</h2>");
        let axes = &self.experiment.axes;
        let [first, second, rest @ ..] = axes.as_slice() else {
            body.push_str("<p>One axis: no map (see the curves above).</p></section>");
            return;
        };
        if !rest.is_empty() {
            body.push_str("<p class=\"note\">At the first level of every further axis.</p>");
        }
        let column = self.column("p99_ms");
        let cells = self
            .rows
            .iter()
            .filter(|r| (2..axes.len()).all(|k| self.level(r, k) == 0))
            .map(|row| Cell {
                x: self.level(row, 0),
                y: self.level(row, 1),
                value: self.figure(row, "p99_ms"),
                unstable: !self.stable(row),
                key: format!("{}.p99_ms", row.point),
                raw: column
                    .and_then(|c| row.cells.get(c))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        let levels = |axis: &Axis| {
            (0..axis.levels.len())
                .map(|l| level_text(axis, l))
                .collect()
        };
        let map = Heatmap {
            id: "heatmap-chart",
            title: "p99 latency, ms (colour bar: the stable points)",
            x_label: &axis_name(first),
            y_label: &axis_name(second),
            x_levels: levels(first),
            y_levels: levels(second),
            cells,
        };
        body.push_str(&map.render());
        body.push_str("</section>");
    }

    /// Every point: its settings, stability and main figures.
    fn table(&self, body: &mut String) {
        let e = self.experiment;
        let axis_columns: usize = e.axes.iter().map(|a| a.paths.len()).sum();
        let names = path_names(&e.axes);
        let figures: Vec<&str> = [
            "p99_ms",
            "error_rate",
            "usd_per_hour",
            "usd_per_million",
            "meets_slo",
            "slo_verdict",
        ]
        .into_iter()
        .filter(|f| self.column(f).is_some())
        .collect();
        body.push_str(
            "<section id=\"points\"><h2>Points</h2><table id=\"point-table\"><tr><th>point</th>",
        );
        for (_, name) in &names {
            let _ = write!(body, "<th>{}</th>", escape(name));
        }
        body.push_str("<th>stable</th>");
        for figure in &figures {
            let _ = write!(body, "<th>{figure}</th>");
        }
        body.push_str("</tr>");
        for row in self.rows.iter().take(MOST_ROWS) {
            let class = if self.stable(row) {
                ""
            } else {
                " class=\"unstable\""
            };
            let _ = write!(body, "<tr{class}><td>{}</td>", row.point);
            for cell in row.cells.iter().skip(1).take(axis_columns) {
                let _ = write!(body, "<td>{}</td>", escape(cell));
            }
            let _ = write!(
                body,
                "<td>{}</td>",
                if self.stable(row) { "yes" } else { "no" }
            );
            for figure in &figures {
                self.cell(body, row, figure);
            }
            body.push_str("</tr>");
        }
        body.push_str("</table>");
        if self.rows.len() > MOST_ROWS {
            let _ = write!(
                body,
                "<p class=\"note\">The first {MOST_ROWS} of {} points; the embedded JSON has them all.</p>",
                self.rows.len()
            );
        }
        body.push_str("</section>");
    }

    /// A figure's cell: shown as a person reads it, the CSV's text in
    /// `data-value`, its interval if the CSV has one.
    fn cell(&self, body: &mut String, row: &Row, figure: &str) {
        let raw = self
            .column(figure)
            .and_then(|c| row.cells.get(c))
            .map_or("", String::as_str);
        let half = self.figure(row, &format!("{figure}_hw"));
        let ci = if half.is_finite() && half > 0.0 {
            format!(" <span class=\"ci\">± {}</span>", number(half))
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<td data-figure=\"{}.{figure}\" data-value=\"{}\">{}{ci}</td>",
            row.point,
            escape(raw),
            number(raw.parse().unwrap_or(f64::NAN))
        );
    }
}

/// Each axis path and its name for a person: its label, else the path.
fn path_names(axes: &[Axis]) -> Vec<(String, String)> {
    axes.iter()
        .flat_map(|axis| {
            axis.paths.iter().enumerate().map(|(j, path)| {
                let label = axis.labels.get(j).cloned().flatten();
                let label = label.or_else(|| {
                    (axis.paths.len() == 1)
                        .then(|| axis.label.clone())
                        .flatten()
                });
                (path.clone(), label.unwrap_or_else(|| path.clone()))
            })
        })
        .collect()
}

/// The axis's name: its label, else its paths' names joined by ` × `.
fn axis_name(axis: &Axis) -> String {
    if let Some(label) = &axis.label {
        return label.clone();
    }
    let names: Vec<String> = path_names(std::slice::from_ref(axis))
        .into_iter()
        .map(|p| p.1)
        .collect();
    names.join(" × ")
}

/// Level `l` of `axis` as text: its values joined by ` × `.
fn level_text(axis: &Axis, l: usize) -> String {
    let values = axis.levels.get(l).map_or(&[][..], Vec::as_slice);
    let texts: Vec<String> = values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    texts.join(" × ")
}

/// The x of each level: the first numeric path's values, else the level's
/// rank; and the x axis's label.
fn axis_positions(axis: &Axis) -> (Vec<f64>, String) {
    let numeric = (0..axis.paths.len()).find(|&j| {
        axis.levels
            .iter()
            .all(|l| l.get(j).is_some_and(Value::is_number))
    });
    let names = path_names(std::slice::from_ref(axis));
    match numeric {
        Some(j) => (
            axis.levels
                .iter()
                .map(|l| l.get(j).and_then(Value::as_f64).unwrap_or(f64::NAN))
                .collect(),
            names.get(j).map_or(String::new(), |n| n.1.clone()),
        ),
        None => {
            let ranks: Vec<String> = (0..axis.levels.len())
                .map(|l| format!("{} = {}", l + 1, level_text(axis, l)))
                .collect();
            (
                (1..=axis.levels.len()).map(|l| l as f64).collect(),
                format!("{}: {}", axis_name(axis), ranks.join(", ")),
            )
        }
    }
}
