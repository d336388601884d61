//! Decimal seconds to integer nanoseconds, exactly: `1700000000.123456789`
//! holds more digits than an f64 can, and replay must not round them away.

/// Parses non-negative decimal seconds (`12`, `12.5`, `1.7e9`) into ns.
pub fn seconds_to_ns(text: &str) -> Result<u64, String> {
    let bad = || format!("expected a time in seconds (a number ≥ 0), got `{text}`");
    if text.starts_with('-') {
        return Err(bad());
    }
    if text.contains(['e', 'E']) {
        let seconds: f64 = text.parse().map_err(|_| bad())?;
        return if (0.0..1.8e10).contains(&seconds) {
            Ok((seconds * 1e9).round() as u64)
        } else {
            Err(bad())
        };
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let mut nanos = 0u64;
    for (i, b) in fraction.bytes().take(9).enumerate() {
        nanos += u64::from(b - b'0') * 10u64.pow(8 - i as u32);
    }
    whole
        .checked_mul(1_000_000_000)
        .and_then(|ns| ns.checked_add(nanos))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_digit_to_the_nanosecond() {
        assert_eq!(seconds_to_ns("0"), Ok(0));
        assert_eq!(seconds_to_ns("12.5"), Ok(12_500_000_000));
        assert_eq!(seconds_to_ns(".25"), Ok(250_000_000));
        assert_eq!(
            seconds_to_ns("1700000000.123456789"),
            Ok(1_700_000_000_123_456_789)
        );
        assert_eq!(seconds_to_ns("1.5e3"), Ok(1_500_000_000_000));
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for text in ["", ".", "-1", "1.2.3", "abc", "1e400", "12s"] {
            assert!(seconds_to_ns(text).is_err(), "{text}");
        }
    }
}
