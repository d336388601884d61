//! The HTML pages of every sweep in `experiments/` and of a comparison
//! with each shipped observed file, opened in headless Chromium: every
//! section is there, the figures on the page are the CSV's (or the
//! comparison JSON's), unstable points are marked on every chart, the
//! browser logs nothing, and a screenshot is saved in
//! `target/report-screenshots/`. Without Chromium the tests say so and
//! pass, unless `CI` is set (see `report_html`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::report_html::{assert_offline, browse, browser_or_skip, cells as figures, screenshot};
use crate::support::capsim;

/// `shown` reads as `expected` to three significant digits (whole numbers
/// from 100: within 0.5), or `–` where it is undefined.
fn assert_shown(what: &str, shown: &str, expected: f64) {
    if !expected.is_finite() {
        assert_eq!(shown, "–", "{what}: undefined but shown as `{shown}`");
        return;
    }
    let read: f64 = shown
        .parse()
        .unwrap_or_else(|_| panic!("{what}: shown as `{shown}`"));
    let tolerance =
        (expected.abs() * 0.005).max(if expected.abs() >= 100.0 { 0.5 } else { 0.0 }) + 1e-9;
    assert!(
        (read - expected).abs() <= tolerance,
        "{what}: shown as {shown}, is {expected}"
    );
}

/// Opens `html` in the browser: its DOM, checked to have logged nothing.
fn open(browser: &Path, html: &Path, profile: &Path, what: &str) -> String {
    assert_offline(&std::fs::read_to_string(html).unwrap(), what);
    let (dom, console) = browse(browser, html, profile, &["--dump-dom"]);
    assert!(
        console.is_empty(),
        "{what}: console messages (a blocked request, an error):\n{}",
        console.join("\n")
    );
    dom
}

/// The experiment at `path` with 2 replications per point (the page's
/// checks need no more, and the test stays short), in `out`.
fn shortened(path: &Path, out: &Path) -> PathBuf {
    let mut experiment: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let model = path
        .parent()
        .unwrap()
        .join(experiment["model"].as_str().unwrap());
    experiment["model"] = Value::from(model.canonicalize().unwrap().to_str().unwrap());
    experiment["replications"] = Value::from(2);
    let copy = out.join(path.file_name().unwrap());
    std::fs::write(&copy, experiment.to_string()).unwrap();
    copy
}

fn check_sweep(browser: &Path, experiment: &Path, out: &Path) {
    let stem = experiment
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let what = format!("sweep {stem}");
    let (csv, html) = (
        out.join(format!("{stem}.csv")),
        out.join(format!("sweep-{stem}.html")),
    );
    let copy = shortened(experiment, out);
    let run = capsim(&[
        "sweep",
        copy.to_str().unwrap(),
        "-o",
        csv.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let columns: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let column = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let dom = open(browser, &html, &out.join(format!("{stem}.profile")), &what);
    for section in ["verdict", "curves", "pareto", "heatmap", "points"] {
        assert!(
            dom.contains(&format!("id=\"{section}\"")),
            "{what}: no section `{section}`"
        );
    }
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(experiment).unwrap()).unwrap();
    let axes = spec["axes"].as_array().unwrap().len();
    assert!(
        dom.contains(&format!("<h1>{}</h1>", spec["name"].as_str().unwrap())),
        "{what}: title"
    );
    assert_eq!(
        dom.matches("id=\"curve-").count(),
        2 * axes,
        "{what}: p99 and cost against each axis"
    );

    // Every figure shown is the CSV's, to the character in `data-value`.
    let cells = figures(&dom);
    assert!(
        cells.len() >= rows.len(),
        "{what}: a figure per point at least"
    );
    for (key, value, shown) in &cells {
        let (point, name) = key.split_once('.').unwrap();
        let row = &rows[point.parse::<usize>().unwrap()];
        assert_eq!(&row[0], point, "{what}: rows in point order");
        assert_eq!(
            value,
            &row[column(name)],
            "{what}: {key} on the page against the CSV"
        );
        assert_shown(
            &format!("{what}: {key}"),
            shown,
            value.parse().unwrap_or(f64::NAN),
        );
    }

    // Unstable points: crossed on each curve and on the Pareto chart, a red
    // row in the table, where the grid is small enough for every line to be
    // drawn (up to 3 axes; shop-design's 4 axes draw a subset of lines).
    let stable = column("stable");
    let unstable: Vec<&Vec<String>> = rows.iter().filter(|r| r[stable] == "0").collect();
    let marks = dom.matches("class=\"unstable\"").count();
    if axes <= 3 {
        assert_eq!(
            marks,
            (2 * axes + 2) * unstable.len(),
            "{what}: unstable points marked on every chart"
        );
    } else {
        assert!(
            unstable.is_empty() || marks > 0,
            "{what}: unstable points marked"
        );
    }
    let cheapest = stdout
        .lines()
        .filter(|l| l.contains("cheapest point meeting"))
        .count();
    assert_eq!(
        dom.matches("class=\"cheapest\"").count(),
        cheapest,
        "{what}: cheapest ringed"
    );
    if stem == "shop-sizing" {
        // The unstable 3-instance column: hatched, named, not coloured as a figure.
        assert_eq!(unstable.len(), 3, "{what}: 3 web instances cannot keep up");
        assert!(
            unstable
                .iter()
                .all(|r| r[column("nodes.web.pool.instances")] == "3")
        );
        assert_eq!(
            dom.matches("class=\"cell unstable\"").count(),
            3,
            "{what}: hatched cells"
        );
        assert_eq!(
            dom.matches("class=\"cell\"").count(),
            12,
            "{what}: coloured cells"
        );
        assert!(dom.contains("class=\"colour-bar\""), "{what}: a colour bar");
        assert!(dom.contains("web instances"), "{what}: the axis's label");
        assert!(
            dom.contains("objective: p99&lt;80ms"),
            "{what}: the objective's line"
        );
    }
    screenshot(
        browser,
        &html,
        &out.join(format!("{stem}.profile")),
        &format!("sweep-{stem}"),
    );
}

#[test]
fn every_sweep_report_opens_in_chromium() {
    let Some(browser) = browser_or_skip("every_sweep_report_opens_in_chromium") else {
        return;
    };
    let out = std::env::temp_dir().join(format!("capsim-report-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut experiments: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    experiments.sort();
    assert!(experiments.len() >= 4, "experiments/ holds the sweeps");
    for experiment in &experiments {
        check_sweep(&browser, experiment, &out);
    }
    let _ = std::fs::remove_dir_all(&out);
}

fn check_compare(browser: &Path, model: &str, observed: &str, out: &Path, stem: &str) {
    let what = format!("compare {stem}");
    let (json, html) = (
        out.join(format!("{stem}.json")),
        out.join(format!("compare-{stem}.html")),
    );
    let run = capsim(&[
        "compare",
        model,
        "--observed",
        observed,
        "--replications",
        "2",
        "--json",
        json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let comparison: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let dom = open(browser, &html, &out.join(format!("{stem}.profile")), &what);
    for section in ["verdict", "figures", "strips"] {
        assert!(
            dom.contains(&format!("id=\"{section}\"")),
            "{what}: no section `{section}`"
        );
    }
    let rows = comparison["rows"].as_array().unwrap();
    assert_eq!(
        dom.matches("class=\"strip\"").count(),
        rows.len(),
        "{what}: a strip per figure"
    );
    let noisy = rows
        .iter()
        .filter(|r| !r["observed_ci95"].is_null())
        .count();
    assert_eq!(
        dom.matches("class=\"noise\"").count(),
        noisy,
        "{what}: the observation's interval"
    );
    let cells = figures(&dom);
    assert_eq!(
        cells.len(),
        2 * rows.len(),
        "{what}: predicted and observed per figure"
    );
    for (key, value, shown) in cells {
        let mut parts = key.split('.');
        let (_, i, field) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        let row = &rows[i.parse::<usize>().unwrap()];
        let expected = row[field].as_f64().unwrap();
        let exact: f64 = value.parse().unwrap();
        // serde_json parses floats to within an ulp or so (no `float_roundtrip`).
        assert!(
            (exact - expected).abs() <= expected.abs() * 1e-12,
            "{what}: {key}: {exact} against {expected}"
        );
        let percent = !row["figure"].is_string() || row["figure"] == "error_rate";
        let in_unit = if percent { expected * 100.0 } else { expected };
        assert_shown(&format!("{what}: {key}"), &shown, in_unit);
    }
    screenshot(
        browser,
        &html,
        &out.join(format!("{stem}.profile")),
        &format!("compare-{stem}"),
    );
}

#[test]
fn comparison_reports_open_in_chromium() {
    let Some(browser) = browser_or_skip("comparison_reports_open_in_chromium") else {
        return;
    };
    let out = std::env::temp_dir().join(format!("capsim-report-compare-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    // A Locust history with counts (observed intervals), and a long CSV without.
    check_compare(
        &browser,
        "tests/data/observed/sleep-server.json",
        "tests/data/observed/ramp-full_stats_history.csv",
        &out,
        "sleep-server",
    );
    check_compare(
        &browser,
        "tests/data/observed/long-web.json",
        "tests/data/observed/long.csv",
        &out,
        "long-web",
    );
    let _ = std::fs::remove_dir_all(&out);
}
