//! JMeter's results as CSV (a `.jtl` written by `jmeter -n -t plan.jmx -l
//! results.jtl`): one row per sample with JMeter's default header
//! `timeStamp,elapsed,label,responseCode,responseMessage,threadName,
//! dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,
//! URL,Latency,IdleTime,Connect` (JMeter user manual, "Listeners": CSV log
//! format; `jmeter.save.saveservice.*` in jmeter.properties choose the
//! columns, so they are found by name). `timeStamp` is the sample's start in
//! ms since 1970 (`sampleresult.timestamp.start=true`, JMeter's shipped
//! default since 2.1.1), `elapsed` its time in ms, `label` its sampler's
//! name (a class), `success` `true` or `false`, `allThreads` the threads
//! of every thread group running (the users of a closed load test).

use std::io::BufRead;
use std::path::Path;

use crate::trace::JMETER_TRANSACTION as TRANSACTION;

use super::csv_stream::CsvStream;
use super::error::ObservedError;
use super::requests::Recorded;

/// JMeter's default header, for messages.
pub const HEADER: &str = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect";

/// What a JMeter file holds, for the message about one without samples.
pub const SAMPLES: &str = "JMeter samples, a row each (`jmeter -n -t plan.jmx -l results.jtl`)";

/// Reads every sample row, in file order.
pub fn read(
    path: &Path,
    input: &mut dyn BufRead,
    visit: &mut dyn FnMut(Recorded<'_>),
) -> Result<(), ObservedError> {
    let mut csv = CsvStream::open(path, input, HEADER)?;
    if csv
        .header
        .first()
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ObservedError::at(
            path,
            1,
            1,
            format!(
                "the first line is a sample, not a header: expected JMeter's header `{HEADER}` (set `jmeter.save.saveservice.print_field_names=true`, JMeter's default)"
            ),
        ));
    }
    let start = csv.column("timeStamp")?;
    let elapsed = csv.column("elapsed")?;
    let success = csv.column("success")?;
    let label = csv.find("label");
    let message = csv.find("responseMessage");
    let threads = csv.find("allThreads");
    while csv.next()? {
        if message.is_some_and(|m| csv.cell(m).starts_with(TRANSACTION)) {
            continue;
        }
        let started_ms = milliseconds(&csv, start)?;
        let took_ms = csv.non_negative(elapsed)?;
        let failed = match csv.cell(success) {
            "true" => false,
            "false" => true,
            other => {
                return Err(csv.error(
                    success,
                    format!("`success`: expected `true` or `false`, found `{other}`"),
                ));
            }
        };
        let at_s = (started_ms + took_ms) / 1e3;
        if let Some(index) = threads {
            let users = csv.non_negative(index)?.min(f64::from(u32::MAX)) as u32;
            visit(Recorded::Users { at_s, users });
        }
        visit(Recorded::Request {
            at_s,
            latency_ms: Some(took_ms),
            failed,
            class: label.map(|i| csv.cell(i)).filter(|c| !c.is_empty()),
        });
    }
    Ok(())
}

/// `timeStamp` as ms since 1970; a date (a `timestamp_format` set) is an error.
fn milliseconds(csv: &CsvStream<'_>, index: usize) -> Result<f64, ObservedError> {
    let cell = csv.cell(index);
    match cell.parse::<u64>() {
        Ok(ms) => Ok(ms as f64),
        Err(_) => Err(csv.error(
            index,
            format!(
                "`timeStamp`: expected milliseconds since 1970 (JMeter's default `jmeter.save.saveservice.timestamp_format=ms`), found `{cell}`"
            ),
        )),
    }
}
