//! The Prometheus config: one range-query response per figure, named in a
//! small JSON file (docs/src/how-to/observed.md, "Checking against observed metrics"), reduced
//! to the figures over a window:
//!
//! ```json
//! { "throughput_rps": "rate.json",
//!   "error_rate": "errors.json",
//!   "latency_mean": { "file": "mean.json", "unit": "s" },
//!   "latency_buckets": { "file": "buckets.json", "unit": "s" },
//!   "utilization": [ { "file": "cpu.json", "node_label": "job", "scale": 0.5 } ],
//!   "from_s": 60, "to_s": 600 }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::ObservedError;
use super::noise;
use super::prometheus::{Sample, Series, parse_response, parse_value, series_position};
use super::quantile::histogram_quantile;
use super::{Figures, Format, Load, Observed, Window};

/// The config: which response holds which figure. Files are relative to it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// All requests per second (successes and failures), summed over series.
    #[serde(default)]
    throughput_rps: Option<String>,
    /// Failed requests / requests, 0 to 1: one series.
    #[serde(default)]
    error_rate: Option<String>,
    /// Mean latency: one series.
    #[serde(default)]
    latency_mean: Option<Timed>,
    /// Rates of a latency histogram's buckets, with `le` labels (summed by `le`).
    #[serde(default)]
    latency_buckets: Option<Timed>,
    /// Busy vCPUs / vCPUs, per tier.
    #[serde(default)]
    utilization: Vec<Utilization>,
    /// Start of the window compared, seconds after the first sample (default 0).
    #[serde(default)]
    from_s: Option<f64>,
    /// End of the window, seconds after the first sample (default: the end).
    #[serde(default)]
    to_s: Option<f64>,
}

/// A response whose values are durations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Timed {
    file: String,
    /// `s` (Prometheus's convention, the default) or `ms`.
    #[serde(default)]
    unit: Unit,
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Unit {
    #[default]
    S,
    Ms,
}

impl Unit {
    fn to_ms(self) -> f64 {
        match self {
            Unit::S => 1e3,
            Unit::Ms => 1.0,
        }
    }
}

/// Utilization of one or more tiers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Utilization {
    file: String,
    /// The label whose value names the tier (a node of the model)…
    #[serde(default)]
    node_label: Option<String>,
    /// …or the node, when the file holds one series.
    #[serde(default)]
    node: Option<String>,
    /// Multiplies every value: 0.01 for percent, 1/vCPUs for cores busy.
    #[serde(default = "one")]
    scale: f64,
}

fn one() -> f64 {
    1.0
}

/// A response read from its file, with its text for positions.
struct File {
    path: PathBuf,
    text: String,
    series: Vec<Series>,
}

impl File {
    fn error_at_series(&self, index: usize, message: impl Into<String>) -> ObservedError {
        let (line, column) = series_position(&self.text, index);
        ObservedError::at(&self.path, line, column, message)
    }

    /// The one series, for figures a query should have aggregated.
    fn single(&self, figure: &str) -> Result<&Series, ObservedError> {
        match self.series.as_slice() {
            [one] => Ok(one),
            [] => Err(ObservedError::at(&self.path, 1, 1, format!("`{figure}`: no series in the result"))),
            _ => Err(self.error_at_series(
                1,
                format!(
                    "`{figure}`: expected one series, found {} (aggregate in the query, e.g. `sum(…)` or `avg(…)`)",
                    self.series.len()
                ),
            )),
        }
    }
}

/// Reads the config at `path` (contents `text`) and every file it names,
/// through `read`. A `window` given replaces the config's `from_s`/`to_s`.
pub fn parse_config(
    path: &Path,
    text: &str,
    read: &dyn Fn(&Path) -> Result<String, ObservedError>,
    window: Window,
) -> Result<Observed, ObservedError> {
    let config = read_config(path, text)?;
    let files = Files::open(&config, path.parent().unwrap_or(Path::new("")), read)?;
    let span = Span::of(path, &files, &config, window)?;
    let error_rate = files
        .errors
        .as_ref()
        .map(|f| f.single("error_rate"))
        .transpose()?
        .and_then(|series| span.mean_of(series));
    let rates = span.rates(files.throughput.as_ref());
    let all_rps =
        (!rates.is_empty()).then(|| rates.iter().map(|r| r.1).sum::<f64>() / rates.len() as f64);
    let mut figures = Figures {
        throughput_rps: all_rps.map(|rps| rps * (1.0 - error_rate.unwrap_or(0.0))),
        mean_ms: match &files.mean {
            Some((file, unit)) => span
                .mean_of(file.single("latency_mean")?)
                .map(|m| m * unit.to_ms()),
            None => None,
        },
        error_rate,
        ..Figures::default()
    };
    // Counts behind the rates: each sample is a per-second rate over one
    // step, so a step's requests are the rate × the step.
    let times: Vec<f64> = rates.iter().map(|r| r.0).collect();
    if let (Some(step), Some(all)) = (step_of(&times), all_rps) {
        let requests = all * rates.len() as f64 * step;
        let failures = requests * error_rate.unwrap_or(0.0);
        figures.noise.throughput_rps = noise::rate(requests - failures, rates.len() as f64 * step);
        figures.noise.error_rate = error_rate.and_then(|_| noise::proportion(failures, requests));
    }
    if let Some((file, unit)) = &files.buckets {
        latency_percentiles(&mut figures, file, *unit, &span)?;
    }
    Ok(Observed {
        path: path.to_path_buf(),
        format: Format::Prometheus,
        figures,
        classes: Default::default(),
        utilization: per_tier(path, &files.utilization, &span)?,
        tier_throughput_rps: BTreeMap::new(),
        load: load(&rates),
        notes: Vec::new(),
        window: span.describe(),
    })
}

/// The config itself, after the two mistakes worth a hint of their own: an
/// empty file, and a response given where its config was expected.
fn read_config(path: &Path, text: &str) -> Result<Config, ObservedError> {
    if text.trim().is_empty() {
        return Err(ObservedError::at(
            path,
            1,
            1,
            "the file is empty: expected a Prometheus config naming a response file per figure",
        ));
    }
    if text.contains("\"resultType\"") {
        let name = path.file_name().map_or("".into(), |n| n.to_string_lossy());
        return Err(ObservedError::at(
            path,
            1,
            1,
            format!(
                "a Prometheus response, not a config: a response holds one figure, so name it in a config, e.g. `{{ \"throughput_rps\": \"{name}\" }}` (docs/src/how-to/observed.md, \"Checking against observed metrics\")"
            ),
        ));
    }
    serde_json::from_str(text).map_err(|error| ObservedError::json(path, &error))
}

/// The responses a config names, read and parsed, by figure.
struct Files<'c> {
    throughput: Option<File>,
    errors: Option<File>,
    mean: Option<(File, Unit)>,
    buckets: Option<(File, Unit)>,
    utilization: Vec<(File, &'c Utilization)>,
}

impl<'c> Files<'c> {
    /// Opens each file, relative to `base`, in the config's order.
    fn open(
        config: &'c Config,
        base: &Path,
        read: &dyn Fn(&Path) -> Result<String, ObservedError>,
    ) -> Result<Files<'c>, ObservedError> {
        let open = |name: &str| -> Result<File, ObservedError> {
            let file = base.join(name);
            let text = read(&file)?;
            let series = parse_response(&file, &text)?;
            Ok(File {
                path: file,
                text,
                series,
            })
        };
        let timed = |t: &Timed| Ok::<_, ObservedError>((open(&t.file)?, t.unit));
        Ok(Files {
            throughput: config.throughput_rps.as_deref().map(open).transpose()?,
            errors: config.error_rate.as_deref().map(open).transpose()?,
            mean: config.latency_mean.as_ref().map(timed).transpose()?,
            buckets: config.latency_buckets.as_ref().map(timed).transpose()?,
            utilization: config
                .utilization
                .iter()
                .map(|u| Ok((open(&u.file)?, u)))
                .collect::<Result<_, ObservedError>>()?,
        })
    }

    /// The earliest sample of any file (infinite if none has one).
    fn first_time_s(&self) -> f64 {
        self.throughput
            .iter()
            .chain(&self.errors)
            .chain(self.mean.iter().map(|m| &m.0))
            .chain(self.buckets.iter().map(|b| &b.0))
            .chain(self.utilization.iter().map(|u| &u.0))
            .flat_map(|f| &f.series)
            .filter_map(|s| s.samples.first())
            .map(|s| s.time_s)
            .fold(f64::INFINITY, f64::min)
    }
}

/// The window compared, in the files' own times: from `from` to `to`,
/// relative to the earliest sample `t0`.
struct Span {
    t0: f64,
    from: f64,
    to: f64,
}

impl Span {
    fn of(
        path: &Path,
        files: &Files,
        config: &Config,
        window: Window,
    ) -> Result<Span, ObservedError> {
        let t0 = files.first_time_s();
        if !t0.is_finite() {
            return Err(ObservedError::at(
                path,
                1,
                1,
                "the files this config names hold no samples",
            ));
        }
        let (from_s, to_s) = if window.is_set() {
            (window.from_s, window.to_s)
        } else {
            (config.from_s, config.to_s)
        };
        Ok(Span {
            t0,
            from: t0 + from_s.unwrap_or(0.0),
            to: t0 + to_s.unwrap_or(f64::INFINITY),
        })
    }

    fn inside(&self, s: &Sample) -> bool {
        s.time_s >= self.from && s.time_s <= self.to && !s.value.is_nan()
    }

    /// The mean of a series' samples in the window, if it has any there.
    fn mean_of(&self, series: &Series) -> Option<f64> {
        let values: Vec<f64> = series
            .samples
            .iter()
            .filter(|s| self.inside(s))
            .map(|s| s.value)
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    }

    /// All requests per second at each time of the window, summed over the
    /// throughput file's series, in time order.
    fn rates(&self, throughput: Option<&File>) -> Vec<(f64, f64)> {
        let mut rate_at: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
        for series in throughput.iter().flat_map(|f| &f.series) {
            for sample in series.samples.iter().filter(|s| self.inside(s)) {
                rate_at
                    .entry(sample.time_s.to_bits())
                    .or_insert((sample.time_s, 0.0))
                    .1 += sample.value;
            }
        }
        let mut rates: Vec<(f64, f64)> = rate_at.into_values().collect();
        rates.sort_by(|a, b| a.0.total_cmp(&b.0));
        rates
    }

    /// As `Observed::window` says it.
    fn describe(&self) -> String {
        format!(
            "samples from {:.0} s after the first to {}",
            self.from - self.t0,
            if self.to.is_finite() {
                format!("{:.0} s", self.to - self.t0)
            } else {
                "the last".into()
            }
        )
    }
}

/// The time between a series' last two samples.
fn step_of(times: &[f64]) -> Option<f64> {
    match times {
        [.., a, b] => Some(b - a),
        _ => None,
    }
}

/// The window's p50, p95 and p99 from a latency histogram's bucket rates,
/// with the noise of the requests behind them.
fn latency_percentiles(
    figures: &mut Figures,
    file: &File,
    unit: Unit,
    span: &Span,
) -> Result<(), ObservedError> {
    let window = bucket_totals(file, &|s: &&Sample| span.inside(s))?;
    let at = |q: f64| {
        let x = histogram_quantile(q, &window) * unit.to_ms();
        x.is_finite().then_some(x)
    };
    figures.p50_ms = at(0.5);
    figures.p95_ms = at(0.95);
    figures.p99_ms = at(0.99);
    // The requests behind the quantiles: the `+Inf` bucket's rates
    // summed over the window, times the step of its samples.
    let sample_times: Vec<f64> = file
        .series
        .first()
        .map(|s| {
            s.samples
                .iter()
                .filter(|s| span.inside(s))
                .map(|s| s.time_s)
                .collect()
        })
        .unwrap_or_default();
    let all = window
        .iter()
        .find(|(bound, _)| *bound == f64::INFINITY)
        .map(|b| b.1);
    if let (Some(step), Some(all)) = (step_of(&sample_times), all) {
        let n = all * step;
        figures.noise.p50_ms = noise::quantile(0.5, n, at);
        figures.noise.p95_ms = noise::quantile(0.95, n, at);
        figures.noise.p99_ms = noise::quantile(0.99, n, at);
    }
    Ok(())
}

/// Each tier's utilization: several series of one tier (one per instance
/// or pod) average out.
fn per_tier(
    config: &Path,
    utilization: &[(File, &Utilization)],
    span: &Span,
) -> Result<BTreeMap<String, f64>, ObservedError> {
    let mut per_tier: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (file, spec) in utilization {
        for (index, series) in file.series.iter().enumerate() {
            let node = tier_of(config, file, spec, index)?;
            if let Some(u) = span.mean_of(series) {
                let entry = per_tier.entry(node).or_insert((0.0, 0));
                entry.0 += u * spec.scale;
                entry.1 += 1;
            }
        }
    }
    Ok(per_tier
        .into_iter()
        .map(|(node, (sum, n))| (node, sum / n as f64))
        .collect())
}

/// The observed rates as a load to replay, with two samples at least.
fn load(rates: &[(f64, f64)]) -> Load {
    if rates.len() < 2 {
        return Load::AsModelled;
    }
    let start = rates[0].0;
    let span_s = rates[rates.len() - 1].0 - start;
    // Each sample holds until the next; the last one for one more step.
    let step = rates[rates.len() - 1].0 - rates[rates.len() - 2].0;
    Load::Rates {
        points: rates.iter().map(|r| (r.0 - start, r.1)).collect(),
        span_s: span_s + step,
    }
}

/// The tier (model node) series `index` of a utilization file describes.
fn tier_of(
    config: &Path,
    file: &File,
    spec: &Utilization,
    index: usize,
) -> Result<String, ObservedError> {
    let series = &file.series[index];
    match (&spec.node, &spec.node_label) {
        (Some(node), _) if file.series.len() == 1 => Ok(node.clone()),
        (Some(_), _) => Err(file.error_at_series(
            1,
            format!(
                "`node` names one tier, but the file holds {} series (use `node_label`)",
                file.series.len()
            ),
        )),
        (None, Some(label)) => series.labels.get(label).cloned().ok_or_else(|| {
            file.error_at_series(
                index,
                format!(
                    "series without a `{label}` label, which names the tier (its labels: {})",
                    labels_text(&series.labels)
                ),
            )
        }),
        (None, None) => Err(ObservedError::Mismatch(format!(
            "{}: a `utilization` entry needs `node_label` or `node`",
            config.display()
        ))),
    }
}

/// Every bucket's values over the window, summed by `le`. Each sample is a
/// rate over the same step, so the sums are proportional to the requests in
/// each bucket over the whole window: its quantiles are the window's, not an
/// average of per-step quantiles.
fn bucket_totals(
    file: &File,
    inside: &dyn Fn(&&Sample) -> bool,
) -> Result<Vec<(f64, f64)>, ObservedError> {
    let mut totals: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for (index, series) in file.series.iter().enumerate() {
        let le = series.labels.get("le").ok_or_else(|| {
            file.error_at_series(
                index,
                format!(
                    "a bucket series needs an `le` label (its labels: {})",
                    labels_text(&series.labels)
                ),
            )
        })?;
        let bound = parse_value(le).filter(|b| !b.is_nan()).ok_or_else(|| {
            file.error_at_series(
                index,
                format!("`le` is `{le}`, expected a number or `+Inf`"),
            )
        })?;
        let sum: f64 = series
            .samples
            .iter()
            .filter(|s| inside(s))
            .map(|s| s.value)
            .sum();
        totals.entry(bound.to_bits()).or_insert((bound, 0.0)).1 += sum;
    }
    Ok(totals.into_values().collect())
}

fn labels_text(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "none".into();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
