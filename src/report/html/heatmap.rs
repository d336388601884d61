//! A figure over two axes of a sweep as an inline-SVG heat map: a cell per
//! point, pale to deep blue from the lowest to the highest stable value,
//! the value written in it, a colour bar beside. An unstable point is
//! hatched in red and says `unstable`: coloured like the others, its
//! backlog figure would pass for a cheap, fast configuration.

use std::fmt::Write;

use super::{escape, number};

const LEFT: f64 = 120.0;
const TOP: f64 = 30.0;
const GRID_W: f64 = 420.0;
const CELL_H: f64 = 34.0;
const BAR_W: f64 = 16.0;

/// One cell.
pub struct Cell {
    pub x: usize,
    pub y: usize,
    pub value: f64,
    pub unstable: bool,
    /// `point.column` of the figure in the sweep's rows.
    pub key: String,
    /// The figure as the CSV writes it.
    pub raw: String,
}

/// The map: levels of each axis, and the cells.
pub struct Heatmap<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub x_levels: Vec<String>,
    pub y_levels: Vec<String>,
    pub cells: Vec<Cell>,
}

impl Heatmap<'_> {
    /// The map as an `<svg>` element.
    pub fn render(&self) -> String {
        let (nx, ny) = (self.x_levels.len().max(1), self.y_levels.len().max(1));
        let (cell_w, height) = (GRID_W / nx as f64, TOP + CELL_H * ny as f64 + 50.0);
        let width = LEFT + GRID_W + 110.0;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<svg class="chart heatmap" id="{}" viewBox="0 0 {width} {height}" role="img" aria-label="{}"><defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fbe0dc"/><path d="M0,0V8" stroke="#c8102e" stroke-width="2.5"/></pattern></defs><text x="{LEFT}" y="16" class="title">{}</text>"##,
            self.id,
            escape(self.title),
            escape(self.title)
        );
        let range = self.stable_range();
        for cell in &self.cells {
            self.cell(&mut svg, cell, cell_w, range);
        }
        self.labels(&mut svg, cell_w, height);
        if let Some((low, high)) = range {
            colour_bar(
                &mut svg,
                LEFT + GRID_W + 24.0,
                CELL_H * ny as f64,
                low,
                high,
            );
        }
        svg.push_str("</svg>");
        svg
    }

    /// The lowest and highest finite value of the stable cells.
    fn stable_range(&self) -> Option<(f64, f64)> {
        let stable = self
            .cells
            .iter()
            .filter(|c| !c.unstable && c.value.is_finite());
        stable.fold(None, |acc, c| match acc {
            None => Some((c.value, c.value)),
            Some((low, high)) => Some((c.value.min(low), c.value.max(high))),
        })
    }

    fn cell(&self, svg: &mut String, cell: &Cell, cell_w: f64, range: Option<(f64, f64)>) {
        let ny = self.y_levels.len();
        // The first level of y at the bottom, as on a plot.
        let (x, y) = (
            LEFT + cell.x as f64 * cell_w,
            TOP + (ny - 1 - cell.y.min(ny - 1)) as f64 * CELL_H,
        );
        let (cx, cy) = (x + cell_w / 2.0, y + CELL_H / 2.0 + 4.0);
        if cell.unstable {
            let _ = write!(
                svg,
                r##"<g class="cell unstable" data-point="{}"><rect x="{x:.1}" y="{y:.1}" width="{cell_w:.1}" height="{CELL_H}" fill="url(#hatch)" stroke="#fff"/><text x="{cx:.1}" y="{cy:.1}" text-anchor="middle" fill="#8a0a1e">unstable</text><title>unstable: its figure ({}) describes a growing backlog</title></g>"##,
                escape(&cell.key),
                number(cell.value)
            );
            return;
        }
        let share = share(cell.value, range);
        let (fill, ink) = match share {
            Some(s) => (blue(s), if s > 0.5 { "#fff" } else { "#000" }),
            None => ("#e8e8e8".to_string(), "#000"),
        };
        let _ = write!(
            svg,
            r##"<g class="cell"><rect x="{x:.1}" y="{y:.1}" width="{cell_w:.1}" height="{CELL_H}" fill="{fill}" stroke="#fff"/><text x="{cx:.1}" y="{cy:.1}" text-anchor="middle" fill="{ink}" data-figure="{}" data-value="{}">{}</text></g>"##,
            escape(&cell.key),
            escape(&cell.raw),
            number(cell.value)
        );
    }

    /// The levels along each axis and the axes' names.
    fn labels(&self, svg: &mut String, cell_w: f64, height: f64) {
        let ny = self.y_levels.len();
        let bottom = TOP + CELL_H * ny as f64;
        for (i, level) in self.x_levels.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"#,
                LEFT + (i as f64 + 0.5) * cell_w,
                bottom + 14.0,
                escape(level)
            );
        }
        for (i, level) in self.y_levels.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{}</text>"#,
                LEFT - 6.0,
                TOP + (ny - 1 - i) as f64 * CELL_H + CELL_H / 2.0 + 4.0,
                escape(level)
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text><text x="14" y="{:.1}" class="tick" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"#,
            LEFT + GRID_W / 2.0,
            height - 14.0,
            escape(self.x_label),
            (TOP + bottom) / 2.0,
            (TOP + bottom) / 2.0,
            escape(self.y_label)
        );
    }
}

/// Where `value` sits between the lowest (0) and highest (1) stable value.
fn share(value: f64, range: Option<(f64, f64)>) -> Option<f64> {
    let (low, high) = range?;
    if !value.is_finite() {
        return None;
    }
    Some(if high > low {
        ((value - low) / (high - low)).clamp(0.0, 1.0)
    } else {
        0.0
    })
}

/// From a pale (0) to a deep (1) blue, as the PNG heat map.
fn blue(share: f64) -> String {
    let shade = |light: f64, dark: f64| (light + (dark - light) * share).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        shade(230.0, 8.0),
        shade(240.0, 48.0),
        shade(250.0, 107.0)
    )
}

/// The colour scale at `x`, `height` tall, lowest value at the bottom,
/// with the lowest, middle and highest values written beside it.
fn colour_bar(svg: &mut String, x: f64, height: f64, low: f64, high: f64) {
    const STEPS: usize = 24;
    let step = height / STEPS as f64;
    let _ = write!(svg, r#"<g class="colour-bar">"#);
    for i in 0..STEPS {
        let share = (i as f64 + 0.5) / STEPS as f64;
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{:.1}" width="{BAR_W}" height="{:.1}" fill="{}"/>"#,
            TOP + height - (i + 1) as f64 * step,
            step + 0.5,
            blue(share)
        );
    }
    for (share, value) in [(0.0, low), (0.5, (low + high) / 2.0), (1.0, high)] {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" class="tick">{}</text>"#,
            x + BAR_W + 4.0,
            TOP + height * (1.0 - share) + 4.0,
            number(value)
        );
    }
    svg.push_str("</g>");
}
