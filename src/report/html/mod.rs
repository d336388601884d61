//! Self-contained HTML reports of a run, a sweep and a comparison with
//! observed metrics: one file a person opens in a browser, offline. Styles and charts (inline SVG) are in the page, the figures
//! are embedded as JSON, and a Content-Security-Policy forbids every
//! request, so the page cannot fetch a font, a script or an image even by
//! mistake (a browser would refuse it and say so on its console).

mod compare;
mod heatmap;
mod run;
mod svg;
mod sweep;
mod topology;

use std::fmt::Write;
use std::path::Path;

pub use compare::ComparePage;
pub use run::RunPage;
pub use sweep::SweepPage;

use super::ReportError;

/// No request of any kind: inline styles only, no script, images only as data.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}\
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border-bottom:1px solid #e4e4e4;text-align:right}\
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}\
.verdict{font-size:16px;padding:8px 12px;border-radius:4px}.ok{background:#e3f4e3}.bad{background:#fbe0dc}\
svg text{font:11px system-ui,sans-serif}svg .title{font-size:13px;font-weight:600}svg .kind{fill:#555;font-size:10px}\
.chart{width:100%;max-width:540px}.heatmap{max-width:660px}tr.unstable td{color:#a0102a}.charts{display:flex;flex-wrap:wrap;gap:8px}.ci{color:#777;font-size:12px}\
.note{color:#555}";

/// Writes a page: `title`, then `body` (already HTML), then the `data`
/// embedded as JSON for whoever wants the numbers behind it.
fn write_page(path: &Path, title: &str, body: &str, data: &str) -> Result<(), ReportError> {
    let mut html = String::with_capacity(body.len() + data.len() + 4096);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>\n{body}\n\
<script type=\"application/json\" id=\"capsim-data\">{}</script>\n</body></html>\n",
        escape(title),
        // `</` would end the script element early.
        data.replace("</", "<\\/")
    );
    std::fs::write(path, html).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// `text` safe in HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A figure as a person reads it: three significant digits or so, no
/// trailing zeros; `–` where it is undefined.
fn number(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let magnitude = x.abs();
    let decimals = if magnitude >= 100.0 || magnitude == 0.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else if magnitude >= 1.0 {
        2
    } else {
        // Three significant digits below 1.
        (2 - magnitude.log10().floor() as i32).clamp(3, 9) as usize
    };
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_person_writes_them() {
        assert_eq!(number(1234.56), "1235");
        assert_eq!(number(25.04), "25");
        assert_eq!(number(4.56789), "4.57");
        assert_eq!(number(0.01234), "0.0123");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), "–");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
