//! A first pass over a trace before any simulation: it finds every error
//! up front (a long run must not die at line 9,000,000) and measures the
//! trace's rate and class mix for the offered-load estimate.

use super::{
    AccessLogReader, CountsReader, Format, SampleReader, TimestampsReader, TraceConfig, TraceError,
};

/// What a trace holds within its window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceTotals {
    /// Requests replayed.
    pub requests: u64,
    /// Requests per class index (empty for counts traces, whose classes are drawn).
    pub per_class: Vec<u64>,
    /// Replay time of the end of the trace, ns (last request, or end of the last interval).
    pub span_ns: u64,
    /// Bad lines skipped (with `skip_bad_lines`).
    pub skipped: u64,
}

impl TraceTotals {
    /// Mean replayed rate, requests per second, over `[0, span]`.
    pub fn rate_rps(&self) -> f64 {
        if self.span_ns == 0 {
            0.0
        } else {
            self.requests as f64 / (self.span_ns as f64 / 1e9)
        }
    }
}

/// Reads the whole trace once, in bounded memory.
pub fn scan(config: &TraceConfig, classes: usize) -> Result<TraceTotals, TraceError> {
    let mut totals = TraceTotals::default();
    match config.format {
        Format::Counts => {
            let mut reader = CountsReader::open(config)?;
            while let Some(interval) = reader.next_interval()? {
                totals.requests = totals.requests.saturating_add(interval.count);
                totals.span_ns = interval.start_ns + interval.length_ns;
            }
            totals.skipped = reader.skipped();
        }
        _ => {
            totals.per_class = vec![0; classes];
            let mut reader = RequestReader::open(config)?;
            while let Some(record) = reader.next_record()? {
                totals.requests += 1;
                totals.per_class[usize::from(record.class)] += 1;
                totals.span_ns = record.at_ns;
            }
            totals.skipped = reader.skipped();
        }
    }
    Ok(totals)
}

/// A reader of one request per line: timestamps, an access log, or load-test
/// and load-balancer records.
pub enum RequestReader {
    /// CSV of timestamps.
    Timestamps(TimestampsReader),
    /// Access log.
    AccessLog(AccessLogReader),
    /// k6, JMeter or ALB requests.
    Samples(SampleReader),
}

impl RequestReader {
    /// Opens a timestamps trace or an access log (counts traces have `CountsReader`).
    pub fn open(config: &TraceConfig) -> Result<Self, TraceError> {
        Ok(match config.format {
            Format::AccessLog => RequestReader::AccessLog(AccessLogReader::open(config)?),
            Format::Timestamps | Format::Counts => {
                RequestReader::Timestamps(TimestampsReader::open(config)?)
            }
            Format::K6Csv | Format::K6Json | Format::Jmeter | Format::Alb => {
                RequestReader::Samples(SampleReader::open(config)?)
            }
        })
    }

    /// The next request in the window.
    pub fn next_record(&mut self) -> Result<Option<super::Record>, TraceError> {
        match self {
            RequestReader::Timestamps(r) => r.next_record(),
            RequestReader::AccessLog(r) => r.next_record(),
            RequestReader::Samples(r) => r.next_record(),
        }
    }

    /// Bad lines skipped so far.
    pub fn skipped(&self) -> u64 {
        match self {
            RequestReader::Timestamps(r) => r.skipped(),
            RequestReader::AccessLog(r) => r.skipped(),
            RequestReader::Samples(r) => r.skipped(),
        }
    }
}
