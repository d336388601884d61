//! RFC 3339 times (`2021-02-24T13:37:10.625742514+02:00`), as k6 writes
//! them in its JSON output (Go's `time.Time` marshalled: RFC 3339 with
//! nanoseconds and the local offset), the AWS CLI in CloudWatch responses
//! (`2024-05-01T12:00:00+00:00`) and AWS load balancers in their access
//! logs (`2018-07-02T22:23:00.186641Z`).

/// `text` as (seconds since 1970 UTC, nanoseconds), or `None` if it is not
/// an RFC 3339 date and time (a space may stand for the `T`, as RFC 3339
/// allows).
pub fn parse_rfc3339(text: &str) -> Option<(i64, u32)> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !text.is_ascii() {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &text[range];
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| bytes[i] != c) || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let (nanos, zone) = fraction(&text[19..])?;
    let offset_s = zone_offset(zone)?;
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((local - offset_s, nanos))
}

/// `.625742514` (optional, up to 9 digits used) and what follows it.
fn fraction(text: &str) -> Option<(u32, &str)> {
    let Some(rest) = text.strip_prefix('.') else {
        return Some((0, text));
    };
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if end == 0 {
        return None;
    }
    let mut nanos = 0u32;
    for (i, digit) in rest[..end].bytes().take(9).enumerate() {
        nanos += u32::from(digit - b'0') * 10u32.pow(8 - i as u32);
    }
    Some((nanos, &rest[end..]))
}

/// `Z`, `+02:00` or `-0700` as seconds east of UTC.
fn zone_offset(zone: &str) -> Option<i64> {
    if zone.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let clock = zone[1..].replacen(':', "", 1);
    if clock.len() != 4 || !clock.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes): (i64, i64) = (clock[..2].parse().ok()?, clock[2..].parse().ok()?);
    (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (the standard era-based algorithm: 400-year eras of 146097 days).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_k6_aws_and_alb_times() {
        // k6's json output test (internal/output/json/json_test.go).
        assert_eq!(
            parse_rfc3339("2021-02-24T13:37:10Z"),
            Some((1_614_173_830, 0))
        );
        assert_eq!(
            parse_rfc3339("2021-02-24T15:37:10.625742514+02:00"),
            Some((1_614_173_830, 625_742_514))
        );
        // The ALB access-log example of the AWS documentation.
        assert_eq!(
            parse_rfc3339("2018-07-02T22:23:00.186641Z"),
            Some((1_530_570_180, 186_641_000))
        );
        assert_eq!(
            parse_rfc3339("2018-07-02 22:23:00-0700"),
            Some((1_530_595_380, 0))
        );
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for text in [
            "",
            "1614173830",
            "2021-02-24",
            "2021-13-24T13:37:10Z",
            "2021-02-24T13:37:10",
            "2021-02-24T13:37:10.Z",
            "2021-02-24T13:37:10+2:00",
            "2021-02-24T13:37:10é+02:00",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }
}
