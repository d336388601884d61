//! Progress of anything that may take more than a few seconds: a bar when
//! stderr is a terminal (indicatif), else a plain line every few seconds,
//! so that a log or CI job shows the run is alive (indicatif draws nothing
//! when stderr is not a terminal).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Time between plain lines (and before the first one).
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// Overrides [`PLAIN_EVERY`], in milliseconds: for tests, which cannot wait.
const PLAIN_EVERY_VAR: &str = "CAPSIM_PROGRESS_EVERY_MS";

/// How a position reads: a count of things, or thousandths of a share.
#[derive(Clone, Copy, Debug)]
pub enum Unit {
    /// `{pos}/{len} points`.
    Count(&'static str),
    /// `{percent}% of simulated time` (positions in thousandths).
    SimulatedTime,
}

/// A progress report: a bar, or plain lines.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: Mutex<Plain>,
    label: &'static str,
    unit: Unit,
    total: u64,
    every: Duration,
}

struct Plain {
    position: u64,
    started: Instant,
    last: Instant,
    printed: bool,
}

impl Progress {
    /// A report of `total` steps of `unit`, labelled `label` ("sweeping").
    pub fn new(label: &'static str, total: u64, unit: Unit) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let template = match unit {
                Unit::Count(things) => format!(
                    "{{msg}} [{{bar:30}}] {{pos}}/{{len}} {things}, {{per_sec}}, {{elapsed}} elapsed, ETA {{eta}}"
                ),
                Unit::SimulatedTime => {
                    "{msg} [{bar:30}] {percent}% of simulated time, {elapsed} elapsed, ETA {eta}"
                        .to_string()
                }
            };
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(&template)
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_message(label);
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            plain: Mutex::new(Plain {
                position: 0,
                started: now,
                last: now,
                printed: false,
            }),
            label,
            unit,
            total,
            every: std::env::var(PLAIN_EVERY_VAR)
                .ok()
                .and_then(|ms| ms.parse().ok())
                .map_or(PLAIN_EVERY, Duration::from_millis),
        }
    }

    /// Moves to `position`.
    pub fn set_position(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            return;
        }
        let mut plain = self.plain.lock().expect("not poisoned");
        plain.position = position;
        self.maybe_print(&mut plain);
    }

    /// Moves one step on.
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            return;
        }
        let mut plain = self.plain.lock().expect("not poisoned");
        plain.position += 1;
        self.maybe_print(&mut plain);
    }

    /// Clears the bar; a plain report that printed anything says it is done.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            return;
        }
        let plain = self.plain.lock().expect("not poisoned");
        if plain.printed {
            eprintln!(
                "{}: done in {:.0} s",
                self.label,
                plain.started.elapsed().as_secs_f64()
            );
        }
    }

    fn maybe_print(&self, plain: &mut Plain) {
        let now = Instant::now();
        if now.duration_since(plain.last) < self.every {
            return;
        }
        plain.last = now;
        plain.printed = true;
        let elapsed = now.duration_since(plain.started).as_secs_f64();
        let share = plain.position as f64 / self.total.max(1) as f64;
        let done = match self.unit {
            Unit::Count(things) => format!("{}/{} {things}", plain.position, self.total),
            Unit::SimulatedTime => format!("{:.0}% of simulated time", share * 100.0),
        };
        let eta = if share > 0.0 {
            format!(", ETA {:.0} s", elapsed * (1.0 - share) / share)
        } else {
            String::new()
        };
        eprintln!("{}: {done}, {elapsed:.0} s elapsed{eta}", self.label);
    }
}
