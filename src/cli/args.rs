//! Arguments as the user writes them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, as every command's `--help` ends (the values of
/// `EXIT_BAD_INPUT`, `EXIT_UNSTABLE`, `EXIT_OUT_OF_TOLERANCE` in `cli`;
/// clap's own argument errors exit with 2 too).
const EXITS_ALL: &str = "Exit codes: 0 success, 2 bad input (arguments, model or data files), 3 unstable (run, check, analyze, compare: the load exceeds capacity), 4 a figure outside `compare --tolerance`";
const EXITS_UNSTABLE: &str = "Exit codes: 0 success, 2 bad input (arguments, model or data files), 3 unstable (the load exceeds capacity)";
const EXITS_PLAIN: &str = "Exit codes: 0 success, 2 bad input (arguments or files)";
const EXITS_SWEEP: &str = "Exit codes: 0 success, 2 bad input (arguments, experiment or models); an unstable point is a row (`stable` false), not an exit code";
const EXITS_COMPARE: &str = "Exit codes: 0 success, 2 bad input (arguments, model or observed files), 3 the prediction went unstable, 4 a figure outside `--tolerance` (checked first)";

/// Predicts latency, utilization, errors and cost of a web system by simulating its topology.
#[derive(Debug, Parser)]
#[command(name = "capsim", version, about, after_help = EXITS_ALL)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a model and print latency, utilization and cost.
    #[command(after_help = EXITS_UNSTABLE)]
    Run(RunArgs),
    /// Validate a model, reporting every problem, and estimate its offered load.
    #[command(after_help = EXITS_UNSTABLE)]
    Check(CheckArgs),
    /// Estimate a model by queueing theory (Erlang C, M/G/c, Jackson, MVA, Che), optionally beside a simulation.
    #[command(after_help = EXITS_UNSTABLE)]
    Analyze(AnalyzeArgs),
    /// List the instance types (built in, or merged with your catalog file) with their prices, sources and dates.
    #[command(after_help = EXITS_PLAIN)]
    InstanceTypes(InstanceTypesArgs),
    /// Run an experiment: every point of its axes' grid, replicated, in parallel; one CSV row per point.
    #[command(after_help = EXITS_SWEEP)]
    Sweep(SweepArgs),
    /// Merge the CSVs of a sweep's shards into the CSV one run would have written.
    #[command(after_help = EXITS_PLAIN)]
    Merge(MergeArgs),
    /// Simulate a model loaded like a real system and print predicted against observed metrics.
    #[command(after_help = EXITS_COMPARE)]
    Compare(CompareArgs),
    /// Set each tier's service time from observed metrics and write the calibrated model.
    #[command(after_help = EXITS_PLAIN)]
    Calibrate(CalibrateArgs),
    /// Write a Locust or k6 load-test script whose traffic is the model's.
    #[command(after_help = EXITS_PLAIN)]
    Loadtest(LoadtestArgs),
    /// Draw a sweep's or a run's results as PNG or SVG.
    #[command(subcommand, after_help = EXITS_PLAIN)]
    Plot(PlotCommand),
    /// Print the JSON Schema of model files (default) or experiment files, for editors and validators.
    #[command(after_help = EXITS_PLAIN)]
    Schema {
        /// Which files' schema.
        #[arg(value_enum, default_value_t = SchemaKind::Model)]
        of: SchemaKind,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    #[command(after_help = EXITS_PLAIN)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write a page per command into a folder.
    #[command(after_help = EXITS_PLAIN)]
    Man {
        /// Write capsim.1 and capsim-<command>.1 for every command into this (existing) folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

impl Command {
    /// The `--threads` of a command that simulates.
    pub fn threads(&self) -> Option<u16> {
        match self {
            Command::Run(args) => args.threads.threads,
            Command::Sweep(args) => args.threads.threads,
            Command::Compare(args) => args.common.threads.threads,
            Command::Calibrate(args) => args.common.threads.threads,
            _ => None,
        }
    }
}

/// The files `capsim schema` describes.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SchemaKind {
    /// Model files (`models/*.json`, `*.yaml`).
    Model,
    /// Experiment files (`experiments/*.json`, `*.yaml`).
    Experiment,
}

#[derive(Debug, Subcommand)]
pub enum PlotCommand {
    /// Figures of a sweep against one axis, with 95% confidence bands.
    Lines {
        /// The sweep's CSV.
        csv: PathBuf,
        /// The axis column for x.
        #[arg(long)]
        x: String,
        /// Figures to plot, comma-separated (each with its `_hw` column).
        #[arg(long, default_value = "p50_ms,p95_ms,p99_ms", value_delimiter = ',')]
        y: Vec<String>,
        /// One line per value of this column.
        #[arg(long)]
        group: Option<String>,
        #[command(flatten)]
        from: SweepSource,
        /// Title.
        #[arg(long, default_value = "")]
        title: String,
        /// The picture (.png or .svg).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Cost against p99 for every point, with the Pareto frontier and an SLO line.
    Pareto {
        /// The sweep's CSV.
        csv: PathBuf,
        /// Columns that label each point, comma-separated (default: the axes).
        #[arg(long, value_delimiter = ',')]
        label: Vec<String>,
        /// Draw the SLO's p99 limit, ms.
        #[arg(long)]
        slo_p99_ms: Option<f64>,
        #[command(flatten)]
        from: SweepSource,
        /// Title.
        #[arg(long, default_value = "")]
        title: String,
        /// The picture (.png or .svg).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Configurations side by side (scale up against out): p50, p99, utilization and cost.
    Compare {
        /// The sweep's CSV.
        csv: PathBuf,
        /// Columns that name each configuration, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        label: Vec<String>,
        /// Keep only rows where COLUMN=VALUE (e.g. one load level).
        #[arg(long = "where", value_name = "COLUMN=VALUE")]
        filter: Option<String>,
        #[command(flatten)]
        from: SweepSource,
        /// Title.
        #[arg(long, default_value = "")]
        title: String,
        /// The picture (.png or .svg).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// One figure over two axes of a sweep, as a heat map.
    Heatmap {
        /// The sweep's CSV.
        csv: PathBuf,
        /// The axis column across.
        #[arg(long)]
        x: String,
        /// The axis column up.
        #[arg(long)]
        y: String,
        /// The figure in the cells.
        #[arg(long, default_value = "p99_ms")]
        z: String,
        #[command(flatten)]
        from: SweepSource,
        /// Title.
        #[arg(long, default_value = "")]
        title: String,
        /// The picture (.png or .svg).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// A run's `--series` CSV: rates, latency, utilization and instances over time.
    Series {
        /// The series CSV.
        csv: PathBuf,
        /// The model run: the title is its name.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// Draw this replication only (0-based), not the mean over all with its band.
        #[arg(long, value_name = "N")]
        replication: Option<u32>,
        /// Latency on a linear axis (default: logarithmic).
        #[arg(long)]
        linear: bool,
        /// Title (default: the model's name).
        #[arg(long, default_value = "")]
        title: String,
        /// The picture (.png or .svg).
        #[arg(short, long)]
        out: PathBuf,
    },
}

/// Where a sweep's CSV came from.
#[derive(Debug, Args)]
pub struct SweepSource {
    /// The experiment run: titles from its name, axes named by their `label`s.
    #[arg(long, value_name = "FILE")]
    pub experiment: Option<PathBuf>,
}

/// How many threads simulate at once.
#[derive(Debug, Args)]
pub struct ThreadsArg {
    /// Threads that run replications and points in parallel (default: the
    /// `RAYON_NUM_THREADS` environment variable, else one per CPU). The
    /// results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The experiment (JSON: a base model and axes).
    pub experiment: PathBuf,
    /// The CSV to write (default: `out/<experiment name>.csv`, creating `out/`);
    /// its histograms go beside it (`.histograms.jsonl`).
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Run only part i of N (points whose index is i − 1 modulo N), e.g. `--shard 2/3`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// `--shard` with i counted from 0 (0 ≤ i < N), as Kubernetes' `JOB_COMPLETION_INDEX`:
    /// `--shard0 1/3` is `--shard 2/3`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard0, conflicts_with = "shard")]
    pub shard0: Option<(usize, usize)>,
    /// Mark the points that meet this objective and name the cheapest, e.g.
    /// `p99<200ms, errors<1%, util 50-70%, cost<$2/h, checkout.p99<300ms`.
    #[arg(long)]
    pub slo: Option<String>,
    /// Start over, ignoring the points a previous, interrupted run finished.
    #[arg(long)]
    pub fresh: bool,
    /// Instead of running every point: with one (monotone) axis, bisect for the first level
    /// that meets the objective; with several, search for the cheapest design meeting it in
    /// every scenario (racing replications, inferring from axes declared `monotone`).
    #[arg(long)]
    pub search: bool,
    /// Write one self-contained HTML page of the sweep (curves, Pareto frontier, heat map).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub threads: ThreadsArg,
}

impl SweepArgs {
    /// The part to run, counted from 1, whichever option gave it.
    pub fn shard(&self) -> Option<(usize, usize)> {
        self.shard.or(self.shard0.map(|(i, n)| (i + 1, n)))
    }
}

/// `--shard0`'s I/N, as the (0-based) index and the count.
fn parse_shard0(text: &str) -> Result<(usize, usize), String> {
    index_over_count(text)
        .filter(|&(i, n)| i < n)
        .ok_or_else(|| format!("expected I/N with 0 ≤ I < N, e.g. 1/3, got `{text}`"))
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    index_over_count(text)
        .filter(|&(i, n)| i != 0 && i <= n)
        .ok_or_else(|| format!("expected I/N with 1 ≤ I ≤ N, e.g. 2/3, got `{text}`"))
}

/// Two whole numbers, as `I/N`.
fn index_over_count(text: &str) -> Option<(usize, usize)> {
    let (i, n) = text.split_once('/')?;
    Some((i.parse().ok()?, n.parse().ok()?))
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' CSVs.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// The merged CSV (its histograms go beside it).
    #[arg(short, long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The model (JSON topology).
    pub model: PathBuf,
    /// Override the model's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Independent replications (at most 10000); with 2 or more, figures carry 95% confidence intervals.
    #[arg(long, default_value_t = 1, value_parser = replications)]
    pub replications: u32,
    /// Write the complete result (summary, every run, histograms) to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a time series to this CSV file: one row per window and replication
    /// (rates, latency percentiles, requests in flight, pool utilization), warm-up included.
    #[arg(long, value_name = "FILE")]
    pub series: Option<PathBuf>,
    /// Length of a `--series` window, seconds.
    // Negative numbers are let through to `positive_seconds`, which says what is wrong.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 10.0,
        value_parser = positive_seconds,
        allow_negative_numbers = true,
        requires = "series"
    )]
    pub series_window: f64,
    /// The `--series` file's format: `csv` (a row per window), or `openmetrics` (text with
    /// timestamps from `--start`, for `promtool tsdb create-blocks-from openmetrics`).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = SeriesFormat::Csv, requires = "series")]
    pub series_format: SeriesFormat,
    /// With `--series-format openmetrics`: the moment of the run's t = 0, in RFC 3339 UTC
    /// (`2026-12-01T09:00:00Z`) or seconds since 1970 [default: now].
    #[arg(long, value_name = "TIME", value_parser = start_time, requires = "series")]
    pub start: Option<f64>,
    /// Write every autoscaling decision (time, metric, current, desired, rule, reason) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// Write a report to this HTML file: one page that opens offline (topology, latency,
    /// nodes, time series (in `--series-window` windows with `--series`, else about 150 over the run),
    /// autoscaling decisions, warnings).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Skip malformed or out-of-order trace lines (and report how many) instead of failing.
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// Run replications until every end-to-end figure's 95% half-width is at most this:
    /// `5%` (of its mean) or `2ms` (the latency figures); from --replications (at least 2),
    /// doubling, up to --max-replications.
    #[arg(long, value_name = "HALF-WIDTH", value_parser = precision)]
    pub precision: Option<capsim::precision::Precision>,
    /// Replace the model's `warmup_s` by one detected automatically: `mser5`, MSER-5 on a
    /// pilot run's requests in flight (printed before the run).
    #[arg(long, value_enum, value_name = "METHOD")]
    pub warmup: Option<WarmupMethod>,
    /// The most replications --precision may run.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = replications, requires = "precision")]
    pub max_replications: u32,
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// `--precision`'s half-width.
fn precision(text: &str) -> Result<capsim::precision::Precision, String> {
    capsim::precision::Precision::parse(text)
}

/// A number of replications, 1 to `capsim::MAX_REPLICATIONS`.
fn replications(text: &str) -> Result<u32, String> {
    let most = capsim::MAX_REPLICATIONS;
    match text.parse::<u64>() {
        Ok(n) if (1..=u64::from(most)).contains(&n) => Ok(n as u32),
        _ => Err(format!(
            "expected a whole number from 1 to {most}, got `{text}`"
        )),
    }
}

/// A positive, finite number of seconds.
/// `--warmup`'s method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WarmupMethod {
    // MSER-5: truncate the batches of 5 windows that minimise the standard error of the rest.
    Mser5,
}

/// The format of `--series`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SeriesFormat {
    Csv,
    Openmetrics,
}

/// `--start`: RFC 3339 in UTC, or seconds since 1970 (at most the year 9999).
fn start_time(text: &str) -> Result<f64, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        return if seconds.is_finite() && (0.0..253_402_300_800.0).contains(&seconds) {
            Ok(seconds)
        } else {
            Err(format!(
                "expected seconds since 1970 from 0 to 253402300799 (the year 9999), found `{text}`"
            ))
        };
    }
    let at = humantime::parse_rfc3339(text).map_err(|_| {
        format!("expected a time such as 2026-12-01T09:00:00Z (UTC) or seconds since 1970, found `{text}`")
    })?;
    let since = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| format!("expected a time from 1970 on, found `{text}`"))?;
    Ok(since.as_secs_f64())
}

fn positive_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if seconds.is_finite() && seconds > 0.0 {
        Ok(seconds)
    } else {
        Err(format!(
            "expected a positive number of seconds, found `{text}`"
        ))
    }
}

#[derive(Debug, Args)]
pub struct InstanceTypesArgs {
    /// A catalog file of your own (the built-in format) whose entries override the built-in ones by name and add new ones.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LoadtestArgs {
    /// The model (JSON or YAML topology).
    pub model: PathBuf,
    /// The load-test tool.
    #[arg(long, value_enum)]
    pub to: LoadTool,
    /// Write the script here (default: standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Base URL the requests go to (Locust's `--host` and k6's `BASE_URL` override it).
    #[arg(long, default_value = "http://localhost:8080")]
    pub host: String,
}

/// The load-test tools `capsim loadtest` writes for.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LoadTool {
    // A Python locustfile.
    Locust,
    // A k6 JavaScript module.
    K6,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The model (JSON topology).
    pub model: PathBuf,
    /// Skip malformed or out-of-order trace lines (and report how many) instead of failing.
    #[arg(long)]
    pub skip_bad_lines: bool,
}

/// The format of observed metrics, as the user names it. The variants'
/// comments are `//`, not `///`: clap would show documented values in the
/// long help layout, unlike every other command's.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ObservedFormat {
    // Locust's `*_stats.csv` or `*_stats_history.csv`.
    Locust,
    // A JSON config naming Prometheus range-query responses per figure.
    Prometheus,
    // The long CSV `time_s,metric,value,labels`.
    Csv,
    // k6's `--out csv`, `--out json`, or its end-of-test summary JSON.
    K6,
    // A JMeter results file (CSV `.jtl`).
    Jmeter,
    // A JSON config naming `aws cloudwatch get-metric-data` results per figure.
    Cloudwatch,
    // An nginx access log whose `log_format` adds `$request_time`.
    Nginx,
    // An AWS Application Load Balancer access log.
    Alb,
}

impl From<ObservedFormat> for capsim::observed::Format {
    fn from(format: ObservedFormat) -> Self {
        match format {
            ObservedFormat::Locust => capsim::observed::Format::Locust,
            ObservedFormat::Prometheus => capsim::observed::Format::Prometheus,
            ObservedFormat::Csv => capsim::observed::Format::Csv,
            ObservedFormat::K6 => capsim::observed::Format::K6,
            ObservedFormat::Jmeter => capsim::observed::Format::Jmeter,
            ObservedFormat::Cloudwatch => capsim::observed::Format::Cloudwatch,
            ObservedFormat::Nginx => capsim::observed::Format::Nginx,
            ObservedFormat::Alb => capsim::observed::Format::Alb,
        }
    }
}

/// What `compare` and `calibrate` share: the model, the observations, the simulation.
#[derive(Debug, Args)]
pub struct ObservedArgs {
    /// The model (JSON topology).
    pub model: PathBuf,
    /// The observed metrics: a Locust CSV, a Prometheus or CloudWatch config, a long CSV, k6 or
    /// JMeter results, or an nginx or ALB access log with timings.
    #[arg(long, value_name = "FILE")]
    pub observed: PathBuf,
    /// The observed file's format: `locust` (`*_stats.csv`, `*_stats_history.csv`), `prometheus`
    /// (a JSON config naming range-query responses), `csv` (the long CSV), `k6` (`--out csv`,
    /// `--out json`, summary JSON), `jmeter` (a CSV `.jtl`), `cloudwatch` (a JSON config naming
    /// `get-metric-data` results), `nginx` (an access log with `$request_time`), `alb` (an ALB
    /// access log); default: guessed from its name and first line.
    #[arg(long, value_enum)]
    pub format: Option<ObservedFormat>,
    /// Compare from this many seconds after the observed file's first row or sample (every
    /// format; default: when a load test's full population starts, else the first row).
    #[arg(long, value_name = "SECONDS", value_parser = non_negative)]
    pub from_s: Option<f64>,
    /// Compare up to this many seconds after the first row or sample (default: the last row at
    /// a load test's full population, else the last row).
    #[arg(long, value_name = "SECONDS", value_parser = non_negative)]
    pub to_s: Option<f64>,
    /// Override the model's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Independent replications (at most 10000); with 2 or more, predictions carry 95% confidence intervals.
    #[arg(long, default_value_t = 1, value_parser = replications)]
    pub replications: u32,
    #[command(flatten)]
    pub threads: ThreadsArg,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub common: ObservedArgs,
    /// Exit with code 4 if a figure's relative error exceeds PCT percent
    /// (the error rate: `--error-tolerance-pp`).
    #[arg(long, value_name = "PCT", value_parser = non_negative)]
    pub tolerance: Option<f64>,
    /// With `--tolerance`: the largest difference of the error rate, in percentage points.
    #[arg(long, value_name = "PP", default_value_t = 1.0, value_parser = non_negative)]
    pub error_tolerance_pp: f64,
    /// Write the comparison to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write one self-contained HTML page of the comparison.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub common: ObservedArgs,
    /// The calibrated model to write.
    #[arg(short, long, value_name = "FILE")]
    pub out: PathBuf,
    /// Write the calibration (tiers, figures before and after) to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// A finite number ≥ 0.
fn non_negative(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("expected a number ≥ 0, found `{text}`")),
    }
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The model (JSON topology).
    pub model: PathBuf,
    /// Also simulate the model and print theory and simulation side by side.
    #[arg(long)]
    pub simulate: bool,
    /// Override the model's seed (with `--simulate`).
    #[arg(long, requires = "simulate")]
    pub seed: Option<u64>,
    /// Independent replications of the simulation (with `--simulate`; at most 10000).
    #[arg(long, default_value_t = 1, value_parser = replications, requires = "simulate")]
    pub replications: u32,
    /// Write the analysis (and the simulation beside it) to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<std::path::PathBuf>,
    /// Skip malformed or out-of-order trace lines (and report how many) instead of failing.
    #[arg(long)]
    pub skip_bad_lines: bool,
}
