//! The JSON Schemas in `schema/`: the shipped files are the generated ones
//! (after a deliberate change of the format: `CAPSIM_BLESS=1 cargo test
//! --release --test it schema`, then commit `schema/`), and an independent
//! validator (Python's `jsonschema`, through `schema/validate.py`) accepts
//! every shipped model and experiment and rejects what capsim rejects.
//!
//! Without a Python that has `jsonschema` and PyYAML the validator tests say
//! so and pass, unless `CI` is set: CI installs both in a virtualenv
//! (`.ci/run`, `target/.venv-schema`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::capsim;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("CAPSIM_BLESS").is_some_and(|v| v == "1")
}

#[test]
fn the_shipped_schemas_are_the_generated_ones() {
    for (file, schema) in [
        ("model.schema.json", capsim::model::schema::model()),
        (
            "experiment.schema.json",
            capsim::sweep::schema::experiment(),
        ),
    ] {
        let path = root().join("schema").join(file);
        let generated = capsim::model::schema::text(&schema);
        if blessing() {
            std::fs::write(&path, &generated).expect("schema/ is writable");
            continue;
        }
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            shipped == generated,
            "schema/{file} is not the schema the types generate: after a deliberate change of \
             the format, rerun with CAPSIM_BLESS=1 and commit schema/"
        );
    }
}

#[test]
fn capsim_schema_prints_the_shipped_files() {
    for (kind, file) in [
        ("model", "model.schema.json"),
        ("experiment", "experiment.schema.json"),
    ] {
        let out = capsim(&["schema", kind]);
        assert_eq!(out.status.code(), Some(0));
        let shipped = std::fs::read(root().join("schema").join(file)).expect("shipped schema");
        assert!(
            out.stdout == shipped,
            "`capsim schema {kind}` differs from schema/{file}"
        );
    }
    assert_eq!(
        capsim(&["schema"]).stdout,
        capsim(&["schema", "model"]).stdout
    );
    let out = capsim(&["schema", "catalog"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn descriptions_come_from_the_doc_comments() {
    let schema = capsim::model::schema::model();
    assert_eq!(schema["title"], "capsim model");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let pool = &schema["$defs"]["PoolSpec"]["properties"];
    assert_eq!(
        pool["workers_per_instance"]["description"],
        "Requests one instance serves at once: threads, worker processes (default 1)."
    );
    // A wrapped doc comment reads as one line.
    assert_eq!(
        pool["queue_limit"]["description"],
        "Requests that may wait per queue (per instance, or in the shared queue); beyond it \
         requests are rejected. Absent means unbounded."
    );
    assert_eq!(schema["$defs"]["Count"]["minimum"], 1);
    assert_eq!(
        schema["properties"]["$schema"]["type"],
        json!(["string", "null"])
    );
}

// ---- an independent validator ----------------------------------------------

/// A Python that has `jsonschema` and PyYAML, or `None` after saying the
/// tests skip; under `CI` its absence fails.
fn python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("CAPSIM_SCHEMA_PYTHON").map(PathBuf::from),
        Some(root().join("target/.venv-schema/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    let found = candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import jsonschema, yaml"])
            .output()
            .is_ok_and(|out| out.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no Python with jsonschema and PyYAML (.ci/run installs them in target/.venv-schema)"
        );
        eprintln!("skipped: no Python with jsonschema and PyYAML");
    }
    found
}

/// `schema/validate.py`'s line for each file, in order.
fn validate(python: &Path, schema: &str, files: &[PathBuf]) -> Vec<String> {
    let out = Command::new(python)
        .arg(root().join("schema/validate.py"))
        .arg(root().join("schema").join(schema))
        .args(files)
        .output()
        .expect("the validator runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert_eq!(
        lines.len(),
        files.len(),
        "one line per file:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines
}

/// The files of `dir` (recursively) whose names end in one of `extensions`.
fn files(dir: &Path, extensions: &[&str], into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            files(&path, extensions, into);
        } else if extensions
            .iter()
            .any(|e| path.extension().is_some_and(|x| x == *e))
        {
            into.push(path);
        }
    }
    into.sort();
}

#[test]
fn every_shipped_model_and_experiment_is_valid() {
    let Some(python) = python() else { return };
    let mut models = Vec::new();
    files(
        &root().join("models"),
        &["json", "yaml", "yml"],
        &mut models,
    );
    // The real check's models, beside its results (which are not models).
    files(
        &root().join("experiments/real-check"),
        &["json"],
        &mut models,
    );
    models.retain(|path| !path.components().any(|c| c.as_os_str() == "results"));
    // Manifests and templates the examples name are Kubernetes' and
    // CloudFormation's formats, not models.
    models.retain(|path| !path.starts_with(root().join("models/infra")));
    let mut experiments = Vec::new();
    for entry in std::fs::read_dir(root().join("experiments")).expect("experiments/") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "json" || e == "yaml") {
            experiments.push(path);
        }
    }
    experiments.sort();
    assert!(models.len() > 20 && experiments.len() > 3);
    for (schema, paths) in [
        ("model.schema.json", &models),
        ("experiment.schema.json", &experiments),
    ] {
        let invalid: Vec<String> = validate(&python, schema, paths)
            .into_iter()
            .filter(|line| !line.ends_with(": ok"))
            .collect();
        assert!(invalid.is_empty(), "{}", invalid.join("\n"));
    }
}

/// A small valid model, as `errors.rs` builds them.
fn base() -> Value {
    json!({
        "$schema": "../schema/model.schema.json",
        "simulation": { "duration_s": 60, "warmup_s": 10 },
        "instance_types": { "box": { "vcpus": 2 } },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 10 } } },
        "nodes": {
            "web": { "pool": {
                "instance_type": "box",
                "instances": 2,
                "service": { "exponential": { "mean_ms": 20 } }
            } }
        }
    })
}

fn pod(requests: Value) -> Value {
    let mut model = base();
    model["clusters"] = json!({ "main": { "node_pools": [ { "instance_type": "m5.large" } ] } });
    let pool = &mut model["nodes"]["web"]["pool"];
    pool.as_object_mut()
        .expect("an object")
        .remove("instance_type");
    pool["kubernetes"] = json!({ "cluster": "main", "requests": requests });
    model
}

/// Edits of the base model that serde accepts or refuses; the validator
/// must say the same of each (cross-references are `capsim check`'s, not
/// the schema's, so none is here).
fn cases() -> Vec<(&'static str, Value)> {
    let edit = |change: &dyn Fn(&mut Value)| {
        let mut model = base();
        change(&mut model);
        model
    };
    vec![
        ("base", base()),
        ("unknown-top", edit(&|m| m["nodez"] = json!({}))),
        (
            "unknown-field",
            edit(&|m| m["nodes"]["web"]["pool"]["workers"] = json!(4)),
        ),
        (
            "negative-count",
            edit(&|m| m["nodes"]["web"]["pool"]["instances"] = json!(-3)),
        ),
        (
            "zero-count",
            edit(&|m| m["nodes"]["web"]["pool"]["instances"] = json!(0)),
        ),
        (
            "fraction-count",
            edit(&|m| m["nodes"]["web"]["pool"]["instances"] = json!(2.5)),
        ),
        (
            "whole-float-count",
            edit(&|m| m["nodes"]["web"]["pool"]["instances"] = json!(3.0)),
        ),
        (
            "huge-count",
            edit(&|m| m["nodes"]["web"]["pool"]["instances"] = json!(5_000_000_000u64)),
        ),
        (
            "zero-rate",
            edit(&|m| m["traffic"]["arrivals"]["poisson"]["rate_rps"] = json!(0)),
        ),
        (
            "string-rate",
            edit(&|m| m["traffic"]["arrivals"]["poisson"]["rate_rps"] = json!("10")),
        ),
        ("kind", edit(&|m| m["nodes"]["web"] = json!({ "pol": {} }))),
        (
            "family",
            edit(&|m| m["nodes"]["web"]["pool"]["service"] = json!({ "expo": {} })),
        ),
        (
            "missing",
            edit(&|m| {
                m["nodes"]["web"]["pool"]
                    .as_object_mut()
                    .unwrap()
                    .remove("service");
            }),
        ),
        (
            "hit-ratio",
            edit(&|m| {
                m["nodes"]["c"] =
                    json!({ "cache": { "hit_ratio": 1.5, "latency": { "constant": { "ms": 1 } } } })
            }),
        ),
        (
            "size-zero",
            edit(&|m| m["nodes"]["web"]["pool"]["queue_limit"] = json!(0)),
        ),
        (
            "size-negative",
            edit(&|m| m["nodes"]["web"]["pool"]["queue_limit"] = json!(-1)),
        ),
        (
            "non-negative-zero",
            edit(&|m| m["simulation"]["warmup_s"] = json!(0)),
        ),
        (
            "non-negative-below",
            edit(&|m| m["simulation"]["warmup_s"] = json!(-0.5)),
        ),
        ("schema-number", edit(&|m| m["$schema"] = json!(7))),
        ("cpu", pod(json!({ "cpu": "250m", "memory": "1Gi" }))),
        ("cpu-number", pod(json!({ "cpu": 0.5 }))),
        ("cpu-word", pod(json!({ "cpu": "lots" }))),
        ("memory-unit", pod(json!({ "cpu": 1, "memory": "1Gx" }))),
    ]
}

#[test]
fn the_validator_accepts_and_refuses_what_capsim_does() {
    let Some(python) = python() else { return };
    let dir = std::env::temp_dir().join(format!("capsim-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let cases = cases();
    let paths: Vec<PathBuf> = cases
        .iter()
        .map(|(name, model)| {
            let path = dir.join(format!("{name}.json"));
            std::fs::write(&path, model.to_string()).expect("scratch file");
            path
        })
        .collect();
    let lines = validate(&python, "model.schema.json", &paths);
    let mut refused = 0;
    for ((name, model), line) in cases.iter().zip(&lines) {
        let by_capsim = capsim::model::parse_topology(&model.to_string());
        let valid = line.ends_with(": ok");
        assert_eq!(
            valid,
            by_capsim.is_ok(),
            "{name}: the validator says `{line}`, capsim {by_capsim:?}"
        );
        refused += usize::from(!valid);
    }
    assert!(refused >= 10, "bad files are among the cases");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_file_is_refused_with_its_path() {
    let Some(python) = python() else { return };
    let path = std::env::temp_dir().join(format!("capsim-schema-{}-bad.json", std::process::id()));
    let mut model = base();
    model["nodes"]["web"]["pool"]["instances"] = json!(0);
    std::fs::write(&path, model.to_string()).expect("scratch file");
    let lines = validate(&python, "model.schema.json", std::slice::from_ref(&path));
    assert_eq!(
        lines[0],
        format!(
            "{}: invalid at nodes.web.pool.instances: 0 is less than the minimum of 1",
            path.display()
        )
    );
    std::fs::remove_file(&path).ok();
}
