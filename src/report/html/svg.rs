//! Line charts as inline SVG: no library, no font file, nothing fetched.
//! Each line may carry a band (a 95% interval over replications); the y
//! axis is fitted to the data, logarithmic when asked (latency spanning
//! decades), and a shaded span marks the warm-up.

use std::fmt::Write;

use super::{escape, number};

const WIDTH: f64 = 700.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 190.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 36.0;

/// Colours that stay apart for the colour-blind (Okabe–Ito).
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000",
];

/// One line: a value per x, optionally a band `[low, high]` per x. NaN is a gap.
pub struct Line {
    pub name: String,
    pub y: Vec<f64>,
    pub band: Option<(Vec<f64>, Vec<f64>)>,
    /// Points to mark as unstable (empty: none): crossed in red, left out
    /// of the line and of the axis's range (their figure describes a
    /// backlog, and would flatten every other point), drawn at the edge
    /// when off the axis.
    pub unstable: Vec<bool>,
}

impl Line {
    /// Whether point `i` is marked unstable.
    fn is_unstable(&self, i: usize) -> bool {
        self.unstable.get(i).copied().unwrap_or(false)
    }
}

/// A chart of lines over a shared x.
pub struct Chart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub x: &'a [f64],
    pub lines: Vec<Line>,
    pub log_y: bool,
    /// An x span to shade (the warm-up).
    pub shade: Option<(f64, f64)>,
}

impl Chart<'_> {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart" id="{}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}"><text x="{LEFT}" y="16" class="title">{}</text>"#,
            self.id,
            escape(self.title),
            escape(self.title)
        );
        let Some((x0, x1)) = range(self.x.iter().copied()) else {
            svg.push_str(r#"<text x="200" y="120">no data</text></svg>"#);
            return svg;
        };
        let (y0, y1) = self.y_range();
        let scale = Scale {
            x0,
            x1: if x1 > x0 { x1 } else { x0 + 1.0 },
            y0,
            y1,
            log: self.log_y,
        };
        if let Some((from, to)) = self.shade {
            let (a, b) = (scale.x(from.max(x0)), scale.x(to.min(scale.x1)));
            if b > a {
                let _ = write!(
                    svg,
                    r##"<rect x="{a:.1}" y="{TOP}" width="{:.1}" height="{:.1}" fill="#eee"><title>warm-up</title></rect>"##,
                    b - a,
                    HEIGHT - TOP - BOTTOM
                );
            }
        }
        self.axes(&mut svg, &scale);
        for (i, line) in self.lines.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            if let Some((low, high)) = &line.band {
                band(&mut svg, &scale, self.x, low, high, colour);
            }
            path(&mut svg, &scale, self.x, line, colour);
            let y = TOP + 14.0 * i as f64 + 8.0;
            let _ = write!(
                svg,
                r#"<rect x="{:.0}" y="{:.0}" width="12" height="3" fill="{colour}"/><text x="{:.0}" y="{:.0}" class="legend">{}</text>"#,
                WIDTH - RIGHT + 10.0,
                y - 3.0,
                WIDTH - RIGHT + 26.0,
                y + 1.0,
                escape(&line.name)
            );
        }
        svg.push_str("</svg>");
        svg
    }

    /// The y range of every finite value and band, padded; from 0 for a
    /// linear axis only when the data come near it.
    fn y_range(&self) -> (f64, f64) {
        let values = self.lines.iter().flat_map(|line| {
            let band = line.band.iter().flat_map(|(l, h)| l.iter().zip(h));
            let y = line
                .y
                .iter()
                .enumerate()
                .filter(|(i, _)| !line.is_unstable(*i));
            let band = band.enumerate().filter(|(i, _)| !line.is_unstable(*i));
            let y = y.map(|(_, v)| *v);
            y.chain(band.flat_map(|(_, (l, h))| [*l, *h]))
        });
        fitted(values, self.log_y)
    }
}

/// The axis range of `values`: whole decades for a log axis; else padded,
/// from 0 only when the data come near it.
fn fitted(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let values = values.filter(|v| !log || *v > 0.0);
    let Some((low, high)) = range(values) else {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    };
    if log {
        let (low, high) = (low.log10().floor(), high.log10().ceil());
        (low, if high > low { high } else { low + 1.0 })
    } else {
        // A flat line (equal costs) gets a tenth of its value each side.
        let flat = high - low <= high.abs() * 1e-6;
        let pad = if flat {
            (high.abs() * 0.1).max(1e-9)
        } else {
            (high - low) * 0.08
        };
        let low = if low >= 0.0 && low < (high - low) * 0.5 {
            0.0
        } else {
            low - pad
        };
        (low, high + pad)
    }
}

impl Chart<'_> {
    fn axes(&self, svg: &mut String, scale: &Scale) {
        frame(svg, scale, self.x_label, self.y_label);
    }
}

/// The axes of `scale`, their ticks and labels.
fn frame(svg: &mut String, scale: &Scale, x_label: &str, y_label: &str) {
    let (left, right, bottom) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM);
    let _ = write!(
        svg,
        r##"<path d="M{left},{TOP}V{bottom}H{right}" fill="none" stroke="#444"/>"##
    );
    for x in ticks(scale.x0, scale.x1) {
        let px = scale.x(x);
        let _ = write!(
            svg,
            r##"<text x="{px:.1}" y="{:.0}" class="tick" text-anchor="middle">{}</text>"##,
            bottom + 14.0,
            number(x)
        );
    }
    let y_ticks: Vec<f64> = if scale.log {
        (scale.y0 as i32..=scale.y1 as i32)
            .map(|e| 10f64.powi(e))
            .collect()
    } else {
        ticks(scale.y0, scale.y1)
    };
    for y in y_ticks {
        let py = scale.y(y);
        let _ = write!(
            svg,
            r##"<path d="M{left},{py:.1}H{right}" stroke="#ddd"/><text x="{:.0}" y="{:.1}" class="tick" text-anchor="end">{}</text>"##,
            left - 4.0,
            py + 4.0,
            number(y)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.0}" y="{:.0}" class="tick" text-anchor="middle">{}</text><text x="12" y="{:.0}" class="tick" transform="rotate(-90 12 {:.0})" text-anchor="middle">{}{}</text>"#,
        (left + right) / 2.0,
        HEIGHT - 4.0,
        escape(x_label),
        (TOP + bottom) / 2.0,
        (TOP + bottom) / 2.0,
        escape(y_label),
        if scale.log { " (log)" } else { "" }
    );
}

/// A point of a scatter chart, its label shown on hover.
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub label: String,
    pub unstable: bool,
}

impl Dot {
    /// Whether it is drawn at its place: stable, with both figures (a
    /// point where no request succeeded has no p99).
    fn placed(&self) -> bool {
        !self.unstable && self.x.is_finite() && self.y.is_finite()
    }
}

/// Points in groups (a colour each), each group's Pareto frontier joined:
/// cost against p99, where lower is better on both axes.
pub struct Scatter<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub groups: Vec<(String, Vec<Dot>)>,
    /// A vertical limit line and its legend (the objective's p99).
    pub limit: Option<(f64, String)>,
    /// Points ringed and named (the cheapest meeting the objective).
    pub highlights: Vec<Dot>,
}

impl Scatter<'_> {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart" id="{}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}"><text x="{LEFT}" y="16" class="title">{}</text>"#,
            self.id,
            escape(self.title),
            escape(self.title)
        );
        let stable = || self.groups.iter().flat_map(|g| &g.1).filter(|d| d.placed());
        let limit = self.limit.as_ref().map(|l| l.0);
        let (x0, x1) = fitted(stable().map(|d| d.x).chain(limit), false);
        let (y0, y1) = fitted(stable().map(|d| d.y), false);
        let scale = Scale {
            x0,
            x1,
            y0,
            y1,
            log: false,
        };
        frame(&mut svg, &scale, self.x_label, self.y_label);
        let mut legend = Vec::new();
        for (i, (name, dots)) in self.groups.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            self.group(&mut svg, &scale, dots, colour);
            legend.push((name.clone(), colour, ""));
        }
        if let Some((x, name)) = &self.limit {
            let px = scale.x(*x);
            let _ = write!(
                svg,
                r##"<path class="limit" d="M{px:.1},{TOP}V{:.0}" stroke="#009e73" stroke-width="1.6" stroke-dasharray="5 3"><title>{}</title></path>"##,
                HEIGHT - BOTTOM,
                escape(name)
            );
            legend.push((name.clone(), "#009e73", r#" stroke-dasharray="5 3""#));
        }
        for dot in &self.highlights {
            let (px, py) = (scale.x(dot.x), scale.y(dot.y));
            let _ = write!(
                svg,
                r##"<circle class="cheapest" cx="{px:.1}" cy="{py:.1}" r="7" fill="none" stroke="#000" stroke-width="2"><title>{}</title></circle><text x="{:.1}" y="{:.1}" class="tick">{}</text>"##,
                escape(&dot.label),
                px + 9.0,
                py - 6.0,
                escape(&dot.label)
            );
        }
        for (i, (name, colour, dash)) in legend.iter().enumerate() {
            let y = TOP + 14.0 * i as f64 + 8.0;
            let _ = write!(
                svg,
                r#"<path d="M{:.0},{:.0}h12" stroke="{colour}" stroke-width="2"{dash}/><text x="{:.0}" y="{:.0}" class="legend">{}</text>"#,
                WIDTH - RIGHT + 10.0,
                y - 2.0,
                WIDTH - RIGHT + 26.0,
                y + 1.0,
                escape(name)
            );
        }
        svg.push_str("</svg>");
        svg
    }

    /// One group: its frontier, its points, its unstable points crossed
    /// (at the chart's edge: their figures are off any useful axis).
    fn group(&self, svg: &mut String, scale: &Scale, dots: &[Dot], colour: &str) {
        let stable: Vec<(f64, f64)> = dots
            .iter()
            .filter(|d| d.placed())
            .map(|d| (d.x, d.y))
            .collect();
        let mut d = String::new();
        for (i, (x, y)) in frontier(&stable).into_iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                scale.x(x),
                scale.y(y)
            );
        }
        let _ = write!(
            svg,
            r#"<path class="frontier" d="{d}" fill="none" stroke="{colour}" stroke-width="1.4"><title>Pareto frontier</title></path>"#
        );
        for dot in dots {
            if !dot.placed() {
                let (px, py) = (scale.x(dot.x), scale.y(dot.y));
                if dot.unstable {
                    let what = format!(
                        "{}: unstable (p99 {} ms describes a growing backlog)",
                        dot.label,
                        number(dot.x)
                    );
                    cross(svg, px, py, &what);
                } else {
                    let what = format!("{}: no request succeeded (no p99)", dot.label);
                    marked(svg, "no-figure", px, py, &what);
                }
                continue;
            }
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{}: {} at {}</title></circle>"#,
                scale.x(dot.x),
                scale.y(dot.y),
                escape(&dot.label),
                number(dot.y),
                number(dot.x)
            );
        }
    }
}

/// The points no other point beats on both coordinates (lower is better),
/// in increasing x.
pub fn frontier(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut kept: Vec<(f64, f64)> = Vec::new();
    for point in sorted {
        if kept.last().is_none_or(|last| point.1 < last.1) {
            kept.push(point);
        }
    }
    kept
}

/// Data to pixels.
struct Scale {
    x0: f64,
    x1: f64,
    /// Log10 of the range when `log`.
    y0: f64,
    y1: f64,
    log: bool,
}

impl Scale {
    /// Pixels of `x`; a value off the axis is drawn at its edge.
    fn x(&self, x: f64) -> f64 {
        let t = ((x - self.x0) / (self.x1 - self.x0)).clamp(-0.02, 1.02);
        LEFT + t * (WIDTH - LEFT - RIGHT)
    }

    /// Pixels of `y`; a value off the axis is drawn at its edge.
    fn y(&self, y: f64) -> f64 {
        let v = if self.log { y.max(1e-300).log10() } else { y };
        let t = ((v - self.y0) / (self.y1 - self.y0)).clamp(-0.02, 1.02);
        HEIGHT - BOTTOM - t * (HEIGHT - TOP - BOTTOM)
    }

    fn shows(&self, y: f64) -> bool {
        y.is_finite() && (!self.log || y > 0.0)
    }
}

/// The line, broken where a value is missing; each point has a hover
/// title; unstable points are crossed.
fn path(svg: &mut String, scale: &Scale, x: &[f64], line: &Line, colour: &str) {
    let (y, name) = (&line.y, &line.name);
    let mut d = String::new();
    let mut pen_down = false;
    for (i, (&x, &y)) in x.iter().zip(y).enumerate() {
        if line.is_unstable(i) {
            // With no figure (nothing succeeded), at the top edge.
            cross(
                svg,
                scale.x(x),
                scale.y(y),
                &format!(
                    "{name}: unstable ({} at {}, a growing backlog)",
                    number(y),
                    number(x)
                ),
            );
            pen_down = false;
            continue;
        }
        if !scale.shows(y) {
            pen_down = false;
            continue;
        }
        let _ = write!(
            d,
            "{}{:.1},{:.1}",
            if pen_down { "L" } else { "M" },
            scale.x(x),
            scale.y(y)
        );
        pen_down = true;
    }
    let _ = write!(
        svg,
        r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.6"><title>{}</title></path>"#,
        escape(name)
    );
    if x.len() <= 40 {
        let shown = |(i, (_, y)): &(usize, (&f64, &f64))| scale.shows(**y) && !line.is_unstable(*i);
        for (_, (&x, &y)) in x.iter().zip(y).enumerate().filter(shown) {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{colour}"><title>{}: {} at {}</title></circle>"#,
                scale.x(x),
                scale.y(y),
                escape(name),
                number(y),
                number(x)
            );
        }
    }
}

/// A red cross at (`px`, `py`) pixels, saying `what` on hover.
fn cross(svg: &mut String, px: f64, py: f64, what: &str) {
    marked(svg, "unstable", px, py, what);
}

/// A red cross of class `class` at (`px`, `py`) pixels, off-chart pixels
/// (and a missing figure) at the edge, saying `what` on hover.
fn marked(svg: &mut String, class: &str, px: f64, py: f64, what: &str) {
    let edge = |pixel: f64, low: f64, high: f64| match pixel.is_finite() {
        true => pixel.clamp(low, high),
        false => low,
    };
    let (px, py) = (
        edge(px, LEFT, WIDTH - RIGHT),
        edge(py, TOP, HEIGHT - BOTTOM),
    );
    let _ = write!(
        svg,
        r##"<path class="{class}" d="M{:.1},{:.1}l8,8m0,-8l-8,8" stroke="#c8102e" stroke-width="2.2"><title>{}</title></path>"##,
        px - 4.0,
        py - 4.0,
        escape(what)
    );
}

/// A translucent band between `low` and `high`, one polygon per unbroken run.
fn band(svg: &mut String, scale: &Scale, x: &[f64], low: &[f64], high: &[f64], colour: &str) {
    let points: Vec<(f64, f64, f64)> = x
        .iter()
        .zip(low.iter().zip(high))
        .map(|(&x, (&l, &h))| (x, l, h))
        .collect();
    for run in points.split(|&(_, l, h)| !(scale.shows(l) && scale.shows(h))) {
        if run.len() < 2 {
            continue;
        }
        let mut d = String::new();
        for (i, &(x, _, h)) in run.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                scale.x(x),
                scale.y(h)
            );
        }
        for &(x, l, _) in run.iter().rev() {
            let _ = write!(d, "L{:.1},{:.1}", scale.x(x), scale.y(l));
        }
        let _ = write!(
            svg,
            r#"<path d="{d}Z" fill="{colour}" fill-opacity="0.18" stroke="none"/>"#
        );
    }
}

/// Smallest and largest finite value.
fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// About five round ticks in `[low, high]`.
fn ticks(low: f64, high: f64) -> Vec<f64> {
    let span = high - low;
    if span.is_nan() || span <= 0.0 {
        return vec![low];
    }
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * 0.75)
        .unwrap_or(10.0 * magnitude);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        assert_eq!(ticks(0.0, 900.0), vec![0.0, 200.0, 400.0, 600.0, 800.0]);
        assert_eq!(
            ticks(143.0, 171.0),
            vec![145.0, 150.0, 155.0, 160.0, 165.0, 170.0]
        );
    }

    #[test]
    fn the_y_axis_fits_data_far_from_zero() {
        // Scale-up against scale-out: 143–170 ms; an axis from 0 would flatten them.
        let chart = Chart {
            id: "c",
            title: "t",
            x_label: "x",
            y_label: "y",
            x: &[0.0, 1.0],
            lines: vec![Line {
                name: "p99".into(),
                y: vec![143.0, 170.0],
                band: None,
                unstable: Vec::new(),
            }],
            log_y: false,
            shade: None,
        };
        let (low, high) = chart.y_range();
        assert!(
            low > 140.0 && low < 143.0 && high > 170.0 && high < 175.0,
            "{low}..{high}"
        );
    }

    #[test]
    fn a_log_axis_spans_whole_decades() {
        let chart = Chart {
            id: "c",
            title: "t",
            x_label: "x",
            y_label: "y",
            x: &[0.0, 1.0, 2.0],
            lines: vec![Line {
                name: "p99".into(),
                y: vec![25.0, 23_000.0, f64::NAN],
                band: None,
                unstable: Vec::new(),
            }],
            log_y: true,
            shade: None,
        };
        assert_eq!(chart.y_range(), (1.0, 5.0));
    }
}
