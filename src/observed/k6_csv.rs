//! `k6 run --out csv=FILE`: a header `metric_name,timestamp,metric_value,`
//! then the system tags k6 keeps (`check,error,error_code,expected_response,
//! group,method,name,proto,scenario,service,status,subproto,tls_version,url`
//! by default), `extra_tags,metadata`; a row per sample (`MakeHeader`,
//! `SampleToRow` in grafana/k6 internal/output/csv/output.go). Columns are
//! found by name, so a script's own `systemTags` read as well.

use std::io::BufRead;
use std::path::Path;

use super::csv_stream::CsvStream;
use super::error::ObservedError;
use super::k6;
use super::requests::Recorded;

/// The header k6 writes with its default system tags, for messages.
pub const HEADER: &str = "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata";

/// Reads every `http_req_duration` and `vus` row, in file order.
pub fn read(
    path: &Path,
    input: &mut dyn BufRead,
    visit: &mut dyn FnMut(Recorded<'_>),
) -> Result<(), ObservedError> {
    let mut csv = CsvStream::open(path, input, HEADER)?;
    let metric = csv.column("metric_name")?;
    let time = csv.column("timestamp")?;
    let value = csv.column("metric_value")?;
    let expected = csv.find("expected_response");
    let status = csv.find("status");
    let name = csv.find("name");
    while csv.next()? {
        let kind = csv.cell(metric);
        if kind != "http_req_duration" && kind != "vus" {
            continue;
        }
        let at_s = k6::time_s(csv.cell(time))
            .ok_or_else(|| csv.error(time, k6::bad_time(csv.cell(time))))?;
        let amount = csv.non_negative(value)?;
        if kind == "vus" {
            visit(Recorded::Users {
                at_s,
                users: amount.round().min(f64::from(u32::MAX)) as u32,
            });
            continue;
        }
        let failed = k6::failed(
            expected.map(|i| csv.cell(i)).filter(|c| !c.is_empty()),
            status.map(|i| csv.cell(i)).filter(|c| !c.is_empty()),
        )
        .ok_or_else(|| {
            csv.error(
                expected.or(status).unwrap_or(csv.header.len()),
                k6::NO_OUTCOME,
            )
        })?;
        visit(Recorded::Request {
            at_s,
            latency_ms: Some(amount),
            failed,
            class: name.map(|i| csv.cell(i)).filter(|c| !c.is_empty()),
        });
    }
    Ok(())
}
