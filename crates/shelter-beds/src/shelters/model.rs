//! Shelters, validated, and who a shelter takes.

use hemvist_geo::Location;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, Validation};
use hemvist_tenants::api::Sex;
use jiff::civil::Time;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Who a shelter takes: women, men or both (a shelter that takes neither is refused with 422).
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
    #[schema(value_type = Option<String>)]
    pub sex: Option<Sex>,
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
        let sex_ok = match needs.sex {
            Some(Sex::Woman) => self.accepts_women,
            Some(Sex::Man) => self.accepts_men,
            Some(Sex::Unknown) | None => self.accepts_women || self.accepts_men,
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

// `schema(rename)` repeats each text for the spec: utoipa does not see the rename `pg_enum!` gives serde.
hemvist_platform::pg_enum! {
    #[derive(Default)]
    pub enum ShelterStatus {
        #[default]
        #[schema(rename = "open")]
        Open = "open",
        #[schema(rename = "closed")]
        Closed = "closed",
    }
}

/// A shelter as a client describes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShelterInput {
    #[schema(example = "Nattjouren Fridhemsgatan", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub name: String,
    #[schema(example = "Stadsmissionen", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub operator: String,
    #[schema(min_length = 1, max_length = 500, pattern = "hemvist:line")]
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

// A shelter as stored and as the API shows it (no doc comment: the schema has no description).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Shelter {
    pub id: Uuid,
    pub name: String,
    pub operator: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    /// Absent for a shelter outside the municipality.
    pub district_code: Option<String>,
    pub outside_municipality: bool,
    pub eligibility: Eligibility,
    pub total_beds: i32,
    #[schema(value_type = String, example = "19:00:00")]
    pub opens_at: Time,
    #[schema(value_type = String, example = "23:00:00")]
    pub check_in_deadline: Time,
    pub status: ShelterStatus,
    pub version: i32,
}

/// A shelter, validated, to store.
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
        let young_woman = Needs { sex: Some(Sex::Woman), age: Some(22), pets: true, ..Needs::default() };
        assert!(shelter().takes(&young_woman));
        assert!(!shelter().takes(&Needs { sex: Some(Sex::Man), ..young_woman.clone() }));
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
}
