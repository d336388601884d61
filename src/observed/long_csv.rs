//! The plain long CSV: one measurement per row, `time_s,metric,value,labels`
//! (labels optional: `node=web;class=browse`), rows in time order. Metrics
//! and their labels are listed in [`Metric`]; docs/src/how-to/observed.md documents the format.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::ObservedError;
use super::table::{Row, Table};
use super::window::full_population;
use super::{Figures, Format, Load, Observed, Window};

/// The header, for messages.
pub const HEADER: &str = "time_s,metric,value,labels";

/// What a row measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Metric {
    /// All requests answered per second (failures included); with a `node`
    /// label, requests per second into that tier.
    ThroughputRps,
    LatencyMeanMs,
    LatencyP50Ms,
    LatencyP95Ms,
    LatencyP99Ms,
    /// Failed requests / requests, 0 to 1.
    ErrorRate,
    /// Busy vCPUs / vCPUs of the tier its `node` label names, 0 to 1.
    Utilization,
    /// Users of a closed load test running at that time.
    Users,
}

const METRICS: [(&str, Metric); 8] = [
    ("throughput_rps", Metric::ThroughputRps),
    ("latency_mean_ms", Metric::LatencyMeanMs),
    ("latency_p50_ms", Metric::LatencyP50Ms),
    ("latency_p95_ms", Metric::LatencyP95Ms),
    ("latency_p99_ms", Metric::LatencyP99Ms),
    ("error_rate", Metric::ErrorRate),
    ("utilization", Metric::Utilization),
    ("users", Metric::Users),
];

/// One row, read and checked.
struct Measurement {
    time_s: f64,
    metric: Metric,
    value: f64,
    node: Option<String>,
    class: Option<String>,
}

/// Parses the long CSV at `path` (contents `text`), over `window`.
pub fn parse(path: &Path, text: &str, window: Window) -> Result<Observed, ObservedError> {
    let table = Table::parse(path, text, HEADER)?;
    let time = table.column("time_s")?;
    let metric = table.column("metric")?;
    let value = table.column("value")?;
    let labels = table.header.iter().position(|h| h == "labels");
    let mut rows: Vec<Measurement> = Vec::new();
    for row in &table.rows {
        let time_s = table.number(row, time)?;
        if let Some(before) = rows.last()
            && time_s < before.time_s
        {
            return Err(table.error(
                row,
                time,
                format!(
                    "time {time_s} is before the previous row's {}: rows must be in time order",
                    before.time_s
                ),
            ));
        }
        let name = &row.cells[metric];
        let Some(&(_, kind)) = METRICS.iter().find(|(n, _)| n == name) else {
            let known: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
            return Err(table.error(
                row,
                metric,
                format!(
                    "unknown metric `{name}` (expected one of: {})",
                    known.join(", ")
                ),
            ));
        };
        let (node, class) = match labels {
            Some(index) => read_labels(&table, row, index, kind)?,
            None => (None, None),
        };
        if kind == Metric::Utilization && node.is_none() {
            return Err(table.error(
                row,
                labels.unwrap_or(table.header.len()),
                "`utilization` needs a `node` label naming the tier, e.g. `node=web`",
            ));
        }
        rows.push(Measurement {
            time_s,
            metric: kind,
            value: table.number(row, value)?,
            node,
            class,
        });
    }
    if rows.is_empty() {
        return Err(ObservedError::at(
            path,
            2,
            1,
            format!("no rows after the header `{HEADER}`"),
        ));
    }
    summarize(path, &rows, window)
}

/// `node=web;class=browse` into its node and class; other keys are errors.
fn read_labels(
    table: &Table,
    row: &Row,
    index: usize,
    metric: Metric,
) -> Result<(Option<String>, Option<String>), ObservedError> {
    let (mut node, mut class) = (None, None);
    for pair in row.cells[index].split(';').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(table.error(
                row,
                index,
                format!("label `{pair}`: expected `key=value`, e.g. `node=web`"),
            ));
        };
        match key.trim() {
            "node" => node = Some(value.trim().to_string()),
            "class" => class = Some(value.trim().to_string()),
            other => {
                return Err(table.error(
                    row,
                    index,
                    format!("unknown label `{other}` (expected `node` or `class`)"),
                ));
            }
        }
    }
    let node_allowed = matches!(metric, Metric::ThroughputRps | Metric::Utilization);
    if node.is_some() && !node_allowed {
        return Err(table.error(
            row,
            index,
            "only `throughput_rps` and `utilization` take a `node` label",
        ));
    }
    Ok((node, class))
}

/// The figures over the window: `window` if given, else the rows at the
/// largest `users` count if the file has any (the ramp-up skipped, see
/// `window`), else every row. Each figure is the mean of its rows: end to
/// end without labels, per class with a `class` label, per tier with a
/// `node` label.
fn summarize(path: &Path, rows: &[Measurement], window: Window) -> Result<Observed, ObservedError> {
    let first = rows[0].time_s;
    let (from_s, to_s, users) = span(path, rows, window)?;
    let inside: Vec<&Measurement> = rows
        .iter()
        .filter(|r| r.time_s >= from_s && r.time_s <= to_s)
        .collect();
    let means = Means::of(&inside);
    let described = match (window.is_set(), users) {
        (true, _) => format!(
            "rows {:.0}–{:.0} s after the first row (the window asked for)",
            from_s - first,
            to_s.min(rows[rows.len() - 1].time_s) - first
        ),
        (false, Some(n)) => format!(
            "rows at {n} users, {:.0}–{:.0} s after the first row (ramp-up skipped)",
            from_s - first,
            to_s - first
        ),
        (false, None) => "every row".to_string(),
    };
    Ok(Observed {
        path: path.to_path_buf(),
        format: Format::Csv,
        figures: means.figures(None),
        classes: means.classes(),
        utilization: means.per_node(Metric::Utilization),
        tier_throughput_rps: means.per_node(Metric::ThroughputRps),
        load: load(&inside, users),
        window: described,
        notes: Vec::new(),
    })
}

/// The times `from_s..=to_s` to summarize and the users there (the most),
/// if the file counts them: `window` if given, else the full population.
fn span(
    path: &Path,
    rows: &[Measurement],
    window: Window,
) -> Result<(f64, f64, Option<u32>), ObservedError> {
    let first = rows[0].time_s;
    let is_users = |r: &&Measurement| r.metric == Metric::Users && r.class.is_none();
    if window.is_set() {
        let from_s = first + window.from_s.unwrap_or(0.0);
        let to_s = window.to_s.map_or(f64::INFINITY, |to| first + to);
        let last = rows[rows.len() - 1].time_s;
        if !rows.iter().any(|r| r.time_s >= from_s && r.time_s <= to_s) {
            return Err(ObservedError::Nothing {
                path: path.to_path_buf(),
                message: format!(
                    "no row in the window {} after the first row (the rows span 0–{} s)",
                    window.describe(),
                    last - first
                ),
            });
        }
        let users = rows
            .iter()
            .filter(is_users)
            .filter(|r| r.time_s >= from_s && r.time_s <= to_s)
            .map(|r| r.value.max(0.0).round() as u32)
            .max();
        return Ok((from_s, to_s, users));
    }
    let users_at: Vec<(f64, u32)> = rows
        .iter()
        .filter(is_users)
        .map(|r| (r.time_s, r.value.max(0.0).round() as u32))
        .collect();
    if users_at.is_empty() {
        return Ok((f64::NEG_INFINITY, f64::INFINITY, None));
    }
    let times: Vec<f64> = users_at.iter().map(|u| u.0).collect();
    let counts: Vec<u32> = users_at.iter().map(|u| u.1).collect();
    // A plain CSV holds what the user exported, with no rolling window
    // to wait out: only the ramp-up is skipped.
    let (from, to, _) = full_population(&times, &counts, 0.0);
    Ok((times[from], times[to - 1], counts.iter().copied().max()))
}

/// A metric, its node label and its class label.
type Key<'a> = (Metric, Option<&'a str>, Option<&'a str>);

/// The sum and count of the rows of each metric and labels, in the window.
struct Means<'a>(BTreeMap<Key<'a>, (f64, usize)>);

impl<'a> Means<'a> {
    fn of(inside: &[&'a Measurement]) -> Means<'a> {
        let mut sums: BTreeMap<Key, (f64, usize)> = BTreeMap::new();
        for row in inside {
            let entry = sums
                .entry((row.metric, row.node.as_deref(), row.class.as_deref()))
                .or_insert((0.0, 0));
            entry.0 += row.value;
            entry.1 += 1;
        }
        Means(sums)
    }

    /// End to end (`None`) or one class's figures.
    fn figures(&self, class: Option<&str>) -> Figures {
        let mean = |metric: Metric| {
            self.0
                .get(&(metric, None, class))
                .map(|(s, n)| s / *n as f64)
        };
        let error_rate = mean(Metric::ErrorRate);
        Figures {
            throughput_rps: mean(Metric::ThroughputRps)
                .map(|x| x * (1.0 - error_rate.unwrap_or(0.0))),
            mean_ms: mean(Metric::LatencyMeanMs),
            p50_ms: mean(Metric::LatencyP50Ms),
            p95_ms: mean(Metric::LatencyP95Ms),
            p99_ms: mean(Metric::LatencyP99Ms),
            error_rate,
            // The long CSV holds rates and figures, no counts of requests:
            // nothing to size the noise by.
            noise: Default::default(),
        }
    }

    /// Every class with a figure of its own.
    fn classes(&self) -> BTreeMap<String, Figures> {
        self.0
            .keys()
            .filter_map(|(_, node, class)| node.is_none().then_some(*class)?)
            .map(|class| (class.to_string(), self.figures(Some(class))))
            .collect()
    }

    /// `metric` of each node that has it.
    fn per_node(&self, metric: Metric) -> BTreeMap<String, f64> {
        self.0
            .iter()
            .filter_map(|((m, node, class), (s, n))| {
                (*m == metric && class.is_none()).then_some(((*node)?.to_string(), s / *n as f64))
            })
            .collect()
    }
}

/// The load the file shows: its users, else its end-to-end rates over
/// time (two rows at least), else the model's own.
fn load(inside: &[&Measurement], users: Option<u32>) -> Load {
    let rates: Vec<(f64, f64)> = inside
        .iter()
        .filter(|r| r.metric == Metric::ThroughputRps && r.node.is_none() && r.class.is_none())
        .map(|r| (r.time_s, r.value))
        .collect();
    match users {
        Some(n) => Load::Users(n),
        None if rates.len() >= 2 => {
            let start = rates[0].0;
            let step = rates[rates.len() - 1].0 - rates[rates.len() - 2].0;
            Load::Rates {
                span_s: rates[rates.len() - 1].0 - start + step,
                points: rates.iter().map(|r| (r.0 - start, r.1)).collect(),
            }
        }
        None => Load::AsModelled,
    }
}
