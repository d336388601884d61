//! Rate profiles from CSV: `time_s`, `rate_rps`, one row per point. Small
//! (a day at one-minute steps is 1,440 rows), so read whole.

use std::path::Path;

use super::{TraceError, column, csv_line, csv_reader};

/// Points of a profile file at most: it is read whole (16 bytes a point).
pub const MAX_POINTS: usize = 1_000_000;

/// The `(time_s, rate_rps)` points of a profile file, as written. Whether
/// they make a valid profile (times increasing from 0) is the model's check.
pub fn read_profile(path: &Path) -> Result<Vec<(f64, f64)>, TraceError> {
    let mut csv = csv_reader(path)?;
    let time = column(&mut csv, path, "time_s", true)?.expect("required column");
    let rate = column(&mut csv, path, "rate_rps", true)?.expect("required column");
    let mut points = Vec::new();
    for row in csv.records() {
        let row = row.map_err(|err| {
            let line = err.position().map_or(0, csv::Position::line);
            TraceError::new(path, line, format!("malformed CSV: {err}"))
        })?;
        let number = |i: usize, name: &str| {
            let text = row.get(i).unwrap_or("").trim();
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    TraceError::new(
                        path,
                        csv_line(&row),
                        format!("expected `{name}` to be a number ≥ 0, got `{text}`"),
                    )
                })
        };
        if points.len() == MAX_POINTS {
            return Err(TraceError::new(
                path,
                csv_line(&row),
                format!(
                    "expected at most {MAX_POINTS} points (a profile is read whole; replay a longer recording as a `counts` trace)"
                ),
            ));
        }
        points.push((number(time, "time_s")?, number(rate, "rate_rps")?));
    }
    if points.is_empty() {
        return Err(TraceError::new(
            path,
            0,
            "expected at least one row, got none",
        ));
    }
    Ok(points)
}
