//! The CloudWatch config: which `get-metric-data` result (by `Id`) holds
//! which figure, in the vocabulary of the Prometheus config:
//!
//! ```json
//! { "cloudwatch": "metric-data.json",
//!   "request_count": "requests",
//!   "error_count": "errors_5xx",
//!   "latency_mean": "latency",
//!   "latency_p99": { "id": "latency_p99", "unit": "s" },
//!   "utilization": [ { "id": "cpu", "node": "web" } ],
//!   "from_s": 300, "to_s": 3300 }
//! ```
//!
//! For an ALB: `RequestCount` (`Sum`) is `request_count`, the 5xx counts
//! (`HTTPCode_Target_5XX_Count` + `HTTPCode_ELB_5XX_Count`, `Sum`) are
//! `error_count`, `TargetResponseTime` (seconds: `Average`, `p99`) the
//! latencies; EC2's or ECS's `CPUUtilization` (`Average`, percent) a
//! tier's `utilization`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::cloudwatch::{self, Result as Series};
use super::error::ObservedError;
use super::input::Input;
use super::noise;
use super::{Figures, Format, Load, Observed, Window};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// The `get-metric-data` output, relative to the config.
    cloudwatch: String,
    /// Requests per period (a `Sum`, as ALB's `RequestCount`), failures included.
    #[serde(default)]
    request_count: Option<String>,
    /// Requests per second (metric math, e.g. `m1 / PERIOD(m1)`), failures included.
    #[serde(default)]
    throughput_rps: Option<String>,
    /// Failed requests per period (a `Sum`, as the 5xx counts).
    #[serde(default)]
    error_count: Option<String>,
    /// Failed requests / requests (metric math), 0 to 1 after `scale`.
    #[serde(default)]
    error_rate: Option<Scaled>,
    #[serde(default)]
    latency_mean: Option<Timed>,
    #[serde(default)]
    latency_p50: Option<Timed>,
    #[serde(default)]
    latency_p95: Option<Timed>,
    #[serde(default)]
    latency_p99: Option<Timed>,
    /// Busy vCPUs / vCPUs per tier.
    #[serde(default)]
    utilization: Vec<Utilization>,
    /// The period of the query, seconds (default: the spacing of the timestamps).
    #[serde(default)]
    period_s: Option<f64>,
    #[serde(default)]
    from_s: Option<f64>,
    #[serde(default)]
    to_s: Option<f64>,
}

/// A result of durations: its id alone (seconds), or with a `unit`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Timed {
    Id(String),
    WithUnit {
        id: String,
        /// `s` (CloudWatch's `TargetResponseTime`, the default) or `ms`.
        unit: Unit,
    },
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Unit {
    S,
    Ms,
}

/// A result of ratios: its id alone, or with a `scale` (0.01 for percent).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scaled {
    Id(String),
    WithScale { id: String, scale: f64 },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Utilization {
    id: String,
    node: String,
    /// Multiplies every value: CloudWatch's `CPUUtilization` is a percentage, so 0.01 by default.
    #[serde(default = "percent")]
    scale: f64,
}

fn percent() -> f64 {
    0.01
}

/// Reads the config and the output it names; a `window` given replaces
/// the config's `from_s`/`to_s`.
pub fn parse_config(
    input: Input<'_>,
    read: &dyn Fn(&Path) -> Result<String, ObservedError>,
    window: Window,
) -> Result<Observed, ObservedError> {
    let path = input.path();
    let text = match input {
        Input::Text(_, text) => text.to_string(),
        Input::File(path) => read(path)?,
    };
    let config = read_config(path, &text)?;
    let output = path
        .parent()
        .unwrap_or(Path::new(""))
        .join(&config.cloudwatch);
    let results = cloudwatch::read_output(&output)?;
    let lookup = Lookup {
        config: path,
        text: &text,
        output: &output,
        results: &results,
    };
    let span = Span::of(path, &results, &config, window)?;
    let figures = Figures::of(&config, &lookup, &span)?;
    let mut utilization = BTreeMap::new();
    for tier in &config.utilization {
        if let Some(mean) = span.mean(lookup.find(&tier.id)?) {
            utilization.insert(tier.node.clone(), mean * tier.scale);
        }
    }
    let notes = results
        .iter()
        .filter(|r| !r.complete)
        .map(|r| {
            format!(
                "result `{}` is `PartialData`: fetch every page (`NextToken`) for all of it",
                r.id
            )
        })
        .collect();
    Ok(Observed {
        path: path.to_path_buf(),
        format: Format::Cloudwatch,
        load: span.load(&config, &lookup)?,
        figures,
        classes: BTreeMap::new(),
        utilization,
        tier_throughput_rps: BTreeMap::new(),
        window: span.describe(),
        notes,
    })
}

/// The results of the output, found by the ids the config names.
struct Lookup<'a> {
    config: &'a Path,
    text: &'a str,
    output: &'a Path,
    results: &'a [Series],
}

impl<'a> Lookup<'a> {
    /// The result `id`, or an error at the id in the config.
    fn find(&self, id: &str) -> Result<&'a Series, ObservedError> {
        self.results.iter().find(|r| r.id == id).ok_or_else(|| {
            let (line, column) = position_of(self.text, id);
            let ids: Vec<&str> = self.results.iter().map(|r| r.id.as_str()).collect();
            ObservedError::at(
                self.config,
                line,
                column,
                format!(
                    "no result with the `Id` `{id}` in `{}` (its ids: {})",
                    self.output.display(),
                    ids.join(", ")
                ),
            )
        })
    }
}

/// The config, with the mistake worth a hint of its own: the output given
/// where its config was expected.
fn read_config(path: &Path, text: &str) -> Result<Config, ObservedError> {
    if text.contains("\"MetricDataResults\"") {
        let name = path.file_name().map_or("".into(), |n| n.to_string_lossy());
        return Err(ObservedError::at(
            path,
            1,
            1,
            format!(
                "the output of `get-metric-data`, not a config: name which result is which figure in a config, e.g. `{{ \"cloudwatch\": \"{name}\", \"request_count\": \"m1\" }}` (docs/src/how-to/observed.md, \"Checking against observed metrics\")"
            ),
        ));
    }
    serde_json::from_str(text).map_err(|error| ObservedError::json(path, &error))
}

/// The line and column of `"id"` in the config (1, 1 if not found).
fn position_of(text: &str, id: &str) -> (u64, u64) {
    let Some(at) = text.find(&format!("\"{id}\"")) else {
        return (1, 1);
    };
    let before = &text[..at];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

/// The periods compared: those starting `from..=to` seconds after the first timestamp.
struct Span {
    first: f64,
    from: f64,
    to: f64,
    period_s: f64,
    asked: bool,
}

impl Span {
    fn of(
        path: &Path,
        results: &[Series],
        config: &Config,
        window: Window,
    ) -> Result<Span, ObservedError> {
        let times = results.iter().flat_map(|r| r.points.iter().map(|p| p.0));
        let first = times.clone().fold(f64::INFINITY, f64::min);
        let last = times.fold(f64::NEG_INFINITY, f64::max);
        if !first.is_finite() {
            return Err(ObservedError::Nothing {
                path: path.to_path_buf(),
                message: "no datapoints in any result".into(),
            });
        }
        let period_s = match config.period_s {
            Some(p) if p.is_finite() && p > 0.0 => p,
            Some(p) => {
                return Err(ObservedError::Nothing {
                    path: path.to_path_buf(),
                    message: format!("`period_s` is {p}: expected seconds > 0"),
                });
            }
            None => spacing(results).unwrap_or(60.0),
        };
        let (from, to) = if window.is_set() {
            (window.from_s, window.to_s)
        } else {
            (config.from_s, config.to_s)
        };
        let span = Span {
            first,
            from: from.unwrap_or(0.0),
            to: to.unwrap_or(last - first),
            period_s,
            asked: from.is_some() || to.is_some(),
        };
        if !results
            .iter()
            .any(|r| r.points.iter().any(|p| span.inside(p.0)))
        {
            return Err(ObservedError::Nothing {
                path: path.to_path_buf(),
                message: format!(
                    "no datapoint in the window {}–{} s after the first timestamp (the datapoints span 0–{} s)",
                    span.from,
                    span.to,
                    last - first
                ),
            });
        }
        Ok(span)
    }

    fn inside(&self, time: f64) -> bool {
        let at = time - self.first;
        at >= self.from && at <= self.to
    }

    fn values<'a>(&'a self, series: &'a Series) -> impl Iterator<Item = f64> + 'a {
        series
            .points
            .iter()
            .filter(|p| self.inside(p.0))
            .map(|p| p.1)
    }

    fn mean(&self, series: &Series) -> Option<f64> {
        let (sum, n) = self
            .values(series)
            .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
        (n > 0).then(|| sum / n as f64)
    }

    fn sum(&self, series: &Series) -> (f64, usize) {
        self.values(series)
            .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1))
    }

    /// The rate profile: requests per second in each period of the window.
    fn load(&self, config: &Config, lookup: &Lookup<'_>) -> Result<Load, ObservedError> {
        let (id, per_period) = match (&config.request_count, &config.throughput_rps) {
            (Some(id), _) => (id, true),
            (None, Some(id)) => (id, false),
            (None, None) => return Ok(Load::AsModelled),
        };
        let series = lookup.find(id)?;
        let inside: Vec<(f64, f64)> = series
            .points
            .iter()
            .filter(|p| self.inside(p.0))
            .copied()
            .collect();
        let Some(start) = inside.first().map(|p| p.0) else {
            return Ok(Load::AsModelled);
        };
        if inside.len() < 2 {
            return Ok(Load::AsModelled);
        }
        let scale = if per_period { 1.0 / self.period_s } else { 1.0 };
        let last = inside[inside.len() - 1].0;
        Ok(Load::Rates {
            points: inside
                .iter()
                .map(|&(t, v)| (t - start, v * scale))
                .collect(),
            span_s: last - start + self.period_s,
        })
    }

    fn describe(&self) -> String {
        let which = if self.asked {
            "the window asked for"
        } else {
            "every datapoint"
        };
        format!(
            "datapoints {}–{} s after the first ({which}; periods of {} s)",
            self.from, self.to, self.period_s
        )
    }
}

/// The smallest gap between two timestamps of one result: the period.
fn spacing(results: &[Series]) -> Option<f64> {
    results
        .iter()
        .flat_map(|r| r.points.windows(2).map(|w| w[1].0 - w[0].0))
        .filter(|gap| *gap > 0.0)
        .min_by(f64::total_cmp)
}

impl Figures {
    /// The end-to-end figures the config names, over `span`.
    fn of(config: &Config, lookup: &Lookup<'_>, span: &Span) -> Result<Figures, ObservedError> {
        // Counts, where the config gives them: they size the noise exactly.
        let requests = config
            .request_count
            .as_deref()
            .map(|id| lookup.find(id))
            .transpose()?
            .map(|s| span.sum(s));
        let errors = config
            .error_count
            .as_deref()
            .map(|id| lookup.find(id))
            .transpose()?
            .map(|s| span.sum(s).0);
        let all_rps = match (requests, &config.throughput_rps) {
            (Some((count, periods)), _) if periods > 0 => {
                Some(count / (periods as f64 * span.period_s))
            }
            (_, Some(id)) => span.mean(lookup.find(id)?),
            _ => None,
        };
        let error_rate = match (&config.error_rate, errors, requests) {
            (Some(Scaled::Id(id)), _, _) => span.mean(lookup.find(id)?),
            (Some(Scaled::WithScale { id, scale }), _, _) => {
                span.mean(lookup.find(id)?).map(|x| x * scale)
            }
            (None, Some(failed), Some((count, _))) if count > 0.0 => Some(failed / count),
            _ => None,
        };
        let timed = |figure: &Option<Timed>| -> Result<Option<f64>, ObservedError> {
            let Some(timed) = figure else { return Ok(None) };
            let (id, to_ms) = match timed {
                Timed::Id(id) | Timed::WithUnit { id, unit: Unit::S } => (id, 1e3),
                Timed::WithUnit { id, unit: Unit::Ms } => (id, 1.0),
            };
            Ok(span.mean(lookup.find(id)?).map(|x| x * to_ms))
        };
        let mut figures = Figures {
            throughput_rps: all_rps.map(|rps| rps * (1.0 - error_rate.unwrap_or(0.0))),
            mean_ms: timed(&config.latency_mean)?,
            p50_ms: timed(&config.latency_p50)?,
            p95_ms: timed(&config.latency_p95)?,
            p99_ms: timed(&config.latency_p99)?,
            error_rate,
            ..Figures::default()
        };
        if let Some((count, periods)) = requests {
            let failed = count * error_rate.unwrap_or(0.0);
            let seconds = periods as f64 * span.period_s;
            figures.noise.throughput_rps = noise::rate(count - failed, seconds);
            figures.noise.error_rate = error_rate.and_then(|_| noise::proportion(failed, count));
        }
        Ok(figures)
    }
}
