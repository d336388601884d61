//! The plan as a k6 script: a scenario per source, each running an exported
//! function that picks a class by its share and sends its request tagged
//! with the class's `name`.
//!
//! Executors (grafana.com/docs/k6/latest/using-k6/scenarios/executors/):
//! closed users are `constant-vus`, or `ramping-vus` from 0 when the model
//! spawns them at a rate (k6 ramps VUs linearly), each iteration ending with
//! a `sleep` of the think law; open rates are `constant-arrival-rate`, and
//! profiles `ramping-arrival-rate` whose stages are the profile's points (a
//! stage ramps linearly to its `target` over its `duration`; a step is a
//! stage of `0s`). Their `rate`/`target` are integers per `timeUnit`, so a
//! rate with decimals is written per 1000 s (exact to 0.001 req/s). k6
//! spaces arrival-rate iterations evenly ("Iteration starts are spaced
//! fractionally"), so a Poisson model gets its rate, not its burstiness:
//! `plan` notes it.

use std::fmt::Write;

use super::{Header, Load, Rate, Scenario, Think, num, quoted};

/// VUs k6 allocates before an open scenario starts: its peak rate × this.
const PREALLOCATED_S: f64 = 1.0;
/// The most VUs an open scenario may use: its peak rate × this (an
/// iteration longer than this at the peak rate makes k6 drop iterations,
/// counted in `dropped_iterations`).
const MAX_VUS_S: f64 = 10.0;

/// The k6 script of `scenarios`.
pub fn render(header: &Header<'_>, scenarios: &[Scenario]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Load test of model `{}`, written by `capsim loadtest --to k6`.\n//\n//     k6 run --out csv=results.csv -e BASE_URL={} THIS_FILE\n//\n// then `capsim compare MODEL --observed results.csv`. The model's warm-up is {} s.\n// Each request is tagged `name` with its class, so compare matches classes; the\n// model has no HTTP paths, so class `c` requests `GET /c`: edit REQUESTS to send\n// the real requests.",
        header.model,
        header.host,
        num(header.warmup_s)
    );
    if !header.notes.is_empty() {
        out.push_str("//\n// Approximations (also printed by capsim):\n");
        for note in header.notes {
            let _ = writeln!(out, "// - {note}");
        }
    }
    out.push_str("\nimport http from 'k6/http';\nimport { sleep } from 'k6';\n\n");
    let _ = writeln!(
        out,
        "const BASE_URL = __ENV.BASE_URL || {};\n",
        quoted(header.host)
    );
    out.push_str("export const options = {\n  scenarios: {\n");
    for scenario in scenarios {
        executor(&mut out, header.duration_s, scenario);
    }
    out.push_str("  },\n};\n");
    out.push_str(PICK);
    for scenario in scenarios {
        function(&mut out, scenario);
    }
    out
}

const PICK: &str = r#"
// A class drawn by its share: `requests` holds cumulative shares.
function pick(requests) {
  const u = Math.random();
  for (const request of requests) {
    if (u < request.upTo) {
      return request;
    }
  }
  return requests[requests.length - 1];
}

function send(request) {
  http.request(request.method, BASE_URL + request.path, null, { tags: { name: request.name } });
}
"#;

/// A duration as k6 reads it, in whole milliseconds.
fn duration(seconds: f64) -> String {
    format!("'{}ms'", (seconds * 1e3).round() as u64)
}

fn executor(out: &mut String, duration_s: f64, scenario: &Scenario) {
    let _ = writeln!(out, "    // `{}`", scenario.path);
    let _ = writeln!(out, "    {}: {{", scenario.ident);
    match &scenario.load {
        Load::Closed {
            users,
            spawn_rate_per_s: None,
            ..
        } => {
            let _ = writeln!(
                out,
                "      executor: 'constant-vus',\n      vus: {users},\n      duration: {},",
                duration(duration_s)
            );
        }
        Load::Closed {
            users,
            spawn_rate_per_s: Some(rate),
            ..
        } => {
            // k6 adds the k-th VU k / users of the way through the ramp: one every 1 / rate.
            let ramp_s = (f64::from(*users) / rate).min(duration_s);
            let _ = writeln!(
                out,
                "      executor: 'ramping-vus',\n      startVUs: 0,\n      stages: [\n        {{ duration: {}, target: {users} }},\n        {{ duration: {}, target: {users} }},\n      ],\n      gracefulRampDown: '0s',",
                duration(ramp_s),
                duration(duration_s - ramp_s)
            );
        }
        Load::Open { rate, .. } => open(out, duration_s, rate),
    }
    let _ = writeln!(out, "      exec: '{}',\n    }},", scenario.ident);
}

/// A rate as an integer per time unit: per second if whole, else per 1000 s.
fn per_unit(rate: f64, unit_s: u32) -> u64 {
    (rate * f64::from(unit_s)).round() as u64
}

fn open(out: &mut String, duration_s: f64, rate: &Rate) {
    let whole = |r: f64| r.fract() == 0.0;
    let stages = match rate {
        Rate::Constant(_) => Vec::new(),
        Rate::Profile { points, linear } => stages(points, *linear, duration_s),
    };
    let unit_s = match rate {
        Rate::Constant(r) if whole(*r) => 1,
        Rate::Profile { points, .. } if whole(points[0].1) && stages.iter().all(|s| whole(s.1)) => {
            1
        }
        _ => 1000,
    };
    let peak = rate.peak_rps();
    let preallocated = (peak * PREALLOCATED_S).ceil().max(1.0) as u64;
    let max_vus = (peak * MAX_VUS_S).ceil().max(10.0) as u64;
    match rate {
        Rate::Constant(r) => {
            let _ = writeln!(
                out,
                "      executor: 'constant-arrival-rate',\n      rate: {},\n      timeUnit: '{unit_s}s',\n      duration: {},",
                per_unit(*r, unit_s),
                duration(duration_s)
            );
        }
        Rate::Profile { points, .. } => {
            let _ = writeln!(
                out,
                "      executor: 'ramping-arrival-rate',\n      startRate: {},\n      timeUnit: '{unit_s}s',\n      stages: [",
                per_unit(points[0].1, unit_s)
            );
            for stage in &stages {
                let _ = writeln!(
                    out,
                    "        {{ duration: {}, target: {} }},",
                    duration(stage.0),
                    per_unit(stage.1, unit_s)
                );
            }
            out.push_str("      ],\n");
        }
    }
    let _ = writeln!(
        out,
        "      preAllocatedVUs: {preallocated},\n      maxVUs: {max_vus},"
    );
}

/// The stages of a profile up to `duration_s`: `(seconds, target rate)`,
/// each ramping linearly from the previous target.
fn stages(points: &[(f64, f64)], linear: bool, duration_s: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for pair in points.windows(2) {
        let ((t0, r0), (t1, r1)) = (pair[0], pair[1]);
        if t0 >= duration_s {
            break;
        }
        let end = t1.min(duration_s);
        if linear {
            let r_end = r0 + (r1 - r0) * (end - t0) / (t1 - t0);
            out.push((end - t0, r_end));
        } else {
            out.push((end - t0, r0));
            if t1 < duration_s {
                out.push((0.0, r1));
            }
        }
    }
    let (last_t, last_r) = points[points.len() - 1];
    if last_t < duration_s {
        out.push((duration_s - last_t, last_r));
    }
    out
}

fn function(out: &mut String, scenario: &Scenario) {
    let upper = scenario.ident.to_uppercase();
    let _ = writeln!(out, "\nconst {upper}_REQUESTS = [");
    let mut up_to = 0.0;
    for (i, request) in scenario.requests.iter().enumerate() {
        up_to += request.share;
        // The last class takes what rounding leaves.
        let bound = if i + 1 == scenario.requests.len() {
            "1".to_string()
        } else {
            num(up_to)
        };
        let _ = writeln!(
            out,
            "  {{ name: {}, method: {}, path: {}, upTo: {bound} }},",
            quoted(&request.class),
            quoted(request.method),
            quoted(&request.path)
        );
    }
    out.push_str("];\n");
    let _ = writeln!(
        out,
        "\nexport function {}() {{\n  send(pick({upper}_REQUESTS));",
        scenario.ident
    );
    if let Load::Closed { think, .. } = &scenario.load {
        let line = match think {
            Think::Constant(s) => format!("  sleep({});", num(*s)),
            Think::Uniform(a, b) => format!(
                "  sleep({} + Math.random() * {}); // uniform think time",
                num(*a),
                num(b - a)
            ),
            Think::Exponential(mean) => format!(
                "  sleep(-Math.log(1 - Math.random()) * {}); // exponential think time",
                num(*mean)
            ),
        };
        let _ = writeln!(out, "{line}");
    }
    out.push_str("}\n");
}
