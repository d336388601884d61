//! The time series as OpenMetrics text, so `promtool tsdb create-blocks-from
//! openmetrics` loads a simulated run into Prometheus and a Grafana panel can
//! show prediction beside production.
//!
//! One metric family per series column, every window a sample stamped at the
//! window's start (`start` + `time_s`, as the CSV's `time_s`), labelled with
//! the model, the replication and what the column is about: `pool`, `node`
//! or `call` (a call site, `caller->callee`). Units follow Prometheus'
//! naming: milliseconds become seconds (`p99_ms` → `capsim_p99_seconds`),
//! fractions end in `_ratio`, rates in `_per_second`. Values are the CSV's
//! (rounded the same way); undefined figures (empty in the CSV) have no
//! sample. The format is the OpenMetrics 1.0 text exposition
//! (openmetrics.io, "Text format"): a family's samples together, each
//! series' timestamps increasing, `# EOF` last.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use crate::stats::{RunResult, Series, csv_number};

use super::ReportError;

/// What a column measures, as an OpenMetrics family.
#[derive(Debug, PartialEq)]
struct Family {
    /// `capsim_pool_utilization_ratio`.
    name: String,
    /// `seconds`, `ratio`, `usd`, or none.
    unit: Option<&'static str>,
    /// The label naming the column's subject (`pool="web"`), if any.
    subject: Option<(&'static str, String)>,
    /// Decimal places the CSV's value moves left: 3 for milliseconds.
    shift: usize,
    help: String,
}

/// What the names before a column's last `.` are in this run.
struct Subjects {
    pools: HashSet<String>,
    nodes: HashSet<String>,
    /// Kubernetes clusters (`main.nodes`, `main.pending`).
    clusters: HashSet<String>,
}

impl Subjects {
    fn of(run: &RunResult) -> Self {
        let named = |pool: bool| {
            run.nodes
                .iter()
                .filter(|n| (n.kind == "pool") == pool)
                .map(|n| n.name.clone())
                .collect()
        };
        Subjects {
            pools: named(true),
            nodes: named(false),
            clusters: run.clusters.iter().map(|c| c.name.clone()).collect(),
        }
    }

    /// The label and the metric-name group for `name`.
    fn label(&self, name: &str) -> (&'static str, &'static str) {
        if self.pools.contains(name) {
            ("pool", "pool_")
        } else if self.nodes.contains(name) {
            ("node", "node_")
        } else if self.clusters.contains(name) {
            ("cluster", "cluster_")
        } else {
            // Call sites are named `caller->callee` (`Model::call_sites`).
            ("call", "call_")
        }
    }
}

/// The family of `column` (`web.utilization`, `p99_ms`, …).
fn family(column: &str, subjects: &Subjects) -> Family {
    let (subject, figure) = match column.rsplit_once('.') {
        Some((subject, figure)) => (Some(subject), figure),
        None => (None, column),
    };
    let (label, group) = subject.map_or(("", ""), |s| subjects.label(s));
    let (stem, unit, shift) = unit_of(figure);
    let name = format!("capsim_{group}{}", sanitize(&stem));
    let help = match subject {
        Some(subject) => format!("capsim series column `<{label}>.{figure}` (here {subject})"),
        None => format!("capsim series column `{figure}`"),
    };
    Family {
        name,
        unit,
        subject: subject.map(|s| (label, s.to_string())),
        shift,
        help,
    }
}

/// A figure's name in Prometheus' units, its unit and the factor to it.
fn unit_of(figure: &str) -> (String, Option<&'static str>, usize) {
    if let Some(stem) = figure.strip_suffix("_ms") {
        return (format!("{stem}_seconds"), Some("seconds"), 3);
    }
    if let Some(stem) = figure.strip_suffix("_per_s") {
        return (format!("{stem}_per_second"), None, 0);
    }
    if let Some(stem) = figure.strip_suffix("_usd") {
        return (format!("{stem}_usd"), Some("usd"), 0);
    }
    if figure.ends_with("utilization") || figure.ends_with("_ratio") {
        let stem = figure.strip_suffix("_ratio").unwrap_or(figure);
        return (format!("{stem}_ratio"), Some("ratio"), 0);
    }
    (figure.to_string(), None, 0)
}

/// A metric name's characters: `[a-zA-Z0-9_]`, anything else as `_`.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A label value with `\`, `"` and newlines escaped, as the format asks.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Writes the series of every run in `runs` to `path`, windows stamped from
/// `start_unix_s` (seconds since 1970, UTC).
pub fn write(path: &Path, runs: &[RunResult], start_unix_s: f64) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    render_into(&mut out, runs, start_unix_s).map_err(io)?;
    out.flush().map_err(io)
}

/// The OpenMetrics text of every run's series.
pub fn render(runs: &[RunResult], start_unix_s: f64) -> Result<String, ReportError> {
    let mut bytes = Vec::new();
    render_into(&mut bytes, runs, start_unix_s).map_err(|source| ReportError::Io {
        path: "(memory)".into(),
        source,
    })?;
    Ok(String::from_utf8(bytes).expect("the text is built from UTF-8 strings"))
}

fn render_into(
    sink: &mut impl Write,
    runs: &[RunResult],
    start_unix_s: f64,
) -> std::io::Result<()> {
    let series: Vec<(&RunResult, &Series)> = runs
        .iter()
        .filter_map(|run| Some((run, run.series.as_ref()?)))
        .collect();
    let Some(&(first_run, first)) = series.first() else {
        return Ok(writeln!(sink, "# EOF")?);
    };
    let subjects = Subjects::of(first_run);
    let time = column_index(first, "time_s");
    let families: Vec<(usize, Family)> = (first.columns.iter().enumerate())
        .filter(|&(index, _)| Some(index) != time)
        .map(|(index, column)| (index, family(column, &subjects)))
        .collect();
    // Columns of one family (`web.serving`, `api.serving`) are written
    // together, under one header, as the format asks.
    let mut written = HashSet::new();
    for (_, family) in &families {
        if !written.insert(family.name.as_str()) {
            continue;
        }
        write_header(sink, family)?;
        let members = families.iter().filter(|(_, f)| f.name == family.name);
        for (index, member) in members {
            for &(run, run_series) in &series {
                let labels = labels(run, member);
                for row in &run_series.rows {
                    let Some(value) = sample_value(row[*index], member.shift) else {
                        continue;
                    };
                    let at = start_unix_s + time.map_or(0.0, |t| row[t]);
                    writeln!(sink, "{}{{{labels}}} {value} {at:.3}", member.name)?;
                }
            }
        }
    }
    writeln!(sink, "# EOF")
}

fn column_index(series: &Series, name: &str) -> Option<usize> {
    series.columns.iter().position(|c| c == name)
}

fn write_header(sink: &mut impl Write, family: &Family) -> std::io::Result<()> {
    writeln!(sink, "# TYPE {} gauge", family.name)?;
    if let Some(unit) = family.unit {
        writeln!(sink, "# UNIT {} {unit}", family.name)?;
    }
    writeln!(sink, "# HELP {} {}", family.name, family.help)
}

fn labels(run: &RunResult, family: &Family) -> String {
    let mut labels = format!(
        "model=\"{}\",replication=\"{}\"",
        escape(&run.model),
        run.replication
    );
    if let Some((label, subject)) = &family.subject {
        labels.push_str(&format!(",{label}=\"{}\"", escape(subject)));
    }
    labels
}

/// The CSV's text of `value` with its decimal point moved `shift` places
/// left (milliseconds to seconds, exactly: no binary rounding on the way);
/// `None` where the CSV has an empty field.
fn sample_value(value: f64, shift: usize) -> Option<String> {
    let shown = csv_number(value);
    if shown.is_empty() {
        return None;
    }
    if shift == 0 || shown == "0" {
        return Some(shown);
    }
    let (sign, digits) = match shown.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", shown.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let padded = format!("{whole:0>width$}", width = shift + 1);
    let (int, moved) = padded.split_at(padded.len() - shift);
    let fraction = format!("{moved}{fraction}");
    let fraction = fraction.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Some(match fraction {
        "" => format!("{sign}{int}"),
        _ => format!("{sign}{int}.{fraction}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subjects() -> Subjects {
        Subjects {
            pools: ["web".to_string()].into(),
            nodes: ["cdn".to_string(), "a.b".to_string()].into(),
            clusters: HashSet::new(),
        }
    }

    #[test]
    fn columns_become_families_in_prometheus_units() {
        let s = subjects();
        let p99 = family("p99_ms", &s);
        assert_eq!(
            (p99.name.as_str(), p99.unit, p99.shift),
            ("capsim_p99_seconds", Some("seconds"), 3)
        );
        assert_eq!(p99.subject, None);
        let util = family("web.utilization", &s);
        assert_eq!(util.name, "capsim_pool_utilization_ratio");
        assert_eq!(util.subject, Some(("pool", "web".to_string())));
        assert_eq!(family("cdn.hit_ratio", &s).name, "capsim_node_hit_ratio");
        // A node name with a dot: the figure is after the last one.
        assert_eq!(
            family("a.b.hit_ratio", &s).subject,
            Some(("node", "a.b".to_string()))
        );
        let call = family("traffic->api.retries_per_s", &s);
        assert_eq!(call.name, "capsim_call_retries_per_second");
        assert_eq!(call.subject, Some(("call", "traffic->api".to_string())));
        assert_eq!(family("cost_usd", &s).unit, Some("usd"));
        assert_eq!(family("in_flight", &s).name, "capsim_in_flight");
    }

    #[test]
    fn values_are_the_csvs_and_empty_fields_have_no_sample() {
        assert_eq!(sample_value(63.792, 3).as_deref(), Some("0.063792"));
        assert_eq!(sample_value(15134.72, 3).as_deref(), Some("15.13472"));
        assert_eq!(sample_value(2000.0, 3).as_deref(), Some("2"));
        assert_eq!(sample_value(-1.5, 3).as_deref(), Some("-0.0015"));
        assert_eq!(sample_value(0.0, 3).as_deref(), Some("0"));
        assert_eq!(sample_value(0.123_456_789, 0).as_deref(), Some("0.123457"));
        assert_eq!(sample_value(f64::NAN, 0), None);
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(sanitize("x-y.z"), "x_y_z");
    }
}
