//! A load-test script whose traffic is the model's: `capsim loadtest MODEL
//! --to locust|k6`. The model's sources become a plan (open rates with their
//! profile, or closed users with their think law; classes with their shares
//! and HTTP requests), and the plan becomes a locustfile (`locust.rs`) or a
//! k6 script (`k6.rs`).
//!
//! ```text
//!  Model ──► plan() ──► Vec<Scenario> ──► locust::render ──► locustfile.py
//!                                    └──► k6::render     ──► script.js
//! ```
//!
//! **Invariants:** pure text generation: no I/O, no randomness (the scripts
//! draw their own). A traffic feature a script cannot reproduce is an error
//! naming its JSON path; one it reproduces only approximately is a `note`,
//! never a silently different script.

mod k6;
mod locust;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::model::dist::DistSpec;
use crate::model::spec::Topology;
use crate::model::{Arrivals, Diagnostic, Model, Source};

/// The load-test tool a script is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// A Python locustfile (`locust -f FILE`).
    Locust,
    /// A k6 JavaScript module (`k6 run FILE`).
    K6,
}

/// A generated script and what it could only approximate.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// The script's text.
    pub text: String,
    /// `path: what differs` lines, for the user (also written in the script).
    pub notes: Vec<String>,
}

/// Traffic the chosen tool cannot reproduce: every problem, each at its JSON
/// path. Fatal: no script is written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadtestError(pub Vec<Diagnostic>);

impl fmt::Display for LoadtestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

/// Writes the script of `model`'s traffic for `tool`, its requests sent to
/// `host` (a base URL; Locust's `--host` and k6's `BASE_URL` override it).
pub fn script(
    model: &Model,
    topology: &Topology,
    tool: Tool,
    host: &str,
) -> Result<Script, LoadtestError> {
    let mut notes = Vec::new();
    let scenarios = plan(model, topology, tool, &mut notes)?;
    let header = Header {
        model: &model.name,
        duration_s: model.duration_s,
        warmup_s: model.warmup_s,
        host,
        notes: &notes,
    };
    let text = match tool {
        Tool::Locust => locust::render(&header, &scenarios),
        Tool::K6 => k6::render(&header, &scenarios),
    };
    Ok(Script { text, notes })
}

/// What every script says at its top.
struct Header<'a> {
    model: &'a str,
    duration_s: f64,
    warmup_s: f64,
    host: &'a str,
    notes: &'a [String],
}

/// One source, as a load test runs it.
#[derive(Clone, Debug, PartialEq)]
struct Scenario {
    /// `source_` and the source's name, as an identifier of both languages
    /// (the prefix keeps it apart from the script's own names).
    ident: String,
    /// Its JSON path, for comments.
    path: String,
    /// Its requests, with their shares (summing to 1).
    requests: Vec<HttpRequest>,
    load: Load,
}

/// One class's request.
#[derive(Clone, Debug, PartialEq)]
struct HttpRequest {
    /// The class: the request's name in the tool's statistics, so `capsim
    /// compare` matches it to the model's class.
    class: String,
    share: f64,
    method: &'static str,
    path: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Load {
    /// Users who send, wait for the answer, think, and send again.
    Closed {
        users: u32,
        think: Think,
        spawn_rate_per_s: Option<f64>,
    },
    /// Arrivals at a rate, whatever the answers do.
    Open { rate: Rate, poisson: bool },
}

/// A think time, seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Think {
    Constant(f64),
    Uniform(f64, f64),
    Exponential(f64),
}

/// An open rate, requests per second.
#[derive(Clone, Debug, PartialEq)]
enum Rate {
    Constant(f64),
    /// `(time_s, rate_rps)` from 0, linear between points or a step; the
    /// last rate holds.
    Profile {
        points: Vec<(f64, f64)>,
        linear: bool,
    },
}

impl Rate {
    /// The highest rate reached in the test.
    fn peak_rps(&self) -> f64 {
        match self {
            Rate::Constant(rate) => *rate,
            Rate::Profile { points, .. } => points.iter().map(|p| p.1).fold(0.0, f64::max),
        }
    }
}

/// The scenarios of every source; every problem is collected.
fn plan(
    model: &Model,
    topology: &Topology,
    tool: Tool,
    notes: &mut Vec<String>,
) -> Result<Vec<Scenario>, LoadtestError> {
    let mut problems = Vec::new();
    let mut scenarios = Vec::new();
    let inline = topology.traffic.sources.is_empty();
    for source in &model.sources {
        let path = if inline {
            "traffic".to_string()
        } else {
            format!("traffic.sources.{}", source.name)
        };
        if let Some(load) = load(source, &path, tool, &mut problems, notes) {
            scenarios.push(Scenario {
                ident: identifier(&format!("source_{}", source.name)),
                path: path.clone(),
                requests: requests(model, source),
                load,
            });
        }
        if source.client_site.is_some() {
            notes.push(format!(
                "{path}.client: the script sets no client timeout, retries or breaker: the tool's defaults apply"
            ));
        }
        if !matches!(source.keys, crate::model::Keys::Distinct) {
            notes.push(format!(
                "{path}.keys: every request of a class has the same path: the model's keys are not sent"
            ));
        }
    }
    if problems.is_empty() {
        Ok(scenarios)
    } else {
        Err(LoadtestError(problems))
    }
}

/// The load of one source, or a problem at its path.
// Long because it is one match arm per arrival process, each short.
fn load(
    source: &Source,
    path: &str,
    tool: Tool,
    problems: &mut Vec<Diagnostic>,
    notes: &mut Vec<String>,
) -> Option<Load> {
    let at = |field: &str| format!("{path}.arrivals.{field}");
    let unsupported = |field: &str, what: &str| {
        Diagnostic::new(
            at(field),
            format!(
                "{what}: a load-test script has open rates (`poisson`, `deterministic`, `profile`) or `closed` users; expected one of those"
            ),
        )
    };
    let even_starts = |field: &str| {
        format!(
            "{}: k6 starts arrival-rate iterations evenly spaced, not as a Poisson process: the script has the model's rate but not its burstiness (write `deterministic` arrivals in the model to compare like with like)",
            at(field)
        )
    };
    match &source.arrivals {
        Arrivals::Poisson { rate_rps } => {
            if tool == Tool::K6 {
                notes.push(even_starts("poisson"));
            }
            Some(Load::Open {
                rate: Rate::Constant(*rate_rps),
                poisson: true,
            })
        }
        Arrivals::Deterministic { rate_rps } => Some(Load::Open {
            rate: Rate::Constant(*rate_rps),
            poisson: false,
        }),
        Arrivals::Profile(profile) => {
            if tool == Tool::K6 {
                notes.push(even_starts("profile"));
            }
            Some(Load::Open {
                rate: Rate::Profile {
                    points: profile.points.clone(),
                    linear: profile.linear,
                },
                poisson: true,
            })
        }
        Arrivals::Mmpp(_) => {
            problems.push(unsupported("mmpp", "Markov-modulated arrivals"));
            None
        }
        Arrivals::Batch { .. } => {
            problems.push(unsupported(
                "batch",
                "batch arrivals (requests at one instant)",
            ));
            None
        }
        Arrivals::Trace(_) => {
            problems.push(unsupported(
                "trace",
                "a trace's replay (replay the recording itself, or write its rate as a `profile`)",
            ));
            None
        }
        Arrivals::Closed {
            users,
            think,
            spawn_rate_per_s,
        } => {
            let think = match think {
                DistSpec::Constant { ms } => Think::Constant(ms.get() / 1e3),
                DistSpec::Uniform { min_ms, max_ms } => {
                    Think::Uniform(min_ms.get() / 1e3, max_ms.get() / 1e3)
                }
                DistSpec::Exponential { mean_ms } => Think::Exponential(mean_ms.get() / 1e3),
                other => {
                    problems.push(Diagnostic::new(
                        at("closed.think"),
                        format!(
                            "a {} think time: the scripts draw `constant`, `uniform` or `exponential` think times; expected one of those",
                            law_name(other)
                        ),
                    ));
                    return None;
                }
            };
            Some(Load::Closed {
                users: *users,
                think,
                spawn_rate_per_s: *spawn_rate_per_s,
            })
        }
    }
}

/// A law's name as written in JSON.
fn law_name(dist: &DistSpec) -> String {
    serde_json::to_value(dist)
        .ok()
        .and_then(|value| value.as_object()?.keys().next().cloned())
        .unwrap_or_else(|| "other".into())
}

/// Each class of `source` with its share. The model has no HTTP requests:
/// a class's request is `GET /<class>`, written to be edited.
fn requests(model: &Model, source: &Source) -> Vec<HttpRequest> {
    source
        .mix
        .iter()
        .map(|&(class, share)| {
            let name = &model.classes[usize::from(class.0)].name;
            HttpRequest {
                class: name.clone(),
                share,
                method: "GET",
                path: format!("/{name}"),
            }
        })
        .collect()
}

/// Small integer weights in the ratio of `shares` (Locust's `@task(n)` takes
/// integers), with the largest relative error any share suffers: exact for
/// ratios of integers up to 1000, else rounded at 1000.
fn integer_weights(shares: &[f64]) -> (Vec<u32>, f64) {
    let smallest = shares.iter().copied().fold(f64::INFINITY, f64::min);
    let rounded = |scale: f64| -> Vec<u32> {
        shares
            .iter()
            .map(|s| (s / smallest * scale).round().max(1.0) as u32)
            .collect()
    };
    let error = |weights: &[u32]| {
        let total: u32 = weights.iter().sum();
        shares
            .iter()
            .zip(weights)
            .map(|(s, &w)| (f64::from(w) / f64::from(total) - s).abs() / s)
            .fold(0.0, f64::max)
    };
    for scale in 1..=1000 {
        let weights = rounded(f64::from(scale));
        let err = error(&weights);
        if err < 1e-9 {
            return (weights, err);
        }
    }
    let weights = rounded(1000.0);
    let err = error(&weights);
    (weights, err)
}

/// `name` as an identifier of Python and JavaScript: letters, digits and
/// `_`, not starting with a digit.
fn identifier(name: &str) -> String {
    let mut ident: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    ident
}

/// `text` as a double-quoted string literal, valid in Python and JavaScript.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// A number as both languages read it: shortest round-trip decimal, no exponent.
fn num(x: f64) -> String {
    format!("{x}")
}
