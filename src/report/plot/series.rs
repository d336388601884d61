//! A run's time series in panels sharing the time axis: request rates
//! (and call attempts, retries included, if any), p50 and p99 latency on a
//! log axis (a 23 s spike must not flatten a 25 ms baseline), each pool's
//! vCPU utilization, each burstable pool's CPU credits when they move, and
//! each pool's instances (serving and desired) when
//! they change. Every y axis is fitted to its data; counts get whole
//! ticks; the warm-up is shaded. Over several replications each line is
//! their mean with its 95% band, unless one replication is asked for; the
//! caption says which.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::stats::Estimate;

use super::{PALETTE, Picture, PlotError, Table, draw_to, padded};

/// How to draw a series.
pub struct SeriesOptions {
    /// The title (the model's name, or what the user wrote).
    pub title: String,
    /// Draw only this replication (0-based) instead of the mean over all.
    pub replication: Option<u32>,
    /// A linear latency axis instead of a logarithmic one.
    pub linear: bool,
}

/// One line: its legend, (time, value) points and, over replications,
/// (time, low, high) of its 95% band.
struct Curve {
    legend: String,
    points: Vec<(f64, f64)>,
    band: Vec<(f64, f64, f64)>,
}

/// One panel: its y label, its lines, and how its axis reads.
struct Panel {
    label: String,
    curves: Vec<Curve>,
    /// Logarithmic: values drawn as their log10, ticks as the values.
    log: bool,
    /// Counts: whole ticks only.
    integer: bool,
}

struct SeriesPlot {
    title: String,
    /// The end of the warm-up, if the series has one.
    warmup_end: Option<f64>,
    panels: Vec<Panel>,
}

/// The rows of each window: one per replication drawn.
struct Windows<'a> {
    table: &'a Table,
    time: Vec<f64>,
    rows: Vec<Vec<usize>>,
}

impl Windows<'_> {
    /// Groups `table`'s rows by window, keeping `replication` only if given.
    fn of(table: &Table, replication: Option<u32>) -> Result<Windows<'_>, PlotError> {
        let reps = table.numbers("replication")?;
        let times = table.numbers("time_s")?;
        if let Some(r) = replication
            && !reps.contains(&f64::from(r))
        {
            let most = reps.iter().copied().fold(0.0, f64::max);
            return Err(PlotError::Input(format!(
                "--replication {r}: the series has replications 0 to {most}"
            )));
        }
        let (mut time, mut rows): (Vec<f64>, Vec<Vec<usize>>) = (Vec::new(), Vec::new());
        for (i, (&rep, &t)) in reps.iter().zip(&times).enumerate() {
            if replication.is_some_and(|r| f64::from(r) != rep) {
                continue;
            }
            match time.iter().position(|&w| w == t) {
                Some(w) => rows[w].push(i),
                None => {
                    time.push(t);
                    rows.push(vec![i]);
                }
            }
        }
        Ok(Windows { table, time, rows })
    }

    /// How many replications each window holds (the most).
    fn replications(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The line of `value` (of a row), mean over the window's replications.
    fn curve(&self, legend: &str, value: impl Fn(usize) -> f64) -> Curve {
        let (mut points, mut band) = (Vec::new(), Vec::new());
        for (&t, rows) in self.time.iter().zip(&self.rows) {
            let values: Vec<f64> = rows
                .iter()
                .map(|&i| value(i))
                .filter(|v| v.is_finite())
                .collect();
            if values.is_empty() {
                continue;
            }
            let estimate = Estimate::of(&values);
            points.push((t, estimate.mean));
            if let Some(half) = estimate.ci95 {
                band.push((t, estimate.mean - half, estimate.mean + half));
            }
        }
        Curve {
            legend: legend.to_string(),
            points,
            band,
        }
    }

    /// The line of column `name`.
    fn column(&self, name: &str, legend: &str) -> Result<Curve, PlotError> {
        let values = self.table.numbers(name)?;
        Ok(self.curve(legend, |i| values[i]))
    }

    /// The line of the sum of the columns ending in `suffix`.
    fn summed(&self, suffix: &str, legend: &str) -> Result<Curve, PlotError> {
        let columns: Vec<Vec<f64>> = self
            .columns_ending(suffix)
            .iter()
            .map(|c| self.table.numbers(c))
            .collect::<Result<_, _>>()?;
        Ok(self.curve(legend, |i| columns.iter().map(|c| c[i]).sum()))
    }

    fn columns_ending(&self, suffix: &str) -> Vec<String> {
        let columns = self.table.columns.iter();
        columns.filter(|c| c.ends_with(suffix)).cloned().collect()
    }

    /// The first row's time where `warmup` is 0: the warm-up's end.
    fn warmup_end(&self) -> Option<f64> {
        let warmup = self.table.numbers("warmup").ok()?;
        let first = self
            .time
            .iter()
            .zip(&self.rows)
            .find(|(_, rows)| rows.iter().all(|&i| warmup[i] == 0.0));
        first.map(|(t, _)| *t).filter(|t| *t > 0.0)
    }
}

/// Plots a `--series` CSV.
pub fn series(table: &Table, options: &SeriesOptions, out: &Path) -> Result<(), PlotError> {
    let windows = Windows::of(table, options.replication)?;
    let mut panels = vec![rates(&windows)?, latency(&windows, !options.linear)?];
    panels.extend(utilization(&windows)?);
    // A cluster's nodes share the instances' panel: a fifth panel would
    // leave too little height for its axis label.
    match (instances(&windows)?, clusters(&windows)?) {
        (Some(mut pods), Some(nodes)) => {
            pods.label = "pods, nodes, pending".into();
            pods.curves.extend(nodes.curves);
            panels.push(pods);
        }
        (pods, nodes) => panels.extend(pods.or(nodes)),
    }
    panels.extend(credits(&windows)?);
    let which = match (options.replication, windows.replications()) {
        (Some(r), _) => format!("replication {r}"),
        (None, 1) => "one replication".to_string(),
        (None, n) => format!("mean of {n} replications, bands their 95% CI"),
    };
    draw_to(
        out,
        &SeriesPlot {
            title: format!("{} ({which})", options.title),
            warmup_end: windows.warmup_end(),
            panels,
        },
    )
}

/// Arrivals, completions, errors; and call attempts, retries included.
fn rates(windows: &Windows) -> Result<Panel, PlotError> {
    let mut curves = vec![
        windows.column("arrivals_per_s", "arrivals")?,
        windows.column("completions_per_s", "completions")?,
        windows.column("errors_per_s", "errors")?,
    ];
    if !windows.columns_ending(".attempts_per_s").is_empty() {
        curves.push(windows.summed(".attempts_per_s", "attempts (retries included)")?);
    }
    Ok(Panel {
        label: "requests per second".into(),
        curves,
        log: false,
        integer: false,
    })
}

fn latency(windows: &Windows, log: bool) -> Result<Panel, PlotError> {
    Ok(Panel {
        label: format!("latency, ms{}", if log { " (log)" } else { "" }),
        curves: vec![
            windows.column("p50_ms", "p50")?,
            windows.column("p99_ms", "p99")?,
        ],
        log,
        integer: false,
    })
}

/// Each pool's vCPU utilization (the first few pools).
fn utilization(windows: &Windows) -> Result<Option<Panel>, PlotError> {
    let pools: Vec<String> = windows
        .columns_ending(".utilization")
        .into_iter()
        .filter(|c| !c.ends_with(".worker_utilization"))
        .take(PALETTE.len())
        .collect();
    if pools.is_empty() {
        return Ok(None);
    }
    let curves = pools
        .iter()
        .map(|c| windows.column(c, c.trim_end_matches(".utilization")))
        .collect::<Result<_, _>>()?;
    Ok(Some(Panel {
        label: "vCPU utilization".into(),
        curves,
        log: false,
        integer: false,
    }))
}

/// Serving and desired instances of each pool whose count moves (a flat
/// line says nothing); pools apart, never summed.
fn instances(windows: &Windows) -> Result<Option<Panel>, PlotError> {
    let mut curves = Vec::new();
    for serving in windows.columns_ending(".serving") {
        let pool = serving.trim_end_matches(".serving").to_string();
        let desired = format!("{pool}.desired");
        let mut moves = false;
        for column in [&serving, &desired] {
            if let Ok(values) = windows.table.numbers(column) {
                moves |= values.iter().any(|v| *v != values[0]);
            }
        }
        if !moves || curves.len() + 2 > PALETTE.len() {
            continue;
        }
        curves.push(windows.column(&serving, &format!("{pool} serving"))?);
        if windows.table.index(&desired).is_ok() {
            curves.push(windows.column(&desired, &format!("{pool} desired"))?);
        }
    }
    Ok((!curves.is_empty()).then(|| Panel {
        label: "instances per pool".into(),
        curves,
        log: false,
        integer: true,
    }))
}

/// Each Kubernetes cluster's nodes and the most pods pending in each
/// window (a series has `<cluster>.ready_nodes` for clusters only).
fn clusters(windows: &Windows) -> Result<Option<Panel>, PlotError> {
    let mut curves = Vec::new();
    for ready in windows.columns_ending(".ready_nodes") {
        let cluster = ready.trim_end_matches(".ready_nodes").to_string();
        if curves.len() + 2 > PALETTE.len() - 2 {
            break;
        }
        let nodes = format!("{cluster}.nodes");
        curves.push(windows.column(&nodes, &format!("{cluster} nodes"))?);
        let pending = format!("{cluster}.pending_max");
        curves.push(windows.column(&pending, &format!("{cluster} pods pending"))?);
    }
    Ok((!curves.is_empty()).then(|| Panel {
        label: "nodes, pending pods".into(),
        curves,
        log: false,
        integer: true,
    }))
}

/// Each burstable pool's CPU credit balance and surplus (summed over its
/// instances), the ones that move; its instances throttled are in the
/// CSV (`<pool>.throttled`).
fn credits(windows: &Windows) -> Result<Option<Panel>, PlotError> {
    let mut curves = Vec::new();
    for suffix in [".credit_balance", ".surplus_credits"] {
        for column in windows.columns_ending(suffix) {
            let values = windows.table.numbers(&column).unwrap_or_default();
            if values.iter().all(|v| *v == values[0]) || curves.len() == PALETTE.len() {
                continue;
            }
            let pool = column.trim_end_matches(suffix);
            let legend = format!("{pool} {}", &suffix[1..].replace('_', " "));
            curves.push(windows.column(&column, &legend)?);
        }
    }
    Ok((!curves.is_empty()).then(|| Panel {
        label: "CPU credits".into(),
        curves,
        log: false,
        integer: false,
    }))
}

/// A tick of a count axis: whole numbers only.
pub(crate) fn integer_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

/// A tick of a log axis at log10 value `v`: the value itself.
fn log_tick(v: f64) -> String {
    let value = 10f64.powf(v);
    // Three significant digits.
    let digits = 10f64.powi(2 - value.log10().floor() as i32);
    let value = (value * digits).round() / digits;
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        super::plain(&value)
    }
}

impl Panel {
    /// `y` as drawn: its log10 on a log axis (nothing for y ≤ 0).
    fn drawn(&self, y: f64) -> Option<f64> {
        match self.log {
            true if y > 0.0 => Some(y.log10()),
            true => None,
            false => Some(y),
        }
    }

    /// The y range of every point and band, fitted (not from 0).
    fn y_range(&self) -> (f64, f64) {
        let values = self.curves.iter().flat_map(|c| {
            let band = c.band.iter().flat_map(|b| [b.1, b.2]);
            c.points.iter().map(|p| p.1).chain(band)
        });
        let drawn = values.filter_map(|y| self.drawn(y));
        let (low, high) = padded(drawn, false);
        if self.integer {
            ((low + 0.05).floor() - 0.5, (high - 0.05).ceil() + 0.5)
        } else {
            (low, high)
        }
    }
}

impl Picture for SeriesPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(&self.title, ("sans-serif", 24))
            .map_err(|e| e.to_string())?;
        let areas = root.split_evenly((self.panels.len(), 1));
        let all_x = self
            .panels
            .iter()
            .flat_map(|p| p.curves.iter().flat_map(|c| c.points.iter().map(|q| q.0)));
        let (x0, x1) = padded(all_x, true);
        for (k, (panel, area)) in self.panels.iter().zip(&areas).enumerate() {
            let last = k + 1 == self.panels.len();
            self.panel(panel, area, (x0, x1), last, k == 0)?;
        }
        Ok(())
    }
}

impl SeriesPlot {
    fn panel<DB: DrawingBackend>(
        &self,
        panel: &Panel,
        area: &DrawingArea<DB, Shift>,
        (x0, x1): (f64, f64),
        last: bool,
        first: bool,
    ) -> Result<(), String> {
        let (y0, y1) = panel.y_range();
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(if last { 45 } else { 20 })
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        // Whole decades on a log axis spanning several (plotters' ticks fall between).
        let decades = panel.log && y1 - y0 >= 2.0;
        let ticks = |v: &f64| match (panel.log, panel.integer) {
            (true, _) if decades && integer_tick(*v).is_empty() => String::new(),
            (true, _) => log_tick(*v),
            (false, true) => integer_tick(*v),
            (false, false) => super::plain(v),
        };
        chart
            .configure_mesh()
            .x_desc(if last { "simulated time, s" } else { "" })
            .y_desc(&panel.label)
            .y_label_formatter(&ticks)
            .x_label_formatter(&super::plain)
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some(end) = self.warmup_end {
            let grey = RGBColor(150, 150, 150).mix(0.18);
            let shade = chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, y0), (end.min(x1), y1)],
                    grey.filled(),
                )))
                .map_err(|e| e.to_string())?;
            if first {
                shade.label("warm-up").legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 20, y + 5)], grey.filled())
                });
            }
        }
        for (i, curve) in panel.curves.iter().enumerate() {
            draw_curve(&mut chart, panel, curve, PALETTE[i % PALETTE.len()])?;
        }
        super::legend(&mut chart, SeriesLabelPosition::UpperLeft, 14)
    }
}

/// A line and its band, in `panel`'s y.
fn draw_curve<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    panel: &Panel,
    curve: &Curve,
    color: RGBColor,
) -> Result<(), String> {
    // Nothing below the axis: a band reaching 0 on a log axis ends at its foot.
    let (y0, _) = panel.y_range();
    let y = |v: f64| panel.drawn(v).map(|d| d.max(y0));
    if !curve.band.is_empty() {
        let upper = curve.band.iter().filter_map(|b| Some((b.0, y(b.2)?)));
        let lower = curve.band.iter().rev().map(|b| (b.0, y(b.1).unwrap_or(y0)));
        let polygon: Vec<(f64, f64)> = upper.chain(lower).collect();
        chart
            .draw_series(std::iter::once(Polygon::new(
                polygon,
                color.mix(0.18).filled(),
            )))
            .map_err(|e| e.to_string())?;
    }
    let points = curve.points.iter().filter_map(|p| Some((p.0, y(p.1)?)));
    chart
        .draw_series(LineSeries::new(points, color.stroke_width(2)))
        .map_err(|e| e.to_string())?
        .label(&curve.legend)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_whole_ticks_only() {
        let ticks: Vec<String> = [2.0, 2.5, 3.0, 3.2].into_iter().map(integer_tick).collect();
        assert_eq!(ticks, ["2", "", "3", ""]);
    }

    #[test]
    fn a_log_tick_reads_as_the_value() {
        assert_eq!(log_tick(1.0), "10");
        assert_eq!(log_tick(4.0), "10000");
        assert_eq!(log_tick(-1.0), "0.1");
    }
}
