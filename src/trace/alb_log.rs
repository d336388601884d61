//! AWS Application Load Balancer access logs: one space-separated line per
//! request, strings in double quotes, as the Elastic Load Balancing user
//! guide documents them ("Access log entries for your Application Load
//! Balancer"):
//!
//! ```text
//! type time elb client:port target:port request_processing_time target_processing_time
//! response_processing_time elb_status_code target_status_code received_bytes sent_bytes
//! "request" "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
//! "chosen_cert_arn" matched_rule_priority request_creation_time "actions_executed" …
//! ```
//!
//! `time` is when the load balancer sent the response, `request_creation_time`
//! when it received the request; a processing time of `-1` means the request
//! was not dispatched or its target did not answer.

use super::rfc3339::parse_rfc3339;

/// The fields of an ALB log line that replay and observation read.
#[derive(Clone, Debug, PartialEq)]
pub struct AlbLine<'a> {
    /// When the load balancer sent the response, ns since 1970 (`time`).
    pub sent_ns: u64,
    /// When the request arrived, ns since 1970: `request_creation_time`,
    /// else `time` less the processing times.
    pub arrival_ns: u64,
    /// request + target + response processing times, seconds; `None` when
    /// one of them is `-1` (not dispatched, or no answer from the target).
    pub latency_s: Option<f64>,
    /// `elb_status_code`; `None` for `-`.
    pub status: Option<u16>,
    /// The request's method.
    pub method: &'a str,
    /// The request's path and query (scheme, host and port cut off).
    pub target: &'a str,
}

/// The connection types that start an ALB log line.
pub const ALB_TYPES: [&str; 6] = ["http", "https", "h2", "grpcs", "ws", "wss"];

/// What a line of an ALB log looks like, for messages.
pub const ALB_EXPECTED: &str = "expected an AWS ALB access-log line: type time elb client:port target:port request_processing_time target_processing_time response_processing_time elb_status_code target_status_code received_bytes sent_bytes \"request\" …";

/// True if `line` starts as an ALB log line does: a connection type and an
/// RFC 3339 time.
pub fn looks_like_alb(line: &str) -> bool {
    let mut fields = Fields::new(line);
    matches!(fields.next(), Some(kind) if ALB_TYPES.contains(&kind))
        && fields.next().and_then(parse_rfc3339).is_some()
}

/// Parses one line; the error is the 0-based index of the field that is
/// wrong (0 for a line of another format) and what is wrong with it.
pub fn parse_alb_line(line: &str) -> Result<AlbLine<'_>, (usize, String)> {
    parse_fields(line)
}

fn parse_fields(line: &str) -> Result<AlbLine<'_>, (usize, String)> {
    let fields: Vec<&str> = Fields::new(line).take(22).collect();
    if fields.len() < 13 || !ALB_TYPES.contains(&fields[0]) {
        let shown: String = line.chars().take(80).collect();
        return Err((0, format!("{ALB_EXPECTED}; got `{shown}`")));
    }
    let time = |index: usize, name: &str| {
        parse_rfc3339(fields[index]).ok_or_else(|| {
            let message = format!(
                "`{name}` (field {}): expected a time like 2018-07-02T22:23:00.186641Z, got `{}`",
                index + 1,
                fields[index]
            );
            (index, message)
        })
    };
    let (sent_s, sent_nanos) = time(1, "time")?;
    let mut total = Some(0.0);
    for (index, name) in [
        (5, "request_processing_time"),
        (6, "target_processing_time"),
        (7, "response_processing_time"),
    ] {
        let seconds = match fields[index].parse::<f64>() {
            Ok(-1.0) => None,
            Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
            _ => {
                let message = format!(
                    "`{name}` (field {}): expected seconds ≥ 0 or -1, got `{}`",
                    index + 1,
                    fields[index]
                );
                return Err((index, message));
            }
        };
        total = total.zip(seconds).map(|(sum, x)| sum + x);
    }
    let status = match fields[8] {
        "-" => None,
        code => Some(
            code.parse::<u16>()
                .ok()
                .filter(|c| (100..600).contains(c))
                .ok_or_else(|| {
                    let message = format!(
                        "`elb_status_code` (field 9): expected a status code or `-`, got `{code}`"
                    );
                    (8, message)
                })?,
        ),
    };
    let sent_ns = to_ns(sent_s, sent_nanos).ok_or_else(|| {
        let message = format!(
            "`time` (field 2): expected a time from 1970 on, got `{}`",
            fields[1]
        );
        (1, message)
    })?;
    let created = fields
        .get(21)
        .and_then(|t| parse_rfc3339(t))
        .and_then(|(s, n)| to_ns(s, n));
    let arrival_ns = created
        .unwrap_or_else(|| sent_ns.saturating_sub((total.unwrap_or(0.0) * 1e9).round() as u64));
    let (method, target) = request_parts(fields[12]);
    Ok(AlbLine {
        sent_ns,
        arrival_ns,
        latency_s: total,
        status,
        method,
        target,
    })
}

/// `GET http://www.example.com:80/path?q HTTP/1.1` → (`GET`, `/path?q`).
fn request_parts(request: &str) -> (&str, &str) {
    let mut parts = request.split(' ');
    let method = parts.next().unwrap_or("");
    let url = parts.next().unwrap_or("");
    let path = match url.find("://") {
        Some(scheme_end) => {
            let after = &url[scheme_end + 3..];
            after.find('/').map_or("/", |slash| &after[slash..])
        }
        None => url,
    };
    (method, path)
}

fn to_ns(seconds: i64, nanos: u32) -> Option<u64> {
    u64::try_from(seconds)
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(u64::from(nanos))
}

/// The 1-based column (in characters) where field `index` (0-based) of
/// `line` starts; one past the end if the line has fewer fields.
pub fn field_column(line: &str, index: usize) -> u64 {
    let mut fields = Fields::new(line);
    for _ in 0..index {
        if fields.next().is_none() {
            break;
        }
    }
    let rest = fields.rest.trim_start_matches(' ');
    line[..line.len() - rest.len()].chars().count() as u64 + 1
}

/// The fields of a line: runs of characters between spaces, or strings in
/// double quotes (quotes cut off; a `\"` inside does not end one).
pub struct Fields<'a> {
    rest: &'a str,
}

impl<'a> Fields<'a> {
    /// The fields of `line`.
    pub fn new(line: &'a str) -> Self {
        Fields { rest: line }
    }
}

impl<'a> Fields<'a> {
    /// The next field, and whether it was in quotes.
    pub fn next_field(&mut self) -> Option<(&'a str, bool)> {
        let quoted = self.rest.trim_start_matches(' ').starts_with('"');
        self.next().map(|field| (field, quoted))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.rest.trim_start_matches(' ');
        if text.is_empty() {
            return None;
        }
        if let Some(quoted) = text.strip_prefix('"') {
            let bytes = quoted.as_bytes();
            let mut end = 0;
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            let end = end.min(bytes.len());
            self.rest = quoted.get(end + 1..).unwrap_or("");
            return quoted.get(..end).or(Some(quoted));
        }
        // A run ends at a space outside quotes: `urt="0.010, 0.020"` (a key
        // with a quoted value, as nginx `log_format`s write) is one field.
        let bytes = text.as_bytes();
        let (mut end, mut in_quotes) = (0, false);
        while end < bytes.len() && (in_quotes || bytes[end] != b' ') {
            if bytes[end] == b'"' {
                in_quotes = !in_quotes;
            }
            end += 1;
        }
        self.rest = &text[end..];
        Some(&text[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first example of the AWS documentation ("Example HTTP entry").
    const EXAMPLE: &str = r#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#;

    #[test]
    fn reads_the_documentation_example() {
        let line = parse_alb_line(EXAMPLE).unwrap();
        assert_eq!(line.arrival_ns, 1_530_570_168_364_000_000);
        assert_eq!(line.latency_s, Some(0.001));
        assert_eq!(line.status, Some(200));
        assert_eq!((line.method, line.target), ("GET", "/"));
        assert!(looks_like_alb(EXAMPLE));
    }

    #[test]
    fn a_target_that_did_not_answer_has_no_latency() {
        let line = EXAMPLE.replace(" 0.000 0.001 0.000 200 200 ", " 0.000 -1 -1 502 - ");
        let line = parse_alb_line(&line).unwrap();
        assert_eq!((line.latency_s, line.status), (None, Some(502)));
    }

    #[test]
    fn names_the_bad_field() {
        let line = EXAMPLE.replace(" 0.001 ", " fast ");
        let (field, message) = parse_alb_line(&line).unwrap_err();
        assert_eq!(
            message,
            "`target_processing_time` (field 7): expected seconds ≥ 0 or -1, got `fast`"
        );
        assert_eq!(field_column(&line, field), 109);
        assert!(parse_alb_line("GET / 200").is_err());
        assert!(!looks_like_alb(
            r#"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#
        ));
    }
}
