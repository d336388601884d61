//! Line charts as inline SVG: no library, no font file, nothing fetched.
//! Each line may carry a band (a 95% interval over replications); the y
//! axis is fitted to the data, logarithmic when asked (latency spanning
//! decades), and a shaded span marks the warm-up.

use std::fmt::Write;

use super::{escape, number};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 130.0;
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
            path(&mut svg, &scale, self.x, &line.y, colour, &line.name);
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
            let band = line.band.iter().flat_map(|(l, h)| l.iter().chain(h));
            line.y.iter().chain(band).copied()
        });
        let values = values.filter(|v| !self.log_y || *v > 0.0);
        let Some((low, high)) = range(values) else {
            return if self.log_y { (1.0, 10.0) } else { (0.0, 1.0) };
        };
        if self.log_y {
            let (low, high) = (low.log10().floor(), high.log10().ceil());
            (low, if high > low { high } else { low + 1.0 })
        } else {
            let pad = ((high - low) * 0.08).max(high.abs() * 1e-3).max(1e-9);
            let low = if low >= 0.0 && low < (high - low) * 0.5 {
                0.0
            } else {
                low - pad
            };
            (low, high + pad)
        }
    }

    fn axes(&self, svg: &mut String, scale: &Scale) {
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
            escape(self.x_label),
            (TOP + bottom) / 2.0,
            (TOP + bottom) / 2.0,
            escape(self.y_label),
            if scale.log { " (log)" } else { "" }
        );
    }
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
    fn x(&self, x: f64) -> f64 {
        LEFT + (x - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)
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

/// The line, broken where a value is missing; each point has a hover title.
fn path(svg: &mut String, scale: &Scale, x: &[f64], y: &[f64], colour: &str, name: &str) {
    let mut d = String::new();
    let mut pen_down = false;
    for (&x, &y) in x.iter().zip(y) {
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
        for (&x, &y) in x.iter().zip(y).filter(|(_, y)| scale.shows(**y)) {
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
            }],
            log_y: true,
            shade: None,
        };
        assert_eq!(chart.y_range(), (1.0, 5.0));
    }
}
