//! nginx (or Apache) access logs whose `log_format` adds the request's
//! time to the common or combined format, so a log is an observation too:
//!
//! ```text
//! log_format timed '$remote_addr - $remote_user [$time_local] "$request" '
//!                  '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
//!                  '$request_time $upstream_response_time';
//! ```
//!
//! `$request_time` (seconds, ms resolution: nginx's `ngx_http_log_module`
//! documentation) is the first unquoted number after the bytes sent, or a
//! `rt=` / `request_time=` field (NGINX Amplify's `main_ext` writes
//! `rt=$request_time … urt="$upstream_response_time"`); without one,
//! `urt=` / `upstream_response_time=` (the upstreams' times summed).
//! `$time_local` is when the response was sent. A 5xx status is a failure:
//! capsim's errors are the server's (a full queue, a timeout), and a 4xx is
//! the client's mistake, answered as any request.

use std::io::BufRead;
use std::path::Path;

use crate::trace::{Fields, parse_access_log_line};

use super::error::ObservedError;
use super::input::TextLines;
use super::requests::Recorded;

/// What a timed log holds, for the message about one without requests.
pub const LINES: &str = "access-log lines in the combined format followed by `$request_time`";

/// Why a line without a time cannot be observed, and what to write.
const NO_TIME: &str = "no `$request_time` after the combined format: a log observes latency only if its `log_format` ends with `$request_time` (e.g. `… \"$http_user_agent\" $request_time $upstream_response_time`); a log without times can still be replayed as a trace (`\"format\": \"access_log\"`)";

/// Reads every line, in file order.
pub fn read(
    path: &Path,
    input: &mut dyn BufRead,
    visit: &mut dyn FnMut(Recorded<'_>),
) -> Result<(), ObservedError> {
    let mut lines = TextLines::new(path, input);
    while let Some((line, text)) = lines.next_line()? {
        let logged = parse_access_log_line(text)
            .map_err(|message| ObservedError::at(path, line, 1, message))?;
        let column = (text.len() - logged.rest.len()) as u64 + 1;
        let seconds = request_time(logged.rest)
            .map_err(|message| ObservedError::at(path, line, column, message))?
            .ok_or_else(|| ObservedError::at(path, line, column, NO_TIME))?;
        visit(Recorded::Request {
            at_s: logged.second as f64,
            latency_ms: Some(seconds * 1e3),
            failed: logged.status >= 500,
            class: None,
        });
    }
    Ok(())
}

/// The request's time in seconds from the fields after the status code,
/// `None` if there is none.
pub fn request_time(rest: &str) -> Result<Option<f64>, String> {
    let mut fields = Fields::new(rest);
    // The first field is the bytes sent.
    fields.next();
    let (mut bare, mut upstream) = (None, None);
    while let Some((field, quoted)) = fields.next_field() {
        if let Some((key, value)) = field.split_once('=').filter(|_| !quoted) {
            let value = value.trim_matches('"');
            match key {
                "rt" | "request_time" => return seconds(key, value).map(Some),
                "urt" | "upstream_response_time" => upstream = Some(upstreams(key, value)?),
                _ => {}
            }
        } else if !quoted && bare.is_none() && field.parse::<f64>().is_ok() {
            bare = Some(seconds("$request_time", field)?);
        }
    }
    Ok(bare.or(upstream))
}

fn seconds(name: &str, text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!(
            "`{name}`: expected seconds ≥ 0, such as 0.012, found `{text}`"
        )),
    }
}

/// `0.010, 0.020 : 0.005` (upstreams tried in turn, and internal redirects)
/// summed; `-` (no upstream) counts nothing.
fn upstreams(name: &str, text: &str) -> Result<f64, String> {
    let mut total = 0.0;
    for part in text
        .split([',', ':'])
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "-")
    {
        total += seconds(name, part)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_request_time() {
        let combined = r#"612 "-" "curl/8.5" 0.125 0.120"#;
        assert_eq!(request_time(combined), Ok(Some(0.125)));
        assert_eq!(request_time("612 0.004"), Ok(Some(0.004)));
        let amplify = r#"612 "-" "curl/8.5" "-" rt=0.250 uct="0.001" uht="0.2" urt="0.240""#;
        assert_eq!(request_time(amplify), Ok(Some(0.25)));
        assert_eq!(
            request_time(r#"612 "-" "curl" urt="0.010, 0.020""#),
            Ok(Some(0.03))
        );
        assert_eq!(request_time(r#"612 "-" "1.5""#), Ok(None));
        assert_eq!(
            request_time("612 rt=-1"),
            Err("`rt`: expected seconds ≥ 0, such as 0.012, found `-1`".into())
        );
    }
}
