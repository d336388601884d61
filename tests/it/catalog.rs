//! The instance catalog: how old `capsim instance-types` says it is, a
//! user's catalog file overriding and extending the built-in one (in a
//! model and on the command line), its precedence under a model's own
//! `instance_types`, and bad files with their exact messages. Fixtures live
//! in tests/data/catalog/.

use std::path::{Path, PathBuf};
use std::process::Output;

use capsim::fingerprint::fingerprint;
use capsim::model::ModelError;
use serde_json::{Value, json};

const SEED: u64 = 15;

/// `capsim args…` in the crate's folder with `CAPSIM_TODAY` set to `today`.
fn instance_types(today: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_capsim"))
        .arg("instance-types")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CAPSIM_TODAY", today)
        .output()
        .expect("capsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn last_line(out: &Output) -> String {
    text(&out.stdout).lines().last().unwrap_or("").to_string()
}

/// Three instances of `instance_type` for an hour (no warm-up) under light
/// load, with `extra` top-level fields (`catalog`, `instance_types`).
fn hour_of_three(instance_type: &str, extra: Value) -> Value {
    let mut model = json!({
        "simulation": { "duration_s": 3600, "warmup_s": 0 },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 5 } } },
        "nodes": { "web": { "pool": {
            "instance_type": instance_type, "instances": 3, "workers_per_instance": 4,
            "service": { "exponential": { "mean_ms": 20 } }
        } } }
    });
    model
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    model
}

fn cost_per_hour(model: Value) -> f64 {
    let model = capsim::model::parse(&model.to_string()).expect("valid model");
    capsim::simulate(&model, SEED, 0).cost.usd_per_hour
}

#[track_caller]
fn rejected(model: Value, expected: &str) {
    let err = capsim::model::parse(&model.to_string()).expect_err("model should be rejected");
    assert_eq!(err.to_string(), expected);
}

fn with_catalog(file: &str) -> Value {
    hour_of_three("m7g.large", json!({ "catalog": file }))
}

#[test]
fn the_age_line_gives_the_oldest_and_newest_dates_and_the_oldest_age() {
    // The built-in catalog's oldest prices are the 2024 ones (dated
    // 2024-01-01), its newest the EC2 listing of 2026-01-19. 2024-01-01 to
    // 2026-12-02 is 366 (2024 is a leap year) + 365 + 335 days.
    let out = instance_types("2026-12-02", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        last_line(&out),
        "prices as of 2024-01-01 .. 2026-01-19; the oldest is 1066 days old: check them before you buy (capsim instance-types --catalog FILE for your own)"
    );
    let next_day = instance_types("2024-01-02", &[]);
    assert!(
        last_line(&next_day).contains("the oldest is 1 day old:"),
        "{}",
        last_line(&next_day)
    );
    // The user's file brings a newer date (2026-11-01).
    let acme = instance_types("2026-12-02", &["--catalog", "tests/data/catalog/acme.json"]);
    assert!(
        last_line(&acme)
            .starts_with("prices as of 2024-01-01 .. 2026-11-01; the oldest is 1066 days old"),
        "{}",
        last_line(&acme)
    );
}

#[test]
fn a_bad_capsim_today_is_bad_input() {
    let out = instance_types("2026-13-01", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: CAPSIM_TODAY: `2026-13-01` is not a day of the calendar\n"
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn the_listing_marks_the_rows_of_the_file() {
    let out = instance_types("2026-12-02", &["--catalog", "tests/data/catalog/acme.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let row = |name: &str| {
        stdout
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("a row for {name} in:\n{stdout}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        row("name"),
        "name vcpus mem GB $/hour arch as of from source"
    );
    assert_eq!(
        row("m7g.large"),
        "m7g.large 2 8 0.07 arm64 2026-11-01 overrides acme-2026"
    );
    assert_eq!(
        row("acme.big"),
        "acme.big 32 128 1.2 - 2026-11-01 file acme-2026"
    );
    assert_eq!(
        row("m7g.xlarge"),
        "m7g.xlarge 4 16 0.1632 arm64 2026-01-19 built-in aws-ec2-2026-01"
    );
    assert!(stdout.contains(
        "sources (`tests/data/catalog/acme.json`; `from` overrides: replaces the built-in type of that name):\n  acme-2026: Acme Corp's enterprise agreement with AWS, schedule B (internal), us-east-1\n"
    ), "{stdout}");
}

#[test]
fn an_override_changes_the_cost_by_the_price_difference() {
    // Three m7g.large for an hour: 3 × $0.0816 built in, 3 × $0.07 with
    // Acme's price; the difference is 3 × $0.0116 = $0.0348 per hour.
    let built_in = cost_per_hour(hour_of_three("m7g.large", json!({})));
    let acme = cost_per_hour(with_catalog("tests/data/catalog/acme.json"));
    assert!((built_in - 3.0 * 0.0816).abs() < 1e-12, "{built_in}");
    assert!((acme - 3.0 * 0.07).abs() < 1e-12, "{acme}");
    assert!(
        (built_in - acme - 0.0348).abs() < 1e-12,
        "{}",
        built_in - acme
    );
}

#[test]
fn the_models_own_instance_types_win_over_the_file() {
    let model = hour_of_three(
        "m7g.large",
        json!({
            "catalog": "tests/data/catalog/acme.json",
            "instance_types": { "m7g.large": { "vcpus": 2, "usd_per_hour": 0.05 } }
        }),
    );
    let cost = cost_per_hour(model);
    assert!((cost - 3.0 * 0.05).abs() < 1e-12, "{cost}");
}

#[test]
fn an_added_type_is_usable_by_a_pool() {
    let model = hour_of_three(
        "acme.big",
        json!({ "catalog": "tests/data/catalog/acme.json" }),
    );
    let compiled = capsim::model::parse(&model.to_string()).expect("valid model");
    let capsim::model::NodeKind::Pool(pool) = &compiled.nodes[0].kind else {
        panic!("web is a pool");
    };
    let instance_type = &pool.instance_type;
    assert_eq!(
        (instance_type.name.as_str(), instance_type.vcpus),
        ("acme.big", 32)
    );
    let cost = capsim::simulate(&compiled, SEED, 0).cost.usd_per_hour;
    assert!((cost - 3.0 * 1.2).abs() < 1e-12, "{cost}");
    // Without the file, the name is unknown.
    let err = capsim::model::parse(&hour_of_three("acme.big", json!({})).to_string())
        .expect_err("no such built-in type");
    assert!(
        err.to_string()
            .starts_with("nodes.web.pool.instance_type: no instance type `acme.big`"),
        "{err}"
    );
}

/// A scratch folder holding `model.json` (naming `prices/acme.json`) and
/// that file with `m7g.large` at `price`.
fn model_beside_prices(name: &str, price: f64) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("prices")).unwrap();
    let prices = json!({
        "sources": { "acme": "Acme's prices" },
        "types": { "m7g.large": {
            "source": "acme", "as_of": "2026-11-01", "vcpus": 2, "memory_gb": 8, "usd_per_hour": price
        } }
    });
    std::fs::write(dir.join("prices/acme.json"), prices.to_string()).unwrap();
    let model = with_catalog("prices/acme.json");
    std::fs::write(dir.join("model.json"), model.to_string()).unwrap();
    dir.join("model.json")
}

#[test]
fn the_file_is_relative_to_the_model_file() {
    let path = model_beside_prices("catalog-relative", 0.06);
    let model = capsim::model::load(&path).expect("loads from any working directory");
    let cost = capsim::simulate(&model, SEED, 0).cost.usd_per_hour;
    assert!((cost - 3.0 * 0.06).abs() < 1e-12, "{cost}");
    // A missing file names the path tried: the model's folder joined.
    std::fs::remove_file(path.with_file_name("prices/acme.json")).unwrap();
    let err = capsim::model::load(&path).expect_err("the file is gone");
    let tried = path.parent().unwrap().join("prices/acme.json");
    assert_eq!(
        err.to_string(),
        format!(
            "catalog: {}: cannot open: No such file or directory (os error 2)",
            tried.display()
        )
    );
}

#[test]
fn the_fingerprint_follows_the_files_prices() {
    // Prices reach the trace (every fleet report carries its price), so a
    // changed catalog file changes the fingerprint, and the same one does not.
    let print = |name: &str, price: f64| {
        let model = capsim::model::load(&model_beside_prices(name, price)).unwrap();
        fingerprint(&model, SEED, 0, 100_000).hash
    };
    assert_eq!(
        print("catalog-print-a", 0.06),
        print("catalog-print-b", 0.06)
    );
    assert_ne!(
        print("catalog-print-a", 0.06),
        print("catalog-print-c", 0.061)
    );
}

#[test]
fn a_missing_file_names_the_path_tried() {
    rejected(
        with_catalog("tests/data/catalog/no-such-file.json"),
        "catalog: tests/data/catalog/no-such-file.json: cannot open: No such file or directory (os error 2)",
    );
}

#[test]
fn malformed_json_names_the_line_and_column() {
    rejected(
        with_catalog("tests/data/catalog/malformed.json"),
        "catalog: tests/data/catalog/malformed.json: types: expected `,` or `}` at line 5 column 5",
    );
}

#[test]
fn every_entry_with_an_unknown_source_is_reported() {
    rejected(
        with_catalog("tests/data/catalog/unknown-source.json"),
        "catalog: tests/data/catalog/unknown-source.json: types.acme.small.source: no source `acme-2025` in this file's `sources` (sources: acme-2026)\n\
         catalog: tests/data/catalog/unknown-source.json: types.acme.xlarge.source: no source `amce-2026` in this file's `sources` (sources: acme-2026)",
    );
}

#[test]
fn a_negative_price_names_the_value_and_what_was_expected() {
    rejected(
        with_catalog("tests/data/catalog/negative-price.json"),
        "catalog: tests/data/catalog/negative-price.json: types.acme.small.usd_per_hour: expected a number ≥ 0, got -0.03 at line 4 column 112",
    );
}

#[test]
fn an_unknown_field_lists_the_entrys_fields() {
    rejected(
        with_catalog("tests/data/catalog/unknown-field.json"),
        "catalog: tests/data/catalog/unknown-field.json: types.acme.small.price: unknown field `price`, expected one of `source`, `as_of`, `vcpus`, `memory_gb`, `usd_per_hour`, `arch` at line 4 column 96",
    );
}

#[test]
fn an_impossible_date_is_named() {
    rejected(
        with_catalog("tests/data/catalog/bad-date.json"),
        "catalog: tests/data/catalog/bad-date.json: types.acme.small.as_of: `2026-02-30` is not a day of the calendar at line 4 column 59",
    );
}

#[test]
fn the_command_line_reports_a_bad_file_without_a_table() {
    let out = instance_types(
        "2026-12-02",
        &["--catalog", "tests/data/catalog/unknown-field.json"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "error: cannot load catalog `tests/data/catalog/unknown-field.json`\n  tests/data/catalog/unknown-field.json: types.acme.small.price: unknown field `price`, expected one of `source`, `as_of`, `vcpus`, `memory_gb`, `usd_per_hour`, `arch` at line 4 column 96\n"
    );
}

#[test]
fn a_wrong_type_for_the_field_is_named_with_its_path() {
    // `catalog` names a file: a number there is a type error at its path.
    let err = capsim::model::parse(&with_catalog("x").to_string().replace("\"x\"", "3"))
        .expect_err("not a string");
    assert!(matches!(err, ModelError::Syntax { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("catalog: invalid type: integer `3`, expected a string"),
        "{err}"
    );
}
