//! The binary, end to end: every shipped model runs, and exit codes say
//! fine (0), bad input (2) or unstable (3).

use std::path::{Path, PathBuf};

use crate::support::capsim;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn models() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("models/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json" || e == "yaml"))
        .collect();
    paths.sort();
    paths
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("capsim-test-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("temp file");
    path
}

#[test]
fn every_shipped_model_checks_and_runs() {
    let paths = models();
    assert!(
        paths.len() >= 5,
        "expected the shipped examples, found {paths:?}"
    );
    for path in paths {
        let path = path.to_str().unwrap();
        let check = capsim(&["check", path]);
        // One example is over capacity on purpose, and `check` must say so.
        let expected = if path.ends_with("hot-shard-range.json") {
            assert!(text(&check.stdout).contains("exceeds capacity at orders"));
            3
        } else {
            0
        };
        assert_eq!(
            check.status.code(),
            Some(expected),
            "check {path}: {}",
            text(&check.stdout)
        );
        let run = capsim(&["run", path]);
        assert_eq!(
            run.status.code(),
            Some(expected),
            "run {path}: {}",
            text(&run.stderr)
        );
        let out = text(&run.stdout);
        for column in ["p99.9 ms", "util %", "per million successful requests"] {
            assert!(out.contains(column), "{path}: no `{column}` in\n{out}");
        }
    }
}

#[test]
fn replications_print_intervals_and_json_has_every_run() {
    let json = std::env::temp_dir().join(format!("capsim-test-{}-out.json", std::process::id()));
    let run = capsim(&[
        "run",
        "models/mm1.json",
        "--replications",
        "3",
        "--seed",
        "5",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains('±'));
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let runs = document["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|r| r["seed"] == 5));
    assert!(document["summary"]["end_to_end"]["p99_ms"]["ci95"].is_number());
    assert!(
        !runs[0]["end_to_end"]["histogram_us"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_model_exits_2_with_every_problem_named() {
    let path = temp_file(
        "bad.json",
        r#"{ "simulation": { "duration_s": 10 },
             "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 5 } } },
             "nodes": { "web": { "pool": { "instance_type": "t3.mediun", "instances": 1,
                                           "service": { "constant": { "ms": 1 } },
                                           "calls": [ { "to": "dbb" } ] } } } }"#,
    );
    for command in ["check", "run"] {
        let out = capsim(&[command, path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(&format!("error: cannot load model `{}`", path.display())),
            "{stderr}"
        );
        assert!(
            stderr.contains("  nodes.web.pool.calls[0].to: no node named `dbb` (nodes: web)"),
            "{stderr}"
        );
        assert!(
            stderr.contains("  nodes.web.pool.instance_type: no instance type `t3.mediun`"),
            "{stderr}"
        );
        assert!(stderr.contains("\nhint: "), "{stderr}");
    }
    let missing = capsim(&["run", "no/such/model.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read `no/such/model.json`"));
}

#[test]
fn unstable_model_exits_3_from_check_and_from_run() {
    let path = temp_file(
        "unstable.json",
        r#"{ "simulation": { "duration_s": 1000, "max_in_flight": 2000 },
             "instance_types": { "unit": { "vcpus": 1 } },
             "traffic": { "entry": "web", "arrivals": { "poisson": { "rate_rps": 12 } } },
             "nodes": { "web": { "pool": { "instance_type": "unit", "instances": 1,
                                           "service": { "exponential": { "mean_ms": 100 } } } } } }"#,
    );
    let check = capsim(&["check", path.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(3));
    assert!(
        text(&check.stdout).contains("unstable: offered load reaches or exceeds capacity at web")
    );
    let run = capsim(&["run", path.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(3));
    let out = text(&run.stdout);
    assert!(
        out.contains("UNSTABLE: 2001 requests in flight at"),
        "{out}"
    );
    assert!(out.contains("most waiting at `web`"), "{out}");
}

#[test]
fn a_trace_with_bad_lines_fails_until_skipped_and_counted() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad/replay.json");
    let model = model.to_str().unwrap();
    let strict = capsim(&["run", model]);
    assert_eq!(strict.status.code(), Some(2));
    let err = text(&strict.stderr);
    assert!(
        err.contains("some-bad-lines.log, line 4: expected the common or combined log format"),
        "{err}"
    );
    assert!(
        err.contains("--skip-bad-lines"),
        "the hint names the flag: {err}"
    );

    let lenient = capsim(&["run", model, "--skip-bad-lines"]);
    assert_eq!(lenient.status.code(), Some(0), "{}", text(&lenient.stderr));
    let err = text(&lenient.stderr);
    assert!(
        err.contains("9 requests over") && err.contains("skipped 2 bad lines"),
        "{err}"
    );
}

#[test]
fn check_shows_the_load_at_the_peak_of_a_profile() {
    let check = capsim(&["check", "models/flash-sale.json"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "a transient is not instability"
    );
    let out = text(&check.stdout);
    assert!(
        out.contains("at the peak rate of every varying source"),
        "{out}"
    );
    assert!(
        out.contains("over capacity at the peak at web"),
        "the spike exceeds the web tier: {out}"
    );
}

#[test]
fn decisions_are_written_with_their_reasons() {
    let path = temp_file("decisions.csv", "");
    let run = capsim(&[
        "run",
        "models/hpa.json",
        "--decisions",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let csv = std::fs::read_to_string(&path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("replication,time_s,pool,rule,metric,value,target,current,desired,reason")
    );
    // One HPA sync every 15 s of a 7,200 s run.
    assert_eq!(lines.clone().count(), 480);
    // The ramp makes it scale out at least once.
    let scaled_out = lines.any(|line| {
        let fields: Vec<&str> = line.split(',').collect();
        fields[3] == "hpa" && fields[8].parse::<u32>().unwrap() > fields[7].parse::<u32>().unwrap()
    });
    assert!(scaled_out, "{csv}");
}

/// `capsim run … | head` ends quietly when the reader goes away: killed by
/// SIGPIPE like any Unix tool, not a panic (exit code 101) with a backtrace.
/// The pipe is closed at once, long before the simulation has a table to print.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["run", "models/mm1.json", "--replications", "4"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("capsim starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    const SIGPIPE: i32 = 13; // on Linux and the BSDs
    assert_eq!(output.status.signal(), Some(SIGPIPE), "{output:?}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

/// The defect inputs `sweep-replications-5e7.json` and `mm1.json
/// --replications 50000000` (an allocation of 25.6 GB, SIGABRT), and
/// `--series-window 0.001` over mm1's 20,000 s (20 million rows): each is
/// an error naming the field or option, at once, exit 2.
#[test]
fn sizes_that_would_exhaust_memory_are_refused_with_the_option_named() {
    let defects = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/defects");
    let sweep = capsim(&[
        "sweep",
        defects
            .join("sweep-replications-5e7.json")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(sweep.status.code(), Some(2));
    assert_eq!(
        text(&sweep.stderr),
        "error: cannot load experiment `tests/data/defects/sweep-replications-5e7.json`\n  replications: expected at most 10000, got 50000000\n"
            .replace("tests/data/defects/", &format!("{}/", defects.display()))
    );
    let mm1 = defects.join("mm1.json");
    let mm1 = mm1.to_str().unwrap();
    let run = capsim(&["run", mm1, "--replications", "50000000"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).starts_with(
            "error: invalid value '50000000' for '--replications <REPLICATIONS>': expected a whole number from 1 to 10000, got `50000000`"
        ),
        "{}",
        text(&run.stderr)
    );
    let series = temp_file("window.csv", "");
    std::fs::remove_file(&series).unwrap();
    let run = capsim(&[
        "run",
        mm1,
        "--series",
        series.to_str().unwrap(),
        "--series-window",
        "0.001",
    ]);
    assert_eq!(run.status.code(), Some(2));
    // 20,000 s / 1,000,000 rows = 0.02 s.
    assert_eq!(
        text(&run.stderr),
        "error: --series-window 0.001: 20000000 windows of the 20000 s run × 1 replication = 20000000 rows, more than the 1000000 a series may hold; use --series-window 0.02 or more\n"
    );
    assert!(!series.exists(), "nothing written");
}

/// Replications are kept as their figures, not with their histograms:
/// 3,000 replications of a short M/M/1 fit in 400 MB of address space
/// (measured: 14 MB resident). The control shows the cap bites: 1,000
/// replications kept whole (as `--json` keeps them, and as every run was
/// kept before) do not fit in it.
#[test]
fn replications_fit_under_a_memory_cap() {
    if std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("no prlimit: skipped");
        return;
    }
    let mut model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/defects/mm1.json").unwrap())
            .unwrap();
    model["simulation"] = serde_json::json!({ "duration_s": 50, "warmup_s": 5, "seed": 1 });
    let path = temp_file("capped-mm1.json", &model.to_string());
    let capped = |extra: &[&str]| {
        std::process::Command::new("prlimit")
            .args(["--as=400000000", "--", env!("CARGO_BIN_EXE_capsim"), "run"])
            .arg(&path)
            .args(extra)
            .output()
            .unwrap()
    };
    let slim = capped(&["--replications", "3000"]);
    assert_eq!(slim.status.code(), Some(0), "{}", text(&slim.stderr));
    assert!(
        text(&slim.stdout).contains("mm1: 3000 replications"),
        "{}",
        text(&slim.stdout)
    );
    let json = temp_file("capped.json", "");
    let whole = capped(&["--replications", "1000", "--json", json.to_str().unwrap()]);
    assert_ne!(
        whole.status.code(),
        Some(0),
        "the cap is tight enough to matter"
    );
    // The defect's sweep (`sweep-replications-5e7.json`: two seeds), at
    // 2,000 replications a point, under the same cap.
    let experiment = temp_file(
        "capped-sweep.json",
        &serde_json::json!({ "name": "reps", "model": path.file_name().unwrap().to_str().unwrap(),
                             "replications": 2000,
                             "axes": [ { "path": "simulation.seed", "values": [1, 2] } ] })
        .to_string(),
    );
    let out = temp_file("capped-sweep.csv", "");
    let sweep = std::process::Command::new("prlimit")
        .args([
            "--as=400000000",
            "--",
            env!("CARGO_BIN_EXE_capsim"),
            "sweep",
        ])
        .arg(&experiment)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(sweep.status.code(), Some(0), "{}", text(&sweep.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 3);
}

/// An output that cannot be written fails before the run, naming the
/// option and the path: no table printed, no time lost.
#[test]
fn unwritable_outputs_fail_before_the_run() {
    let mm1 = "tests/data/defects/mm1.json";
    for option in ["--json", "--series", "--decisions"] {
        let run = capsim(&["run", mm1, option, "no/such/folder/out.csv"]);
        assert_eq!(run.status.code(), Some(2));
        assert_eq!(
            text(&run.stderr),
            format!(
                "error: {option} `no/such/folder/out.csv`: cannot write: No such file or directory (os error 2)\n"
            )
        );
        assert!(run.stdout.is_empty(), "nothing simulated");
    }
    let folder = capsim(&["run", mm1, "--json", "tests"]);
    assert_eq!(
        text(&folder.stderr),
        "error: --json `tests`: is a folder, expected a file name\n"
    );
    let sweep = capsim(&[
        "sweep",
        "experiments/shop-sizing.json",
        "-o",
        "no/such/folder/x.csv",
    ]);
    assert_eq!(sweep.status.code(), Some(2));
    assert_eq!(
        text(&sweep.stderr),
        "error: --out `no/such/folder/x.csv`: cannot write: No such file or directory (os error 2)\n"
    );
}

/// `run --json` says whether the run was unstable as the exit code does:
/// here the offered load (12 req/s for 10 req/s) exceeds capacity but the
/// backlog (about 200 requests in 100 s) never reaches `max_in_flight`, so
/// no replication halts and only the offered load tells.
#[test]
fn the_json_says_unstable_when_the_run_is() {
    let model = |rate: f64| {
        temp_file(
            &format!("saturated-{rate}.json"),
            &format!(
                r#"{{ "simulation": {{ "duration_s": 100, "warmup_s": 10, "max_in_flight": 2000 }},
                     "instance_types": {{ "unit": {{ "vcpus": 1 }} }},
                     "traffic": {{ "entry": "web", "arrivals": {{ "poisson": {{ "rate_rps": {rate} }} }} }},
                     "nodes": {{ "web": {{ "pool": {{ "instance_type": "unit", "instances": 1,
                                   "service": {{ "exponential": {{ "mean_ms": 100 }} }} }} }} }} }}"#
            ),
        )
    };
    for (rate, code, unstable, saturated) in [(12.0, 3, true, vec!["web"]), (5.0, 0, false, vec![])]
    {
        let json = temp_file(&format!("saturated-{rate}.out.json"), "");
        let run = capsim(&[
            "run",
            model(rate).to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(code), "{}", text(&run.stderr));
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(doc["unstable"], unstable, "{rate} req/s");
        assert_eq!(doc["saturated"], serde_json::json!(saturated));
        assert!(
            doc["summary"]["unstable"].is_null(),
            "no replication halted"
        );
    }
}

/// `--threads` sets the thread count; the output does not depend on it.
#[test]
fn the_output_does_not_depend_on_threads() {
    let run = |threads: &str| {
        let json = temp_file(&format!("threads-{threads}.json"), "");
        let out = capsim(&[
            "run",
            "models/mmc.json",
            "--replications",
            "4",
            "--threads",
            threads,
            "--json",
            json.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        (out.stdout, std::fs::read(json).unwrap())
    };
    assert_eq!(run("1"), run("3"));
    let zero = capsim(&["run", "models/mmc.json", "--threads", "0"]);
    assert_eq!(zero.status.code(), Some(2));
}

/// Off a terminal (here stderr is a pipe) progress is plain lines, so a
/// log shows a long run is alive. `CAPSIM_PROGRESS_EVERY_MS` = 0 prints
/// every step instead of one line every 5 s.
#[test]
fn progress_is_printed_when_stderr_is_not_a_terminal() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["run", "models/mmc.json", "--replications", "3"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CAPSIM_PROGRESS_EVERY_MS", "0")
        .output()
        .unwrap();
    let said = text(&out.stderr);
    assert!(said.contains("simulating: 3/3 replications, "), "{said}");
    assert!(said.contains("simulating: done in "), "{said}");
    let single = std::process::Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["run", "models/mmc.json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CAPSIM_PROGRESS_EVERY_MS", "0")
        .output()
        .unwrap();
    assert!(text(&single.stderr).contains("simulating: 100% of simulated time"));
}
