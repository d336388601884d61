//! AWS Application Load Balancer access logs as an observation: each line's
//! latency is request + target + response processing time, its failure an
//! `elb_status_code` of 5xx or a processing time of `-1` (no target
//! answered); the line format is read by `trace::parse_alb_line`. The logs
//! are delivered gzip-compressed: decompress them first.

use std::io::BufRead;
use std::path::Path;

use crate::trace::{field_column, parse_alb_line};

use super::error::ObservedError;
use super::input::TextLines;
use super::requests::Recorded;

/// What an ALB log holds, for the message about one without requests.
pub const LINES: &str = "AWS ALB access-log lines";

/// Reads every line, in file order.
pub fn read(
    path: &Path,
    input: &mut dyn BufRead,
    visit: &mut dyn FnMut(Recorded<'_>),
) -> Result<(), ObservedError> {
    let mut lines = TextLines::new(path, input);
    while let Some((line, text)) = lines.next_line()? {
        let logged = parse_alb_line(text).map_err(|(field, message)| {
            ObservedError::at(path, line, field_column(text, field), message)
        })?;
        visit(Recorded::Request {
            at_s: logged.sent_ns as f64 / 1e9,
            latency_ms: logged.latency_s.map(|s| s * 1e3),
            failed: logged.latency_s.is_none() || logged.status.is_none_or(|s| s >= 500),
            class: None,
        });
    }
    Ok(())
}
