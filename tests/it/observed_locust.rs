//! Locust's history files as a real Locust 2.47 run wrote them
//! (experiments/real-check/fixtures.py: the sleep server, 8 users ramped at
//! one a second, 24 s), with and without `--csv-full-history`; windows in
//! every format; the observation's own noise, by hand; the notes that say
//! where observation and model differ.

use std::path::{Path, PathBuf};

use approx::assert_relative_eq;
use capsim::observed::{self, Format, Load, NoiseBasis, Observed, Options, Window, noise};
use serde_json::{Value, json};

use crate::support::capsim;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/observed")
        .join(name)
}

fn read(name: &str, window: Window) -> Observed {
    observed::load_window(&data(name), None, window).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn window(from_s: Option<f64>, to_s: Option<f64>) -> Window {
    Window { from_s, to_s }
}

/// The file's `Aggregated` rows as maps from column to cell, read here with
/// nothing but `split`, to check the reader against.
fn aggregated_rows(name: &str) -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(line.split(',').map(String::from))
                .collect::<Vec<_>>()
        })
        .filter(|row| row[3].1 == "Aggregated")
        .collect()
}

fn cell(row: &[(String, String)], column: &str) -> String {
    row.iter().find(|(c, _)| c == column).unwrap().1.clone()
}

fn number(row: &[(String, String)], column: &str) -> f64 {
    cell(row, column).parse().unwrap()
}

// ---- without --csv-full-history: cumulative percentiles --------------------

#[test]
fn plain_history_percentiles_are_cumulative_in_the_file() {
    // What the reader relies on, checked on the real file: the `50%` column
    // is `Total Median Response Time` in every row with requests, and the
    // last row's percentiles are `*_stats.csv`'s.
    let rows = aggregated_rows("ramp_stats_history.csv");
    for row in rows
        .iter()
        .filter(|r| number(r, "Total Request Count") > 0.0)
    {
        assert_eq!(
            number(row, "50%"),
            number(row, "Total Median Response Time")
        );
    }
    let stats = read("ramp_stats.csv", Window::default());
    let last = rows.last().unwrap();
    assert_eq!(stats.figures.p50_ms, Some(number(last, "50%")));
    assert_eq!(stats.figures.p95_ms, Some(number(last, "95%")));
    assert_eq!(stats.figures.p99_ms, Some(number(last, "99%")));
}

#[test]
fn plain_history_past_the_start_compares_counts_only() {
    let observed = read("ramp_stats_history.csv", Window::default());
    assert_eq!(observed.load, Load::Users(8));
    // 8 users from 1796158266 (8 s after the first row); 10 s later, 1796158276.
    assert_eq!(
        observed.window,
        "6 rows at 8 users, 18–23 s after the first row (ramp-up and Locust's 10 s rolling window skipped)"
    );
    let f = &observed.figures;
    // Totals at 1796158276: 469 requests, mean 46.71776654583331 ms; at
    // 1796158281: 628, 47.5117190429851 ms; no failures.
    assert_relative_eq!(f.throughput_rps.unwrap(), (628.0 - 469.0) / 5.0);
    let summed = 47.5117190429851 * 628.0 - 46.71776654583331 * 469.0;
    assert_relative_eq!(f.mean_ms.unwrap(), summed / 159.0, max_relative = 1e-12);
    assert_eq!(f.error_rate, Some(0.0));
    // Cumulative percentiles at the window's end would include the ramp-up.
    assert_eq!((f.p50_ms, f.p95_ms, f.p99_ms), (None, None, None));
    assert_eq!(
        observed.notes,
        [
            "percentiles not compared: without `--csv-full-history` Locust's history holds percentiles since the start of the test, and this window starts 18 s after it (throughput, mean and error rate come from the totals' differences); for percentiles, compare from the first row (`--from-s 0`: the whole test, ramp-up included), or rerun Locust with `--reset-stats` (totals restart once every user runs) or `--csv-full-history` (each row's percentiles over its last 10 s)"
        ]
    );
}

#[test]
fn plain_history_from_the_start_has_the_end_rows_percentiles() {
    let observed = read("ramp_stats_history.csv", window(Some(0.0), None));
    let f = &observed.figures;
    // The last row: 628 requests, 0 failed, mean 47.5117190429851 ms, and
    // 36, 120 and 170 ms at 50%, 95% and 99%, as `ramp_stats.csv`.
    assert_eq!(f.p50_ms, Some(36.0));
    assert_eq!(f.p95_ms, Some(120.0));
    assert_eq!(f.p99_ms, Some(170.0));
    assert_eq!(f.mean_ms, Some(47.5117190429851));
    assert_eq!(f.error_rate, Some(0.0));
    // 628 successes from the first row (0 requests) to the last, 23 s later.
    assert_relative_eq!(f.throughput_rps.unwrap(), 628.0 / 23.0);
    assert_eq!(
        observed.window,
        "24 rows at 0–8 users, 0–23 s after the first row (the window asked for)"
    );
    assert_eq!(
        observed.notes,
        ["the population varies from 0 to 8 users in the window; the model runs 8"]
    );
    assert_eq!(observed.load, Load::Users(8));
}

#[test]
fn a_window_inside_a_plain_history() {
    // 8–16 s: rows 1796158266 (150 requests) to 1796158274 (405).
    let observed = read("ramp_stats_history.csv", window(Some(8.0), Some(16.0)));
    let f = &observed.figures;
    assert_relative_eq!(f.throughput_rps.unwrap(), (405.0 - 150.0) / 8.0);
    let summed = 46.18163276542512 * 405.0 - 42.351605433320096 * 150.0;
    assert_relative_eq!(f.mean_ms.unwrap(), summed / 255.0, max_relative = 1e-12);
    assert_eq!(f.p99_ms, None);
    assert!(observed.notes[0].contains("this window starts 8 s after it"));
}

// ---- with --csv-full-history: rolling percentiles ----------------------------

#[test]
fn full_history_percentiles_are_the_mean_of_rolling_rows() {
    let observed = read("ramp-full_stats_history.csv", Window::default());
    // 8 users from 1796158291 (8 s in); settled at 1796158301, to 1796158306.
    assert_eq!(
        observed.window,
        "6 rows at 8 users, 18–23 s after the first row (ramp-up and Locust's 10 s rolling window skipped)"
    );
    let f = &observed.figures;
    // The six rows' 50%: 36, 35, 36, 36, 37, 37; 95%: 120, then 130 five
    // times; 99%: 170, 170, 220, 200, 260, 270.
    assert_relative_eq!(f.p50_ms.unwrap(), 217.0 / 6.0);
    assert_relative_eq!(f.p95_ms.unwrap(), 770.0 / 6.0);
    assert_relative_eq!(f.p99_ms.unwrap(), 1290.0 / 6.0);
    // Totals: 465 requests at 1796158301, 621 at 1796158306.
    assert_relative_eq!(f.throughput_rps.unwrap(), (621.0 - 465.0) / 5.0);
    assert_eq!(
        observed.notes,
        [
            "percentiles: the mean of the window's rows, each over its last 10 s (`--csv-full-history`)"
        ]
    );
    // The rolling p99 is not the cumulative one: the last row says 270,
    // `*_stats.csv` 200.
    let stats = read("ramp-full_stats.csv", Window::default());
    assert_eq!(stats.figures.p99_ms, Some(200.0));
}

#[test]
fn full_history_rows_without_a_snapshot_are_left_out() {
    // 0–3 s: the first row is `N/A` (no request yet); the second, with 4
    // requests, is all zeros (Locust's `int(None or 0)` before it has a
    // snapshot to diff); then 44 and 35 at 50%.
    let observed = read("ramp-full_stats_history.csv", window(Some(0.0), Some(3.0)));
    assert_relative_eq!(observed.figures.p50_ms.unwrap(), (44.0 + 35.0) / 2.0);
}

// ---- noise -------------------------------------------------------------------

#[test]
fn noise_intervals_by_hand() {
    const Z: f64 = 1.959963984540054;
    // 100 requests in 10 s: 10/s ± 1.96 · √100 / 10.
    let r = noise::rate(100.0, 10.0).unwrap();
    assert_relative_eq!(r.low, 10.0 - Z);
    assert_relative_eq!(r.high, 10.0 + Z);
    assert_eq!(r.basis, NoiseBasis::Count);
    // Wilson, 10 of 100: the textbook [0.0552, 0.1744].
    let p = noise::proportion(10.0, 100.0).unwrap();
    assert_relative_eq!(p.low, 0.0552, epsilon = 5e-5);
    assert_relative_eq!(p.high, 0.1744, epsilon = 5e-5);
    // Wilson at 0 failures: [0, z² / (n + z²)], not empty.
    let zero = noise::proportion(0.0, 628.0).unwrap();
    assert_eq!(zero.low, 0.0);
    assert_relative_eq!(zero.high, Z * Z / (628.0 + Z * Z), max_relative = 1e-12);
    // Uniform on [0, 100]: the median of 100 at levels 0.5 ± 1.96 · 0.05.
    let uniform = noise::QuantileTable::new(vec![(0.0, 0.0), (1.0, 100.0)]).unwrap();
    let q = noise::quantile(0.5, 100.0, |u| uniform.at(u)).unwrap();
    assert_relative_eq!(q.low, 50.0 - Z * 5.0, max_relative = 1e-12);
    assert_relative_eq!(q.high, 50.0 + Z * 5.0, max_relative = 1e-12);
    // Its standard deviation: 100 / √12.
    assert_relative_eq!(
        uniform.standard_deviation(),
        100.0 / 12f64.sqrt(),
        max_relative = 1e-12
    );
    // Two segments, Q from 0 to 1 over [0, 0.5] and 1 to 3 over [0.5, 1]:
    // E[X] = 0.25 + 1 = 1.25, E[X²] = (0.5/3)(0 + 0 + 1) + (0.5/3)(1 + 3 + 9) = 14/6.
    let two = noise::QuantileTable::new(vec![(1.0, 3.0), (0.0, 0.0), (0.5, 1.0)]).unwrap();
    let variance: f64 = 14.0 / 6.0 - 1.25 * 1.25;
    assert_relative_eq!(
        two.standard_deviation(),
        variance.sqrt(),
        max_relative = 1e-12
    );
    assert_eq!(two.at(0.75), Some(2.0));
    // A table must span the levels 0 to 1.
    assert_eq!(
        noise::QuantileTable::new(vec![(0.5, 1.0), (1.0, 2.0)]),
        None
    );
}

#[test]
fn locust_stats_noise_by_hand() {
    const Z: f64 = 1.959963984540054;
    let observed = read("ramp_stats.csv", Window::default());
    let n = observed.figures.noise.clone();
    // `,Aggregated,628,0,36,47.5117190429851,0.8978890000435058,367.9129140000441,3.0,27.220441005131566,0.0,36,52,63,72,95,120,160,170,370,370,370`
    // Throughput: 628 successes over 628 / 27.220441005131566 s.
    let span = 628.0 / 27.220441005131566;
    let t = n.throughput_rps.unwrap();
    assert_relative_eq!(
        t.high - 27.220441005131566,
        Z * 628f64.sqrt() / span,
        max_relative = 1e-9
    );
    // p99 of 628: levels 0.99 ± 1.96 · √(0.99 · 0.01 / 628), read between
    // the 98% (160), 99% (170) and 99.9% (370) columns.
    let half = Z * (0.99 * 0.01 / 628.0f64).sqrt();
    let p99 = n.p99_ms.unwrap();
    assert_eq!(p99.basis, NoiseBasis::OrderStatistics);
    assert_relative_eq!(
        p99.low,
        160.0 + 10.0 * (0.01 - half) / 0.01,
        max_relative = 1e-9
    );
    assert_relative_eq!(p99.high, 170.0 + 200.0 * half / 0.009, max_relative = 1e-9);
    // The mean: s from the table (min at 0, the columns, max at 1) / √628.
    let table = noise::QuantileTable::new(vec![
        (0.0, 0.8978890000435058),
        (0.5, 36.0),
        (0.66, 52.0),
        (0.75, 63.0),
        (0.8, 72.0),
        (0.9, 95.0),
        (0.95, 120.0),
        (0.98, 160.0),
        (0.99, 170.0),
        (0.999, 370.0),
        (0.9999, 370.0),
        (1.0, 370.0),
    ])
    .unwrap();
    let mean = n.mean_ms.unwrap();
    assert_relative_eq!(
        mean.high - 47.5117190429851,
        Z * table.standard_deviation() / 628f64.sqrt(),
        max_relative = 1e-9
    );
    assert_eq!(n.error_rate.unwrap().low, 0.0);
}

// ---- windows in every format ---------------------------------------------------

#[test]
fn windows_in_the_long_csv_and_prometheus() {
    // long.csv from 25 s: the rows at t = 30 only (20 users).
    let observed = read("long.csv", window(Some(25.0), None));
    assert_eq!(observed.load, Load::Users(20));
    assert_eq!(observed.figures.mean_ms, Some(23.0));
    assert_relative_eq!(observed.figures.throughput_rps.unwrap(), 104.0 * 0.97);
    assert_eq!(
        observed.window,
        "rows 25–30 s after the first row (the window asked for)"
    );
    // The Prometheus config's own window (all) replaced: 20–30 s, the
    // three rate samples at 20, 25 and 30 s, each 8.88888888888889.
    let observed = read("prometheus/config.json", window(Some(20.0), Some(30.0)));
    assert_relative_eq!(
        observed.figures.throughput_rps.unwrap(),
        8.88888888888889,
        max_relative = 1e-12
    );
    assert_eq!(observed.window, "samples from 20 s after the first to 30 s");
}

#[test]
fn bad_windows_are_errors() {
    let error = |name: &str, w: Window| {
        observed::load_window(&data(name), None, w)
            .unwrap_err()
            .to_string()
            .replace(&data("").display().to_string(), "")
    };
    assert_eq!(
        error("long.csv", window(Some(40.0), Some(20.0))),
        "long.csv: the window starts at 40 s and ends at 20 s: its start must come before its end"
    );
    assert_eq!(
        error("long.csv", window(Some(40.0), None)),
        "long.csv: no row in the window from 40 s after the first row (the rows span 0–30 s)"
    );
    assert_eq!(
        error("ramp_stats_history.csv", window(Some(30.0), Some(40.0))),
        "ramp_stats_history.csv: no `Aggregated` row in the window 30–40 s after the first row (the rows span 0–23 s)"
    );
    let stats =
        observed::load_window(&data("ramp_stats.csv"), None, window(Some(5.0), None)).unwrap_err();
    assert_eq!(
        stats
            .to_string()
            .replace(&data("").display().to_string(), ""),
        "ramp_stats.csv: Locust's `*_stats.csv` holds totals over the whole test, so it cannot be cut to a window (from 5 s)"
    );
    assert_eq!(
        stats.hint(),
        Some(
            "compare the `*_stats_history.csv` Locust writes beside it (a row a second) with the same window"
        )
    );
}

#[test]
fn a_wrong_format_names_the_formats_and_the_likely_one() {
    let error = observed::load(&data("ramp_stats.csv"), Some(Format::Csv)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}, line 1, column 23: missing column `time_s` (the header has: Type, Name, Request Count, Failure Count, Median Response Time, Average Response Time, Min Response Time, Max Response Time, Average Content Size, Requests/s, Failures/s, 50%, 66%, 75%, 80%, 90%, 95%, 98%, 99%, 99.9%, 99.99%, 100%)",
            data("ramp_stats.csv").display()
        )
    );
    assert_eq!(
        error.hint(),
        Some(
            "it was read as `--format csv`, and the file looks like a Locust CSV (`*_stats.csv` or `*_stats_history.csv`): try `--format locust`, or leave `--format` out; the formats are `locust`, `prometheus`, `csv`, `k6`, `jmeter`, `cloudwatch`, `nginx`, `alb` (`capsim compare --help` says what each reads)"
        )
    );
    // A file that looks like none of them.
    let odd = Path::new("odd.txt");
    let error = observed::parse(odd, "when,what\n1,2\n", Format::Locust).unwrap_err();
    assert!(
        error
            .hint()
            .unwrap()
            .starts_with("it was read as `--format locust`, and the file looks like none of them (its first line: `when,what`); the formats are `locust`"),
        "{:?}",
        error.hint()
    );
    // Read as what it looks like, a file's error has no such hint.
    let error = observed::parse(Path::new("long.csv"), "time_s,metric\n", Format::Csv).unwrap_err();
    assert_eq!(error.hint(), None);
}

// ---- notes: like for like --------------------------------------------------------

fn model(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(name)).unwrap()).unwrap()
}

const ONE_RUN: Options = Options {
    seed: 5,
    replications: 1,
};

#[test]
fn whole_test_stats_against_a_steady_or_open_model_are_noted() {
    let stats = read("ramp_stats.csv", Window::default());
    let closed = model("sleep-server.json");
    let comparison = observed::compare(&closed, &data(""), &stats, ONE_RUN).unwrap();
    let path = data("ramp_stats.csv");
    assert_eq!(
        comparison.notes,
        [format!(
            "`{}` holds Locust's totals over the whole test, ramp-up included (unless Locust ran with `--reset-stats`), while the model's figures start after its 30 s warm-up: compare Locust's `*_stats_history.csv` instead (its window skips the ramp-up)",
            path.display()
        )]
    );
    let mut open = closed.clone();
    open["traffic"]["arrivals"] = json!({ "poisson": { "rate_rps": 30 } });
    open["simulation"]["warmup_s"] = json!(0);
    let comparison = observed::compare(&open, &data(""), &stats, ONE_RUN).unwrap();
    assert_eq!(
        comparison.notes,
        [
            "Locust's users are a closed population (each waits for its answer before the next request), but the model's traffic is open (`traffic`): under load a closed population slows down with its response times and an open process does not; describe the users as `closed` arrivals"
        ]
    );
    // The history, over its full population, against the closed model: no note.
    let history = read("ramp_stats_history.csv", window(Some(10.0), None));
    let comparison = observed::compare(&closed, &data(""), &history, ONE_RUN).unwrap();
    assert_eq!(comparison.notes.len(), 1, "{:?}", comparison.notes);
    assert!(comparison.notes[0].starts_with("percentiles not compared"));
}

#[test]
fn each_row_carries_the_observed_interval() {
    let stats = read("ramp_stats.csv", Window::default());
    let comparison =
        observed::compare(&model("sleep-server.json"), &data(""), &stats, ONE_RUN).unwrap();
    for row in &comparison.rows {
        let noise = row.observed_ci95.unwrap_or_else(|| panic!("{row:?}"));
        assert!(
            noise.low <= row.observed && row.observed <= noise.high,
            "{row:?}"
        );
        assert_eq!(
            row.within_observed_noise,
            Some(noise.low <= row.predicted && row.predicted <= noise.high)
        );
    }
}

// ---- calibrate: CPU against workers ------------------------------------------------

#[test]
fn calibrating_cpu_of_a_pool_bound_by_its_workers_says_so() {
    // 100 req/s into `web` (2 vCPUs, 8 workers): 5 ms of CPU, then a 50 ms
    // call held by the worker: vCPUs 100 × 0.005 / 2 = 25% busy, workers
    // 100 × 0.055 / 8 = 69% held.
    let model = json!({
        "name": "held",
        "simulation": { "duration_s": 120, "warmup_s": 10, "seed": 3 },
        "instance_types": { "two": { "vcpus": 2 } },
        "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 100 } } },
        "nodes": {
            "web": { "pool": { "instance_type": "two", "instances": 1, "workers_per_instance": 8,
                "service": { "exponential": { "mean_ms": 5 } }, "calls": [ { "to": "api" } ] } },
            "api": { "delay": { "latency": { "constant": { "ms": 50 } } } }
        }
    });
    let observed = observed::parse(
        Path::new("held.csv"),
        "time_s,metric,value,labels\n0,throughput_rps,100,\n0,utilization,0.25,node=web\n",
        Format::Csv,
    )
    .unwrap();
    let calibration = observed::calibrate(&model, Path::new(""), &observed, ONE_RUN).unwrap();
    assert_eq!(calibration.notes.len(), 1, "{:?}", calibration.notes);
    let note = &calibration.notes[0];
    assert!(
        note.starts_with("web: the utilization calibrated from is CPU only (busy vCPUs), but the model's bottleneck there is its workers, "),
        "{note}"
    );
    // Without the call the workers are held as long as the vCPUs: no note.
    let mut plain = model.clone();
    plain["nodes"]["web"]["pool"]
        .as_object_mut()
        .unwrap()
        .remove("calls");
    plain["nodes"].as_object_mut().unwrap().remove("api");
    let calibration = observed::calibrate(&plain, Path::new(""), &observed, ONE_RUN).unwrap();
    assert!(calibration.notes.is_empty(), "{:?}", calibration.notes);
}

// ---- CLI -------------------------------------------------------------------------

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn cli_window_flags_and_the_noise_column() {
    let out = capsim(&[
        "compare",
        "tests/data/observed/sleep-server.json",
        "--observed",
        "tests/data/observed/ramp_stats_history.csv",
        "--from-s",
        "0",
        "--to-s",
        "23",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "window: 24 rows at 0–8 users, 0–23 s after the first row (the window asked for)\n",
        "note: the population varies from 0 to 8 users in the window; the model runs 8\n",
        "figure            predicted  observed  observed 95%",
        "p99 ms ",
    ] {
        assert!(stdout.contains(expected), "no `{expected}` in\n{stdout}");
    }
    // A bad window is bad input (2), with the flag's own message.
    let out = capsim(&[
        "compare",
        "tests/data/observed/sleep-server.json",
        "--observed",
        "tests/data/observed/ramp_stats_history.csv",
        "--from-s=-3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "invalid value '-3' for '--from-s <SECONDS>': expected a number ≥ 0, found `-3`"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn every_help_names_the_exit_codes_in_the_short_layout() {
    for command in [
        "run",
        "check",
        "analyze",
        "instance-types",
        "sweep",
        "merge",
        "compare",
        "calibrate",
        "plot",
    ] {
        let out = capsim(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}");
        let help = text(&out.stdout);
        assert!(
            help.contains("\nExit codes: 0 success, 2 bad input"),
            "{command}:\n{help}"
        );
        // The short layout, as `run --help` shows it: an option and its
        // help on one line, no blank line between options (clap's long
        // layout puts each help on the next line, then a blank line).
        assert!(
            !help.contains("\n\n      --") && !help.contains("\n\n  -"),
            "{command}:\n{help}"
        );
        assert!(!help.contains("Possible values:"), "{command}:\n{help}");
    }
    let compare = text(&capsim(&["compare", "--help"]).stdout);
    assert!(compare.contains("3 the prediction went unstable, 4 a figure outside `--tolerance`"));
    let top = text(&capsim(&["--help"]).stdout);
    assert!(
        top.contains("4 a figure outside `compare --tolerance`"),
        "{top}"
    );
}

/// The long-CSV example of docs/src/how-to/observed.md: the sample and a model with its tier `web`
/// and class `checkout`, so every row of the file is compared.
#[test]
fn readme_long_csv_example_has_a_matching_model() {
    let out = capsim(&[
        "compare",
        "tests/data/observed/long-web.json",
        "--observed",
        "tests/data/observed/long.csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let observed = |label: &str| -> String {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no `{label}` in\n{stdout}"));
        line[label.len()..]
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    };
    // Rows at 20 users (t = 10, 20, 30): (80 + 96 + 104) / 3 × (1 − 0.02).
    assert_eq!(observed("throughput req/s"), "91.5");
    assert_eq!(observed("mean ms [checkout]"), "40.0");
    assert_eq!(observed("util % web"), "60.0");
    assert!(!stdout.contains("not compared"), "{stdout}");
}
