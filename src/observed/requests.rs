//! Observations made of single requests (k6 and JMeter results, access
//! logs with timings), reduced to one [`Observed`] in two streamed passes:
//!
//! 1. the time line: requests and users in each second, from which the
//!    window is chosen (`--from-s/--to-s`, else the seconds at the largest
//!    user count, else every second);
//! 2. the figures over the window: throughput, error rate, and the mean and
//!    percentiles of successful requests' latencies, end to end and per
//!    class (a k6 `name` tag, a JMeter label), each with its noise.
//!
//! Memory grows with the seconds the file spans and its classes, never with
//! its requests. Requests need not come in time order (JMeter writes a row
//! when a sample ends, and samples of many threads end out of order).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use super::error::ObservedError;
use super::input::Input;
use super::latencies::Latencies;
use super::noise::FigureNoise;
use super::window::full_population;
use super::{Figures, Format, Load, Observed, Window};

/// One thing a per-request file records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Recorded<'a> {
    /// A request: when it ended (seconds since 1970: throughput counts
    /// completions, and k6, nginx and ALBs stamp a request with its end),
    /// how long it took
    /// (ms; `None` if the file has no time for it, as a load balancer's
    /// request no target answered), whether it failed, and its class.
    Request {
        at_s: f64,
        latency_ms: Option<f64>,
        failed: bool,
        class: Option<&'a str>,
    },
    /// Users (virtual users, threads) running at a time.
    Users { at_s: f64, users: u32 },
}

/// A reader of one format: calls `visit` for each thing recorded, in file
/// order; an error names the file, the line and the column.
pub type ReadFn =
    fn(&Path, &mut dyn BufRead, &mut dyn FnMut(Recorded<'_>)) -> Result<(), ObservedError>;

/// Classes beyond this many (names of URLs with ids in them, say) are not
/// kept apart: their requests count end to end only.
pub const MAX_CLASSES: usize = 200;

/// The figures of a per-request file over `window`; `what` says what the
/// file should hold, for the message about one that holds none.
pub fn reduce(
    input: Input<'_>,
    format: Format,
    read: ReadFn,
    window: Window,
    what: &str,
) -> Result<Observed, ObservedError> {
    let path = input.path();
    let timeline = Timeline::read(input, read)?;
    let Some(first) = timeline.first_second() else {
        return Err(ObservedError::Nothing {
            path: path.to_path_buf(),
            message: format!("no requests in the file: expected {what}"),
        });
    };
    let span = timeline.span(path, window)?;
    let mut tallies = Tallies::default();
    read(path, &mut *input.open()?, &mut |recorded| {
        tallies.count(recorded, first, &span)
    })?;
    let span_s = span.to - span.from;
    let mut notes = Vec::new();
    if tallies.classes_dropped {
        notes.push(format!(
            "more than {MAX_CLASSES} request names: figures per class for the first {MAX_CLASSES} only"
        ));
    }
    Ok(Observed {
        path: path.to_path_buf(),
        format,
        figures: tallies.all.figures(span_s),
        classes: tallies
            .classes
            .iter_mut()
            .map(|(name, tally)| (name.clone(), tally.figures(span_s)))
            .collect(),
        utilization: BTreeMap::new(),
        tier_throughput_rps: BTreeMap::new(),
        load: match tallies.users {
            Some(users) if users > 0 => Load::Users(users),
            _ => timeline.rates(&span),
        },
        window: span.describe(),
        notes,
    })
}

/// Requests and users in each second, by whole seconds since 1970.
#[derive(Default)]
struct Timeline {
    seconds: BTreeMap<i64, Second>,
}

#[derive(Clone, Copy, Default)]
struct Second {
    requests: u64,
    /// The most users seen in the second, if any were.
    users: Option<u32>,
}

/// The seconds compared: `from..to`, seconds after the first second.
struct Span {
    from: f64,
    to: f64,
    /// Why these: asked for, or the users there.
    chosen: Chosen,
}

enum Chosen {
    Asked,
    FullPopulation(u32),
    Everything,
}

impl Timeline {
    fn read(input: Input<'_>, read: ReadFn) -> Result<Timeline, ObservedError> {
        let mut timeline = Timeline::default();
        read(input.path(), &mut *input.open()?, &mut |recorded| {
            let (at_s, users) = match recorded {
                Recorded::Request { at_s, .. } => (at_s, None),
                Recorded::Users { at_s, users } => (at_s, Some(users)),
            };
            let second = timeline.seconds.entry(at_s.floor() as i64).or_default();
            match users {
                None => second.requests += 1,
                Some(n) => second.users = Some(second.users.map_or(n, |m| m.max(n))),
            }
        })?;
        // Users alone (a test whose requests all failed before being
        // timed is still a file of requests) are not requests.
        if timeline.seconds.values().all(|s| s.requests == 0) {
            timeline.seconds.clear();
        }
        Ok(timeline)
    }

    fn first_second(&self) -> Option<i64> {
        self.seconds.keys().next().copied()
    }

    /// Seconds after the first of the last second with anything in it, + 1.
    fn length_s(&self) -> f64 {
        match (self.seconds.keys().next(), self.seconds.keys().next_back()) {
            (Some(first), Some(last)) => (last - first + 1) as f64,
            _ => 0.0,
        }
    }

    /// The seconds to compare: `window` if given, else those at the most
    /// users (a load test's ramp-up and ramp-down cut off), else all.
    fn span(&self, path: &Path, window: Window) -> Result<Span, ObservedError> {
        let first = self.first_second().unwrap_or(0);
        let length = self.length_s();
        if window.is_set() {
            let from = window.from_s.unwrap_or(0.0);
            let to = window.to_s.unwrap_or(length).min(length);
            let inside = self.seconds.iter().any(|(&s, second)| {
                let at = (s - first) as f64;
                second.requests > 0 && at + 1.0 > from && at < to
            });
            if !inside || from >= to {
                return Err(ObservedError::Nothing {
                    path: path.to_path_buf(),
                    message: format!(
                        "no request in the window {} after the first second (the requests span 0–{length} s)",
                        window.describe()
                    ),
                });
            }
            return Ok(Span {
                from,
                to,
                chosen: Chosen::Asked,
            });
        }
        let users: Vec<(f64, u32)> = self
            .seconds
            .iter()
            .filter_map(|(&s, second)| Some(((s - first) as f64, second.users?)))
            .collect();
        if users.is_empty() || users.iter().all(|u| u.1 == 0) {
            return Ok(Span {
                from: 0.0,
                to: length,
                chosen: Chosen::Everything,
            });
        }
        let times: Vec<f64> = users.iter().map(|u| u.0).collect();
        let counts: Vec<u32> = users.iter().map(|u| u.1).collect();
        // Per-request times need no settling: only the ramp is cut.
        let (from, to, _) = full_population(&times, &counts, 0.0);
        Ok(Span {
            from: times[from],
            to: times[to - 1] + 1.0,
            chosen: Chosen::FullPopulation(counts[from]),
        })
    }

    /// Requests per second over the span (failures included), in at most
    /// `MAX_RATE_POINTS` steps, as the profile the model is driven by.
    fn rates(&self, span: &Span) -> Load {
        let first = self.first_second().unwrap_or(0);
        let seconds = (span.to - span.from).ceil().max(1.0) as usize;
        let step = seconds.div_ceil(MAX_RATE_POINTS).max(1);
        let mut counts = vec![0u64; seconds.div_ceil(step)];
        for (&s, second) in &self.seconds {
            let at = (s - first) as f64 - span.from;
            if at >= 0.0 && at < span.to - span.from {
                counts[at as usize / step] += second.requests;
            }
        }
        if counts.len() < 2 {
            return Load::AsModelled;
        }
        Load::Rates {
            points: counts
                .iter()
                .enumerate()
                .map(|(i, &n)| ((i * step) as f64, n as f64 / step as f64))
                .collect(),
            span_s: span.to - span.from,
        }
    }
}

/// A rate profile longer than this many steps is coarsened.
const MAX_RATE_POINTS: usize = 1_000;

impl Span {
    fn contains(&self, seconds_after_first: f64) -> bool {
        seconds_after_first >= self.from && seconds_after_first < self.to
    }

    fn describe(&self) -> String {
        let seconds = format!("{}–{} s after the first second", self.from, self.to);
        match self.chosen {
            Chosen::Asked => format!("requests {seconds} (the window asked for)"),
            Chosen::FullPopulation(users) => {
                format!("requests at {users} users, {seconds} (ramp-up skipped)")
            }
            Chosen::Everything => format!("every request ({seconds})"),
        }
    }
}

/// Requests, failures and latencies of successes.
#[derive(Default)]
struct Tally {
    requests: u64,
    failures: u64,
    latencies: Latencies,
}

impl Tally {
    fn count(&mut self, latency_ms: Option<f64>, failed: bool) {
        self.requests += 1;
        if failed {
            self.failures += 1;
        } else if let Some(ms) = latency_ms {
            // Latency of successes only: capsim's percentiles are those of
            // completed requests, and a failure's time (a fast 503, a
            // timeout) is not a service time.
            self.latencies.record(ms);
        }
    }

    fn figures(&mut self, span_s: f64) -> Figures {
        let mean_ms = self.latencies.mean_ms();
        let table = self.latencies.table();
        let (requests, failures) = (self.requests as f64, self.failures as f64);
        Figures {
            throughput_rps: Some((requests - failures) / span_s),
            mean_ms,
            p50_ms: self.latencies.quantile_ms(0.5),
            p95_ms: self.latencies.quantile_ms(0.95),
            p99_ms: self.latencies.quantile_ms(0.99),
            error_rate: (requests > 0.0).then(|| failures / requests),
            noise: FigureNoise::of_counts(
                requests,
                failures,
                Some(span_s),
                table.as_ref(),
                mean_ms,
            ),
        }
    }
}

/// The tallies of the window: end to end, per class, and the most users.
#[derive(Default)]
struct Tallies {
    all: Tally,
    classes: BTreeMap<String, Tally>,
    classes_dropped: bool,
    users: Option<u32>,
}

impl Tallies {
    fn count(&mut self, recorded: Recorded<'_>, first: i64, span: &Span) {
        match recorded {
            Recorded::Request {
                at_s,
                latency_ms,
                failed,
                class,
            } => {
                if !span.contains(at_s.floor() - first as f64) {
                    return;
                }
                self.all.count(latency_ms, failed);
                let Some(name) = class else { return };
                if let Some(tally) = self.classes.get_mut(name) {
                    tally.count(latency_ms, failed);
                } else if self.classes.len() < MAX_CLASSES {
                    let mut tally = Tally::default();
                    tally.count(latency_ms, failed);
                    self.classes.insert(name.to_string(), tally);
                } else {
                    self.classes_dropped = true;
                }
            }
            Recorded::Users { at_s, users } => {
                if span.contains(at_s.floor() - first as f64) {
                    self.users = Some(self.users.map_or(users, |u| u.max(users)));
                }
            }
        }
    }
}
