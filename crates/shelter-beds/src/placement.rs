//! The guarantee's placement rules: what a request asks for (a bed now, or a record of a night that
//! has passed), finding and holding a bed now, and checking what is recorded afterwards.

use hemvist_geo::Location;
use hemvist_platform::{ApiError, MunicipalityCode};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::holds::{self, hold_until};
use crate::http::board::suitable;
use crate::model::Needs;
use crate::repo::{self, AssignOutcome, StoredAssignment};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuaranteeOutcome {
    Placed,
    DeclinedByPerson,
    /// A guarantee breach; escalated.
    NoSuitableBed,
    /// Does not belong to the municipality; an emergency assessment (nödprövning) is made.
    NotEligible,
    /// The home municipality is not known: whether the person belongs must be assessed (emergency
    /// assessment meanwhile). Not a finding that they do not belong; counted apart.
    HomeMunicipalityUnknown,
}

impl GuaranteeOutcome {
    pub const ALL: [Self; 5] =
        [Self::Placed, Self::DeclinedByPerson, Self::NoSuitableBed, Self::NotEligible, Self::HomeMunicipalityUnknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::DeclinedByPerson => "declined_by_person",
            Self::NoSuitableBed => "no_suitable_bed",
            Self::NotEligible => "not_eligible",
            Self::HomeMunicipalityUnknown => "home_municipality_unknown",
        }
    }

    /// The outcome of a stored row; an unknown value is a bug, never a default.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == raw)
            .ok_or_else(|| ApiError::internal(format!("unknown guarantee outcome {raw}")))
    }
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
    fn existing(bed: StoredAssignment, consent: bool) -> Result<Self, ApiError> {
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

/// Who wants a bed, for which night, needing what, from where.
pub struct Wanted<'a> {
    pub person: Uuid,
    pub night: Date,
    pub needs: &'a Needs,
    pub from: Option<Location>,
    /// May a bed in another municipality be offered.
    pub consent: bool,
    /// Who gives the bed (recorded: a protected guest is shown by name to their placer only).
    pub placer: repo::Placer<'a>,
}

/// Finds a suitable free bed for `wanted` now, nearest first, and holds it; the bed the person already
/// has that night, if any. Beds whose hold expired without a check-in are released first.
pub async fn place_now(
    tx: &mut deadpool_postgres::Transaction<'_>,
    municipality: &MunicipalityCode,
    wanted: &Wanted<'_>,
    now: Timestamp,
    min_hold: SignedDuration,
) -> Result<Placement, ApiError> {
    holds::release_expired_holds(&*tx, municipality, Some(wanted.night)).await?;
    if let Some(existing) = repo::active_assignment_of(&*tx, municipality, wanted.person, wanted.night).await? {
        return Placement::existing(existing, wanted.consent);
    }
    let loads = repo::night_loads(&*tx, municipality, None, wanted.night).await?;
    for candidate in suitable(loads, wanted.needs, wanted.from, wanted.consent) {
        let Some(shelter) = repo::find_shelter(&*tx, municipality, None, candidate.shelter_id).await? else {
            continue;
        };
        let hold = hold_until(now, wanted.night, shelter.check_in_deadline, min_hold);
        match repo::assign_bed(
            tx,
            municipality,
            shelter.id,
            wanted.night,
            wanted.person,
            hold,
            wanted.placer,
            wanted.consent,
        )
        .await?
        {
            AssignOutcome::Assigned(id) => {
                return Ok(Placement {
                    outcome: GuaranteeOutcome::Placed,
                    assignment_id: Some(id),
                    recorded_shelter_id: None,
                    outside_municipality: shelter.outside_municipality,
                    consent: wanted.consent,
                });
            }
            AssignOutcome::ShelterFull | AssignOutcome::NeedsConsent => continue,
            AssignOutcome::PersonHasBed => {
                // Placed by a concurrent request in the meantime: that bed is the answer.
                let existing = repo::active_assignment_of(&*tx, municipality, wanted.person, wanted.night)
                    .await?
                    .ok_or_else(|| ApiError::conflict("the person's bed changed meanwhile; retry"))?;
                return Placement::existing(existing, wanted.consent);
            }
        }
    }
    Ok(Placement::without_bed(GuaranteeOutcome::NoSuitableBed, wanted.consent))
}

/// What happened in a night that has passed, as stated: a placement names an existing shelter of the
/// municipality (one in another municipality only with the person's consent). Holds no bed.
pub async fn record_then(
    client: &impl hemvist_platform::db::GenericClient,
    municipality: &MunicipalityCode,
    outcome: GuaranteeOutcome,
    shelter_id: Option<Uuid>,
    consent: bool,
) -> Result<Placement, ApiError> {
    let Some(shelter_id) = shelter_id else { return Ok(Placement::without_bed(outcome, consent)) };
    let shelter = repo::find_shelter(client, municipality, None, shelter_id)
        .await?
        .ok_or_else(|| ApiError::invalid("shelter_id", "no such shelter"))?;
    if shelter.outside_municipality && !consent {
        return Err(ApiError::invalid(
            "consent_outside_municipality",
            "the shelter is in another municipality: a placement there needs the person's consent",
        ));
    }
    Ok(Placement {
        outcome,
        assignment_id: None,
        recorded_shelter_id: Some(shelter.id),
        outside_municipality: shelter.outside_municipality,
        consent,
    })
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
}
