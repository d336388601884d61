//! CSV traces of request counts per interval, as a metrics system exports
//! them: `time_s` (start of the interval), `count`. An interval lasts until
//! the next row's time; the last one as long as the one before it.

use super::decimal::seconds_to_ns;
use super::{
    BadLines, CsvFile, Replay, Timeline, TraceConfig, TraceError, column, csv_line, csv_reader,
    next_csv_row,
};

/// One interval of a counts trace, in replay time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Start, ns from the start of the run.
    pub start_ns: u64,
    /// Length, ns.
    pub length_ns: u64,
    /// Requests recorded in it.
    pub count: u64,
}

/// Streams the intervals of a counts trace.
pub struct CountsReader {
    config: TraceConfig,
    csv: CsvFile,
    row: csv::StringRecord,
    time: usize,
    count: usize,
    timeline: Timeline,
    /// The row read ahead: (recorded ns, count).
    ahead: Option<(u64, u64)>,
    last_length: u64,
    bad: BadLines,
}

impl CountsReader {
    /// Opens the trace and reads its header.
    pub fn open(config: &TraceConfig) -> Result<Self, TraceError> {
        let path = &config.path;
        let mut csv = csv_reader(path)?;
        let time = column(&mut csv, path, "time_s", true)?.expect("required column");
        let count = column(&mut csv, path, "count", true)?.expect("required column");
        let mut reader = CountsReader {
            config: config.clone(),
            csv,
            row: csv::StringRecord::new(),
            time,
            count,
            timeline: Timeline::default(),
            ahead: None,
            last_length: 1_000_000_000,
            bad: BadLines::new(config),
        };
        reader.ahead = reader.read_row()?;
        Ok(reader)
    }

    /// Malformed or out-of-order lines skipped so far.
    pub fn skipped(&self) -> u64 {
        self.bad.skipped
    }

    /// The next interval in the window, or `None` at the end.
    pub fn next_interval(&mut self) -> Result<Option<Interval>, TraceError> {
        loop {
            let Some((start, count)) = self.ahead.take() else {
                return Ok(None);
            };
            self.ahead = self.read_row()?;
            let length = match self.ahead {
                Some((next, _)) => next - start,
                None => self.last_length,
            };
            self.last_length = length;
            let since_first = start - self.timeline.first.unwrap_or(start);
            match self.config.replay_time(since_first) {
                Replay::Before => continue,
                Replay::After => return Ok(None),
                Replay::At(start_ns) => {
                    return Ok(Some(Interval {
                        start_ns,
                        length_ns: (length as f64 / self.config.speed).round() as u64,
                        count,
                    }));
                }
            }
        }
    }

    /// The next well-formed row: (recorded ns, count).
    fn read_row(&mut self) -> Result<Option<(u64, u64)>, TraceError> {
        loop {
            if !next_csv_row(&mut self.csv, &mut self.row, &mut self.bad)? {
                return Ok(None);
            }
            let line = csv_line(&self.row);
            match self.parse_row() {
                Ok(row) => return Ok(Some(row)),
                Err(message) => self.bad.handle(line, message)?,
            }
        }
    }

    fn parse_row(&mut self) -> Result<(u64, u64), String> {
        let field = |i: usize, name: &str| {
            self.row
                .get(i)
                .map(str::trim)
                .ok_or_else(|| format!("expected a `{name}` value in column {}", i + 1))
        };
        let raw_ns = seconds_to_ns(field(self.time, "time_s")?)?;
        let text = field(self.count, "count")?;
        let count = text
            .parse::<u64>()
            .map_err(|_| format!("expected `count` to be an integer ≥ 0, got `{text}`"))?;
        if self.timeline.first.is_some() && raw_ns == self.timeline.last {
            return Err("the same time as the line above (intervals must not repeat)".to_string());
        }
        // Only the order check here; the window is applied per interval.
        self.timeline.place(&self.config, raw_ns)?;
        Ok((raw_ns, count))
    }
}
