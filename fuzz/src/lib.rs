//! What the fuzz targets share: the repository's own files (the models'
//! traces and profiles, the observed examples), a scratch directory for
//! inputs that capsim reads from a path, a brief simulation of whatever
//! compiles, and the comparison `capsim compare` makes.
//!
//! A target fails only by panicking, aborting, hanging (libFuzzer's
//! `-timeout`) or exhausting memory (`-rss_limit_mb`): every error capsim
//! returns is a correct answer to a bad input.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use capsim::model::{Arrivals, Format, LoadOptions, Model};
use capsim::observed::{self, Observed};
use capsim::{RunResult, Summary};
use serde_json::Value;

/// At most this many simulated seconds per run: enough for every node kind
/// to see work, short enough for thousands of runs a minute.
const MAX_DURATION_S: f64 = 2.0;

/// About this many arrivals per run at most: a model at 10^6 requests a
/// second is valid, and simulating it is slow, not wrong.
const MAX_ARRIVALS: f64 = 20_000.0;

/// The repository (the fuzz crate's parent).
pub fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A directory of this process's own, for inputs read from a file: under
/// `$CAPSIM_FUZZ_SCRATCH` (`fuzz/run.sh` sets it, and removes it after), else
/// the system's temporary directory.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base =
            std::env::var_os("CAPSIM_FUZZ_SCRATCH").map_or_else(std::env::temp_dir, PathBuf::from);
        let dir = base.join(format!("capsim-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    })
}

/// Writes `data` to `name` in the scratch directory; returns its path.
pub fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, data).expect("the scratch directory is writable");
    path
}

/// Compiles a model written as JSON whose files are relative to `base`,
/// and simulates it briefly if it is valid.
pub fn compile_and_run(json: &str, base: &Path, options: LoadOptions) {
    compile_and_run_as(json, Format::Json, base, options);
}

/// As [`compile_and_run`], for a model written in `format`.
pub fn compile_and_run_as(text: &str, format: Format, base: &Path, options: LoadOptions) {
    let Ok(topology) = capsim::model::parse_topology_as(text, format) else {
        return;
    };
    if let Ok(mut model) = capsim::model::from_topology_in(&topology, base, options) {
        run_briefly(&mut model);
    }
}

/// Shortens `model` to [`MAX_DURATION_S`] and [`MAX_ARRIVALS`], checks its
/// offered load (as `capsim check` does), simulates it once and renders
/// the summary (as `capsim run` does).
pub fn run_briefly(model: &mut Model) -> RunResult {
    let peak_rps: f64 = model
        .sources
        .iter()
        .map(|source| match &source.arrivals {
            Arrivals::Profile(profile) => profile.peak_rps(model.duration_s),
            _ => source.mean_rate_rps(model.duration_s).unwrap_or(0.0),
        })
        .sum();
    let by_arrivals = if peak_rps > 0.0 {
        MAX_ARRIVALS / peak_rps
    } else {
        MAX_DURATION_S
    };
    model.duration_s = model.duration_s.min(MAX_DURATION_S).min(by_arrivals);
    model.warmup_s = model.warmup_s.min(model.duration_s / 2.0);
    let _ = capsim::analytic::offered_load(model);
    let run = capsim::simulate(model, model.seed, 0);
    let summary = Summary::of(std::slice::from_ref(&run));
    capsim::report::table::write(&mut std::io::sink(), &summary, model.window_s())
        .expect("a sink takes anything");
    run
}

/// Replays `data` as a trace file of `format` (with the trace options
/// `fields` and the source's `classes`) through a small web tier with a
/// cache and a database, as recorded and again with bad lines skipped, at
/// another speed and through a window.
pub fn replay(data: &[u8], format: &str, fields: Value, classes: Value) {
    let path = scratch_file(&format!("trace.{format}"), data);
    let variants = [
        (serde_json::json!({}), false),
        (
            serde_json::json!({ "speed": 3, "from_s": 0.5, "to_s": 40 }),
            true,
        ),
    ];
    for (window, skip_bad_lines) in variants {
        let mut trace = serde_json::json!({ "file": path, "format": format });
        for (key, value) in fields.as_object().into_iter().flatten() {
            trace[key] = value.clone();
        }
        for (key, value) in window.as_object().into_iter().flatten() {
            trace[key] = value.clone();
        }
        let mut traffic = serde_json::json!({ "entry": "web", "arrivals": { "trace": trace } });
        if !classes.is_null() {
            traffic["classes"] = classes.clone();
        }
        let model = serde_json::json!({
            "simulation": { "duration_s": 60, "seed": 1 },
            "traffic": traffic,
            "nodes": {
                "web": { "pool": {
                    "instance_type": "c5.large", "instances": 2, "workers_per_instance": 4,
                    "service": { "exponential": { "mean_ms": 5 } },
                    "calls": [ { "to": "cache" } ] } },
                "cache": { "cache": {
                    "capacity_keys": 100, "policy": "lru",
                    "latency": { "constant": { "ms": 0.3 } }, "on_miss": "db" } },
                "db": { "database": {
                    "instance_type": "db.r5.large", "shards": 2, "connections": 4,
                    "read": { "exponential": { "mean_ms": 3 } } } }
            }
        });
        compile_and_run(
            &model.to_string(),
            scratch(),
            LoadOptions { skip_bad_lines },
        );
    }
}

/// What `capsim compare MODEL --observed FILE` does with `observed`, for a
/// closed and an open model: drive the model like the observed system,
/// simulate it (briefly) and compute every figure's error.
pub fn compare(observed: &Observed) {
    for base in [closed_model(), open_model()] {
        let Ok((driven, _note)) = observed::drive(&base, observed) else {
            continue;
        };
        let Ok(mut model) = observed::compile(&driven, &repo().join("tests/data/observed")) else {
            continue;
        };
        let run = run_briefly(&mut model);
        let summary = Summary::of(std::slice::from_ref(&run));
        let _ = observed::rows(&summary, observed);
    }
}

/// The real check's model: Locust's closed users on one server.
fn closed_model() -> Value {
    static MODEL: OnceLock<Value> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let path = repo().join("tests/data/observed/http-server.json");
            let text = std::fs::read_to_string(path).expect("the observed example model");
            serde_json::from_str(&text).expect("valid JSON")
        })
        .clone()
}

/// The same server under open (Poisson) arrivals.
fn open_model() -> Value {
    let mut model = closed_model();
    model["traffic"]["arrivals"] = serde_json::json!({ "poisson": { "rate_rps": 50 } });
    model
}
