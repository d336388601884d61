//! The HTML report of every example model, opened in a real browser
//! (headless Chromium): every section is there, the figures in its tables
//! are the `--json` output's, the browser logs nothing on its console
//! (the page's Content-Security-Policy makes any request it attempted a
//! console message), and a screenshot is saved for a person to look at in
//! `target/report-screenshots/`.
//!
//! Without Chromium the test says so and passes, unless `CI` is set: CI
//! installs it (`.ci/run`), so there a missing browser is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::capsim;

/// The flags a headless start needs on a machine with a closed network:
/// no sandbox as root, no GPU, none of Chromium's own background requests.
const HEADLESS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Console messages go to stderr as `…:CONSOLE:…`.
    "--enable-logging=stderr",
];

const SECTIONS: [&str; 7] = [
    "verdict",
    "topology",
    "latency",
    "nodes",
    "series",
    "decisions",
    "warnings",
];

/// Chromium, or `None` after saying the test skipped; under `CI` its
/// absence fails the test instead.
pub fn browser_or_skip(test: &str) -> Option<PathBuf> {
    let browser = chromium();
    if browser.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but Chromium is not installed (.ci/run installs Debian's `chromium`)"
        );
        eprintln!(
            "SKIPPED {test}: no /usr/bin/chromium (apt-get install chromium, or set CAPSIM_CHROMIUM)"
        );
    }
    browser
}

/// Chromium: `CAPSIM_CHROMIUM`, else Debian's or Ubuntu's path.
pub fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("CAPSIM_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// Runs Chromium on `page` with `extra` flags and a fresh profile; its
/// stdout, and the console lines of its stderr.
pub fn browse(
    browser: &Path,
    page: &Path,
    profile: &Path,
    extra: &[&str],
) -> (String, Vec<String>) {
    let _ = std::fs::remove_dir_all(profile);
    let output = Command::new(browser)
        .args(HEADLESS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--host-resolver-rules=MAP * ~NOTFOUND")
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(
        output.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

/// The figure at `key` (`end_to_end.p99_ms`, `classes.0.p99_ms`,
/// `nodes.2.utilization`) in the JSON's summary: its mean, NaN for `null`.
fn figure(summary: &Value, key: &str) -> f64 {
    let mut value = summary;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        value = match part.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[part],
        };
        // A class is a `[name, figures]` pair.
        if key.starts_with("classes.") && part.parse::<usize>().is_ok() {
            value = &value[1];
        }
        if parts.peek().is_none() {
            value = &value["mean"];
        }
    }
    value.as_f64().unwrap_or(f64::NAN)
}

/// Every `data-figure` cell of `dom`: key, exact value, shown text.
pub fn cells(dom: &str) -> Vec<(String, String, String)> {
    let mut cells = Vec::new();
    for chunk in dom.split("data-figure=\"").skip(1) {
        let (key, rest) = chunk.split_once('"').expect("a closed attribute");
        let rest = rest.split_once("data-value=\"").expect("a data-value").1;
        let (value, rest) = rest.split_once('"').expect("a closed attribute");
        let shown = rest.split_once('>').expect("a cell").1;
        let shown = shown.split(['<', ' ']).next().unwrap_or("");
        cells.push((key.to_string(), value.to_string(), shown.to_string()));
    }
    cells
}

fn check_page(browser: &Path, model: &str, out: &Path) {
    let stem = Path::new(model)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let json = out.join(format!("{stem}.json"));
    let html = out.join(format!("{stem}.html"));
    let run = capsim(&[
        "run",
        model,
        "--replications",
        "2",
        "--json",
        json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    // 3 is an unstable model (hot-shard-range): it still gets a page.
    assert!(
        matches!(run.status.code(), Some(0 | 3)),
        "{model}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_offline(&std::fs::read_to_string(&html).unwrap(), model);
    let result: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let summary = &result["summary"];

    let (dom, console) = browse(
        browser,
        &html,
        &out.join(format!("{stem}.profile")),
        &["--dump-dom"],
    );
    assert!(
        console.is_empty(),
        "{model}: console messages (a blocked request, an error):\n{}",
        console.join("\n")
    );
    for section in SECTIONS {
        assert!(
            dom.contains(&format!("id=\"{section}\"")),
            "{model}: no section `{section}`"
        );
    }
    assert!(
        dom.contains(&format!("<h1>{}</h1>", summary["model"].as_str().unwrap())),
        "{model}: no title"
    );
    let nodes = summary["nodes"].as_array().unwrap();
    assert_eq!(
        dom.matches("class=\"node\"").count(),
        nodes.len(),
        "{model}: nodes in the graph"
    );
    let cells = cells(&dom);
    // Seven figures per latency row (end to end and each class), eight per node.
    let classes = summary["classes"].as_array().unwrap().len();
    let optional = nodes
        .iter()
        .map(|n| n["utilization"].is_null() as usize + n["worker_utilization"].is_null() as usize)
        .sum::<usize>();
    assert_eq!(
        cells.len(),
        7 * (1 + classes) + 8 * nodes.len() - optional,
        "{model}: figures in the tables"
    );
    for (key, value, shown) in cells {
        let expected = figure(summary, &key);
        let exact: f64 = value.parse().unwrap();
        // serde_json parses floats to within an ulp or so (no `float_roundtrip`).
        let same = (exact - expected).abs() <= expected.abs() * 1e-12;
        assert!(
            same || (exact.is_nan() && expected.is_nan()),
            "{model}: {key} is {exact} on the page, {expected} in the JSON"
        );
        if expected.is_finite() {
            let read: f64 = shown
                .parse()
                .unwrap_or_else(|_| panic!("{model}: {key} shown as `{shown}`"));
            // Shown to three significant digits (whole numbers from 100): within 0.5% or 0.5.
            let tolerance =
                (expected.abs() * 0.005).max(if expected.abs() >= 100.0 { 0.5 } else { 0.0 })
                    + 1e-9;
            assert!(
                (read - expected).abs() <= tolerance,
                "{model}: {key} shown as {shown}, is {expected}"
            );
        } else {
            assert_eq!(
                shown, "–",
                "{model}: {key} undefined but shown as `{shown}`"
            );
        }
    }
    let verdict = if result["unstable"].as_bool().unwrap() {
        "UNSTABLE"
    } else {
        "Stable"
    };
    assert!(
        dom.contains(&format!(
            "class=\"verdict {}\">{verdict}",
            if verdict == "Stable" { "ok" } else { "bad" }
        )),
        "{model}: verdict"
    );

    screenshot(browser, &html, &out.join(format!("{stem}.profile")), &stem);
}

/// The page holds nothing that could fetch: no address, no import, no
/// link, no `src=`, no `url(` but the page's own `#` references.
pub fn assert_offline(text: &str, what: &str) {
    for forbidden in ["http://", "https://", "@import", "<link", "src="] {
        assert!(
            !text.contains(forbidden),
            "{what}: the page holds `{forbidden}`"
        );
    }
    assert!(
        text.split("url(").skip(1).all(|rest| rest.starts_with('#')),
        "{what}: a `url(` outside the page"
    );
}

/// Saves a screenshot of `html` as `target/report-screenshots/<stem>.png`
/// for a person to look at; the browser logs nothing while taking it.
pub fn screenshot(browser: &Path, html: &Path, profile: &Path, stem: &str) {
    let screenshot = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/report-screenshots")
        .join(format!("{stem}.png"));
    std::fs::create_dir_all(screenshot.parent().unwrap()).unwrap();
    let shot = format!("--screenshot={}", screenshot.display());
    let (_, console) = browse(
        browser,
        html,
        profile,
        &[&shot, "--window-size=1200,3600", "--hide-scrollbars"],
    );
    assert!(console.is_empty(), "{stem}: {console:?}");
    let png = std::fs::read(&screenshot).unwrap();
    assert!(
        png.len() > 10_000 && png.starts_with(b"\x89PNG"),
        "{stem}: no screenshot"
    );
}

#[test]
fn every_model_report_opens_in_chromium() {
    let Some(browser) = browser_or_skip("every_model_report_opens_in_chromium") else {
        return;
    };
    let out = std::env::temp_dir().join(format!("capsim-report-html-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut models: Vec<String> = std::fs::read_dir(root.join("models"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| format!("models/{}", path.file_name().unwrap().to_string_lossy()))
        .collect();
    models.sort();
    assert!(models.len() >= 10, "models/ holds the examples");
    for model in &models {
        check_page(&browser, model, &out);
    }
    let _ = std::fs::remove_dir_all(&out);
}
