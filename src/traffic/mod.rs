//! Traffic sources at run time: when requests arrive, with which class and
//! key. Generated processes (Poisson, deterministic, rate profiles, MMPP,
//! batches, closed users) and replayed traces share one interface.
//!
//! **Invariants:** each source draws only from its own random stream;
//! arrival times are computed in floating point from the start and rounded
//! per arrival, so rounding never drifts the rate; trace files are read as
//! the run reaches them, through reused buffers (the only I/O during a run).

mod generate;
mod keys;
mod nhpp;

use rand::RngExt;

use crate::engine::Sampler;
use crate::engine::rng::Rng;
use crate::model::{Arrivals, ClassId, NodeId, Source};
use crate::trace::{CountsReader, Record, RequestReader, TraceError};

use generate::{Generated, Process};
use keys::KeyLaw;

/// A request as it leaves its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Its class.
    pub class: ClassId,
    /// Its key.
    pub key: u64,
}

/// How a source decides when requests arrive.
enum Timing {
    /// An open process generated from random numbers.
    Open(Process),
    /// Closed users: a request after each think.
    Closed {
        users: u32,
        think: Sampler,
        spawn_gap_ns: f64,
    },
    /// One request per trace line; `next` is the one already scheduled.
    Requests {
        reader: Box<RequestReader>,
        next: Option<Record>,
    },
    /// Counts per interval, each interval's requests placed at random.
    Counts(Box<CountsReplay>),
    /// No more requests: the trace could not be opened.
    Ended,
}

/// The live state of one source.
pub struct SourceState {
    rng: Rng,
    timing: Timing,
    /// Cumulative shares of `classes`, for drawing a class.
    cumulative: Vec<f64>,
    classes: Vec<ClassId>,
    keys: KeyLaw,
    entry: NodeId,
    /// A trace that failed mid-run (it changed after the scan at load).
    error: Option<TraceError>,
}

impl SourceState {
    /// The state of `source`, drawing from `rng`. Opens its trace file, if
    /// any; if that fails (the file went away since the scan at load), the
    /// source sends nothing and [`SourceState::error`] says why.
    pub fn new(source: &Source, rng: Rng) -> Self {
        let mut error = None;
        let timing = Self::timing(source).unwrap_or_else(|err| {
            error = Some(err);
            Timing::Ended
        });
        let mut running = 0.0;
        let cumulative = source
            .mix
            .iter()
            .map(|&(_, share)| {
                running += share;
                running
            })
            .collect();
        SourceState {
            rng,
            timing,
            cumulative,
            classes: source.mix.iter().map(|&(class, _)| class).collect(),
            keys: KeyLaw::new(source.keys),
            entry: source.entry,
            error,
        }
    }

    fn timing(source: &Source) -> Result<Timing, TraceError> {
        Ok(match &source.arrivals {
            Arrivals::Closed {
                users,
                think,
                spawn_rate_per_s,
            } => Timing::Closed {
                users: *users,
                think: Sampler::new(think, 1.0),
                spawn_gap_ns: spawn_rate_per_s.map_or(0.0, |rate| 1e9 / rate),
            },
            Arrivals::Trace(trace) => match trace.config.format {
                crate::trace::Format::Counts => Timing::Counts(Box::new(CountsReplay {
                    reader: CountsReader::open(&trace.config)?,
                    start_ns: 0.0,
                    length_ns: 0.0,
                    left: 0,
                    position: 0.0,
                })),
                _ => Timing::Requests {
                    reader: Box::new(RequestReader::open(&trace.config)?),
                    next: None,
                },
            },
            open => Timing::Open(Process::new(open)),
        })
    }

    /// The node this source's requests enter.
    pub fn entry(&self) -> NodeId {
        self.entry
    }

    /// True for closed users, whose next request follows an answer and a think.
    pub fn is_closed(&self) -> bool {
        matches!(self.timing, Timing::Closed { .. })
    }

    /// A trace error met during the run, if any.
    pub fn error(&self) -> Option<&TraceError> {
        self.error.as_ref()
    }

    /// Times (ns) of the first arrival events: one per closed user (as it is
    /// spawned), or the first open arrival, if there is one.
    pub fn start(&mut self, out: &mut Vec<u64>) {
        if let Timing::Closed {
            users,
            spawn_gap_ns,
            ..
        } = &self.timing
        {
            out.extend((0..*users).map(|i| (f64::from(i) * spawn_gap_ns).round() as u64));
            return;
        }
        out.extend(self.next_open());
    }

    /// At an arrival event: the requests arriving now go to `out` (one, or a
    /// batch), and the result is when the next open arrival is due.
    pub fn arrive(&mut self, out: &mut Vec<Request>) -> Option<u64> {
        let (count, traced) = match &mut self.timing {
            Timing::Open(process) => (process.batch_size(&mut self.rng), None),
            Timing::Closed { .. } => (1, None),
            Timing::Requests { next, .. } => (1, next.take()),
            Timing::Counts(_) => (1, None),
            Timing::Ended => (0, None),
        };
        // The next arrival is drawn before this one's class and key: the
        // order the single-source engine always used, so results of existing
        // models stay as they were.
        let next = if self.is_closed() {
            None
        } else {
            self.next_open()
        };
        for _ in 0..count {
            let request = match traced {
                Some(record) => Request {
                    class: ClassId(record.class),
                    key: record.key.unwrap_or_else(|| self.keys.draw(&mut self.rng)),
                },
                None => Request {
                    class: self.draw_class(),
                    key: self.keys.draw(&mut self.rng),
                },
            };
            out.push(request);
        }
        next
    }

    /// A user's think time, ns.
    pub fn think(&mut self) -> u64 {
        match &self.timing {
            Timing::Closed { think, .. } => think.draw(&mut self.rng),
            _ => 0,
        }
    }

    /// Absolute time (ns) of the next open arrival; `None` when the source is done.
    fn next_open(&mut self) -> Option<u64> {
        let next = match &mut self.timing {
            Timing::Open(process) => match process.next(&mut self.rng) {
                Generated::At(ns) => Ok(Some(ns)),
                Generated::Never => Ok(None),
            },
            Timing::Closed { .. } => Ok(None),
            Timing::Requests { reader, next } => reader.next_record().map(|record| {
                *next = record;
                record.map(|r| r.at_ns)
            }),
            Timing::Counts(replay) => replay.next(&mut self.rng),
            Timing::Ended => Ok(None),
        };
        next.unwrap_or_else(|err| {
            self.error = Some(err);
            None
        })
    }

    /// The class of a generated request, by the source's mix.
    fn draw_class(&mut self) -> ClassId {
        if self.classes.len() == 1 {
            return self.classes[0];
        }
        let u: f64 = self.rng.random();
        let index = self.cumulative.partition_point(|&c| c <= u);
        self.classes[index.min(self.classes.len() - 1)]
    }
}

/// A counts trace replayed as a Poisson process given each interval's count:
/// the count's arrival times are uniform order statistics over the interval.
struct CountsReplay {
    reader: CountsReader,
    start_ns: f64,
    length_ns: f64,
    /// Requests of the current interval still to place.
    left: u64,
    /// Where the last one fell, as a fraction of the interval.
    position: f64,
}

impl CountsReplay {
    fn next(&mut self, rng: &mut Rng) -> Result<Option<u64>, TraceError> {
        while self.left == 0 {
            let Some(interval) = self.reader.next_interval()? else {
                return Ok(None);
            };
            self.start_ns = interval.start_ns as f64;
            self.length_ns = interval.length_ns as f64;
            self.left = interval.count;
            self.position = 0.0;
        }
        // The minimum of m uniforms on [x, 1) is x + (1 − x)(1 − U^(1/m)):
        // drawing it, then the minimum of the m − 1 above it, and so on,
        // yields the sorted sample one point at a time.
        let u: f64 = rng.random();
        self.position += (1.0 - self.position) * (1.0 - u.powf(1.0 / self.left as f64));
        self.left -= 1;
        Ok(Some(
            (self.start_ns + self.position * self.length_ns) as u64,
        ))
    }
}
