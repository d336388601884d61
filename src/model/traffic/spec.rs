//! `traffic` as written in JSON: sources, arrival processes, request classes,
//! key laws and trace files. The doc comment on each field is the format
//! reference (docs/src/reference/topology/traffic.md repeats it with examples).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::calls::spec::ClientSpec;
use crate::model::shared::dist::DistSpec;
use crate::model::shared::unique;
use crate::model::shared::units::{Count, NonNegative, Positive};

/// `traffic`: one source written inline (`entry`, `arrivals`, `classes`,
/// `keys`), or several under `sources`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    /// The node every request of the inline source enters first.
    #[serde(default)]
    pub entry: Option<String>,
    /// The inline source's arrival process.
    #[serde(default)]
    pub arrivals: Option<ArrivalsSpec>,
    /// The inline source's request classes and their weights; absent means
    /// one class, `default`.
    #[serde(default, deserialize_with = "unique::map")]
    pub classes: BTreeMap<String, ClassSpec>,
    /// The inline source's key law (default: every request a distinct key).
    #[serde(default)]
    pub keys: Option<KeysSpec>,
    /// The inline source's client timeout, retries and breaker (default: none).
    #[serde(default)]
    pub client: Option<ClientSpec>,
    /// Several sources at once, by name (instead of the inline fields).
    #[serde(default, deserialize_with = "unique::map")]
    pub sources: BTreeMap<String, SourceSpec>,
}

/// One source of requests.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The node every request of this source enters first.
    pub entry: String,
    /// When requests arrive.
    pub arrivals: ArrivalsSpec,
    /// Request classes and their weights (for closed users: task weights);
    /// absent means one class, `default`. For a timestamp trace, the classes
    /// its `class` column may name (weights unused).
    #[serde(default, deserialize_with = "unique::map")]
    pub classes: BTreeMap<String, ClassSpec>,
    /// Key law (default: every request a distinct key).
    #[serde(default)]
    pub keys: Option<KeysSpec>,
    /// The clients' timeout, retries and circuit breaker (default: none).
    #[serde(default)]
    pub client: Option<ClientSpec>,
}

/// One request class.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassSpec {
    /// Relative share of requests (any positive scale; default 1).
    #[serde(default = "one")]
    pub weight: Positive,
    /// A request's size, KB (1,000 bytes), for the data a load balancer
    /// processes and the bytes that cross zones (default 0).
    #[serde(default)]
    pub request_kb: NonNegative,
    /// A successful answer's size, KB, for egress, CDN and load-balancer
    /// charges (default 0).
    #[serde(default)]
    pub response_kb: NonNegative,
}

fn one() -> Positive {
    Positive::try_from(1.0).expect("constant in range")
}

/// How requests arrive.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ArrivalsSpec {
    /// Open: exponential gaps between arrivals at `rate_rps`.
    Poisson {
        /// Mean arrival rate, requests per second.
        rate_rps: Positive,
    },
    /// Open: evenly spaced arrivals at `rate_rps`.
    Deterministic {
        /// Arrival rate, requests per second.
        rate_rps: Positive,
    },
    /// Open: a Poisson process whose rate follows a profile over time.
    Profile(ProfileSpec),
    /// Open: a two-state Markov-modulated Poisson process (calm and burst).
    Mmpp(MmppSpec),
    /// Open: batches of requests arriving together, batches as a Poisson process.
    Batch(BatchSpec),
    /// Closed: `users` each send a request, wait for its answer, think, repeat.
    Closed(ClosedSpec),
    /// Replay of a recorded trace file.
    Trace(TraceSpec),
}

/// A rate profile: points `[time_s, rate_rps]`, or a CSV file of them.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// `[time_s, rate_rps]` pairs, times increasing from 0.
    #[serde(default)]
    pub points: Vec<(NonNegative, NonNegative)>,
    /// A CSV file with columns `time_s` and `rate_rps` (instead of `points`),
    /// relative to the model file.
    #[serde(default)]
    pub file: Option<String>,
    /// Between points: `step` (hold until the next point, default) or `linear`.
    #[serde(default)]
    pub interpolation: Interpolation,
    /// Multiplies every rate (default 1): "the same day, 3× the traffic".
    #[serde(default = "one")]
    pub scale: Positive,
}

/// How a profile's rate moves between points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    /// The rate holds until the next point.
    #[default]
    Step,
    /// The rate changes linearly to the next point.
    Linear,
}

/// A two-state MMPP: the source alternates between calm and burst periods of
/// exponential length, with Poisson arrivals at each state's rate.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MmppSpec {
    /// Arrival rate while calm, requests per second.
    pub calm_rps: NonNegative,
    /// Arrival rate during a burst, requests per second.
    pub burst_rps: NonNegative,
    /// Mean length of a calm period, seconds.
    pub calm_mean_s: Positive,
    /// Mean length of a burst, seconds.
    pub burst_mean_s: Positive,
}

/// Batch arrivals: batches come as a Poisson process; each brings several requests at once.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSpec {
    /// Batches per second.
    pub batches_per_s: Positive,
    /// Requests per batch.
    pub size: BatchSizeSpec,
}

/// The number of requests in a batch.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BatchSizeSpec {
    /// Always `n`.
    Constant {
        /// Requests per batch.
        n: Count,
    },
    /// Uniform between `min` and `max` inclusive.
    Uniform {
        /// Fewest requests.
        min: Count,
        /// Most requests (≥ `min`).
        max: Count,
    },
    /// Geometric on 1, 2, … with this mean (≥ 1).
    Geometric {
        /// Mean requests per batch.
        mean: Positive,
    },
}

/// Closed load-test users, as Locust and k6 run them: each user sends a
/// request, waits for the answer, thinks, and sends the next.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClosedSpec {
    /// Number of users.
    pub users: Count,
    /// Think (wait) time between an answer and the next request.
    pub think: DistSpec,
    /// Users started per second until all run, each sending its first
    /// request when it starts (default: all at time 0).
    #[serde(default)]
    pub spawn_rate_per_s: Option<Positive>,
}

/// A recorded trace, streamed from a file.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TraceSpec {
    /// The file, relative to the model file.
    pub file: String,
    /// What the file holds.
    pub format: TraceFormat,
    /// Replay speed: 3 replays three times the recorded rate (default 1).
    #[serde(default = "one")]
    pub speed: Positive,
    /// Start of the replayed window, seconds after the trace's first timestamp (default 0).
    #[serde(default)]
    pub from_s: NonNegative,
    /// End of the replayed window, seconds after the trace's first timestamp (default: the end).
    #[serde(default)]
    pub to_s: Option<NonNegative>,
    /// Access logs, k6, JMeter and ALB files: rules mapping a request's
    /// method and path to a class, first match wins.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// The class of a request no rule matches (nor, in k6 and JMeter
    /// files, its name), or with no `class` column (default `default`).
    #[serde(default)]
    pub default_class: Option<String>,
}

/// The format of a trace file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceFormat {
    /// CSV with a header: `time_s`, and optionally `class` and `key`; one request per row.
    Timestamps,
    /// CSV with a header: `time_s`, `count`; requests per interval, placed at
    /// random within each interval (a Poisson process given the count).
    Counts,
    /// A web server access log in the common or combined log format (nginx, Apache).
    AccessLog,
    /// k6's `--out csv` results: each `http_req_duration` row a request,
    /// arriving at its end less its duration.
    K6Csv,
    /// k6's `--out json` results: each `http_req_duration` point a request.
    K6Json,
    /// JMeter's CSV results (`.jtl`): each sample a request, arriving at its `timeStamp`.
    Jmeter,
    /// An AWS Application Load Balancer access log (decompressed): each line
    /// a request, arriving at its `request_creation_time`.
    AlbLog,
}

/// An access-log rule: requests whose path matches go to `class`.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Matches paths starting with this.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Matches paths matching this regular expression.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Matches only this HTTP method (default: any).
    #[serde(default)]
    pub method: Option<String>,
    /// The class of matching requests.
    pub class: String,
}

/// Which key each request carries: caches and shards use it.
#[derive(Clone, Debug, Deserialize, JsonSchema, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KeysSpec {
    /// Uniform over `n` keys.
    Uniform {
        /// Number of distinct keys.
        n: Count,
    },
    /// Zipf: key k (1..n) with probability ∝ 1 / k^s.
    Zipf {
        /// Exponent, ≥ 0 (0 is uniform).
        s: NonNegative,
        /// Number of distinct keys.
        n: Count,
    },
}
