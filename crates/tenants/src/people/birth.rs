//! A birth date as far as it is known. Skatteverket issues samordningsnummer whose month is `00` and/or
//! whose day is `60` when the birth date is not fully known, so a person may have only a birth year, a
//! year and a month, or a year and a day. Every rule that uses a birth date must say what it does with
//! the unknown part; this type makes it ask.

use std::fmt;

use jiff::civil::Date;

/// Year, and month and day when known. Month and day, when both known, form a real date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthDate {
    year: i16,
    month: Option<i8>,
    day: Option<i8>,
}

/// Which part of a birth date is impossible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthPart {
    Year,
    Month,
    Day,
}

impl BirthPart {
    /// The API field that carries this part.
    pub fn field(self) -> &'static str {
        match self {
            Self::Year => "birth_year",
            Self::Month => "birth_month",
            Self::Day => "birth_day",
        }
    }
}

impl BirthDate {
    /// # Errors
    /// The part that cannot be: a year outside 1..=9999, a month outside 1..=12, a day outside 1..=31 or
    /// not in its month (29 February in a year that is not a leap year).
    pub fn new(year: i16, month: Option<i8>, day: Option<i8>) -> Result<Self, BirthPart> {
        if !(1..=9999).contains(&year) {
            return Err(BirthPart::Year);
        }
        if month.is_some_and(|m| !(1..=12).contains(&m)) {
            return Err(BirthPart::Month);
        }
        match (month, day) {
            (_, Some(d)) if !(1..=31).contains(&d) => Err(BirthPart::Day),
            (Some(m), Some(d)) if Date::new(year, m, d).is_err() => Err(BirthPart::Day),
            _ => Ok(Self { year, month, day }),
        }
    }

    pub fn complete(date: Date) -> Self {
        Self { year: date.year(), month: Some(date.month()), day: Some(date.day()) }
    }

    pub fn year(self) -> i16 {
        self.year
    }

    pub fn month(self) -> Option<i8> {
        self.month
    }

    pub fn day(self) -> Option<i8> {
        self.day
    }

    /// The date, when it is completely known.
    pub fn date(self) -> Option<Date> {
        Date::new(self.year, self.month?, self.day?).ok()
    }

    /// The first date the person can have been born on.
    pub fn earliest(self) -> Date {
        // Valid by construction: a day without its month is at most 31, which January has.
        Date::new(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1)).unwrap_or(Date::MIN)
    }

    /// The last date the person can have been born on.
    pub fn latest(self) -> Date {
        let month = self.month.unwrap_or(12);
        match self.day {
            // A day without its month: December has every day.
            Some(day) => Date::new(self.year, month, day).unwrap_or(Date::MAX),
            None => Date::new(self.year, month, 1).map(Date::last_of_month).unwrap_or(Date::MAX),
        }
    }

    /// Whole years on `on` as (youngest possible, oldest possible); equal for a complete date.
    pub fn age_range_on(self, on: Date) -> (i32, i32) {
        (super::model::age_on(self.latest(), on), super::model::age_on(self.earliest(), on))
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => write!(f, "{:04}-{m:02} (day unknown)", self.year),
            (None, Some(d)) => write!(f, "{:04}, day {d} (month unknown)", self.year),
            (None, None) => write!(f, "{:04} (month and day unknown)", self.year),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i16, m: i8, day: i8) -> Date {
        Date::constant(y, m, day)
    }

    #[test]
    fn impossible_parts_are_named() {
        assert_eq!(BirthDate::new(0, None, None), Err(BirthPart::Year));
        assert_eq!(BirthDate::new(1990, Some(13), None), Err(BirthPart::Month));
        assert_eq!(BirthDate::new(1990, Some(0), None), Err(BirthPart::Month));
        assert_eq!(BirthDate::new(1990, None, Some(32)), Err(BirthPart::Day));
        assert_eq!(BirthDate::new(2023, Some(2), Some(29)), Err(BirthPart::Day));
        assert_eq!(BirthDate::new(1900, Some(2), Some(29)), Err(BirthPart::Day));
        assert!(BirthDate::new(2000, Some(2), Some(29)).is_ok());
        assert!(BirthDate::new(1990, None, Some(31)).is_ok());
    }

    #[test]
    fn bounds_of_a_partial_date() {
        let year_only = BirthDate::new(1990, None, None).unwrap();
        assert_eq!((year_only.earliest(), year_only.latest()), (d(1990, 1, 1), d(1990, 12, 31)));
        assert_eq!(year_only.date(), None);
        let february = BirthDate::new(2024, Some(2), None).unwrap();
        assert_eq!((february.earliest(), february.latest()), (d(2024, 2, 1), d(2024, 2, 29)));
        let fifth = BirthDate::new(1990, None, Some(5)).unwrap();
        assert_eq!((fifth.earliest(), fifth.latest()), (d(1990, 1, 5), d(1990, 12, 5)));
        let complete = BirthDate::complete(d(1990, 5, 17));
        assert_eq!(
            (complete.earliest(), complete.latest(), complete.date()),
            (d(1990, 5, 17), d(1990, 5, 17), Some(d(1990, 5, 17)))
        );
    }

    #[test]
    fn age_is_a_range_when_the_date_is_partial() {
        let night = d(2026, 11, 23);
        assert_eq!(BirthDate::new(2008, None, None).unwrap().age_range_on(night), (17, 18));
        assert_eq!(BirthDate::new(2008, None, None).unwrap().age_range_on(d(2026, 12, 31)), (18, 18));
        assert_eq!(BirthDate::new(2008, None, None).unwrap().age_range_on(d(2026, 1, 1)), (17, 18));
        assert_eq!(BirthDate::new(2008, Some(10), None).unwrap().age_range_on(night), (18, 18));
        assert_eq!(BirthDate::new(2008, Some(11), None).unwrap().age_range_on(night), (17, 18));
        assert_eq!(BirthDate::new(2008, Some(12), None).unwrap().age_range_on(night), (17, 17));
        assert_eq!(BirthDate::new(2008, None, Some(24)).unwrap().age_range_on(night), (17, 18));
        assert_eq!(BirthDate::complete(d(2008, 11, 23)).age_range_on(night), (18, 18));
        assert_eq!(BirthDate::complete(d(2008, 11, 24)).age_range_on(night), (17, 17));
    }
}
