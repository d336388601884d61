//! The plan as a locustfile: a `FastHttpUser` class per source, `fixed_count`
//! users each, a `@task(weight)` per class.
//!
//! Closed users think with a `wait_time` (Locust's `constant`, `between`, or
//! an exponential draw); users spawned at a rate wait `i / rate` in
//! `on_start`, as capsim's closed users start one after another (Locust's
//! own spawn rate starts `floor(rate)` users at once every second).
//!
//! Locust has no open-loop executor ("Wait time ... can only limit the
//! throughput, not launch new Users": docs.locust.io, Writing a locustfile,
//! `constant_throughput`), so open rates are paced: each of `n` users sends
//! at the arrival times of its own process of rate λ(t)/n (a custom
//! `wait_time` returns the time left to its next arrival), and `n` such
//! processes together make the model's process of rate λ(t) (a superposition
//! of Poisson processes is Poisson; of evenly staggered lattices, the
//! lattice). This holds while no user is still waiting for an answer when
//! its next arrival is due: `n` is the peak rate × `OPEN_USER_S` seconds,
//! and late sends are counted and reported when the test stops.

use std::fmt::Write;

use super::{Header, Load, Rate, Scenario, Think, integer_weights, num, quoted};

/// Seconds of arrivals each open user carries: its mean gap at the peak rate.
/// A request answered within it rarely delays the next one.
pub const OPEN_USER_S: f64 = 10.0;

/// Most users an open source gets (each holds a connection).
pub const MAX_OPEN_USERS: u32 = 5000;

/// The locustfile of `scenarios`.
pub fn render(header: &Header<'_>, scenarios: &[Scenario]) -> String {
    let mut out = String::new();
    let total: u32 = scenarios.iter().map(users).sum();
    let seconds = num(header.duration_s);
    let _ = writeln!(
        out,
        "\"\"\"Load test of model `{}`, written by `capsim loadtest --to locust`.",
        header.model
    );
    out.push_str(
        "\nRun it for the model's duration, every user started at once (users spawned\n\
         at a rate wait for their turn in `on_start`):\n\n",
    );
    let _ = writeln!(
        out,
        "    locust -f THIS_FILE --headless -u {total} -r {total} -t {seconds}s --host {} --csv PREFIX",
        header.host
    );
    let _ = writeln!(
        out,
        "\nthen `capsim compare MODEL --observed PREFIX_stats_history.csv`. The model's\n\
         warm-up is {} s: with `--reset-stats` Locust's totals start once every user runs.\n\
         Each request is named after its class, so compare matches classes; the model\n\
         has no HTTP paths, so class `c` requests `GET /c`: edit the tasks to send the\n\
         real requests.",
        num(header.warmup_s)
    );
    if !header.notes.is_empty() {
        out.push_str("\nApproximations (also printed by capsim):\n");
        for note in header.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out.push_str("\"\"\"\n\n");
    out.push_str(PRELUDE);
    let open = scenarios
        .iter()
        .any(|s| matches!(s.load, Load::Open { .. }));
    if open {
        out.push_str(OPEN_HELPERS);
    }
    for scenario in scenarios {
        user_class(&mut out, header, scenario);
    }
    out
}

/// Users of one scenario.
fn users(scenario: &Scenario) -> u32 {
    match &scenario.load {
        Load::Closed { users, .. } => *users,
        Load::Open { rate, .. } => open_users(rate),
    }
}

/// Users an open source is paced over.
pub fn open_users(rate: &Rate) -> u32 {
    (rate.peak_rps() * OPEN_USER_S)
        .ceil()
        .clamp(1.0, f64::from(MAX_OPEN_USERS)) as u32
}

const PRELUDE: &str = r#"import itertools
import random
import time

import gevent
from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

"#;

const OPEN_HELPERS: &str = r#"# Open arrivals: the test's clock starts with its first user.
START = []
LATE = {"sends": 0, "late": 0}


def clock():
    """Seconds since the test's first user started."""
    if not START:
        START.append(time.monotonic())
    return time.monotonic() - START[0]


def next_poisson(t, rate_at, peak, users):
    """The next arrival after t of a Poisson process of rate rate_at(t) / users
    (thinning: candidates at the peak rate, each kept with probability
    rate_at / peak; Lewis and Shedler, 1979)."""
    while True:
        t += random.expovariate(peak / users)
        if random.random() * peak <= rate_at(t):
            return t


def wait_until(due):
    """Seconds left until `due`, counting a send that is already late."""
    left = due - clock()
    LATE["sends"] += 1
    if left < -0.01:
        LATE["late"] += 1
    return max(0.0, left)


@events.test_stop.add_listener
def report_late(**_kwargs):
    if LATE["sends"]:
        print(f"capsim open arrivals: {LATE['late']} of {LATE['sends']} sends more than "
              f"10 ms late (a user still waiting for an answer)", flush=True)

"#;

fn user_class(out: &mut String, header: &Header<'_>, scenario: &Scenario) {
    let ident = &scenario.ident;
    let _ = writeln!(out, "\nclass {}(FastHttpUser):", capitalized(ident));
    let _ = writeln!(
        out,
        "    \"\"\"`{}`: {}.\"\"\"\n",
        scenario.path,
        describe(scenario)
    );
    let _ = writeln!(out, "    host = {}", quoted(header.host));
    let _ = writeln!(out, "    fixed_count = {}", users(scenario));
    match &scenario.load {
        Load::Closed {
            think,
            spawn_rate_per_s,
            ..
        } => closed(out, *think, *spawn_rate_per_s),
        Load::Open { rate, poisson } => open(out, rate, *poisson),
    }
    let shares: Vec<f64> = scenario.requests.iter().map(|r| r.share).collect();
    let (weights, _) = integer_weights(&shares);
    for (request, weight) in scenario.requests.iter().zip(weights) {
        let task = if scenario.requests.len() == 1 {
            "@task".to_string()
        } else {
            format!("@task({weight})")
        };
        let _ = writeln!(
            out,
            "\n    {task}\n    def {}(self):\n        self.client.request({}, {}, name={})",
            super::identifier(&format!("class_{}", request.class)),
            quoted(request.method),
            quoted(&request.path),
            quoted(&request.class)
        );
    }
}

fn describe(scenario: &Scenario) -> String {
    match &scenario.load {
        Load::Closed {
            users,
            think,
            spawn_rate_per_s,
        } => {
            let spawn = spawn_rate_per_s
                .map(|r| format!(", started {} per second", num(r)))
                .unwrap_or_default();
            let think = match think {
                Think::Constant(s) => format!("a constant {} s", num(*s)),
                Think::Uniform(a, b) => format!("uniform {}–{} s", num(*a), num(*b)),
                Think::Exponential(m) => format!("exponential, mean {} s", num(*m)),
            };
            format!("{users} closed users thinking {think}{spawn}")
        }
        Load::Open { rate, poisson } => {
            let kind = if *poisson { "Poisson" } else { "evenly spaced" };
            match rate {
                Rate::Constant(r) => format!("{kind} arrivals at {} req/s", num(*r)),
                Rate::Profile { points, linear } => format!(
                    "{kind} arrivals following a profile of {} points ({})",
                    points.len(),
                    if *linear { "linear" } else { "step" }
                ),
            }
        }
    }
}

fn closed(out: &mut String, think: Think, spawn_rate_per_s: Option<f64>) {
    match think {
        Think::Constant(s) => {
            let _ = writeln!(out, "    wait_time = constant({})", num(s));
        }
        Think::Uniform(a, b) => {
            let _ = writeln!(out, "    wait_time = between({}, {})", num(a), num(b));
        }
        Think::Exponential(mean) => {
            let _ = writeln!(
                out,
                "\n    def wait_time(self):\n        # Exponential think time, mean {} s.\n        return random.expovariate(1 / {})",
                num(mean),
                num(mean)
            );
        }
    }
    if let Some(rate) = spawn_rate_per_s {
        let _ = writeln!(
            out,
            "    started = itertools.count()\n\n    def on_start(self):\n        # User i sends its first request i / {} s after the start.\n        gevent.sleep(next(type(self).started) / {})",
            num(rate),
            num(rate)
        );
    }
}

fn open(out: &mut String, rate: &Rate, poisson: bool) {
    match rate {
        Rate::Constant(r) => {
            let _ = writeln!(out, "    rate_rps = {}", num(*r));
        }
        Rate::Profile { points, linear } => {
            let list: Vec<String> = points
                .iter()
                .map(|(t, r)| format!("({}, {})", num(*t), num(*r)))
                .collect();
            let _ = writeln!(
                out,
                "    # (time_s, rate_rps), {}; the last rate holds.\n    profile = [{}]\n    linear = {}\n    peak_rps = {}",
                if *linear {
                    "linear between points"
                } else {
                    "each rate held until the next point"
                },
                list.join(", "),
                if *linear { "True" } else { "False" },
                num(rate.peak_rps())
            );
        }
    }
    let _ = writeln!(
        out,
        "    users = {}\n    started = itertools.count()",
        open_users(rate)
    );
    if let Rate::Profile { .. } = rate {
        out.push_str(PROFILE_RATE);
    }
    let (first, advance) = match (rate, poisson) {
        // User i's first arrival at i / λ, then every n / λ: together, every 1 / λ.
        (Rate::Constant(_), false) => (
            "next(type(self).started) / self.rate_rps",
            "t + self.users / self.rate_rps",
        ),
        (Rate::Constant(_), true) => (
            "self.advance(0.0)",
            "t + random.expovariate(self.rate_rps / self.users)",
        ),
        (Rate::Profile { .. }, _) => (
            "self.advance(0.0)",
            "next_poisson(t, self.rate_at, self.peak_rps, self.users)",
        ),
    };
    let _ = writeln!(
        out,
        "\n    def advance(self, t):\n        \"\"\"This user's next arrival after t.\"\"\"\n        return {advance}\n\n    def on_start(self):\n        self.due = {first}\n        gevent.sleep(wait_until(self.due))\n\n    def wait_time(self):\n        self.due = self.advance(self.due)\n        return wait_until(self.due)"
    );
}

const PROFILE_RATE: &str = r#"
    def rate_at(self, t):
        """The profile's rate at t seconds."""
        points = self.profile
        i = max(0, sum(1 for at, _ in points if at <= t) - 1)
        t0, r0 = points[i]
        if self.linear and i + 1 < len(points):
            t1, r1 = points[i + 1]
            return r0 + (r1 - r0) * (t - t0) / (t1 - t0)
        return r0
"#;

/// `source_web` as `Source_web`: a Python class's name.
fn capitalized(ident: &str) -> String {
    let mut chars = ident.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_uppercase().to_string() + chars.as_str()
    })
}
