//! Load-test results and load-balancer logs replayed as arrivals: k6's
//! `--out csv` and `--out json`, JMeter's CSV results (`.jtl`) and AWS ALB
//! access logs. Each request's arrival is its start: JMeter's `timeStamp`
//! (the sample's start, JMeter's default), an ALB's
//! `request_creation_time`, k6's sample time (the request's end) less its
//! `http_req_duration`; k6's default CSV time is whole seconds, so the
//! requests of one second are spread evenly across it, as an access log's.
//!
//! These files are written as requests end, so starts come slightly out of
//! order: requests wait in a heap until one started [`REORDER_S`] later has
//! been read, and leave it in time order. Memory is bounded by the requests
//! of that many seconds; a request further out of order is a bad line.
//!
//! Class: a request whose name (k6's `name` tag, JMeter's `label`) is a
//! class of the source has that class; else the first rule matching its
//! method and path (from its URL); else the default class.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader};

use super::k6::{Envelope, time_ns as k6_time_ns};
use super::{
    BadLines, CsvFile, Format, Record, Replay, Timeline, TraceConfig, TraceError, column, csv_line,
    csv_reader, key_of, next_csv_row, open, seconds,
};

/// How far out of time order a request may be recorded, seconds.
pub const REORDER_S: u64 = 60;

/// The response message of a JMeter Transaction Controller's parent sample
/// (`TransactionController.notifyListeners`): it sums samples that have rows
/// of their own, so it is neither replayed nor counted again.
pub const JMETER_TRANSACTION: &str = "Number of samples in transaction";

/// One request read, not yet in time order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    start_ns: u64,
    /// Order read: equal starts leave in file order.
    seq: u64,
    class: u16,
    key: Option<u64>,
    /// Its time is a whole second: spread with the others of that second.
    spread: bool,
}

/// Streams the requests of a k6, JMeter or ALB file, in order of their start.
pub struct SampleReader {
    config: TraceConfig,
    input: Input,
    heap: BinaryHeap<Reverse<Pending>>,
    /// The latest start read, and the latest released.
    newest_ns: u64,
    released_ns: Option<u64>,
    seq: u64,
    ended: bool,
    /// Requests released, in order, with their recorded time.
    ready: VecDeque<(u64, u16, Option<u64>)>,
    timeline: Timeline,
    bad: BadLines,
}

enum Input {
    Csv {
        csv: Box<CsvFile>,
        row: csv::StringRecord,
        columns: Columns,
    },
    Lines {
        lines: BufReader<File>,
        buf: String,
        line: u64,
    },
}

/// The columns a CSV format reads (0-based).
enum Columns {
    K6 {
        metric: usize,
        time: usize,
        value: usize,
        name: Option<usize>,
        method: Option<usize>,
        url: Option<usize>,
    },
    Jmeter {
        start: usize,
        label: Option<usize>,
        url: Option<usize>,
        message: Option<usize>,
    },
}

/// A request as a line gives it.
struct Sampled<'a> {
    start_ns: u64,
    spread: bool,
    name: Option<Cow<'a, str>>,
    method: Cow<'a, str>,
    target: Option<Cow<'a, str>>,
}

impl SampleReader {
    /// Opens the file and reads a CSV's header.
    pub fn open(config: &TraceConfig) -> Result<Self, TraceError> {
        let path = &config.path;
        let input = match config.format {
            Format::K6Csv | Format::Jmeter => {
                let mut csv = csv_reader(path)?;
                let columns = if config.format == Format::K6Csv {
                    Columns::K6 {
                        metric: required(&mut csv, config, "metric_name")?,
                        time: required(&mut csv, config, "timestamp")?,
                        value: required(&mut csv, config, "metric_value")?,
                        name: column(&mut csv, path, "name", false)?,
                        method: column(&mut csv, path, "method", false)?,
                        url: column(&mut csv, path, "url", false)?,
                    }
                } else {
                    Columns::Jmeter {
                        start: required(&mut csv, config, "timeStamp")?,
                        label: column(&mut csv, path, "label", false)?,
                        url: column(&mut csv, path, "URL", false)?,
                        message: column(&mut csv, path, "responseMessage", false)?,
                    }
                };
                Input::Csv {
                    csv: Box::new(csv),
                    row: csv::StringRecord::new(),
                    columns,
                }
            }
            _ => Input::Lines {
                lines: open(path)?,
                buf: String::new(),
                line: 0,
            },
        };
        Ok(SampleReader {
            config: config.clone(),
            input,
            heap: BinaryHeap::new(),
            newest_ns: 0,
            released_ns: None,
            seq: 0,
            ended: false,
            ready: VecDeque::new(),
            timeline: Timeline::default(),
            bad: BadLines::new(config),
        })
    }

    /// Bad lines skipped so far.
    pub fn skipped(&self) -> u64 {
        self.bad.skipped
    }

    /// The next request in the window, or `None` at the end of the file or window.
    pub fn next_record(&mut self) -> Result<Option<Record>, TraceError> {
        loop {
            if let Some((raw_ns, class, key)) = self.ready.pop_front() {
                // Released in order, so the time line cannot refuse it.
                match self.timeline.place(&self.config, raw_ns) {
                    Ok(Replay::At(at_ns)) => return Ok(Some(Record { at_ns, class, key })),
                    Ok(Replay::Before) => continue,
                    Ok(Replay::After) | Err(_) => return Ok(None),
                }
            }
            if !self.release()? {
                return Ok(None);
            }
        }
    }

    /// Reads until the earliest pending request can leave, and moves it (and,
    /// for whole seconds, the rest of its second) to `ready`; false at the end.
    fn release(&mut self) -> Result<bool, TraceError> {
        let horizon_ns = REORDER_S * 1_000_000_000;
        while !self.ended
            && self
                .heap
                .peek()
                .is_none_or(|Reverse(p)| p.start_ns + horizon_ns >= self.newest_ns)
        {
            self.read_one()?;
        }
        let Some(Reverse(first)) = self.heap.pop() else {
            return Ok(false);
        };
        self.released_ns = Some(first.start_ns);
        if !first.spread {
            self.ready
                .push_back((first.start_ns, first.class, first.key));
            return Ok(true);
        }
        let mut second = vec![first];
        while let Some(Reverse(next)) = self.heap.peek() {
            if next.start_ns != first.start_ns {
                break;
            }
            second.push(*next);
            self.heap.pop();
        }
        // The i-th of k requests in a second sits at (i + ½) / k of it.
        let k = second.len() as u64;
        for (i, pending) in second.iter().enumerate() {
            let offset = (2 * i as u64 + 1) * 1_000_000_000 / (2 * k);
            self.ready
                .push_back((pending.start_ns + offset, pending.class, pending.key));
        }
        Ok(true)
    }

    /// Reads the next request into the heap (skipping lines of other
    /// metrics), or marks the end.
    fn read_one(&mut self) -> Result<(), TraceError> {
        loop {
            let (line, read) = match &mut self.input {
                Input::Csv { csv, row, columns } => {
                    if !next_csv_row(csv, row, &mut self.bad)? {
                        self.ended = true;
                        return Ok(());
                    }
                    (csv_line(row), csv_sample(columns, row))
                }
                Input::Lines { lines, buf, line } => {
                    buf.clear();
                    let n = lines.read_line(buf).map_err(|err| {
                        TraceError::new(&self.config.path, *line + 1, err.to_string())
                    })?;
                    if n == 0 {
                        self.ended = true;
                        return Ok(());
                    }
                    *line += 1;
                    let text = buf.trim_end();
                    if text.is_empty() {
                        continue;
                    }
                    (*line, line_sample(self.config.format, text))
                }
            };
            let sampled = match read {
                Ok(Some(sampled)) => sampled,
                Ok(None) => continue,
                Err((column, message)) => {
                    self.bad.handle_at(line, column, message)?;
                    continue;
                }
            };
            if let Some(released) = self.released_ns
                && sampled.start_ns < released
            {
                let message = format!(
                    "a request started at {} s, before one already replayed (at {} s): requests may be out of time order by at most {REORDER_S} s",
                    seconds(sampled.start_ns),
                    seconds(released)
                );
                self.bad.handle_at(line, 1, message)?;
                continue;
            }
            let classifier = &self.config.classifier;
            let target = sampled.target.as_deref();
            let class = sampled
                .name
                .as_deref()
                .and_then(|name| classifier.known(name))
                .unwrap_or_else(|| classifier.by_rules(&sampled.method, target.unwrap_or("")));
            let pending = Pending {
                start_ns: sampled.start_ns,
                seq: self.seq,
                class,
                key: target.map(key_of),
                spread: sampled.spread,
            };
            self.seq += 1;
            self.newest_ns = self.newest_ns.max(pending.start_ns);
            self.heap.push(Reverse(pending));
            return Ok(());
        }
    }
}

/// A required CSV column.
fn required(csv: &mut CsvFile, config: &TraceConfig, name: &str) -> Result<usize, TraceError> {
    Ok(column(csv, &config.path, name, true)?.expect("required column"))
}

/// A line's problem: its 1-based column and what is wrong.
type LineError = (u64, String);

/// The request of a CSV row, `None` for a row that is not one.
// Long because it is one arm per CSV format (k6, JMeter), each a row's fields in turn.
fn csv_sample<'a>(
    columns: &Columns,
    row: &'a csv::StringRecord,
) -> Result<Option<Sampled<'a>>, LineError> {
    let cell = |index: usize| row.get(index).map_or("", str::trim);
    let optional = |index: Option<usize>| index.map(cell).filter(|c| !c.is_empty());
    match *columns {
        Columns::K6 {
            metric,
            time,
            value,
            name,
            method,
            url,
        } => {
            if cell(metric) != "http_req_duration" {
                return Ok(None);
            }
            let stamp = cell(time);
            let whole_second =
                !stamp.is_empty() && stamp.len() <= 11 && stamp.bytes().all(|b| b.is_ascii_digit());
            let end_ns = k6_time_ns(stamp).ok_or_else(|| {
                (
                    time as u64 + 1,
                    format!("`timestamp`: {}", super::k6::bad_time(stamp)),
                )
            })?;
            let took_ms = match cell(value).parse::<f64>() {
                Ok(ms) if ms.is_finite() && ms >= 0.0 => ms,
                _ => {
                    return Err((
                        value as u64 + 1,
                        format!(
                            "`metric_value`: expected a duration ≥ 0 in ms, found `{}`",
                            cell(value)
                        ),
                    ));
                }
            };
            Ok(Some(Sampled {
                // A whole second is the second the request ended in; its
                // requests are spread across it (their durations are below
                // the stamp's resolution).
                start_ns: if whole_second {
                    end_ns
                } else {
                    end_ns.saturating_sub((took_ms * 1e6).round() as u64)
                },
                spread: whole_second,
                name: optional(name).map(Cow::Borrowed),
                method: Cow::Borrowed(optional(method).unwrap_or("")),
                target: optional(url).map(|u| Cow::Borrowed(url_target(u))),
            }))
        }
        Columns::Jmeter {
            start,
            label,
            url,
            message,
        } => {
            if message.is_some_and(|m| cell(m).starts_with(JMETER_TRANSACTION)) {
                return Ok(None);
            }
            let stamp = cell(start);
            let start_ms: u64 = stamp.parse().map_err(|_| {
                (
                    start as u64 + 1,
                    format!(
                        "`timeStamp`: expected milliseconds since 1970 (JMeter's default `jmeter.save.saveservice.timestamp_format=ms`), found `{stamp}`"
                    ),
                )
            })?;
            Ok(Some(Sampled {
                start_ns: start_ms.saturating_mul(1_000_000),
                spread: false,
                name: optional(label).map(Cow::Borrowed),
                method: Cow::Borrowed(""),
                target: optional(url).map(|u| Cow::Borrowed(url_target(u))),
            }))
        }
    }
}

/// The request of a JSON or log line, `None` for a line that is not one.
fn line_sample(format: Format, text: &str) -> Result<Option<Sampled<'_>>, LineError> {
    if format == Format::Alb {
        let logged = super::parse_alb_line(text)
            .map_err(|(field, message)| (super::field_column(text, field), message))?;
        return Ok(Some(Sampled {
            start_ns: logged.arrival_ns,
            spread: false,
            name: None,
            method: Cow::Borrowed(logged.method),
            target: Some(Cow::Borrowed(logged.target)),
        }));
    }
    k6_json_sample(text)
}

/// A k6 JSON line's request (its strings owned: they may hold escapes).
fn k6_json_sample(text: &str) -> Result<Option<Sampled<'_>>, LineError> {
    let envelope: Envelope = serde_json::from_str(text)
        .map_err(|err| (err.column() as u64, format!("not a k6 JSON line: {err}")))?;
    if envelope.kind != "Point" || envelope.metric.as_deref() != Some("http_req_duration") {
        return Ok(None);
    }
    let data = envelope.data.ok_or_else(|| {
        (
            1,
            "an `http_req_duration` point without `data`: expected {\"time\":…,\"value\":…,\"tags\":{…}}".to_string(),
        )
    })?;
    let time = data.time.as_deref().unwrap_or("");
    let end_ns = k6_time_ns(time)
        .ok_or_else(|| (1, format!("`data.time`: {}", super::k6::bad_time(time))))?;
    let took_ms = data
        .value
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| {
            (
                1,
                "an `http_req_duration` point needs a `data.value` ≥ 0".to_string(),
            )
        })?;
    let tags = data.tags.unwrap_or_default();
    Ok(Some(Sampled {
        start_ns: end_ns.saturating_sub((took_ms * 1e6).round() as u64),
        spread: false,
        name: tags.name.map(Cow::Owned),
        method: Cow::Owned(tags.method.unwrap_or_default()),
        target: tags.url.map(|url| Cow::Owned(url_target(&url).to_string())),
    }))
}

/// A URL's path and query: `http://host:8080/cart?id=3` is `/cart?id=3`.
fn url_target(url: &str) -> &str {
    match url.find("://") {
        Some(scheme) => {
            let rest = &url[scheme + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => url,
    }
}
