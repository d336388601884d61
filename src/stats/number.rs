//! Figures as CSV text: compact, byte-stable, NaN as an empty field.

/// Six decimals at most, shortest form (`7.1`, not `7.100000`): enough for
/// utilization and for latencies (the histogram resolves 1 µs = 0.001 ms),
/// and byte-stable. NaN is the empty field.
pub fn csv_number(value: f64) -> String {
    if value.is_nan() {
        return String::new();
    }
    let rounded = (value * 1e6).round() / 1e6;
    // `+ 0.0` turns a negative zero into `0`, not `-0`.
    format!("{}", rounded + 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact_and_nan_is_empty() {
        assert_eq!(csv_number(7.1), "7.1");
        assert_eq!(csv_number(3.0), "3");
        assert_eq!(csv_number(0.1 * 3.0), "0.3");
        assert_eq!(csv_number(0.123_456_789), "0.123457");
        assert_eq!(csv_number(-1e-9), "0");
        assert_eq!(csv_number(f64::NAN), "");
    }
}
