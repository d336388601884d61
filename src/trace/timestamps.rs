//! CSV traces with one row per request: `time_s` (seconds, any origin),
//! and optionally `class` and `key`.

use super::decimal::seconds_to_ns;
use super::{
    BadLines, CsvFile, Record, Replay, Timeline, TraceConfig, TraceError, column, csv_line,
    csv_reader, key_of, next_csv_row,
};

/// Streams the requests of a timestamp trace, in order.
pub struct TimestampsReader {
    config: TraceConfig,
    csv: CsvFile,
    row: csv::StringRecord,
    time: usize,
    class: Option<usize>,
    key: Option<usize>,
    timeline: Timeline,
    bad: BadLines,
}

impl TimestampsReader {
    /// Opens the trace and reads its header.
    pub fn open(config: &TraceConfig) -> Result<Self, TraceError> {
        let path = &config.path;
        let mut csv = csv_reader(path)?;
        let time = column(&mut csv, path, "time_s", true)?.expect("required column");
        let class = column(&mut csv, path, "class", false)?;
        let key = column(&mut csv, path, "key", false)?;
        Ok(TimestampsReader {
            config: config.clone(),
            csv,
            row: csv::StringRecord::new(),
            time,
            class,
            key,
            timeline: Timeline::default(),
            bad: BadLines::new(config),
        })
    }

    /// Malformed or out-of-order lines skipped so far.
    pub fn skipped(&self) -> u64 {
        self.bad.skipped
    }

    /// The next request in the window, or `None` at the end of the trace or window.
    pub fn next_record(&mut self) -> Result<Option<Record>, TraceError> {
        loop {
            if !next_csv_row(&mut self.csv, &mut self.row, &mut self.bad)? {
                return Ok(None);
            }
            let line = csv_line(&self.row);
            match self.parse_row() {
                Ok(Replay::At(at_ns)) => {
                    let class = match self.class.and_then(|c| self.row.get(c)).map(str::trim) {
                        Some(name) => self.config.classifier.by_name(name),
                        None => Ok(self.config.classifier.default),
                    };
                    match class {
                        Ok(class) => {
                            let key = self
                                .key
                                .and_then(|k| self.row.get(k))
                                .map(|text| key_of(text.trim()));
                            return Ok(Some(Record { at_ns, class, key }));
                        }
                        Err(message) => self.bad.handle(line, message)?,
                    }
                }
                Ok(Replay::Before) => {}
                Ok(Replay::After) => return Ok(None),
                Err(message) => self.bad.handle(line, message)?,
            }
        }
    }

    fn parse_row(&mut self) -> Result<Replay, String> {
        let text = self
            .row
            .get(self.time)
            .ok_or_else(|| format!("expected a `time_s` value in column {}", self.time + 1))?
            .trim();
        let raw_ns = seconds_to_ns(text)?;
        self.timeline.place(&self.config, raw_ns)
    }
}
