//! Civil dates (`YYYY-MM-DD`, proleptic Gregorian) and the days between
//! them: what a catalog entry's `as_of` says and how old it is. A few lines
//! of arithmetic instead of a date crate: nothing here needs time zones,
//! times of day or calendars other than the Gregorian one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A day, as written `YYYY-MM-DD`. Ordered by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date `year-month-day`, if it exists (Feb 29 only in leap years).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before it). Hinnant's
    /// `days_from_civil`: the year is shifted to start in March, so the
    /// leap day is the last day of its year and months have a closed form.
    pub fn days_since_epoch(self) -> i64 {
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01: the inverse of
    /// [`Date::days_since_epoch`] (Hinnant's `civil_from_days`).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        // In range by construction: day 1..=31, month 1..=12; a year beyond
        // i32 would need an epoch offset of 7·10^11 days.
        Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    /// Exactly `YYYY-MM-DD`: four, two and two digits.
    fn from_str(text: &str) -> Result<Date, String> {
        let expected = || format!("expected a date as YYYY-MM-DD, got `{text}`");
        let bytes = text.as_bytes();
        let shape = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape {
            return Err(expected());
        }
        let number =
            |range: std::ops::Range<usize>| text[range].parse::<i32>().map_err(|_| expected());
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        Date::new(year, month as u8, day as u8)
            .ok_or_else(|| format!("`{text}` is not a day of the calendar"))
    }
}

impl TryFrom<String> for Date {
    type Error = String;

    fn try_from(text: String) -> Result<Date, String> {
        text.parse()
    }
}

impl From<Date> for String {
    fn from(date: Date) -> String {
        date.to_string()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn days_since_the_epoch_as_published() {
        assert_eq!(date("1970-01-01").days_since_epoch(), 0);
        assert_eq!(date("1969-12-31").days_since_epoch(), -1);
        // 2000-03-01 is day 11,017 (Hinnant's paper); 2024-06-01 is 19,875
        // (1,717,200,000 s / 86,400 s, the Unix time of that midnight).
        assert_eq!(date("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(date("2024-06-01").days_since_epoch(), 19_875);
    }

    #[test]
    fn days_between_dates_count_leap_days() {
        // 2024-06-01 .. 2025-12-02 is 549 days: 365 to 2025-06-01 (no
        // Feb 29 between), then 30 + 31 + 31 + 30 + 31 + 30 + 1.
        assert_eq!(date("2024-06-01").days_until(date("2025-12-02")), 549);
        assert_eq!(date("2024-02-28").days_until(date("2024-03-01")), 2);
        assert_eq!(date("2023-02-28").days_until(date("2023-03-01")), 1);
        assert_eq!(date("2100-02-28").days_until(date("2100-03-01")), 1);
        assert_eq!(date("2000-02-28").days_until(date("2000-03-01")), 2);
    }

    #[test]
    fn from_days_inverts_days_since_epoch() {
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
        assert_eq!(Date::from_days_since_epoch(19_875), date("2024-06-01"));
    }

    #[test]
    fn only_real_days_written_yyyy_mm_dd_parse() {
        assert_eq!(date("2026-01-19").to_string(), "2026-01-19");
        assert_eq!(
            "2025-13-01".parse::<Date>(),
            Err("`2025-13-01` is not a day of the calendar".to_string())
        );
        assert_eq!(
            "2025-02-29".parse::<Date>(),
            Err("`2025-02-29` is not a day of the calendar".to_string())
        );
        for bad in [
            "2025-1-01",
            "01/02/2025",
            "2025-01-01T00:00",
            "",
            "２０２５-01-01",
        ] {
            assert_eq!(
                bad.parse::<Date>(),
                Err(format!("expected a date as YYYY-MM-DD, got `{bad}`"))
            );
        }
    }
}
