//! Bad observed metrics: every message exact, naming the file, the line and
//! the column; nothing panics.

use std::path::Path;

use capsim::observed::{self, Format};

use crate::support::capsim;

const LOCUST_STATS: &str = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";

const HISTORY: &str = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size";

/// Parses `text` as if read from `name` and checks the message.
#[track_caller]
fn check(name: &str, format: Format, text: &str, expected: &str) {
    match observed::parse(Path::new(name), text, format) {
        Ok(observed) => panic!("{name}: expected an error, read {observed:?}"),
        Err(error) => assert_eq!(error.to_string(), expected),
    }
}

#[test]
fn empty_files() {
    check(
        "empty.csv",
        Format::Csv,
        "",
        "empty.csv, line 1, column 1: the file is empty: expected a header `time_s,metric,value,labels` and rows",
    );
    check(
        "run_stats.csv",
        Format::Locust,
        "\n",
        &format!(
            "run_stats.csv, line 1, column 1: the file is empty: expected a header `{LOCUST_STATS}` and rows"
        ),
    );
    check(
        "rate.json",
        Format::Prometheus,
        "  ",
        "rate.json, line 1, column 1: the file is empty: expected a Prometheus config naming a response file per figure",
    );
}

#[test]
fn missing_columns() {
    check(
        "run_stats.csv",
        Format::Locust,
        "Type,Name,Request Count\nGET,/,3\n",
        "run_stats.csv, line 1, column 4: missing column `Failure Count` (the header has: Type, Name, Request Count)",
    );
    check(
        "long.csv",
        Format::Csv,
        "time,metric,value\n0,error_rate,0\n",
        "long.csv, line 1, column 4: missing column `time_s` (the header has: time, metric, value)",
    );
}

#[test]
fn rows_of_the_wrong_length_and_missing_aggregate() {
    check(
        "long.csv",
        Format::Csv,
        "time_s,metric,value,labels\n0,error_rate\n",
        "long.csv, line 2, column 3: expected 4 cells as in the header, found 2",
    );
    let row = "GET,/,79,0,3,3.37,1.22,30.1,609.0,5.79,0.0,3,3,4,4,4,6,8,30,30,30,30";
    check(
        "run_stats.csv",
        Format::Locust,
        &format!("{LOCUST_STATS}\n{row}\n"),
        "run_stats.csv, line 3, column 2: no `Aggregated` row (Locust writes it last, with an empty `Type`)",
    );
}

#[test]
fn non_numbers() {
    check(
        "long.csv",
        Format::Csv,
        "time_s,metric,value,labels\n0,error_rate,0.1,\n5,error_rate,lots,\n",
        "long.csv, line 3, column 3: `value`: expected a number, found `lots`",
    );
    let row = ",Aggregated,120,41,3,3.26,1.2,30.1,515.3,8.8,3.0,3,3,3,4,5,6,8,ten,30,30,30";
    check(
        "run_stats.csv",
        Format::Locust,
        &format!("{LOCUST_STATS}\n{row}\n"),
        "run_stats.csv, line 2, column 19: `99%`: expected a number, found `ten`",
    );
    // `N/A` is Locust's "no requests" for percentiles, not for counts.
    let row = ",Aggregated,N/A,41,3,3.26,1.2,30.1,515.3,8.8,3.0,3,3,3,4,5,6,8,10,30,30,30";
    check(
        "run_stats.csv",
        Format::Locust,
        &format!("{LOCUST_STATS}\n{row}\n"),
        "run_stats.csv, line 2, column 3: `Request Count`: expected a number, found `N/A`",
    );
}

#[test]
fn unknown_metrics_and_labels() {
    check(
        "long.csv",
        Format::Csv,
        "time_s,metric,value,labels\n0,error_rate,0.1,\n0,latency_p90_ms,12,\n",
        "long.csv, line 3, column 2: unknown metric `latency_p90_ms` (expected one of: throughput_rps, latency_mean_ms, latency_p50_ms, latency_p95_ms, latency_p99_ms, error_rate, utilization, users)",
    );
    check(
        "long.csv",
        Format::Csv,
        "time_s,metric,value,labels\n0,utilization,0.5,tier=web\n",
        "long.csv, line 2, column 4: unknown label `tier` (expected `node` or `class`)",
    );
    check(
        "long.csv",
        Format::Csv,
        "time_s,metric,value,labels\n0,utilization,0.5,\n",
        "long.csv, line 2, column 4: `utilization` needs a `node` label naming the tier, e.g. `node=web`",
    );
    check(
        "long.csv",
        Format::Csv,
        "time_s,metric,value,labels\n0,latency_p99_ms,5,node=web\n",
        "long.csv, line 2, column 4: only `throughput_rps` and `utilization` take a `node` label",
    );
}

#[test]
fn files_with_nothing_to_compare() {
    check(
        "long.csv",
        Format::Csv,
        "time_s,metric,value,labels\n",
        "long.csv, line 2, column 1: no rows after the header `time_s,metric,value,labels`",
    );
    let row = |t: u32, users: u32, name: &str| {
        format!("{t},{users},,{name},1.0,0.0,3,3,3,3,3,3,3,3,3,3,3,10,0,3,3.0,1,5,100")
    };
    check(
        "run_stats_history.csv",
        Format::Locust,
        &format!("{HISTORY}\n{}\n", row(100, 3, "/")),
        "run_stats_history.csv, line 3, column 4: no `Aggregated` rows (Locust writes one a second, with an empty `Type`)",
    );
    check(
        "run_stats_history.csv",
        Format::Locust,
        &format!(
            "{HISTORY}\n{}\n{}\n",
            row(100, 0, "Aggregated"),
            row(101, 0, "Aggregated")
        ),
        "run_stats_history.csv, line 2, column 2: `User Count` is 0 in every row: no users ran, so there is no load to compare",
    );
}

#[test]
fn timestamps_out_of_order() {
    check(
        "long.csv",
        Format::Csv,
        "time_s,metric,value,labels\n10,error_rate,0.1,\n20,error_rate,0.1,\n15,error_rate,0.1,\n",
        "long.csv, line 4, column 1: time 15 is before the previous row's 20: rows must be in time order",
    );
    let row =
        |t: u32| format!("{t},5,,Aggregated,1.0,0.0,3,3,3,3,3,3,3,3,3,3,3,10,0,3,3.0,1,5,100");
    check(
        "run_stats_history.csv",
        Format::Locust,
        &format!("{HISTORY}\n{}\n{}\n{}\n", row(100), row(101), row(101)),
        "run_stats_history.csv, line 4, column 1: timestamp 101 is not after the previous `Aggregated` row's 101 (line 3): rows must be in time order",
    );
}

/// Locust writes CRLF (Python's `csv.writer`), and the csv crate's own line
/// count is one too low after the header of such a file: every reader of
/// an observed CSV counts lines itself (defect `crlf-long.csv`).
#[test]
fn crlf_files_report_the_real_line() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/defects/crlf-long.csv");
    let error = observed::load(&path, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}, line 4, column 3: `value`: expected a number, found `x`",
            path.display()
        )
    );
    let out = capsim(&[
        "compare",
        "models/mm1.json",
        "--observed",
        "tests/data/defects/crlf-long.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: cannot read observed metrics `tests/data/defects/crlf-long.csv`\n  tests/data/defects/crlf-long.csv, line 4, column 3: `value`: expected a number, found `x`\n"
    );
    // Locust's two files, CRLF, with a blank line and a quoted cell that
    // spans two lines before the bad row: lines 4 and 6.
    let row =
        |t: u32| format!("{t},5,,Aggregated,1.0,0.0,3,3,3,3,3,3,3,3,3,3,3,10,0,3,3.0,1,5,100");
    check(
        "run_stats_history.csv",
        Format::Locust,
        &format!("{HISTORY}\r\n{}\r\n\r\n{}\r\n", row(100), row(99)),
        "run_stats_history.csv, line 4, column 1: timestamp 99 is not after the previous `Aggregated` row's 100 (line 2): rows must be in time order",
    );
    let endpoint = "GET,\"/a\r\nb\",79,0,3,3.37,1.22,30.1,609.0,5.79,0.0,3,3,4,4,4,6,8,30,30,30,30";
    let bad = ",Aggregated,120,41,3,3.26,1.2,30.1,515.3,8.8,3.0,3,3,3,4,5,6,8,ten,30,30,30";
    check(
        "run_stats.csv",
        Format::Locust,
        &format!("{LOCUST_STATS}\r\n\r\n{endpoint}\r\n{bad}\r\n"),
        "run_stats.csv, line 5, column 19: `99%`: expected a number, found `ten`",
    );
}

#[test]
fn prometheus_responses() {
    let dir = std::env::temp_dir().join(format!("capsim-observed-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let response = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    let config = dir.join("config.json");
    let check_config = |config_text: &str, expected: &str| {
        std::fs::write(&config, config_text).unwrap();
        let error = observed::load(&config, Some(Format::Prometheus)).unwrap_err();
        assert_eq!(
            error
                .to_string()
                .replace(&format!("{}/", dir.display()), ""),
            expected
        );
    };
    response(
        "order.json",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[\n{\"metric\":{},\"values\":[[10,\"1\"],[5,\"2\"]]}]}}",
    );
    check_config(
        "{ \"throughput_rps\": \"order.json\" }",
        "order.json, line 2, column 40: timestamp 5 is not after the previous sample's 10: samples must be in time order",
    );
    response(
        "value.json",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[10,\"x\"]]}]}}",
    );
    check_config(
        "{ \"throughput_rps\": \"value.json\" }",
        "value.json, line 1, column 92: expected a sample value as a string such as \"0.5\", \"NaN\" or \"+Inf\", found \"x\"",
    );
    response(
        "vector.json",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
    );
    check_config(
        "{ \"error_rate\": \"vector.json\" }",
        "vector.json, line 1, column 49: unknown variant `vector`, expected `matrix` (a range query's result: `/api/v1/query_range`)",
    );
    response(
        "nole.json",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[\n  {\"metric\":{\"job\":\"web\"},\"values\":[[10,\"1\"]]}]}}",
    );
    check_config(
        "{ \"latency_buckets\": { \"file\": \"nole.json\" } }",
        "nole.json, line 2, column 4: a bucket series needs an `le` label (its labels: job=\"web\")",
    );
    check_config(
        "{ \"throughput\": \"rate.json\" }",
        "config.json, line 1, column 14: unknown field `throughput`, expected one of `throughput_rps`, `error_rate`, `latency_mean`, `latency_buckets`, `utilization`, `from_s`, `to_s`",
    );
    let response = observed::load(&dir.join("order.json"), None).unwrap_err();
    assert_eq!(
        response
            .to_string()
            .replace(&format!("{}/", dir.display()), ""),
        "order.json, line 1, column 1: a Prometheus response, not a config: a response holds one figure, so name it in a config, e.g. `{ \"throughput_rps\": \"order.json\" }` (docs/src/how-to/observed.md, \"Checking against observed metrics\")"
    );
    check_config(
        "{ \"throughput_rps\": \"absent.json\" }",
        "cannot read `absent.json`: No such file or directory (os error 2)",
    );
}

#[test]
fn cli_reports_bad_input_with_exit_code_2() {
    let path = std::env::temp_dir().join(format!("capsim-observed-bad-{}.csv", std::process::id()));
    std::fs::write(&path, "time_s,metric,value\n0,thruput,3\n").unwrap();
    let out = capsim(&[
        "compare",
        "models/mm1.json",
        "--observed",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}, line 2, column 2: unknown metric `thruput`",
            path.display()
        )),
        "{stderr}"
    );
    // A Locust population against an open model: the hint says what to write.
    let out = capsim(&[
        "compare",
        "models/mm1.json",
        "--observed",
        "tests/data/observed/locust_stats_history.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the observed load came from 5 closed users"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nhint: describe the load test's users in the model"),
        "{stderr}"
    );
}

/// Every prefix of every sample, read as every format: an error or a
/// result, never a panic (a cut file is the commonest bad input).
#[test]
fn truncated_files_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/observed");
    for name in [
        "locust_stats.csv",
        "locust_stats_history.csv",
        "long.csv",
        "prometheus/config.json",
        "prometheus/rate.json",
        "prometheus/cpu.json",
    ] {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let cuts = (0..text.len())
            .filter(|&i| text.is_char_boundary(i))
            .step_by(7);
        for cut in cuts {
            for format in [Format::Locust, Format::Prometheus, Format::Csv] {
                let result = std::panic::catch_unwind(|| {
                    let _ = observed::parse(&path, &text[..cut], format);
                });
                assert!(result.is_ok(), "{name} cut at {cut} as {format:?} panicked");
            }
        }
    }
}
