//! Readers of recorded traffic: CSV traces of request timestamps or of counts
//! per interval, web server access logs (common and combined log format),
//! and rate profiles in CSV.
//!
//! **Invariants:** files are streamed through one reused buffer, never
//! loaded whole (a profile, a few thousand rows, is the exception); every
//! problem names the file and the line; nothing here knows about events or
//! randomness. Times are integer nanoseconds.

mod access_log;
mod alb_log;
mod classify;
mod counts;
mod crlf;
mod decimal;
pub mod k6;
mod profile;
mod rfc3339;
mod samples;
mod scan;
mod timestamps;

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

pub use access_log::{
    AccessLogReader, LOOKS_LIKE_ALB, Line as AccessLogLine, parse_line as parse_access_log_line,
};
pub use alb_log::{ALB_EXPECTED, AlbLine, Fields, field_column, looks_like_alb, parse_alb_line};
pub use classify::{Classifier, Rule};
pub use counts::{CountsReader, Interval};
pub use crlf::CrlfAsLf;
pub use profile::read_profile;
pub use rfc3339::parse_rfc3339;
pub use samples::{JMETER_TRANSACTION, REORDER_S, SampleReader};
pub use scan::{RequestReader, TraceTotals, scan};
pub use timestamps::TimestampsReader;

/// The format of a trace file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CSV: `time_s` and optionally `class`, `key`; one row per request.
    Timestamps,
    /// CSV: `time_s`, `count`; requests per interval.
    Counts,
    /// Common or combined log format.
    AccessLog,
    /// k6 `--out csv`: one `http_req_duration` row per request.
    K6Csv,
    /// k6 `--out json`: one `http_req_duration` point per request.
    K6Json,
    /// JMeter's CSV results (`.jtl`): one sample row per request.
    Jmeter,
    /// AWS Application Load Balancer access log.
    Alb,
}

/// What to replay and how.
#[derive(Clone, Debug)]
pub struct TraceConfig {
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// Replay speed (2 = twice the recorded rate).
    pub speed: f64,
    /// Start of the window, ns after the first timestamp.
    pub from_ns: u64,
    /// End of the window, ns after the first timestamp.
    pub to_ns: Option<u64>,
    /// Request → class.
    pub classifier: Classifier,
    /// Skip malformed or out-of-order lines instead of failing.
    pub skip_bad_lines: bool,
}

impl TraceConfig {
    /// Replay time of a request recorded `since_first` ns after the first
    /// timestamp: `None` before the window, and past its end.
    fn replay_time(&self, since_first: u64) -> Replay {
        if since_first < self.from_ns {
            return Replay::Before;
        }
        if self.to_ns.is_some_and(|to| since_first >= to) {
            return Replay::After;
        }
        let offset = since_first - self.from_ns;
        // Exact at speed 1: recorded gaps replay to the nanosecond.
        Replay::At(if self.speed == 1.0 {
            offset
        } else {
            (offset as f64 / self.speed).round() as u64
        })
    }
}

/// Where a recorded time falls relative to the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Replay {
    Before,
    At(u64),
    After,
}

/// One recorded request, ready to replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Replay time, ns from the start of the run.
    pub at_ns: u64,
    /// Class index.
    pub class: u16,
    /// The key the trace gives, if it gives one.
    pub key: Option<u64>,
}

/// A problem with a trace file, at a line (0: the file as a whole).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct TraceError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number; 0 when the problem is not one line's.
    pub line: u64,
    /// 1-based column; 0 when the format's errors do not name one.
    pub column: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else if self.column > 0 {
            write!(
                f,
                "{}, line {}, column {}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        } else {
            write!(
                f,
                "{}, line {}: {}",
                self.path.display(),
                self.line,
                self.message
            )
        }
    }
}

impl TraceError {
    fn new(path: &Path, line: u64, message: impl Into<String>) -> Self {
        TraceError {
            path: path.to_path_buf(),
            line,
            column: 0,
            message: message.into(),
        }
    }
}

fn open(path: &Path) -> Result<BufReader<File>, TraceError> {
    File::open(path)
        .map(|file| BufReader::with_capacity(1 << 16, file))
        .map_err(|err| TraceError::new(path, 0, format!("cannot open: {err}")))
}

/// A CSV file as the readers read it: CRLF line ends as LF, so lines count right.
type CsvFile = csv::Reader<crlf::CrlfAsLf<BufReader<File>>>;

/// A CSV reader with a header row; columns are found by name.
fn csv_reader(path: &Path) -> Result<CsvFile, TraceError> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        // No `Trim::All`: it rebuilds every record; the few fields read are
        // trimmed where they are read.
        .comment(Some(b'#'))
        .from_reader(crlf::CrlfAsLf::new(open(path)?)))
}

/// The index of column `name` in `reader`'s header; an error names the columns found.
fn column<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    path: &Path,
    name: &str,
    required: bool,
) -> Result<Option<usize>, TraceError> {
    let headers = reader
        .headers()
        .map_err(|err| TraceError::new(path, 1, format!("cannot read the header: {err}")))?;
    let found = headers.iter().position(|h| h.trim() == name);
    if found.is_none() && required {
        let columns: Vec<&str> = headers.iter().collect();
        return Err(TraceError::new(
            path,
            1,
            format!(
                "expected a header with a `{name}` column, got `{}`",
                columns.join(",")
            ),
        ));
    }
    Ok(found)
}

/// The 1-based line of the record `reader` read last.
fn csv_line(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

/// The recorded clock of a trace: its first timestamp, and order checking.
#[derive(Clone, Debug, Default)]
struct Timeline {
    first: Option<u64>,
    last: u64,
}

impl Timeline {
    /// Where a request recorded at `raw_ns` falls; an error if it is earlier
    /// than the previous one.
    fn place(&mut self, config: &TraceConfig, raw_ns: u64) -> Result<Replay, String> {
        let first = *self.first.get_or_insert(raw_ns);
        if raw_ns < self.last {
            return Err(format!(
                "time {} s is earlier than the line before it ({} s): a trace must be sorted by time",
                seconds(raw_ns),
                seconds(self.last)
            ));
        }
        self.last = raw_ns;
        Ok(config.replay_time(raw_ns - first))
    }
}

/// `ns` as decimal seconds, without trailing zeros: `1700000000.5`.
fn seconds(ns: u64) -> String {
    let text = format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A request key from a trace field: the number itself, or a hash of the text
/// (FNV-1a: stable across runs and machines, unlike `DefaultHasher`).
fn key_of(text: &str) -> u64 {
    text.parse().unwrap_or_else(|_| {
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    })
}

/// What happens to a bad line: an error, or a count when the user allowed skipping.
#[derive(Clone, Debug)]
struct BadLines {
    path: PathBuf,
    skip: bool,
    skipped: u64,
}

impl BadLines {
    fn new(config: &TraceConfig) -> Self {
        BadLines {
            path: config.path.clone(),
            skip: config.skip_bad_lines,
            skipped: 0,
        }
    }

    fn handle(&mut self, line: u64, message: String) -> Result<(), TraceError> {
        self.handle_at(line, 0, message)
    }

    /// As `handle`, naming the column too.
    fn handle_at(&mut self, line: u64, column: u64, message: String) -> Result<(), TraceError> {
        if self.skip {
            self.skipped += 1;
            Ok(())
        } else {
            let mut error = TraceError::new(&self.path, line, message);
            error.column = column;
            Err(error)
        }
    }
}

/// Reads the next CSV row into `row` (false at the end); a row the CSV
/// parser rejects is a bad line.
fn next_csv_row<R: std::io::Read>(
    csv: &mut csv::Reader<R>,
    row: &mut csv::StringRecord,
    bad: &mut BadLines,
) -> Result<bool, TraceError> {
    loop {
        match csv.read_record(row) {
            Ok(more) => return Ok(more),
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                bad.handle(line, format!("malformed CSV: {err}"))?;
            }
        }
    }
}
