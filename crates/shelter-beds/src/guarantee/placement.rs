//! Recording a guarantee request: a retried request answers with the first answer; tonight's request
//! finds and holds a bed now, nearest first (the choice is `model::candidates`); a request in a night
//! that has passed records what happened then and never places anyone now.

use deadpool_postgres::Transaction;
use hemvist_geo::district_at;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, MunicipalityCode};
use hemvist_tenants::api::StoredPerson;
use jiff::SignedDuration;
use jiff::civil::Date;
use uuid::Uuid;

use super::model::{Ask, GuaranteeOutcome, Placement, Plan, answer_without_search, candidates};
use super::model::{emergency_assessment, escalation_note};
use super::repo::{self, NewRequest, StoredRequest};
use crate::access::placed_by_caller;
use crate::assignments::model::hold_until;
use crate::assignments::release_expired_holds;
use crate::assignments::repo::{FirstFree, Placer, active_assignment_of, place_in_first_free};
use crate::nights::model::NightLoad;
use crate::nights::repo::night_loads;
use crate::shelters::model::Needs;

/// A recorded request, and whether it was recorded before (a retry with the same Idempotency-Key).
#[derive(Debug)]
pub struct Answer {
    pub request: StoredRequest,
    pub replayed: bool,
}

/// Records the request and places the person if a suitable bed is free; a retry with the same
/// Idempotency-Key answers with the first request and never places twice.
///
/// A shelter's night is locked from the placement to the commit, so everything that can be read
/// before is read before, in one round trip; the audit event goes with the placement; the request row
/// is stored and read back in one statement. The lock is held for the placement's round trip, the
/// request's, the caller's reads of its answer (in the transaction: an answer read after the commit
/// could fail for a placement that was made) and the commit.
pub async fn request(w: &mut Work<'_>, ask: &Ask) -> Result<Answer, ApiError> {
    let principal = w.principal().clone();
    let min_hold = SignedDuration::from_mins(w.settings().min_hold_minutes);
    let before = read_before_placing(w.tx(), &principal.municipality, ask).await?;
    if let Some(stored) = before.stored {
        return replay(w, stored, &ask.fingerprint);
    }
    let id = Uuid::new_v4();
    let created = AuditEvent::new(AuditAction::Create, "guarantee_request", Some(id)).person(ask.person_id);
    let (request, ()) =
        futures::try_join!(record(w.tx(), &principal, ask, id, before, min_hold), w.audit_now(created))?;
    Ok(Answer { request, replayed: false })
}

/// Answers a retried request with the stored first answer: personal data read again, so audited as a
/// read of the request. Only its caller retries a request: a key is that caller's (the first answer
/// shows a protected person's bed to the one who gave it, and to nobody else who asked for them).
fn replay(w: &mut Work<'_>, stored: StoredRequest, fingerprint: &str) -> Result<Answer, ApiError> {
    if !placed_by_caller(w.principal(), &stored.guest) {
        return Err(ApiError::invalid("Idempotency-Key", "was already used by another caller"));
    }
    if stored.request_fingerprint != fingerprint {
        return Err(ApiError::invalid("Idempotency-Key", "was already used for a different request"));
    }
    w.audit(
        AuditEvent::new(AuditAction::Read, "guarantee_request", Some(stored.id))
            .person(stored.person_id)
            .details(serde_json::json!({"idempotent_replay": true})),
    );
    Ok(Answer { request: stored, replayed: true })
}

/// What a request reads before any bed is locked.
struct Before {
    /// The request stored earlier under the same Idempotency-Key (whose lock is now held).
    stored: Option<StoredRequest>,
    person: Option<StoredPerson>,
    /// The district where the person stands, when a position was given.
    district: Option<String>,
    /// For a request to be placed now: the night's shelters and their loads, read after the night's
    /// expired holds were released.
    loads: Option<Vec<NightLoad>>,
}

/// The reads before placing, sent to the database together and answered in one round trip (they are
/// independent; the statements still run in the order sent, the key's lock first). A request that was
/// declined or records a past night reads no loads and releases no holds.
async fn read_before_placing(
    tx: &Transaction<'_>,
    municipality: &MunicipalityCode,
    ask: &Ask,
) -> Result<Before, ApiError> {
    let municipality_wide = hemvist_tenants::api::Scope::municipality_wide(municipality);
    let key = match &ask.key {
        Some(key) => Some((key, repo::KeyStatements::prepare(tx).await?)),
        None => None,
    };
    let stored = async {
        match &key {
            Some((key, statements)) => Ok(repo::lock_and_find_request_by_key(tx, statements, municipality, key).await?),
            None => Ok(None),
        }
    };
    let person = hemvist_tenants::api::find_person(tx, &municipality_wide, ask.person_id);
    let district = async {
        match ask.from {
            Some(location) => Ok(district_at(tx, municipality, location, ask.night).await?.map(|d| d.code)),
            None => Ok(None),
        }
    };
    let loads = async {
        if !matches!(ask.plan, Plan::PlaceNow) || ask.declined_by_person {
            return Ok(None);
        }
        let (expired, loads) = futures::try_join!(release_expired_holds(tx, municipality, Some(ask.night)), async {
            Ok(night_loads(tx, municipality, None, ask.night).await?)
        })?;
        // The loads were read before the release: read again whenever a hold had expired, released
        // here or by a transaction that got there first (its beds are free now, and must be offered).
        if expired.is_some() {
            return Ok(Some(night_loads(tx, municipality, None, ask.night).await?));
        }
        Ok(Some(loads))
    };
    let (stored, person, district, loads) = futures::try_join!(stored, person, district, loads)?;
    Ok(Before { stored, person, district, loads })
}

/// Decides the outcome (placing now when tonight's request is to be placed) and stores the request
/// under `id`.
async fn record(
    tx: &Transaction<'_>,
    principal: &Principal,
    ask: &Ask,
    id: Uuid,
    before: Before,
    min_hold: SignedDuration,
) -> Result<StoredRequest, ApiError> {
    let municipality = &principal.municipality;
    let night = ask.night;
    let person = before.person.ok_or_else(|| ApiError::invalid("person_id", "no such person"))?;
    let district = before.district;
    let needs = ask.needs(person.sex, person.birth.map(|b| b.age_range_on(night)));
    let consent = ask.consent_outside_municipality;
    let home = person.home_municipality_code.as_deref();
    let placement = match ask.plan {
        Plan::PlaceNow => match answer_without_search(home, municipality, ask.declined_by_person) {
            Some(outcome) => Placement::without_bed(outcome, consent),
            None => {
                // Read before whenever a search can follow (tonight's request, not declined).
                let loads = before.loads.ok_or_else(|| ApiError::internal("the night's loads were not read"))?;
                let wanted = Wanted { person: person.id, night, needs: &needs, ask, placer: Placer::of(principal) };
                place_now(tx, municipality, &wanted, loads, min_hold).await?
            }
        },
        Plan::Record { outcome, shelter_id } => record_then(tx, municipality, outcome, shelter_id, consent).await?,
    };
    let outcome = placement.outcome;
    let breach = outcome == GuaranteeOutcome::NoSuitableBed;
    let recorded_afterwards = matches!(ask.plan, Plan::Record { .. });
    let new = NewRequest {
        id,
        idempotency_key: ask.key.clone(),
        request_fingerprint: ask.fingerprint.clone(),
        requested_at: ask.requested_at,
        night,
        person_id: person.id,
        requested_by: principal.token_id,
        requested_by_staff: principal.staff_id.clone(),
        channel: ask.channel,
        lat: ask.lat,
        lon: ask.lon,
        district_code: district.clone().or(person.responsible_district_code.clone()),
        // Snapshot: the district responsible at the time, whatever changes later.
        responsible_district_code: person.responsible_district_code.clone(),
        location_district_code: district,
        needs: serde_json::to_value(&needs).map_err(ApiError::internal)?,
        outcome,
        assignment_id: placement.assignment_id,
        recorded_shelter_id: placement.recorded_shelter_id,
        recorded_afterwards,
        placed_outside_municipality: placement.outside_municipality,
        consent_outside_municipality: placement.consent,
        escalated: breach,
        escalation_note: breach.then(|| escalation_note(night, recorded_afterwards)),
        emergency_assessment: emergency_assessment(outcome, ask.emergency_assessment.clone()),
    };
    Ok(repo::insert_request(tx, municipality, &new).await?)
}

/// Who wants a bed, for which night, needing what, and who gives it.
struct Wanted<'a> {
    person: Uuid,
    night: Date,
    needs: &'a Needs,
    /// Where the person is, whether a bed in another municipality may be offered, and when.
    ask: &'a Ask,
    /// Who gives the bed (recorded: a protected guest is shown by name to their placer only).
    placer: Placer<'a>,
}

/// Finds a suitable free bed for `wanted` now, nearest first, and holds it; the bed the person already
/// has that night, if any. `loads` were read after the night's expired holds were released. The choice
/// (`model::candidates`) is made here; taking the first candidate that still has a bed is one statement.
async fn place_now(
    tx: &Transaction<'_>,
    municipality: &MunicipalityCode,
    wanted: &Wanted<'_>,
    loads: Vec<NightLoad>,
    min_hold: SignedDuration,
) -> Result<Placement, ApiError> {
    let consent = wanted.ask.consent_outside_municipality;
    let (night, person) = (wanted.night, wanted.person);
    let found = candidates(loads, wanted.needs, wanted.ask.from, consent);
    let ordered: Vec<(Uuid, jiff::Timestamp)> = found
        .iter()
        .map(|c| {
            let shelter = &c.load.shelter;
            (shelter.id, hold_until(wanted.ask.now, night, shelter.check_in_deadline, min_hold))
        })
        .collect();
    let placed = place_in_first_free(tx, municipality, night, person, &ordered, wanted.placer, consent).await;
    match placed {
        Ok(FirstFree::Assigned { id, shelter }) => {
            let outside = found
                .iter()
                .find(|c| c.load.shelter.id == shelter)
                .is_some_and(|c| c.load.shelter.outside_municipality);
            Ok(Placement {
                outcome: GuaranteeOutcome::Placed,
                assignment_id: Some(id),
                recorded_shelter_id: None,
                outside_municipality: outside,
                consent,
            })
        }
        Ok(FirstFree::PersonHasBed) => {
            let existing = active_assignment_of(tx, municipality, person, night)
                .await?
                .ok_or_else(|| ApiError::conflict("the person's bed changed meanwhile; retry"))?;
            Placement::existing(&existing, consent)
        }
        Ok(FirstFree::Full) => Ok(Placement::without_bed(GuaranteeOutcome::NoSuitableBed, consent)),
        // A shelter that moved to another municipality since the choice was made (rare): try again.
        Err(error)
            if error.as_db_error().and_then(|db| db.constraint()) == Some("bed_assignments_outside_needs_consent") =>
        {
            Err(ApiError::conflict("a shelter changed meanwhile; retry"))
        }
        Err(error) => Err(error.into()),
    }
}

/// What happened in a night that has passed, as stated: a placement names an existing shelter of the
/// municipality (one in another municipality only with the person's consent). Holds no bed.
async fn record_then(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    outcome: GuaranteeOutcome,
    shelter_id: Option<Uuid>,
    consent: bool,
) -> Result<Placement, ApiError> {
    let Some(shelter_id) = shelter_id else { return Ok(Placement::without_bed(outcome, consent)) };
    let shelter = crate::shelters::repo::find_shelter(client, municipality, None, shelter_id)
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
