//! Dates as clients send them: months, periods, and days that must not lie ahead.

use jiff::ToSpan;
use jiff::civil::Date;

use crate::ApiError;
use crate::night::today;

/// A calendar month written `YYYY-MM`: its first and last day.
pub fn month(field: &str, raw: &str) -> Result<(Date, Date), ApiError> {
    let invalid = || ApiError::invalid(field, "must be a month, YYYY-MM");
    // Exactly the documented pattern `^[0-9]{4}-(0[1-9]|1[0-2])$`: no sign, no spaces.
    let digits = |range: std::ops::Range<usize>| raw.as_bytes()[range].iter().all(u8::is_ascii_digit);
    if raw.len() != 7 || raw.as_bytes()[4] != b'-' || !digits(0..4) || !digits(5..7) {
        return Err(invalid());
    }
    let first = Date::strptime("%Y-%m-%d", format!("{raw}-01")).map_err(|_| invalid())?;
    Ok((first, first.last_of_month()))
}

/// A report period: `to` on or after `from`, at most `max_days` days later.
pub fn check_period(from: Date, to: Date, max_days: i64) -> Result<(), ApiError> {
    if to < from || from.checked_add(max_days.days()).is_ok_and(|limit| to > limit) {
        return Err(ApiError::invalid("to", format!("must be on or after from, at most {max_days} days later")));
    }
    Ok(())
}

/// Something that happened: not later than today in the city.
pub fn not_future(field: &str, date: Date) -> Result<(), ApiError> {
    if date > today() { Err(ApiError::invalid(field, "must not be in the future")) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_periods() {
        assert_eq!(month("month", "2024-02").ok(), Some((Date::constant(2024, 2, 1), Date::constant(2024, 2, 29))));
        for bad in ["2024-2", "2024-13", "202402", "2024-02-01", "x", "+024-02", " 2024-02", "2024-+2"] {
            assert!(month("month", bad).is_err(), "{bad}");
        }
        assert!(check_period(Date::constant(2026, 1, 1), Date::constant(2026, 1, 1), 366).is_ok());
        assert!(check_period(Date::constant(2026, 1, 2), Date::constant(2026, 1, 1), 366).is_err());
        assert!(check_period(Date::constant(2025, 1, 1), Date::constant(2026, 1, 3), 366).is_err());
        assert!(not_future("on", Date::constant(2099, 1, 1)).is_err());
    }
}
