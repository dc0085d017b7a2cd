//! Shelters, validated, and the pure rules of placement: who a shelter takes, how far it is, and how
//! often a person was moved.

use geo::{Distance, Haversine, Point};
use hemvist_geo::Location;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, Validation};
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who a shelter takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    pub accepts_women: bool,
    pub accepts_men: bool,
    #[serde(default = "adult")]
    pub min_age: i16,
    pub max_age: Option<i16>,
    #[serde(default)]
    pub accepts_couples: bool,
    #[serde(default)]
    pub accepts_pets: bool,
    /// Guests under the influence are let in.
    #[serde(default)]
    pub accepts_substance_use: bool,
    #[serde(default)]
    pub wheelchair_accessible: bool,
}

fn adult() -> i16 {
    18
}

/// What a person needs from a bed tonight.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Needs {
    /// `woman`, `man` or absent when not known (then sex does not restrict).
    pub sex: Option<String>,
    /// Age in whole years; with a partial birth date the youngest the person can be.
    pub age: Option<i16>,
    /// With a partial birth date the oldest the person can be (absent: exactly `age`).
    pub oldest_age: Option<i16>,
    #[serde(default)]
    pub couple: bool,
    #[serde(default)]
    pub pets: bool,
    #[serde(default)]
    pub substance_use: bool,
    #[serde(default)]
    pub wheelchair: bool,
}

impl Eligibility {
    pub fn takes(&self, needs: &Needs) -> bool {
        let sex_ok = match needs.sex.as_deref() {
            Some("woman") => self.accepts_women,
            Some("man") => self.accepts_men,
            _ => self.accepts_women || self.accepts_men,
        };
        // An age limit turns a person away only when every age they can be is outside it, as an unknown
        // age does not exclude: with only a birth year, refusing a bed to someone who may well be an adult
        // leaves them outside tonight, while the coordinator sees the person and can judge.
        let age_ok = needs.age.is_none_or(|youngest| {
            let oldest = needs.oldest_age.unwrap_or(youngest).max(youngest);
            oldest >= self.min_age && self.max_age.is_none_or(|max| youngest <= max)
        });
        sex_ok
            && age_ok
            && (!needs.couple || self.accepts_couples)
            && (!needs.pets || self.accepts_pets)
            && (!needs.substance_use || self.accepts_substance_use)
            && (!needs.wheelchair || self.wheelchair_accessible)
    }
}

/// Great-circle distance in metres.
pub fn distance_m(a: Location, b: Location) -> f64 {
    Haversine.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

/// How many times a person moved between shelters: each change of shelter between consecutive nights
/// with a bed counts once. `nights` is (night, shelter), any order.
pub fn shelter_moves<T: PartialEq + Clone>(nights: &[(Date, T)]) -> usize {
    let mut sorted = nights.to_vec();
    sorted.sort_by_key(|(night, _)| *night);
    sorted.windows(2).filter(|pair| pair[0].1 != pair[1].1).count()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShelterStatus {
    #[default]
    Open,
    Closed,
}

impl ShelterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Self {
        if raw == "closed" { Self::Closed } else { Self::Open }
    }
}

/// A shelter as a client describes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShelterInput {
    #[schema(example = "Nattjouren Fridhemsgatan")]
    pub name: String,
    #[schema(example = "Stadsmissionen")]
    pub operator: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    /// A shelter the city contracts in another municipality: placing someone there needs their consent.
    #[serde(default)]
    pub outside_municipality: bool,
    pub eligibility: Eligibility,
    pub total_beds: i32,
    #[schema(value_type = String, example = "19:00")]
    pub opens_at: Time,
    /// Reservations not checked in by this local time are released.
    #[schema(value_type = String, example = "23:00")]
    pub check_in_deadline: Time,
    /// Default `open`.
    #[serde(default)]
    pub status: ShelterStatus,
}

#[derive(Debug, Clone)]
pub struct ShelterRecord {
    pub name: String,
    pub operator: String,
    pub address: String,
    pub location: Location,
    pub outside_municipality: bool,
    pub eligibility: Eligibility,
    pub total_beds: i32,
    pub opens_at: Time,
    pub check_in_deadline: Time,
    pub status: ShelterStatus,
}

impl ShelterInput {
    pub fn validate(self) -> Result<ShelterRecord, ApiError> {
        let mut v = Validation::default();
        let name = v.keep(clean_text("name", &self.name, 200, false));
        let operator = v.keep(clean_text("operator", &self.operator, 200, false));
        let address = v.keep(clean_text("address", &self.address, 500, false));
        let location = v.keep(Location::parse(self.lat, self.lon));
        let e = &self.eligibility;
        if !(0..=120).contains(&e.min_age) || e.max_age.is_some_and(|max| !(e.min_age..=120).contains(&max)) {
            v.push("max_age", "ages must be 0..=120 with max_age at least min_age");
        }
        if !e.accepts_women && !e.accepts_men {
            v.push("accepts_women", "a shelter takes women, men or both");
        }
        if !(0..=1000).contains(&self.total_beds) {
            v.push("total_beds", "must be 0..=1000");
        }
        match (name, operator, address, location) {
            (Some(name), Some(operator), Some(address), Some(location)) if v.is_empty() => Ok(ShelterRecord {
                name,
                operator,
                address,
                location,
                outside_municipality: self.outside_municipality,
                eligibility: self.eligibility,
                total_beds: self.total_beds,
                opens_at: self.opens_at,
                check_in_deadline: self.check_in_deadline,
                status: self.status,
            }),
            _ => Err(v.finish().err().unwrap_or_else(|| ApiError::invalid("body", "invalid shelter"))),
        }
    }
}

/// What became of a bed given out for a night.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// Held for the guest until `hold_until`.
    Reserved,
    CheckedIn,
    /// Staff recorded that the guest did not come.
    NoShow,
    /// The hold expired without a check-in; the bed was released by the server.
    NotCollected,
    CheckedOut,
    Cancelled,
}

impl AssignmentStatus {
    pub const ALL: [Self; 6] =
        [Self::Reserved, Self::CheckedIn, Self::NoShow, Self::NotCollected, Self::CheckedOut, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reserved => "reserved",
            Self::CheckedIn => "checked_in",
            Self::NoShow => "no_show",
            Self::NotCollected => "not_collected",
            Self::CheckedOut => "checked_out",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether the guest came for the bed: known once checked in, or once the reservation lapsed.
    pub fn collected(self) -> Option<bool> {
        match self {
            Self::CheckedIn | Self::CheckedOut => Some(true),
            Self::NoShow | Self::NotCollected => Some(false),
            Self::Reserved | Self::Cancelled => None,
        }
    }
}

impl std::str::FromStr for AssignmentStatus {
    type Err = ApiError;

    /// Fails on a value the code does not know, never defaults.
    fn from_str(raw: &str) -> Result<Self, ApiError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| ApiError::internal(format!("unknown bed assignment status {raw:?}")))
    }
}

impl std::fmt::Display for AssignmentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The shelter's check-in deadline on `night`: that evening, or the next morning when the deadline is
/// before noon (a 01:00 deadline is the small hours after the night's date).
pub fn check_in_deadline_on(night: Date, check_in_deadline: Time) -> Option<jiff::Timestamp> {
    let date = if check_in_deadline.hour() < 12 { night.tomorrow().ok()? } else { night };
    date.to_datetime(check_in_deadline).to_zoned(hemvist_platform::night::city_time_zone()).ok().map(|z| z.timestamp())
}

/// How long a bed given at `placed_at` for `night` is held: never ending before the person could get
/// there, so at least `min_hold` after the placement, or the shelter's check-in deadline that night
/// if that is later.
pub fn hold_until(
    placed_at: jiff::Timestamp,
    night: Date,
    check_in_deadline: Time,
    min_hold: jiff::SignedDuration,
) -> jiff::Timestamp {
    let earliest = placed_at.checked_add(min_hold).unwrap_or(placed_at);
    check_in_deadline_on(night, check_in_deadline).map_or(earliest, |deadline| deadline.max(earliest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shelter() -> Eligibility {
        Eligibility {
            accepts_women: true,
            accepts_men: false,
            min_age: 18,
            max_age: Some(25),
            accepts_couples: false,
            accepts_pets: true,
            accepts_substance_use: false,
            wheelchair_accessible: true,
        }
    }

    #[test]
    fn eligibility_matches_needs() {
        let young_woman = Needs { sex: Some("woman".into()), age: Some(22), pets: true, ..Needs::default() };
        assert!(shelter().takes(&young_woman));
        assert!(!shelter().takes(&Needs { sex: Some("man".into()), ..young_woman.clone() }));
        assert!(!shelter().takes(&Needs { age: Some(26), ..young_woman.clone() }));
        assert!(!shelter().takes(&Needs { age: Some(17), ..young_woman.clone() }));
        // A partial birth date: an age range; the shelter takes the person when some age in it fits.
        assert!(shelter().takes(&Needs { age: Some(17), oldest_age: Some(18), ..young_woman.clone() }));
        assert!(shelter().takes(&Needs { age: Some(25), oldest_age: Some(26), ..young_woman.clone() }));
        assert!(!shelter().takes(&Needs { age: Some(16), oldest_age: Some(17), ..young_woman.clone() }));
        assert!(!shelter().takes(&Needs { age: Some(26), oldest_age: Some(27), ..young_woman.clone() }));
        assert!(!shelter().takes(&Needs { couple: true, ..young_woman.clone() }));
        assert!(!shelter().takes(&Needs { substance_use: true, ..young_woman.clone() }));
        assert!(
            shelter().takes(&Needs { sex: None, age: None, ..Needs::default() }),
            "unknown sex and age do not exclude"
        );
    }

    #[test]
    fn distance_is_great_circle_metres() {
        let stockholm = Location::parse(59.3293, 18.0686).unwrap();
        let uppsala = Location::parse(59.8586, 17.6389).unwrap();
        let d = distance_m(stockholm, uppsala);
        assert!((63_000.0..66_000.0).contains(&d), "{d}");
        assert!(distance_m(stockholm, stockholm) < 1e-6);
    }

    #[test]
    fn moves_count_changes_of_shelter() {
        let d = |day: i8| Date::constant(2026, 11, day);
        assert_eq!(shelter_moves(&[(d(3), "b"), (d(1), "a"), (d(2), "a"), (d(4), "a"), (d(5), "c")]), 3);
        assert_eq!(shelter_moves(&[(d(1), "a")]), 0);
        assert_eq!(shelter_moves::<&str>(&[]), 0);
    }

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap_or_default()
    }

    const NINETY: jiff::SignedDuration = jiff::SignedDuration::from_mins(90);

    #[test]
    fn deadline_follows_local_time_and_the_morning_after() {
        let evening = check_in_deadline_on(Date::constant(2026, 11, 23), Time::constant(23, 0, 0, 0));
        assert_eq!(evening, Some(at("2026-11-23T22:00:00Z")));
        let after_midnight = check_in_deadline_on(Date::constant(2026, 7, 1), Time::constant(1, 0, 0, 0));
        assert_eq!(after_midnight, Some(at("2026-07-01T23:00:00Z")), "01:00 CEST on the 2nd");
        // Summer time ends 2026-10-25 03:00 -> 02:00: a 02:30 deadline the morning after the 24th is
        // ambiguous; the earlier one (CEST) is taken.
        let ambiguous = check_in_deadline_on(Date::constant(2026, 10, 24), Time::constant(2, 30, 0, 0));
        assert_eq!(ambiguous, Some(at("2026-10-25T00:30:00Z")));
    }

    #[test]
    fn hold_is_the_later_of_deadline_and_minimum_after_placement() {
        let night = Date::constant(2026, 11, 23);
        let ten_pm = Time::constant(22, 0, 0, 0);
        // Placed at 19:00 local for a 22:00 deadline: held until the deadline.
        assert_eq!(hold_until(at("2026-11-23T18:00:00Z"), night, ten_pm, NINETY), at("2026-11-23T21:00:00Z"));
        // Placed at 21:00 local: 90 minutes take it past the deadline.
        assert_eq!(hold_until(at("2026-11-23T20:00:00Z"), night, ten_pm, NINETY), at("2026-11-23T21:30:00Z"));
        // Placed at 23:10 local, after the deadline: 00:40.
        assert_eq!(hold_until(at("2026-11-23T22:10:00Z"), night, ten_pm, NINETY), at("2026-11-23T23:40:00Z"));
        // Placed at 02:00 local (the night of the 23rd) for a 01:00 deadline: 03:30.
        let one_am = Time::constant(1, 0, 0, 0);
        assert_eq!(hold_until(at("2026-11-24T01:00:00Z"), night, one_am, NINETY), at("2026-11-24T02:30:00Z"));
        // Placed at 20:00 local for a 01:00 deadline: the deadline, after midnight.
        assert_eq!(hold_until(at("2026-11-23T19:00:00Z"), night, one_am, NINETY), at("2026-11-24T00:00:00Z"));
        // Placed for a night a week ahead: its deadline.
        let later = Date::constant(2026, 11, 30);
        assert_eq!(hold_until(at("2026-11-23T19:00:00Z"), later, ten_pm, NINETY), at("2026-11-30T21:00:00Z"));
        // No minimum: the deadline, or the placement itself if past it.
        let zero = jiff::SignedDuration::ZERO;
        assert_eq!(hold_until(at("2026-11-23T22:10:00Z"), night, ten_pm, zero), at("2026-11-23T22:10:00Z"));
    }

    #[test]
    fn statuses_parse_strictly() {
        for status in AssignmentStatus::ALL {
            assert_eq!(status.as_str().parse::<AssignmentStatus>().ok(), Some(status));
        }
        assert!("gone".parse::<AssignmentStatus>().is_err());
        assert_eq!(AssignmentStatus::NotCollected.collected(), Some(false));
        assert_eq!(AssignmentStatus::Reserved.collected(), None);
    }
}
