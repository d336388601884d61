//! Prometheus range-query responses (`/api/v1/query_range`, or Grafana's
//! "Inspect → Data → Download" of the same), one file per figure, named in a
//! small JSON config (README, "Checking against observed metrics"):
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
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::error::ObservedError;
use super::quantile::histogram_quantile;
use super::{Figures, Format, Load, Observed};

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

/// One series of a range-query response: labels and samples in time order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Its labels (`__name__` included when the query kept it).
    pub labels: BTreeMap<String, String>,
    /// Its samples.
    pub samples: Vec<Sample>,
}

/// One sample: Unix time in seconds and the value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// Unix time, seconds.
    pub time_s: f64,
    /// The value (`NaN`, `+Inf` as Prometheus writes them).
    pub value: f64,
}

#[derive(Deserialize)]
struct Response {
    status: Status,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Status {
    Success,
    Error,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    _result_type: ResultType,
    result: Vec<RawSeries>,
}

/// Only a range query's `matrix`: an instant query's `vector` has one
/// sample per series, no time series to compare over.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ResultType {
    Matrix,
}

#[derive(Deserialize)]
struct RawSeries {
    metric: BTreeMap<String, String>,
    values: Samples,
}

/// `[[time, "value"], …]`, checked in time order as it is read, so an error
/// carries serde_json's line and column.
struct Samples(Vec<Sample>);

impl<'de> Deserialize<'de> for Samples {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(SamplesVisitor)
    }
}

struct SamplesVisitor;

impl<'de> Visitor<'de> for SamplesVisitor {
    type Value = Samples;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of [time, \"value\"] pairs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Samples, A::Error> {
        let mut samples: Vec<Sample> = Vec::new();
        while let Some((time_s, text)) = seq.next_element::<(f64, String)>()? {
            let value = parse_value(&text).ok_or_else(|| {
                de::Error::custom(format!(
                    "expected a sample value as a string such as \"0.5\", \"NaN\" or \"+Inf\", found \"{text}\""
                ))
            })?;
            if let Some(before) = samples.last()
                && time_s <= before.time_s
            {
                return Err(de::Error::custom(format!(
                    "timestamp {time_s} is not after the previous sample's {}: samples must be in time order",
                    before.time_s
                )));
            }
            samples.push(Sample { time_s, value });
        }
        Ok(Samples(samples))
    }
}

/// A sample value as Prometheus writes it (Go's float formatting).
fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse().ok().filter(|x: &f64| x.is_finite()),
    }
}

/// Parses one range-query response (the contents of `path`).
pub fn parse_response(path: &Path, text: &str) -> Result<Vec<Series>, ObservedError> {
    if text.trim().is_empty() {
        return Err(ObservedError::at(
            path,
            1,
            1,
            "the file is empty: expected a Prometheus range-query response `{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",…}}`",
        ));
    }
    let response: Response = serde_json::from_str(text).map_err(|error| {
        let mut error = ObservedError::json(path, &error);
        // An instant query's `vector` is the likely mix-up: say which API to use.
        if let ObservedError::At { message, .. } = &mut error
            && message.ends_with("expected `matrix`")
        {
            message.push_str(" (a range query's result: `/api/v1/query_range`)");
        }
        error
    })?;
    if response.status == Status::Error {
        return Err(ObservedError::at(
            path,
            1,
            1,
            format!(
                "Prometheus answered an error ({}): {}",
                response.error_type.as_deref().unwrap_or("no type"),
                response.error.as_deref().unwrap_or("no message")
            ),
        ));
    }
    let Some(data) = response.data else {
        return Err(ObservedError::at(
            path,
            1,
            1,
            "no `data` in a successful response",
        ));
    };
    Ok(data
        .result
        .into_iter()
        .map(|raw| Series {
            labels: raw.metric,
            samples: raw.values.0,
        })
        .collect())
}

/// Line and column of the `index`-th series' `"metric"` key in `text`, so an
/// error about a series' labels points at them.
fn series_position(text: &str, index: usize) -> (u64, u64) {
    let offset = text
        .match_indices("\"metric\"")
        .nth(index)
        .map_or(0, |(offset, _)| offset);
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
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
/// through `read`.
pub fn parse_config(
    path: &Path,
    text: &str,
    read: &dyn Fn(&Path) -> Result<String, ObservedError>,
) -> Result<Observed, ObservedError> {
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
                "a Prometheus response, not a config: a response holds one figure, so name it in a config, e.g. `{{ \"throughput_rps\": \"{name}\" }}` (README, \"Checking against observed metrics\")"
            ),
        ));
    }
    let config: Config =
        serde_json::from_str(text).map_err(|error| ObservedError::json(path, &error))?;
    let base = path.parent().unwrap_or(Path::new(""));
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
    let throughput = config.throughput_rps.as_deref().map(open).transpose()?;
    let errors = config.error_rate.as_deref().map(open).transpose()?;
    let mean = config
        .latency_mean
        .as_ref()
        .map(|t| Ok::<_, ObservedError>((open(&t.file)?, t.unit)))
        .transpose()?;
    let buckets = config
        .latency_buckets
        .as_ref()
        .map(|t| Ok::<_, ObservedError>((open(&t.file)?, t.unit)))
        .transpose()?;
    let utilization: Vec<(File, &Utilization)> = config
        .utilization
        .iter()
        .map(|u| Ok((open(&u.file)?, u)))
        .collect::<Result<_, ObservedError>>()?;

    // The window is relative to the earliest sample of any file.
    let all_files = throughput
        .iter()
        .chain(&errors)
        .chain(mean.iter().map(|m| &m.0))
        .chain(buckets.iter().map(|b| &b.0))
        .chain(utilization.iter().map(|u| &u.0));
    let t0 = all_files
        .flat_map(|f| &f.series)
        .filter_map(|s| s.samples.first())
        .map(|s| s.time_s)
        .fold(f64::INFINITY, f64::min);
    if !t0.is_finite() {
        return Err(ObservedError::Nothing {
            path: path.to_path_buf(),
            message: "the files it names hold no samples".into(),
        });
    }
    let (from, to) = (
        t0 + config.from_s.unwrap_or(0.0),
        t0 + config.to_s.unwrap_or(f64::INFINITY),
    );
    let inside = |s: &&Sample| s.time_s >= from && s.time_s <= to && !s.value.is_nan();
    let mean_of = |series: &Series| -> Option<f64> {
        let values: Vec<f64> = series
            .samples
            .iter()
            .filter(inside)
            .map(|s| s.value)
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };

    let error_rate = errors
        .as_ref()
        .map(|f| f.single("error_rate"))
        .transpose()?
        .and_then(mean_of);
    // All requests per second at each time: the sum over series.
    let mut rate_at: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for series in throughput.iter().flat_map(|f| &f.series) {
        for sample in series.samples.iter().filter(inside) {
            rate_at
                .entry(sample.time_s.to_bits())
                .or_insert((sample.time_s, 0.0))
                .1 += sample.value;
        }
    }
    let mut rates: Vec<(f64, f64)> = rate_at.into_values().collect();
    rates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let all_rps =
        (!rates.is_empty()).then(|| rates.iter().map(|r| r.1).sum::<f64>() / rates.len() as f64);

    let mut figures = Figures {
        throughput_rps: all_rps.map(|rps| rps * (1.0 - error_rate.unwrap_or(0.0))),
        mean_ms: match &mean {
            Some((file, unit)) => mean_of(file.single("latency_mean")?).map(|m| m * unit.to_ms()),
            None => None,
        },
        error_rate,
        ..Figures::default()
    };
    if let Some((file, unit)) = &buckets {
        let window = bucket_totals(file, &inside)?;
        let at = |q: f64| {
            let x = histogram_quantile(q, &window) * unit.to_ms();
            x.is_finite().then_some(x)
        };
        figures.p50_ms = at(0.5);
        figures.p95_ms = at(0.95);
        figures.p99_ms = at(0.99);
    }

    let mut per_tier = BTreeMap::new();
    for (file, spec) in &utilization {
        for (index, series) in file.series.iter().enumerate() {
            let node = match (&spec.node, &spec.node_label) {
                (Some(node), _) if file.series.len() == 1 => node.clone(),
                (Some(_), _) => return Err(file.error_at_series(1, format!("`node` names one tier, but the file holds {} series (use `node_label`)", file.series.len()))),
                (None, Some(label)) => series.labels.get(label).cloned().ok_or_else(|| file.error_at_series(index, format!("series without a `{label}` label, which names the tier (its labels: {})", labels_text(&series.labels))))?,
                (None, None) => return Err(ObservedError::Mismatch(format!("{}: a `utilization` entry needs `node_label` or `node`", path.display()))),
            };
            if let Some(u) = mean_of(series) {
                per_tier.insert(node, u * spec.scale);
            }
        }
    }

    let span_s = rates.last().map_or(0.0, |r| r.0) - rates.first().map_or(0.0, |r| r.0);
    let load = if rates.len() >= 2 {
        let start = rates[0].0;
        // Each sample holds until the next; the last one for one more step.
        let step = rates[rates.len() - 1].0 - rates[rates.len() - 2].0;
        Load::Rates {
            points: rates.iter().map(|r| (r.0 - start, r.1)).collect(),
            span_s: span_s + step,
        }
    } else {
        Load::AsModelled
    };
    Ok(Observed {
        path: path.to_path_buf(),
        format: Format::Prometheus,
        figures,
        utilization: per_tier,
        tier_throughput_rps: BTreeMap::new(),
        load,
        window: format!(
            "samples from {:.0} s to {} after the first",
            from - t0,
            if to.is_finite() {
                format!("{:.0} s", to - t0)
            } else {
                "the end".into()
            }
        ),
    })
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
