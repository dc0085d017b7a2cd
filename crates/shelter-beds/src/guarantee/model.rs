//! The guarantee's rules, without a database: what a request asks for (a bed now, or a record of a
//! night that has passed), what it is answered without a search, which bed suits whom (eligibility,
//! consent outside the municipality, nearest first), and what a breach's resolution must say.

use geo::{Distance, Haversine, Point};
use hemvist_geo::Location;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, MunicipalityCode};
use hemvist_tenants::api::Sex;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::assignments::model::StoredAssignment;
use crate::nights::model::NightLoad;
use crate::shelters::model::Needs;

// `schema(rename)` repeats each text for the spec: utoipa does not see the rename `pg_enum!` gives serde.
hemvist_platform::pg_enum! {
    pub enum GuaranteeOutcome {
        #[schema(rename = "placed")]
        Placed = "placed",
        #[schema(rename = "declined_by_person")]
        DeclinedByPerson = "declined_by_person",
        /// A guarantee breach; escalated.
        #[schema(rename = "no_suitable_bed")]
        NoSuitableBed = "no_suitable_bed",
        /// Does not belong to the municipality; an emergency assessment (nödprövning) is made.
        #[schema(rename = "not_eligible")]
        NotEligible = "not_eligible",
        /// The home municipality is not known: whether the person belongs must be assessed (emergency
        /// assessment meanwhile). Not a finding that they do not belong; counted apart.
        #[schema(rename = "home_municipality_unknown")]
        HomeMunicipalityUnknown = "home_municipality_unknown",
    }
}

hemvist_platform::pg_enum! {
    pub enum Channel {
        /// Hemlöshetsmottagningen (evenings until 24:00).
        #[schema(rename = "homelessness_reception")]
        HomelessnessReception = "homelessness_reception",
        /// Socialjouren.
        #[schema(rename = "social_emergency_service")]
        SocialEmergencyService = "social_emergency_service",
        #[schema(rename = "other")]
        Other = "other",
    }
}

hemvist_platform::pg_enum! {
    /// How a breach was resolved.
    pub enum ResolutionKind {
        /// A bed was found later that night (name the shelter).
        #[schema(rename = "placed_later")]
        PlacedLater = "placed_later",
        /// Emergency housing instead (hotel, jourlägenhet).
        #[schema(rename = "emergency_housing")]
        EmergencyHousing = "emergency_housing",
        /// The person declined what was offered.
        #[schema(rename = "declined")]
        Declined = "declined",
        /// Something else (say what in the note).
        #[schema(rename = "other")]
        Other = "other",
    }
}

/// A request for a bed, parsed: who, through which channel, when (and so for which night), what they
/// need, where they are and what the system is to do.
#[derive(Debug, Clone)]
pub struct Ask {
    /// The Idempotency-Key the request came with.
    pub key: Option<String>,
    /// Identifies the request's content: a key used again for another request is refused.
    pub fingerprint: String,
    pub person_id: Uuid,
    pub channel: Channel,
    pub requested_at: Timestamp,
    /// When the request was handled.
    pub now: Timestamp,
    pub night: Date,
    pub plan: Plan,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub from: Option<Location>,
    pub couple: bool,
    pub pets: bool,
    pub substance_use: bool,
    pub wheelchair: bool,
    pub declined_by_person: bool,
    pub consent_outside_municipality: bool,
    pub emergency_assessment: Option<String>,
}

impl Ask {
    /// What the person needs from a bed: their sex and age (a range with a partial birth date, see
    /// `Eligibility::takes`) and what they asked for.
    pub fn needs(&self, sex: Sex, ages: Option<(i32, i32)>) -> Needs {
        Needs {
            // A shelter for women or for men asks the person's sex; unknown matches either.
            sex: match sex {
                Sex::Woman | Sex::Man => Some(sex),
                Sex::Unknown => None,
            },
            age: ages.and_then(|(youngest, _)| i16::try_from(youngest).ok()),
            oldest_age: ages.and_then(|(_, oldest)| i16::try_from(oldest).ok()),
            couple: self.couple,
            pets: self.pets,
            substance_use: self.substance_use,
            wheelchair: self.wheelchair,
        }
    }
}

// Which breaches a list holds (no doc comment: the parameter's description is its own).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreachState {
    /// Not yet resolved (the default).
    #[default]
    Open,
    Resolved,
    All,
}

/// What a request asks of the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Tonight: find and hold a bed now.
    PlaceNow,
    /// A night that has passed: record what happened then; nothing is placed now.
    Record { outcome: GuaranteeOutcome, shelter_id: Option<Uuid> },
}

impl Plan {
    /// Checks the request's shape: the recorded fields belong to a past night only and are required
    /// then; a recorded placement names its shelter, and only a placement does.
    pub fn of(
        recorded_outcome: Option<GuaranteeOutcome>,
        shelter_id: Option<Uuid>,
        declined_by_person: bool,
        past_night: bool,
    ) -> Result<Self, ApiError> {
        if !past_night {
            if recorded_outcome.is_some() {
                return Err(ApiError::invalid("recorded_outcome", "only for a request in a night that has passed"));
            }
            if shelter_id.is_some() {
                return Err(ApiError::invalid(
                    "shelter_id",
                    "only with recorded_outcome placed, for a request in a night that has passed",
                ));
            }
            return Ok(Self::PlaceNow);
        }
        let Some(outcome) = recorded_outcome else {
            return Err(ApiError::invalid(
                "recorded_outcome",
                "requested_at is in a night that has passed: state what happened then (nothing is placed now)",
            ));
        };
        match (outcome, shelter_id) {
            (GuaranteeOutcome::Placed, None) => {
                Err(ApiError::invalid("shelter_id", "required with recorded_outcome placed: where the person slept"))
            }
            (GuaranteeOutcome::Placed, Some(_)) | (_, None) => {
                if declined_by_person && outcome != GuaranteeOutcome::DeclinedByPerson {
                    return Err(ApiError::invalid("declined_by_person", "contradicts recorded_outcome"));
                }
                Ok(Self::Record { outcome, shelter_id })
            }
            (_, Some(_)) => Err(ApiError::invalid("shelter_id", "only with recorded_outcome placed")),
        }
    }
}

/// The outcome of a request and the bed (or shelter) it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub outcome: GuaranteeOutcome,
    pub assignment_id: Option<Uuid>,
    pub recorded_shelter_id: Option<Uuid>,
    /// In another municipality (the database derives the stored flag from the bed or shelter too).
    pub outside_municipality: bool,
    /// The person's consent to a bed in another municipality, given now or when the bed was given.
    pub consent: bool,
}

impl Placement {
    pub fn without_bed(outcome: GuaranteeOutcome, consent: bool) -> Self {
        Self { outcome, assignment_id: None, recorded_shelter_id: None, outside_municipality: false, consent }
    }

    /// The bed the person already holds that night. Its consent was recorded when it was given; a bed
    /// outside the municipality held without one (written before consent was enforced) is not
    /// confirmed without the person's consent now.
    pub fn existing(bed: &StoredAssignment, consent: bool) -> Result<Self, ApiError> {
        let consent = consent || bed.consent_outside_municipality;
        if bed.outside_municipality && !consent {
            return Err(ApiError::conflict(
                "the person holds a bed in another municipality without recorded consent: record the person's \
                 consent (consent_outside_municipality) or cancel that bed",
            ));
        }
        Ok(Self {
            outcome: GuaranteeOutcome::Placed,
            assignment_id: Some(bed.id),
            recorded_shelter_id: None,
            outside_municipality: bed.outside_municipality,
            consent,
        })
    }
}

/// What a request is answered before any bed is looked for, if anything: an unknown home municipality
/// is not "does not belong" (it is assessed, and counted apart); a person of another municipality gets an
/// emergency assessment; a person who declines is not placed.
pub fn answer_without_search(
    home_municipality: Option<&str>,
    municipality: &MunicipalityCode,
    declined_by_person: bool,
) -> Option<GuaranteeOutcome> {
    match home_municipality {
        None => Some(GuaranteeOutcome::HomeMunicipalityUnknown),
        Some(home) if home != municipality.as_str() => Some(GuaranteeOutcome::NotEligible),
        Some(_) if declined_by_person => Some(GuaranteeOutcome::DeclinedByPerson),
        Some(_) => None,
    }
}

/// A shelter with a free bed that suits the person, and how far it is from where they are.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub load: NightLoad,
    /// Metres from the person, when their position is known.
    pub distance_m: Option<f64>,
}

/// The placement choice: the shelters with a free bed that take the person (one in another
/// municipality only with their consent), inside the municipality before outside, then nearest, then
/// by name for a stable order. The first that can still hold a bed gets the person.
pub fn candidates(
    loads: Vec<NightLoad>,
    needs: &Needs,
    from: Option<Location>,
    consent_outside: bool,
) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = loads
        .into_iter()
        .filter(|l| l.shelter.eligibility.takes(needs) && (consent_outside || !l.shelter.outside_municipality))
        .filter(|l| l.free() > 0)
        .map(|load| {
            let here = Location::parse(load.shelter.lat, load.shelter.lon).ok();
            Candidate { distance_m: from.zip(here).map(|(a, b)| distance_m(a, b)), load }
        })
        .collect();
    found.sort_by(|a, b| {
        (a.load.shelter.outside_municipality, a.distance_m.unwrap_or(0.0), &a.load.shelter.name)
            .partial_cmp(&(b.load.shelter.outside_municipality, b.distance_m.unwrap_or(0.0), &b.load.shelter.name))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    found
}

/// The note of a breach, escalated to the night coordinator on duty.
pub fn escalation_note(night: Date, recorded_afterwards: bool) -> String {
    if recorded_afterwards {
        format!(
            "Guarantee breach on the night of {night}, recorded afterwards; escalated to the night coordinator on duty"
        )
    } else {
        "Guarantee breach: no suitable bed; escalated to the night coordinator on duty".to_owned()
    }
}

/// The emergency assessment an outcome calls for: the one given, or what is to be assessed.
pub fn emergency_assessment(outcome: GuaranteeOutcome, given: Option<String>) -> Option<String> {
    match outcome {
        GuaranteeOutcome::HomeMunicipalityUnknown => Some(given.unwrap_or_else(|| {
            "Home municipality unknown: whether the person belongs to the municipality must be assessed; \
             meanwhile an emergency assessment (nödprövning) of the acute need"
                .into()
        })),
        GuaranteeOutcome::NotEligible => Some(given.unwrap_or_else(|| {
            "The person does not belong to the municipality: emergency assessment (nödprövning) required".into()
        })),
        _ => None,
    }
}

/// How a breach was resolved, validated: a later placement names its shelter and only it does;
/// `other` says how in the note; not in the future.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub kind: ResolutionKind,
    pub shelter_id: Option<Uuid>,
    pub note: Option<String>,
    pub resolved_at: Timestamp,
}

impl Resolution {
    pub fn new(
        kind: ResolutionKind,
        shelter_id: Option<Uuid>,
        note: Option<&str>,
        resolved_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Self, ApiError> {
        let note = note.map(|n| clean_text("note", n, 2000, true)).transpose()?;
        match (kind, shelter_id) {
            (ResolutionKind::PlacedLater, None) => {
                return Err(ApiError::invalid("shelter_id", "name the shelter the person was placed in"));
            }
            (ResolutionKind::PlacedLater, Some(_)) | (_, None) => {}
            (_, Some(_)) => return Err(ApiError::invalid("shelter_id", "only for a placement later")),
        }
        if kind == ResolutionKind::Other && note.is_none() {
            return Err(ApiError::invalid("note", "say how it was resolved"));
        }
        let resolved_at = resolved_at.unwrap_or(now);
        if resolved_at > now + jiff::SignedDuration::from_secs(60) {
            return Err(ApiError::invalid("resolved_at", "must not be in the future"));
        }
        Ok(Self { kind, shelter_id, note, resolved_at })
    }
}

/// Great-circle distance in metres.
pub fn distance_m(a: Location, b: Location) -> f64 {
    Haversine.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

pub fn location_of(lat: Option<f64>, lon: Option<f64>) -> Result<Option<Location>, ApiError> {
    match (lat, lon) {
        (Some(lat), Some(lon)) => Location::parse(lat, lon).map(Some),
        (None, None) => Ok(None),
        _ => Err(ApiError::invalid("lat", "give both lat and lon, or neither")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(result: Result<Plan, ApiError>) -> Option<String> {
        match result {
            Err(ApiError::Unprocessable { errors, .. }) => errors.first().map(|e| e.field.clone()),
            _ => None,
        }
    }

    #[test]
    fn tonight_places_and_refuses_recorded_fields() {
        let shelter = Some(Uuid::nil());
        assert_eq!(Plan::of(None, None, false, false).ok(), Some(Plan::PlaceNow));
        assert_eq!(Plan::of(None, None, true, false).ok(), Some(Plan::PlaceNow));
        assert_eq!(
            field(Plan::of(Some(GuaranteeOutcome::Placed), shelter, false, false)).as_deref(),
            Some("recorded_outcome")
        );
        assert_eq!(field(Plan::of(None, shelter, false, false)).as_deref(), Some("shelter_id"));
    }

    #[test]
    fn a_past_night_must_state_what_happened() {
        let shelter = Some(Uuid::nil());
        assert_eq!(field(Plan::of(None, None, false, true)).as_deref(), Some("recorded_outcome"));
        assert_eq!(field(Plan::of(Some(GuaranteeOutcome::Placed), None, false, true)).as_deref(), Some("shelter_id"));
        assert_eq!(
            field(Plan::of(Some(GuaranteeOutcome::NoSuitableBed), shelter, false, true)).as_deref(),
            Some("shelter_id")
        );
        assert_eq!(
            field(Plan::of(Some(GuaranteeOutcome::Placed), shelter, true, true)).as_deref(),
            Some("declined_by_person")
        );
        assert_eq!(
            Plan::of(Some(GuaranteeOutcome::Placed), shelter, false, true).ok(),
            Some(Plan::Record { outcome: GuaranteeOutcome::Placed, shelter_id: shelter })
        );
        assert_eq!(
            Plan::of(Some(GuaranteeOutcome::DeclinedByPerson), None, true, true).ok(),
            Some(Plan::Record { outcome: GuaranteeOutcome::DeclinedByPerson, shelter_id: None })
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
    fn who_is_answered_without_a_search() {
        let stockholm = MunicipalityCode::parse("0180").ok();
        let Some(city) = stockholm.as_ref() else { return };
        assert_eq!(answer_without_search(None, city, false), Some(GuaranteeOutcome::HomeMunicipalityUnknown));
        assert_eq!(answer_without_search(Some("0114"), city, false), Some(GuaranteeOutcome::NotEligible));
        assert_eq!(answer_without_search(Some("0180"), city, true), Some(GuaranteeOutcome::DeclinedByPerson));
        assert_eq!(answer_without_search(Some("0180"), city, false), None);
    }

    fn load(name: &str, lat: f64, free: i32, outside: bool, women_only: bool) -> NightLoad {
        use crate::shelters::model::{Eligibility, Shelter, ShelterStatus};
        let shelter = Shelter {
            id: Uuid::nil(),
            name: name.into(),
            operator: "Stadsmissionen".into(),
            address: "Gatan 1".into(),
            lat,
            lon: 18.0,
            district_code: None,
            outside_municipality: outside,
            eligibility: Eligibility {
                accepts_women: true,
                accepts_men: !women_only,
                min_age: 18,
                max_age: None,
                accepts_couples: false,
                accepts_pets: false,
                accepts_substance_use: false,
                wheelchair_accessible: false,
            },
            total_beds: 10,
            opens_at: jiff::civil::Time::constant(19, 0, 0, 0),
            check_in_deadline: jiff::civil::Time::constant(23, 0, 0, 0),
            status: ShelterStatus::Open,
            version: 1,
        };
        NightLoad {
            shelter,
            beds_in_service: 10,
            beds_out_of_service: 0,
            out_of_service_reason: None,
            reported: false,
            taken: i64::from(10 - free),
        }
    }

    fn names(found: &[Candidate]) -> Vec<&str> {
        found.iter().map(|c| c.load.shelter.name.as_str()).collect()
    }

    #[test]
    fn the_nearest_suitable_free_bed_inside_first() {
        let loads = vec![
            load("far", 59.50, 3, false, false),
            load("full", 59.33, 0, false, false),
            load("near", 59.34, 1, false, false),
            load("women", 59.33, 5, false, true),
            load("outside", 59.33, 5, true, false),
        ];
        let man = Needs { sex: Some(Sex::Man), ..Needs::default() };
        let here = Location::parse(59.33, 18.0).ok();
        assert_eq!(names(&candidates(loads.clone(), &man, here, false)), ["near", "far"]);
        // With consent a bed outside is offered, after every bed inside.
        assert_eq!(names(&candidates(loads.clone(), &man, here, true)), ["near", "far", "outside"]);
        // A woman may take the women's shelter, nearest first.
        let woman = Needs { sex: Some(Sex::Woman), ..Needs::default() };
        assert_eq!(names(&candidates(loads.clone(), &woman, here, false)), ["women", "near", "far"]);
        // Without a position: by name.
        assert_eq!(names(&candidates(loads, &man, None, false)), ["far", "near"]);
        let near = candidates(vec![load("near", 59.34, 1, false, false)], &man, here, false);
        assert!(near.first().and_then(|c| c.distance_m).is_some_and(|d| (1_000.0..1_200.0).contains(&d)));
    }

    #[test]
    fn a_resolution_says_what_its_kind_needs() {
        let now: Timestamp = "2026-11-24T08:00:00Z".parse().unwrap_or_default();
        let shelter = Some(Uuid::nil());
        let field = |r: Result<Resolution, ApiError>| match r {
            Err(ApiError::Unprocessable { errors, .. }) => errors.first().map(|e| e.field.clone()),
            _ => None,
        };
        assert_eq!(
            field(Resolution::new(ResolutionKind::PlacedLater, None, None, None, now)).as_deref(),
            Some("shelter_id")
        );
        assert_eq!(
            field(Resolution::new(ResolutionKind::Declined, shelter, None, None, now)).as_deref(),
            Some("shelter_id")
        );
        assert_eq!(field(Resolution::new(ResolutionKind::Other, None, None, None, now)).as_deref(), Some("note"));
        let later = now + jiff::SignedDuration::from_mins(5);
        assert_eq!(
            field(Resolution::new(ResolutionKind::Declined, None, None, Some(later), now)).as_deref(),
            Some("resolved_at")
        );
        let placed = Resolution::new(ResolutionKind::PlacedLater, shelter, Some("hotel"), None, now).ok();
        assert_eq!(placed.map(|r| (r.shelter_id, r.resolved_at)), Some((shelter, now)));
    }

    #[test]
    fn outcomes_parse_strictly() {
        for outcome in GuaranteeOutcome::ALL {
            assert_eq!(outcome.as_str().parse::<GuaranteeOutcome>().ok(), Some(*outcome));
        }
        assert!("maybe".parse::<GuaranteeOutcome>().is_err());
        assert!("fax".parse::<Channel>().is_err(), "an unknown channel is no longer taken as other");
    }
}
