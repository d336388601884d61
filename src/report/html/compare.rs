//! The page of a comparison with observed metrics: what was compared and
//! how, a table of every figure, and a strip per figure drawing the
//! prediction (with its interval over replications) against the
//! observation and the observation's own 95% interval, each strip on its
//! own scale since the figures have different units.

use std::fmt::Write;
use std::path::Path;

use crate::observed::{Comparison, FigureRow};
use crate::report::ReportError;
use crate::report::compare::{error_cell, label};

use super::{escape, number, write_page};

const WIDTH: f64 = 760.0;
const LABEL_W: f64 = 170.0;
const PLOT_W: f64 = 440.0;
const ROW_H: f64 = 34.0;

/// Everything the comparison page shows.
pub struct ComparePage<'a> {
    /// The comparison, as `--json` writes it.
    pub comparison: &'a Comparison,
}

impl ComparePage<'_> {
    /// Writes the page to `path`.
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        let c = self.comparison;
        let mut body = String::new();
        self.verdict(&mut body);
        self.table(&mut body);
        let _ = write!(
            body,
            "<section id=\"strips\"><h2>Predicted against observed</h2><p class=\"note\">Grey: the observation's own 95% interval (from the requests behind it), black: the observed value, blue: the prediction with its 95% interval over replications. Each figure on its own scale.</p>{}</section>",
            strips(&c.rows)
        );
        let data = serde_json::to_string(c)?;
        write_page(path, &format!("capsim compare: {}", c.model), &body, &data)
    }

    fn verdict(&self, body: &mut String) {
        let c = self.comparison;
        let within = c
            .rows
            .iter()
            .filter(|r| r.within_observed_noise == Some(true))
            .count();
        let sized = c
            .rows
            .iter()
            .filter(|r| r.within_observed_noise.is_some())
            .count();
        let (class, verdict) = match &c.unstable {
            Some(unstable) => (
                "bad",
                format!("UNSTABLE: {unstable}; the predictions describe a growing backlog"),
            ),
            None if sized == 0 => (
                "ok",
                "The observations give no interval to judge the predictions by".to_string(),
            ),
            None => (
                if within == sized { "ok" } else { "bad" },
                format!(
                    "{within} of {sized} predictions lie within the observation's own 95% interval"
                ),
            ),
        };
        let _ = write!(
            body,
            "<header id=\"verdict\"><h1>{}</h1><p class=\"verdict {class}\">{}.</p><ul><li>observed: {} ({})</li><li>window: {}</li>",
            escape(&c.model),
            escape(&verdict),
            escape(&c.observed.display().to_string()),
            c.format,
            escape(&c.window)
        );
        for line in c.traffic.iter().chain(&c.notes) {
            let _ = write!(body, "<li>{}</li>", escape(line));
        }
        let _ = write!(
            body,
            "<li>simulated: seed {}, {} replication{}</li>",
            c.options.seed,
            c.options.replications,
            if c.options.replications == 1 { "" } else { "s" }
        );
        if !c.unmatched_classes.is_empty() {
            let _ = write!(
                body,
                "<li>not compared: {} (no class of that name in the model)</li>",
                escape(&c.unmatched_classes.join(", "))
            );
        }
        body.push_str("</ul></header>");
    }

    fn table(&self, body: &mut String) {
        body.push_str("<section id=\"figures\"><h2>Figures</h2><table id=\"figure-table\"><tr><th>figure</th><th>predicted</th><th>observed</th><th>observed 95%</th><th>error</th><th>within the noise</th></tr>");
        for (i, row) in self.comparison.rows.iter().enumerate() {
            let _ = write!(body, "<tr><td>{}</td>", escape(&label(row)));
            let ci = row.predicted_ci95.map_or(String::new(), |half| {
                format!(" <span class=\"ci\">± {}</span>", number(shown(row, half)))
            });
            figure_cell(
                body,
                &format!("rows.{i}.predicted"),
                row,
                row.predicted,
                &ci,
            );
            figure_cell(body, &format!("rows.{i}.observed"), row, row.observed, "");
            let noise = row.observed_ci95.map_or("–".to_string(), |n| {
                format!(
                    "{}–{}",
                    number(shown(row, n.low)),
                    number(shown(row, n.high))
                )
            });
            let within = match row.within_observed_noise {
                Some(true) => "yes",
                Some(false) => "no",
                None => "–",
            };
            let _ = write!(
                body,
                "<td>{noise}</td><td>{}</td><td>{within}</td></tr>",
                escape(&error_cell(row))
            );
        }
        body.push_str("</table><p class=\"note\">Error rates and utilizations in percent; the error rate's error in percentage points.</p></section>");
    }
}

/// A value of a row in its unit (fractions shown in percent).
fn shown(row: &FigureRow, value: f64) -> f64 {
    if row.figure.is_percent() {
        value * 100.0
    } else {
        value
    }
}

/// A cell with the exact value in `data-value` (as in the JSON: a
/// fraction for percentages) and the value as shown.
fn figure_cell(body: &mut String, key: &str, row: &FigureRow, value: f64, ci: &str) {
    let _ = write!(
        body,
        "<td data-figure=\"{key}\" data-value=\"{value}\" data-percent=\"{}\">{}{ci}</td>",
        row.figure.is_percent(),
        number(shown(row, value))
    );
}

/// One strip per figure.
fn strips(rows: &[FigureRow]) -> String {
    let height = 20.0 + ROW_H * rows.len() as f64;
    let mut svg = format!(
        r#"<svg class="chart" id="strip-chart" viewBox="0 0 {WIDTH} {height}" style="max-width:{WIDTH}px" role="img" aria-label="predicted against observed">"#
    );
    for (i, row) in rows.iter().enumerate() {
        strip(&mut svg, row, 10.0 + ROW_H * i as f64);
    }
    svg.push_str("</svg>");
    svg
}

/// A figure's strip at `top`: its scale fitted to the values it shows.
fn strip(svg: &mut String, row: &FigureRow, top: f64) {
    let predicted = row
        .predicted_ci95
        .map_or((row.predicted, row.predicted), |h| {
            (row.predicted - h, row.predicted + h)
        });
    let noise = row.observed_ci95.map(|n| (n.low, n.high));
    let values = [row.observed, predicted.0, predicted.1]
        .into_iter()
        .chain(noise.into_iter().flat_map(|(l, h)| [l, h]))
        .filter(|v| v.is_finite());
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    let (low, high) = if high > low {
        let pad = (high - low) * 0.1;
        // A figure that cannot be negative gets no negative scale.
        let floor = if low >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
        ((low - pad).max(floor), high + pad)
    } else {
        (low - 1.0, high + 1.0)
    };
    let px = |v: f64| LABEL_W + ((v - low) / (high - low)).clamp(0.0, 1.0) * PLOT_W;
    let mid = top + ROW_H / 2.0;
    let _ = write!(
        svg,
        r##"<g class="strip"><text x="{:.0}" y="{:.1}" text-anchor="end">{}</text><path d="M{LABEL_W},{mid:.1}h{PLOT_W}" stroke="#ddd"/><text x="{LABEL_W}" y="{:.1}" class="kind">{}</text><text x="{:.0}" y="{:.1}" class="kind" text-anchor="end">{}</text>"##,
        LABEL_W - 10.0,
        mid + 4.0,
        escape(&label(row)),
        mid + 14.0,
        number(shown(row, low)),
        LABEL_W + PLOT_W,
        mid + 14.0,
        number(shown(row, high))
    );
    if let Some((l, h)) = noise {
        let _ = write!(
            svg,
            r##"<rect class="noise" x="{:.1}" y="{:.1}" width="{:.1}" height="10" fill="#bbb"><title>observed 95%: {}–{}</title></rect>"##,
            px(l),
            mid - 5.0,
            (px(h) - px(l)).max(1.0),
            number(shown(row, l)),
            number(shown(row, h))
        );
    }
    let _ = write!(
        svg,
        r##"<circle class="observed" cx="{:.1}" cy="{mid:.1}" r="4.5" fill="#000"><title>observed: {}</title></circle><path class="predicted-ci" d="M{:.1},{:.1}H{:.1}" stroke="#0072b2" stroke-width="2"/><path class="predicted" d="M{:.1},{:.1}l6,6l-6,6l-6,-6z" fill="#0072b2"><title>predicted: {}</title></path><text x="{:.0}" y="{:.1}">{}</text></g>"##,
        px(row.observed),
        number(shown(row, row.observed)),
        px(predicted.0),
        mid - 9.0,
        px(predicted.1),
        px(row.predicted),
        mid - 15.0,
        number(shown(row, row.predicted)),
        LABEL_W + PLOT_W + 16.0,
        mid + 4.0,
        escape(&error_cell(row))
    );
}
