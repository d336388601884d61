//! `--series-format openmetrics`: the text is well formed, every sample is
//! the CSV's figure in Prometheus' units at the window's time, and a real
//! Prometheus loads it (`promtool tsdb create-blocks-from openmetrics`, then
//! the server on 127.0.0.1 over those blocks) and answers a query with the
//! CSV's value. Without promtool and prometheus the last test says so and
//! passes, unless `CI` is set: CI installs Debian's `prometheus` (.ci/run).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use super::support::capsim;

/// 2026-12-01T00:00:00Z, in seconds since 1970 (20,788 days × 86,400 s).
const START: f64 = 1_796_083_200.0;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("openmetrics");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir.join(name)
}

/// The CSV series and the OpenMetrics series of one run of `model`.
fn both(model: &str, tag: &str) -> (String, String) {
    let csv = scratch(&format!("{tag}.csv"));
    let om = scratch(&format!("{tag}.om"));
    for (path, extra) in [
        (&csv, vec![]),
        (
            &om,
            vec![
                "--series-format",
                "openmetrics",
                "--start",
                "2026-12-01T00:00:00Z",
            ],
        ),
    ] {
        let mut args = vec!["run", model, "--series", path.to_str().unwrap()];
        args.extend(extra);
        let out = capsim(&args);
        assert!(
            out.status.success() || out.status.code() == Some(3),
            "{out:?}"
        );
    }
    let read = |p: &Path| std::fs::read_to_string(p).expect("written");
    (read(&csv), read(&om))
}

/// `name{labels} value timestamp` lines, by (name, labels, timestamp).
fn samples(text: &str) -> HashMap<(String, String, String), f64> {
    let mut found = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, rest) = line.split_once("} ").expect("a sample line");
        let (name, labels) = series.split_once('{').expect("labels");
        let (value, at) = rest.split_once(' ').expect("a value and a timestamp");
        let key = (name.to_string(), labels.to_string(), at.to_string());
        found.insert(key, value.parse().expect("a number"));
    }
    found
}

#[test]
fn every_sample_is_the_csvs_figure_at_its_windows_time() {
    let (csv, om) = both("models/shop.json", "shop");
    assert!(om.ends_with("# EOF\n"), "the text ends with # EOF");
    let om_samples = samples(&om);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let (mut checked, mut rows) = (0, 0);
    for line in lines {
        rows += 1;
        let row: Vec<&str> = line.split(',').collect();
        let at = format!("{:.3}", START + row[1].parse::<f64>().unwrap());
        let labels = format!("model=\"shop\",replication=\"{}\"", row[0]);
        // By hand, one of each kind of column: its family, unit and labels.
        let expected = [
            ("capsim_p99_seconds", labels.clone(), "p99_ms", 1e-3),
            (
                "capsim_arrivals_per_second",
                labels.clone(),
                "arrivals_per_s",
                1.0,
            ),
            (
                "capsim_pool_utilization_ratio",
                format!("{labels},pool=\"web\""),
                "web.utilization",
                1.0,
            ),
            (
                "capsim_pool_serving",
                format!("{labels},pool=\"web\""),
                "web.serving",
                1.0,
            ),
            (
                "capsim_node_hit_ratio",
                format!("{labels},node=\"cdn\""),
                "cdn.hit_ratio",
                1.0,
            ),
            ("capsim_cost_usd", labels.clone(), "cost_usd", 1.0),
        ];
        for (name, labels, column, scale) in expected {
            let index = header.iter().position(|h| *h == column).expect(column);
            let value: f64 = row[index].parse().expect("a number in the CSV");
            let key = (name.to_string(), labels, at.clone());
            let sample = om_samples.get(&key).unwrap_or_else(|| panic!("no {key:?}"));
            assert!(
                (sample - value * scale).abs() <= 1e-12 * value.abs(),
                "{key:?}"
            );
            checked += 1;
        }
    }
    assert!(
        rows > 50 && checked == 6 * rows,
        "six figures in each of {rows} windows"
    );
    // One header per family, its samples after it and before the next one's.
    let types: Vec<&str> = om.lines().filter(|l| l.starts_with("# TYPE")).collect();
    let mut names: Vec<&str> = types.iter().map(|l| l.split(' ').nth(2).unwrap()).collect();
    let total = names.len();
    names.dedup();
    assert_eq!(names.len(), total, "a family's header appears once");
    assert!(om.contains("# UNIT capsim_p99_seconds seconds\n"));
}

#[test]
fn a_bad_start_is_an_error_that_says_what_a_time_is() {
    let out = capsim(&[
        "run",
        "models/mm1.json",
        "--series",
        "out/x.om",
        "--series-format",
        "openmetrics",
        "--start",
        "yesterday",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid value 'yesterday' for '--start <TIME>': expected a time such as 2026-12-01T09:00:00Z (UTC) or seconds since 1970, found `yesterday`"),
        "{stderr}"
    );
    let out = capsim(&[
        "run",
        "models/mm1.json",
        "--series",
        "out/x.csv",
        "--start",
        "0",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--start stamps an OpenMetrics series: add --series-format openmetrics"),
        "{stderr}"
    );
}

/// A Prometheus server that is stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn on_path(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

/// A port nobody listens on now, on 127.0.0.1.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    listener.local_addr().expect("its address").port()
}

/// The body of an HTTP GET of `path` on 127.0.0.1:`port`, or `None` if
/// nothing answers.
fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response.split_once("\r\n\r\n")?.1.to_string())
}

#[test]
fn a_real_prometheus_answers_a_query_with_the_csvs_value() {
    if !(on_path("promtool") && on_path("prometheus")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but promtool/prometheus are not installed (.ci/run installs Debian's `prometheus`)"
        );
        eprintln!(
            "SKIPPED a_real_prometheus_answers…: no promtool/prometheus (apt-get install prometheus)"
        );
        return;
    }
    let (csv, om) = both("models/retry-storm.json", "retry-storm");
    let data = scratch("tsdb");
    let _ = std::fs::remove_dir_all(&data);
    let backfill = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(scratch("retry-storm.om"))
        .arg(&data)
        .output()
        .expect("promtool runs");
    assert!(backfill.status.success(), "{backfill:?}");
    let config = scratch("prometheus.yml");
    std::fs::write(&config, "global: {}\n").expect("config written");
    let port = free_port();
    let _server = Server(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            // The blocks are of 2026-12-01: keep them whatever today is.
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("prometheus starts"),
    );
    // The window from 100 s, by hand from the CSV: its p99 in seconds.
    let row = csv
        .lines()
        .find(|l| l.starts_with("0,100,"))
        .expect("window 100 s");
    let p99_ms: f64 = row.split(',').nth(7).unwrap().parse().unwrap();
    let at = START + 100.0;
    let query = format!("/api/v1/query?query=capsim_p99_seconds&time={at}");
    let mut answer = None;
    for _ in 0..300 {
        answer = get(port, &query).filter(|body| body.contains("\"success\""));
        if answer.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let body = answer.expect("Prometheus answered within 30 s");
    let stamped = format!("\"value\":[{at},\"");
    let value = body
        .split_once(&stamped)
        .and_then(|(_, rest)| rest.split_once('"'))
        .and_then(|(value, _)| value.parse::<f64>().ok());
    let value = value.unwrap_or_else(|| panic!("no value at {at} in {body}"));
    assert!(
        (value - p99_ms / 1000.0).abs() < 1e-12,
        "{value} vs {p99_ms} ms"
    );
    assert!(
        om.contains("capsim_p99_seconds{"),
        "the text has the family queried"
    );
}
