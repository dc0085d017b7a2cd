//! A shelter night is named by the date it begins in Europe/Stockholm. Until the cut-over hour the
//! next morning, a moment still belongs to the previous date's night: a request at 02:00 on the 5th
//! is for the night of the 4th.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The time zone every night and every local date of the city is reckoned in.
pub fn city_time_zone() -> TimeZone {
    // Bundled in the binary (jiff `tzdb-bundle-always`), so a machine without tzdata still works.
    TimeZone::get("Europe/Stockholm").unwrap_or(TimeZone::UTC)
}

/// Today's date in the city.
pub fn today() -> Date {
    Timestamp::now().to_zoned(city_time_zone()).date()
}

/// The night that begins on `date` (local evening) and ends at the cut-over hour the next morning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[schema(value_type = String, format = Date, example = "2026-11-23")]
pub struct Night(Date);

impl Night {
    pub fn of_date(date: Date) -> Self {
        Self(date)
    }

    /// The night a moment belongs to, given the configured cut-over hour (0..=23).
    pub fn containing(moment: Timestamp, cutover_hour: u8) -> Self {
        let local = moment.to_zoned(city_time_zone());
        let date = local.date();
        if local.hour() < i8::try_from(cutover_hour).unwrap_or(0) {
            Self(date.checked_sub(1.day()).unwrap_or(date))
        } else {
            Self(date)
        }
    }

    pub fn date(self) -> Date {
        self.0
    }
}

impl std::fmt::Display for Night {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn early_morning_belongs_to_previous_night() {
        // 02:00 local (UTC+1 in winter) on the 24th is the night of the 23rd.
        assert_eq!(Night::containing(at("2026-11-24T01:00:00Z"), 8).date(), Date::constant(2026, 11, 23));
        // 07:59 local is still the night of the 23rd; 08:00 is the 24th.
        assert_eq!(Night::containing(at("2026-11-24T06:59:00Z"), 8).date(), Date::constant(2026, 11, 23));
        assert_eq!(Night::containing(at("2026-11-24T07:00:00Z"), 8).date(), Date::constant(2026, 11, 24));
        // Evening is that date's night.
        assert_eq!(Night::containing(at("2026-11-23T21:30:00Z"), 8).date(), Date::constant(2026, 11, 23));
    }

    #[test]
    fn cutover_follows_local_time_across_dst() {
        // Summer time ends 2026-10-25 03:00 CEST -> 02:00 CET. 07:30 local on the 25th is 06:30Z (CET):
        // before the 08:00 cut-over, so still the night of the 24th.
        assert_eq!(Night::containing(at("2026-10-25T06:30:00Z"), 8).date(), Date::constant(2026, 10, 24));
        // 07:30Z is 08:30 CET: the 25th. Under the old offset (CEST) it would have been 09:30 either way;
        // the case that differs is 06:30Z on the 24th (CEST): 08:30 local, already the 24th.
        assert_eq!(Night::containing(at("2026-10-24T06:30:00Z"), 8).date(), Date::constant(2026, 10, 24));
        assert_eq!(Night::containing(at("2026-10-25T07:30:00Z"), 8).date(), Date::constant(2026, 10, 25));
        // Summer time begins 2026-03-29 02:00 CET -> 03:00 CEST. 06:30Z is 08:30 CEST: the 29th,
        // though in UTC+1 it would be 07:30 and the 28th's night.
        assert_eq!(Night::containing(at("2026-03-29T06:30:00Z"), 8).date(), Date::constant(2026, 3, 29));
        assert_eq!(Night::containing(at("2026-03-29T05:30:00Z"), 8).date(), Date::constant(2026, 3, 28));
    }

    #[test]
    fn cutover_zero_means_calendar_date() {
        assert_eq!(Night::containing(at("2026-11-23T23:30:00Z"), 0).date(), Date::constant(2026, 11, 24));
    }
}
