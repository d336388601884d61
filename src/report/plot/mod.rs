//! Pictures of results with plotters, PNG or SVG by the file's extension:
//! a figure against a sweep axis with its confidence band, cost against
//! p99 with the Pareto frontier and the SLO line, and a run's time series.
//! Text is drawn with an embedded font (DejaVu Sans), so no system font
//! library is needed.

mod compare;
mod heatmap;
mod lines;
mod pareto;
mod series;
mod table;

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

pub use compare::compare;
pub use heatmap::heatmap;
pub use lines::lines;
pub use pareto::pareto;
pub use series::{SeriesOptions, series};
pub use table::Table;

/// Names a person wrote for columns (an experiment's axis `label`s):
/// a column without one is named by itself.
#[derive(Clone, Debug, Default)]
pub struct Names(pub Vec<(String, String)>);

impl Names {
    /// The name of `column`.
    pub fn of(&self, column: &str) -> String {
        let named = self.0.iter().find(|(c, _)| c == column);
        named.map_or_else(|| column.to_string(), |(_, name)| name.clone())
    }
}

/// The mark of an unstable point: a red cross.
const UNSTABLE: RGBColor = RGBColor(200, 16, 46);

/// What the legend says of the red crosses.
const UNSTABLE_LEGEND: &str = "unstable (a growing backlog; at the edge when off the axis)";

/// Red crosses at `points` (clamped into `x` × `y`, so a backlog's figure
/// far off the axis is still seen), with their legend entry.
fn unstable_crosses<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    points: &[(f64, f64)],
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
) -> Result<(), String> {
    if points.is_empty() {
        return Ok(());
    }
    let clamp = |v: f64, r: &std::ops::Range<f64>| v.clamp(r.start, r.end);
    let style = UNSTABLE.stroke_width(3);
    chart
        .draw_series(
            points
                .iter()
                .map(|&(px, py)| Cross::new((clamp(px, &x), clamp(py, &y)), 7, style)),
        )
        .map_err(|e| e.to_string())?
        .label(UNSTABLE_LEGEND)
        .legend(move |(x, y)| Cross::new((x + 10, y), 6, style));
    Ok(())
}

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input lacks something the plot needs.
    #[error("{0}")]
    Input(String),
    /// Drawing or writing failed.
    #[error("cannot draw `{path}`: {message}")]
    Draw {
        /// The output file.
        path: std::path::PathBuf,
        /// Why.
        message: String,
    },
}

const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Width and height of every picture, pixels.
pub const SIZE: (u32, u32) = (1000, 620);

/// Colours of successive lines (colour-blind safe: Okabe–Ito).
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font, embedded at build time.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// A picture that can be drawn on any plotters backend.
pub(crate) trait Picture {
    /// Draws itself on `root` (already white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draws `picture` into `path`: PNG or SVG by its extension.
pub(crate) fn draw_to(path: &Path, picture: &impl Picture) -> Result<(), PlotError> {
    register_font();
    let fail = |message: String| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    };
    match path.extension().and_then(|e| e.to_str()) {
        Some("png") => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
            picture.draw(&root).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        Some("svg") => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
            picture.draw(&root).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        _ => Err(fail("expected a file ending in .png or .svg".into())),
    }
}

/// A titled chart over `x` × `y` with room for axis labels: the frame
/// every x–y picture starts from.
fn chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    ChartBuilder::on(root)
        .caption(title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)
        .map_err(|e| e.to_string())
}

/// Draws the chart's legend at `position` in a `size`-point font.
fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    size: u32,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(("sans-serif", size))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| e.to_string())
}

/// The label of a category axis at `v`: its level's name at the centre of
/// its cell (cell i spans i to i + 1), nothing elsewhere.
fn category_label(levels: &[String], v: f64) -> String {
    let i = v.floor() as usize;
    if (v - i as f64 - 0.5).abs() < 0.01 {
        levels.get(i).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// A tick as a person writes it: `145`, not `145.0`; `0.25`.
fn plain(v: &f64) -> String {
    let rounded = (v * 1000.0).round() / 1000.0 + 0.0;
    format!("{rounded}")
}

/// The range of `values` (finite ones), padded by 5% on each side.
fn padded(values: impl Iterator<Item = f64>, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    (if from_zero && lo >= 0.0 { lo } else { lo - pad }, hi + pad)
}
