//! Web server access logs in the common or combined log format, as nginx and
//! Apache write them:
//!
//! ```text
//! 203.0.113.7 - - [10/Oct/2025:13:55:36 -0700] "GET /cart?id=3 HTTP/1.1" 200 2326 "-" "curl/8.5"
//! ```
//!
//! Timestamps have one-second resolution, so the requests logged in the same
//! second are spread evenly across it rather than replayed as a burst.

use std::fs::File;
use std::io::{BufRead, BufReader};

use super::rfc3339::days_from_civil;
use super::{BadLines, Record, Replay, Timeline, TraceConfig, TraceError, key_of, open};

/// Streams the requests of an access log, in order.
pub struct AccessLogReader {
    config: TraceConfig,
    lines: BufReader<File>,
    buf: String,
    line: u64,
    /// (class, key) of the requests logged in `second`, and how many are out.
    group: Vec<(u16, u64)>,
    second: u64,
    taken: usize,
    /// The first request of the next second, read ahead.
    ahead: Option<Logged>,
    timeline: Timeline,
    bad: BadLines,
}

/// One parsed line.
#[derive(Clone, Copy, Debug)]
struct Logged {
    second: u64,
    class: u16,
    key: u64,
}

impl AccessLogReader {
    /// Opens the log.
    pub fn open(config: &TraceConfig) -> Result<Self, TraceError> {
        Ok(AccessLogReader {
            config: config.clone(),
            lines: open(&config.path)?,
            buf: String::new(),
            line: 0,
            group: Vec::new(),
            second: 0,
            taken: 0,
            ahead: None,
            timeline: Timeline::default(),
            bad: BadLines::new(config),
        })
    }

    /// Malformed or out-of-order lines skipped so far.
    pub fn skipped(&self) -> u64 {
        self.bad.skipped
    }

    /// The next request in the window, or `None` at the end of the log or window.
    pub fn next_record(&mut self) -> Result<Option<Record>, TraceError> {
        loop {
            if self.taken < self.group.len() {
                let (class, key) = self.group[self.taken];
                // The i-th of k requests in a second sits at (i + ½) / k of it.
                let k = self.group.len() as u64;
                let offset = (2 * self.taken as u64 + 1) * 1_000_000_000 / (2 * k);
                self.taken += 1;
                let raw_ns = self.second * 1_000_000_000 + offset;
                let placed = self
                    .timeline
                    .place(&self.config, raw_ns)
                    .map_err(|message| TraceError::new(&self.config.path, self.line, message))?;
                match placed {
                    Replay::At(at_ns) => {
                        return Ok(Some(Record {
                            at_ns,
                            class,
                            key: Some(key),
                        }));
                    }
                    Replay::Before => continue,
                    Replay::After => return Ok(None),
                }
            }
            if !self.fill_group()? {
                return Ok(None);
            }
        }
    }

    /// Reads the requests of the next logged second; false at the end.
    fn fill_group(&mut self) -> Result<bool, TraceError> {
        self.group.clear();
        self.taken = 0;
        let Some(first) = self
            .ahead
            .take()
            .map_or_else(|| self.read_logged(), |l| Ok(Some(l)))?
        else {
            return Ok(false);
        };
        self.second = first.second;
        self.group.push((first.class, first.key));
        while let Some(logged) = self.read_logged()? {
            if logged.second == self.second {
                self.group.push((logged.class, logged.key));
            } else if logged.second > self.second {
                self.ahead = Some(logged);
                break;
            } else {
                let message = format!(
                    "logged {} s before the line above it (a log must be in time order)",
                    self.second - logged.second
                );
                self.bad.handle(self.line, message)?;
            }
        }
        Ok(true)
    }

    /// The next well-formed line; bad ones fail or are skipped.
    fn read_logged(&mut self) -> Result<Option<Logged>, TraceError> {
        loop {
            self.buf.clear();
            let read = self.lines.read_line(&mut self.buf).map_err(|err| {
                TraceError::new(&self.config.path, self.line + 1, err.to_string())
            })?;
            if read == 0 {
                return Ok(None);
            }
            self.line += 1;
            let text = self.buf.trim_end();
            if text.is_empty() {
                continue;
            }
            match parse_line(text) {
                Ok(line) => {
                    let class = self.config.classifier.by_rules(line.method, line.target);
                    return Ok(Some(Logged {
                        second: line.second,
                        class,
                        key: key_of(line.target),
                    }));
                }
                Err(message) => self.bad.handle(self.line, message)?,
            }
        }
    }
}

/// The fields of a log line that replay needs, and what an observation
/// reads beside them.
#[derive(Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// Seconds since the Unix epoch (the time logged: nginx and Apache log
    /// when the response is sent).
    pub second: u64,
    /// The request's method.
    pub method: &'a str,
    /// The request target: path and query.
    pub target: &'a str,
    /// The status code sent.
    pub status: u16,
    /// The text after the status code: bytes, and in the combined format
    /// the referer, the user agent and whatever a `log_format` appends.
    pub rest: &'a str,
}

/// Said of a line of an AWS ALB log read as an access log (the model's
/// hint looks for it, to name the format instead of `--skip-bad-lines`).
pub const LOOKS_LIKE_ALB: &str = "looks like an AWS ALB access log";

const EXPECTED: &str = "expected the common or combined log format: host ident user [10/Oct/2025:13:55:36 -0700] \"GET /path HTTP/1.1\" status bytes";

/// Parses `host ident user [time] "request" status bytes …`.
pub fn parse_line(text: &str) -> Result<Line<'_>, String> {
    let unknown = || {
        let shown: String = text.chars().take(80).collect();
        if super::alb_log::looks_like_alb(text) {
            format!("{EXPECTED}; the line {LOOKS_LIKE_ALB}: `{shown}`")
        } else {
            format!("{EXPECTED}; got `{shown}`")
        }
    };
    let open = text.find(" [").ok_or_else(unknown)?;
    if text[..open].split(' ').count() != 3 {
        return Err(unknown());
    }
    let close = open + text[open..].find("] \"").ok_or_else(unknown)?;
    let second = parse_time(&text[open + 2..close])?;
    let request_start = close + 3;
    // The request line ends at the quote before the status code; a quote
    // inside it is escaped (`\"` or `\x22`), so the first bare `" ` ends it.
    let rest = &text[request_start..];
    let request_end = rest.find("\" ").ok_or_else(unknown)?;
    let request = &rest[..request_end];
    let after = &rest[request_end + 2..];
    let (status, tail) = after.split_once(' ').unwrap_or((after, ""));
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unknown());
    }
    let mut parts = request.split(' ');
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    Ok(Line {
        second,
        method,
        target,
        status: status.parse().map_err(|_| unknown())?,
        rest: tail,
    })
}

/// `10/Oct/2000:13:55:36 -0700` → seconds since the Unix epoch (UTC).
fn parse_time(text: &str) -> Result<u64, String> {
    let bad = || format!("expected a time like `10/Oct/2025:13:55:36 -0700`, got `{text}`");
    let (local, zone) = text.split_once(' ').ok_or_else(bad)?;
    // dd/Mon/yyyy:hh:mm:ss, split without allocating: this runs per request.
    let mut fields = local.split(['/', ':']);
    let mut next = || fields.next().ok_or_else(bad);
    let (day, month, year) = (next()?, next()?, next()?);
    let (h, m, s) = (next()?, next()?, next()?);
    if fields.next().is_some() {
        return Err(bad());
    }
    let number = |s: &str| s.parse::<i64>().map_err(|_| bad());
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month).ok_or_else(bad)? as i64 + 1;
    let (day, year) = (number(day)?, number(year)?);
    // Replay times are u64 nanoseconds since 1970, which end in 2554; a
    // year past that (a typo, a corrupt line) would overflow, not replay.
    if !(1970..=MAX_YEAR).contains(&year) {
        return Err(format!(
            "expected a year from 1970 to {MAX_YEAR}, got {year} in `{text}`"
        ));
    }
    let (h, m, s) = (number(h)?, number(m)?, number(s)?);
    // Up to 2500: nanoseconds since 1970 must fit in 64 bits (until 2554).
    if !(1..=31).contains(&day)
        || !(1970..=2500).contains(&year)
        || !(0..24).contains(&h)
        || !(0..60).contains(&m)
        || !(0..=60).contains(&s)
    {
        return Err(bad());
    }
    let sign = match zone.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(bad()),
    };
    let zone = &zone[1..];
    if zone.len() != 4 || !zone.is_ascii() {
        return Err(bad());
    }
    let offset = sign * (number(&zone[..2])? * 3600 + number(&zone[2..])? * 60);
    let local = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    u64::try_from(local - offset).map_err(|_| bad())
}

/// The last year a logged time may have (see `parse_time`).
const MAX_YEAR: i64 = 2500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_apache_documentation_example() {
        // The example line of the Apache httpd log-file documentation.
        let line = parse_line(
            r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#,
        )
        .unwrap();
        // 2000-10-10 20:55:36 UTC.
        assert_eq!(line.second, 971_211_336);
        assert_eq!(line.method, "GET");
        assert_eq!(line.target, "/apache_pb.gif");
    }

    #[test]
    fn reads_the_common_format_and_odd_requests() {
        let line = parse_line(r#"10.0.0.1 - - [01/Jan/1970:00:00:01 +0000] "-" 400 0"#).unwrap();
        assert_eq!((line.second, line.method, line.target), (1, "-", ""));
    }

    #[test]
    fn counts_days_across_leap_years() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 12, 31), 20_088);
    }

    #[test]
    fn rejects_other_formats() {
        for line in [
            "",
            "GET /index.html",
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.1" 200 1"#,
            r#"1.2.3.4 - - [10/Foo/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1"#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" OK 1"#,
            r#"{"time": "2000-10-10T13:55:36Z", "path": "/"}"#,
            // Found by hand: a zone with a two-byte character (sliced at a
            // byte that is not a character's start), a year whose
            // nanoseconds overflow 64 bits.
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 +1é2] "GET / HTTP/1.1" 200 1"#,
            r#"1.2.3.4 - - [10/Oct/99999:13:55:36 +0000] "GET / HTTP/1.1" 200 1"#,
        ] {
            assert!(parse_line(line).is_err(), "{line}");
        }
    }
}
