//! Bad k6, JMeter, CloudWatch and access-log files: every message exact,
//! naming the file, the line and the column, what was found and what was
//! expected; a file given the wrong `--format` says which format it looks
//! like; nothing panics.

use std::path::{Path, PathBuf};

use capsim::observed::{self, Format, Window};

const K6: &str = "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata";

const JTL: &str = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect";

/// Parses `text` as if read from `name` and checks the message.
#[track_caller]
fn check(name: &str, format: Format, text: &str, expected: &str) {
    match observed::parse(Path::new(name), text, format) {
        Ok(observed) => panic!("{name}: expected an error, read {observed:?}"),
        Err(error) => assert_eq!(error.to_string(), expected),
    }
}

#[test]
fn k6_csv() {
    let row = |metric: &str, time: &str, value: &str, expected: &str, status: &str| {
        format!(
            "{K6}\n{metric},{time},{value},,,,{expected},,GET,home,HTTP/1.1,default,,{status},,,http://x/,,\n"
        )
    };
    check(
        "k6.csv",
        Format::K6,
        &row("http_req_duration", "yesterday", "1.0", "true", "200"),
        "k6.csv, line 2, column 2: expected a time as k6 writes it (Unix seconds such as 1614173830, or RFC 3339 such as 2021-02-24T13:37:10Z), found `yesterday`",
    );
    check(
        "k6.csv",
        Format::K6,
        &row("http_req_duration", "1700000000", "-3", "true", "200"),
        "k6.csv, line 2, column 3: `metric_value`: expected a number ≥ 0, found `-3`",
    );
    check(
        "k6.csv",
        Format::K6,
        &row("http_req_duration", "1700000000", "3", "", ""),
        "k6.csv, line 2, column 7: an `http_req_duration` sample without an `expected_response` or `status` tag: capsim cannot tell a failure (keep k6's default `systemTags`)",
    );
    check(
        "k6.csv",
        Format::K6,
        "metric_name,time,metric_value\nvus,1,1\n",
        "k6.csv, line 1, column 4: missing column `timestamp` (the header has: metric_name, time, metric_value)",
    );
    check(
        "k6.csv",
        Format::K6,
        &row("vus", "1700000000", "3", "", ""),
        "k6.csv: no requests in the file: expected k6 `http_req_duration` samples (`k6 run --out csv=FILE` or `--out json=FILE`)",
    );
    check(
        "k6.csv",
        Format::K6,
        "",
        &format!("k6.csv, line 1, column 1: the file is empty: expected a header `{K6}` and rows"),
    );
}

#[test]
fn k6_json() {
    let point = r#"{"type":"Point","data":{"time":"2023-11-14T22:13:20Z","value":12,"tags":{"expected_response":"true","name":"home"}},"metric":"http_req_duration"}"#;
    check(
        "k6.json",
        Format::K6,
        &format!("{point}\n{point}\n{{\"type\":\"Point\",\"data\":{{\"time\":\n"),
        "k6.json, line 3, column 31: EOF while parsing a value",
    );
    check(
        "k6.json",
        Format::K6,
        &point.replace("2023-11-14T22:13:20Z", "14/Nov/2023"),
        "k6.json, line 1, column 1: `data.time`: expected a time as k6 writes it (Unix seconds such as 1614173830, or RFC 3339 such as 2021-02-24T13:37:10Z), found `14/Nov/2023`",
    );
    check(
        "k6.json",
        Format::K6,
        &point.replace(r#""value":12"#, r#""value":-1"#),
        "k6.json, line 1, column 1: a `http_req_duration` point needs a `data.value` ≥ 0",
    );
    check(
        "k6.json",
        Format::K6,
        &point.replace(r#""expected_response":"true","#, ""),
        "k6.json, line 1, column 1: an `http_req_duration` sample without an `expected_response` or `status` tag: capsim cannot tell a failure (keep k6's default `systemTags`)",
    );
    check(
        "k6.json",
        Format::K6,
        r#"{"type":"Point","metric":"vus"}"#,
        "k6.json, line 1, column 1: a `vus` point without `data`: expected {\"time\":…,\"value\":…,\"tags\":{…}}",
    );
}

#[test]
fn k6_summary() {
    check(
        "summary.json",
        Format::K6,
        "{\n  \"metrics\": {\n    \"http_reqs\": {\"count\": 3,}\n  }\n}\n",
        "summary.json, line 3, column 30: trailing comma",
    );
    check(
        "summary.json",
        Format::K6,
        r#"{"root_group": {}}"#,
        "summary.json, line 1, column 1: no `metrics` object: expected k6's summary (`--summary-export`, or `handleSummary`'s data)",
    );
    check(
        "summary.json",
        Format::K6,
        r#"{"metrics": {"vus": {"value": 1}}}"#,
        "summary.json: no `metrics.http_reqs` in the k6 summary: the test made no HTTP requests",
    );
    check(
        "summary.json",
        Format::K6,
        r#"{"metrics": {"http_reqs": {"count": 3}}}"#,
        "summary.json: `metrics.http_reqs` in the k6 summary has no `rate`: expected its `count` and `rate`",
    );
    let windowed = observed::parse_as(
        Path::new("summary.json"),
        r#"{"metrics": {"http_reqs": {"count": 3, "rate": 1}}}"#,
        Some(Format::K6),
        Window {
            from_s: Some(10.0),
            to_s: None,
        },
    )
    .unwrap_err();
    assert_eq!(
        windowed.to_string(),
        "summary.json: k6's end-of-test summary holds totals over the whole test, so it cannot be cut to a window (from 10 s)"
    );
    assert_eq!(
        windowed.hint(),
        Some(
            "compare the samples k6 writes with `--out csv=FILE` or `--out json=FILE` with the same window"
        )
    );
}

#[test]
fn jmeter() {
    let row = |time: &str, elapsed: &str, success: &str| {
        format!(
            "{JTL}\n{time},{elapsed},home,200,OK,users 1-1,text,{success},,512,120,1,1,http://x/,9,0,1\n"
        )
    };
    check(
        "results.jtl",
        Format::Jmeter,
        &row("2023/11/14 22:13:20", "10", "true"),
        "results.jtl, line 2, column 1: `timeStamp`: expected milliseconds since 1970 (JMeter's default `jmeter.save.saveservice.timestamp_format=ms`), found `2023/11/14 22:13:20`",
    );
    check(
        "results.jtl",
        Format::Jmeter,
        &row("1700000000000", "ten", "true"),
        "results.jtl, line 2, column 2: `elapsed`: expected a number ≥ 0, found `ten`",
    );
    check(
        "results.jtl",
        Format::Jmeter,
        &row("1700000000000", "10", "yes"),
        "results.jtl, line 2, column 8: `success`: expected `true` or `false`, found `yes`",
    );
    check(
        "results.jtl",
        Format::Jmeter,
        "1700000000000,10,home,200,OK,users 1-1,text,true,,512,120,1,1,http://x/,9,0,1\n",
        &format!(
            "results.jtl, line 1, column 1: the first line is a sample, not a header: expected JMeter's header `{JTL}` (set `jmeter.save.saveservice.print_field_names=true`, JMeter's default)"
        ),
    );
    check(
        "results.jtl",
        Format::Jmeter,
        "timeStamp,label,success\n1,a,true\n",
        "results.jtl, line 1, column 4: missing column `elapsed` (the header has: timeStamp, label, success)",
    );
    // CRLF, as JMeter writes on Windows: the line is still right.
    let crlf = row("1700000000000", "-1", "true").replace('\n', "\r\n");
    check(
        "results.jtl",
        Format::Jmeter,
        &format!("{crlf}\r\n"),
        "results.jtl, line 2, column 2: `elapsed`: expected a number ≥ 0, found `-1`",
    );
}

#[test]
fn access_logs() {
    let combined =
        r#"203.0.113.7 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5""#;
    check(
        "access.log",
        Format::Nginx,
        &format!("{combined} 0.010\n{combined}\n"),
        "access.log, line 2, column 67: no `$request_time` after the combined format: a log observes latency only if its `log_format` ends with `$request_time` (e.g. `… \"$http_user_agent\" $request_time $upstream_response_time`); a log without times can still be replayed as a trace (`\"format\": \"access_log\"`)",
    );
    check(
        "access.log",
        Format::Nginx,
        &format!("{combined} rt=fast\n"),
        "access.log, line 1, column 67: `rt`: expected seconds ≥ 0, such as 0.012, found `fast`",
    );
    check(
        "access.log",
        Format::Nginx,
        "GET / 200 0.010\n",
        "access.log, line 1, column 1: expected the common or combined log format: host ident user [10/Oct/2025:13:55:36 -0700] \"GET /path HTTP/1.1\" status bytes; got `GET / 200 0.010`",
    );
    let alb = std::fs::read_to_string(data("logs/alb.log")).unwrap();
    let first = alb.lines().next().unwrap();
    check(
        "alb.log",
        Format::Alb,
        &format!("{first}\n{}\n", first.replace(" 200 200 ", " 2xx 200 ")),
        "alb.log, line 2, column 121: `elb_status_code` (field 9): expected a status code or `-`, got `2xx`",
    );
    check(
        "alb.log",
        Format::Alb,
        &first.replace("2018-07-02T22:23:00.186641Z app", "yesterday app"),
        "alb.log, line 1, column 6: `time` (field 2): expected a time like 2018-07-02T22:23:00.186641Z, got `yesterday`",
    );
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/observed")
        .join(name)
}

/// A directory of its own for one test's CloudWatch files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capsim-cw-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a config and an output, and checks the message (paths made relative).
#[track_caller]
fn check_cloudwatch(test: &str, config: &str, output: &str, expected: &str) {
    let dir = scratch(test);
    std::fs::write(dir.join("config.json"), config).unwrap();
    std::fs::write(dir.join("data.json"), output).unwrap();
    let error = observed::load(&dir.join("config.json"), Some(Format::Cloudwatch)).unwrap_err();
    let prefix = format!("{}/", dir.display());
    assert_eq!(error.to_string().replace(&prefix, ""), expected);
}

const OUTPUT: &str = r#"{"MetricDataResults": [
  {"Id": "rc", "Label": "RequestCount", "Timestamps": ["2024-05-01T12:01:00+00:00", "2024-05-01T12:00:00+00:00"], "Values": [60.0, 120.0], "StatusCode": "Complete"}
], "Messages": []}"#;

#[test]
fn cloudwatch() {
    check_cloudwatch(
        "unknown-id",
        "{\n  \"cloudwatch\": \"data.json\",\n  \"request_count\": \"requests\"\n}\n",
        OUTPUT,
        "config.json, line 3, column 20: no result with the `Id` `requests` in `data.json` (its ids: rc)",
    );
    check_cloudwatch(
        "unknown-field",
        r#"{"cloudwatch": "data.json", "requests": "rc"}"#,
        OUTPUT,
        "config.json, line 1, column 38: unknown field `requests`, expected one of `cloudwatch`, `request_count`, `throughput_rps`, `error_count`, `error_rate`, `latency_mean`, `latency_p50`, `latency_p95`, `latency_p99`, `utilization`, `period_s`, `from_s`, `to_s`",
    );
    check_cloudwatch(
        "lengths",
        r#"{"cloudwatch": "data.json", "request_count": "rc"}"#,
        &OUTPUT.replace("[60.0, 120.0]", "[60.0]"),
        "data.json, line 3, column 1: result `rc` has 2 `Timestamps` but 1 `Values`: expected one value a timestamp",
    );
    check_cloudwatch(
        "timestamp",
        r#"{"cloudwatch": "data.json", "request_count": "rc"}"#,
        &OUTPUT.replace("2024-05-01T12:00:00+00:00", "12:00"),
        "data.json, line 2, column 92: expected a time such as 2024-05-01T12:05:00+00:00, found `12:00`",
    );
    check_cloudwatch(
        "output-as-config",
        OUTPUT,
        OUTPUT,
        "config.json, line 1, column 1: the output of `get-metric-data`, not a config: name which result is which figure in a config, e.g. `{ \"cloudwatch\": \"config.json\", \"request_count\": \"m1\" }` (docs/src/how-to/observed.md, \"Checking against observed metrics\")",
    );
    check_cloudwatch(
        "window",
        r#"{"cloudwatch": "data.json", "request_count": "rc", "from_s": 600}"#,
        OUTPUT,
        "config.json: no datapoint in the window 600–60 s after the first timestamp (the datapoints span 0–60 s)",
    );
}

#[test]
fn a_wrong_format_says_what_the_file_looks_like() {
    let error = observed::load(&data("k6/results.csv"), Some(Format::Jmeter)).unwrap_err();
    assert!(
        error.to_string().ends_with("k6/results.csv, line 1, column 20: missing column `timeStamp` (the header has: metric_name, timestamp, metric_value, check, error, error_code, expected_response, group, method, name, proto, scenario, service, status, subproto, tls_version, url, extra_tags, metadata)"),
        "{error}"
    );
    assert_eq!(
        error.hint(),
        Some(
            "it was read as `--format jmeter`, and the file looks like k6 results (`--out csv`, `--out json`, or the summary JSON): try `--format k6`, or leave `--format` out; the formats are `locust`, `prometheus`, `csv`, `k6`, `jmeter`, `cloudwatch`, `nginx`, `alb` (`capsim compare --help` says what each reads)"
        )
    );
    let error = observed::load(&data("logs/nginx-timed.log"), Some(Format::Alb)).unwrap_err();
    assert!(
        error.hint().unwrap().contains(
            "the file looks like an nginx access log with `$request_time`: try `--format nginx`"
        ),
        "{:?}",
        error.hint()
    );
    let error = observed::load(&data("logs/alb.log"), Some(Format::Nginx)).unwrap_err();
    assert!(
        error
            .hint()
            .unwrap()
            .contains("the file looks like an AWS ALB access log: try `--format alb`"),
        "{:?}",
        error.hint()
    );
}

#[test]
fn compressed_files_are_refused_with_what_to_do() {
    let path = std::env::temp_dir().join(format!("capsim-gz-{}.log.gz", std::process::id()));
    // gzip's magic number, a deflate header, nothing more.
    std::fs::write(&path, [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]).unwrap();
    let error = observed::load(&path, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{0}, line 1, column 1: the file is gzip-compressed: decompress it first (`gunzip -k {0}`)",
            path.display()
        )
    );
}

#[test]
fn bad_bytes_never_panic() {
    // Cut at every length, each of the samples is read or refused, never a panic.
    for name in [
        "k6/results.csv",
        "k6/results.json",
        "k6/summary.json",
        "jmeter/results.jtl",
        "logs/nginx-timed.log",
        "logs/alb.log",
    ] {
        let text = std::fs::read_to_string(data(name)).unwrap();
        for cut in (0..text.len())
            .step_by(37)
            .filter(|&i| text.is_char_boundary(i))
        {
            for format in [
                None,
                Some(Format::K6),
                Some(Format::Jmeter),
                Some(Format::Nginx),
                Some(Format::Alb),
            ] {
                let _ =
                    observed::parse_as(Path::new(name), &text[..cut], format, Window::default());
            }
        }
    }
}
