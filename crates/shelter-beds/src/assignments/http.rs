//! Beds given out for a night over HTTP: reserved, checked in, no-show, checked out, cancelled.

use axum::extract::State;
use axum::http::StatusCode;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, AppState, Json, MunicipalityCode, Path, Query, ReadProblems, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{AssignmentStatus, Change, StoredAssignment, hold_until};
use super::release_expired_holds;
use super::repo::{self, AssignOutcome, NewBed};
use crate::access::{HANDLE_BEDS, guest_alias, sees_guest_identity, sees_protected_guest, shelter_limit};
use crate::shelters::http::scoped_shelter;
use crate::shelters::model::ShelterStatus;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bed_assignments, create_bed_assignment))
        .routes(routes!(check_in_bed_assignment))
        .routes(routes!(check_out_bed_assignment))
        .routes(routes!(cancel_bed_assignment))
        .routes(routes!(record_bed_assignment_no_show))
}

/// A guest as the caller may see them: shelter staff get a first name and an initial, enough to
/// receive the guest; the night coordinator also gets the person id. A guest with protected identity
/// is shown by an alias (no name, no id) to everyone but the coordinator who placed them and the roles
/// that may see protected addresses.
#[derive(Debug, Serialize, ToSchema)]
pub struct Guest {
    pub person_id: Option<Uuid>,
    /// `Skyddad gäst` for a guest shown by alias.
    pub given_name: String,
    /// In full for the coordinator, an initial for shelter staff, the alias code for a protected guest.
    pub family_name: String,
    /// For a protected guest shown by alias: `Skyddad gäst` and a short code, the same for that person
    /// on every list and night; the guest is received by it.
    pub alias: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BedAssignment {
    pub id: Uuid,
    pub shelter_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub night: Date,
    pub status: AssignmentStatus,
    /// A reservation not checked in by then is released as not collected: the later of the shelter's
    /// check-in deadline that night and the minimum hold after the placement.
    #[schema(value_type = String, format = DateTime)]
    pub hold_until: jiff::Timestamp,
    /// When a reservation ended without the guest (not collected, no-show, cancelled).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub released_at: Option<jiff::Timestamp>,
    /// The shelter is in another municipality; the person consented.
    pub outside_municipality: bool,
    pub consent_outside_municipality: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub checked_in_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub checked_out_at: Option<jiff::Timestamp>,
    pub guest: Guest,
}

pub(crate) fn assignment_view(a: StoredAssignment, principal: &Principal) -> BedAssignment {
    let full = sees_guest_identity(principal);
    let initial = a.family_name.chars().next().map(|c| format!("{c}.")).unwrap_or_default();
    let guest = if sees_protected_guest(principal, &a.guest) {
        Guest {
            person_id: full.then_some(a.person_id),
            given_name: a.given_name,
            family_name: if full { a.family_name } else { initial },
            alias: None,
        }
    } else {
        Guest {
            person_id: None,
            given_name: PROTECTED_GUEST.to_owned(),
            family_name: a.guest.alias_code.clone(),
            alias: Some(guest_alias(&a.guest)),
        }
    };
    BedAssignment {
        id: a.id,
        shelter_id: a.shelter_id,
        night: a.night,
        status: a.status,
        hold_until: a.hold_until,
        released_at: a.released_at,
        outside_municipality: a.outside_municipality,
        consent_outside_municipality: a.consent_outside_municipality,
        checked_in_at: a.checked_in_at,
        checked_out_at: a.checked_out_at,
        guest,
    }
}

/// The label of a protected guest shown by alias.
pub const PROTECTED_GUEST: &str = "Skyddad gäst";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentFilter {
    pub shelter_id: Option<Uuid>,
}

/// The beds given out for a night, a page at a time (shelter staff: their shelter, minimal guest data;
/// protected guests by alias).
///
/// Roles: admin, night_coordinator, shelter_staff. Audited per guest. Ordered by shelter, then the
/// order the beds were given.
#[utoipa::path(get, path = "/api/v1/nights/{night}/assignments", tag = "beds", operation_id = "list_bed_assignments",
    params(("night" = String, Path, format = Date, description = "The night, by the date it begins"), AssignmentFilter, PageParams),
    responses((status = 200, description = "A page of assignments by shelter", body = Page<BedAssignment>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_bed_assignments(
    State(state): State<AppState>,
    principal: Principal,
    Path(night): Path<Date>,
    Query(filter): Query<AssignmentFilter>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<BedAssignment>>, ApiError> {
    let work = state.unit_of_work(&principal, HANDLE_BEDS)?;
    let limit = shelter_limit(&principal)?;
    let page = page.parse::<repo::AssignmentKey>()?;
    let page = work
        .run(async |w| {
            let municipality = &w.principal().municipality;
            let rows = repo::list_assignments(w.tx(), municipality, limit, night, filter.shelter_id, &page).await?;
            let page = Page::from_rows(rows, page.limit, |a| (a.shelter_id, a.created_at, a.id))?;
            w.audit_all(
                page.items
                    .iter()
                    .map(|a| AuditEvent::new(AuditAction::List, "bed_assignment", Some(a.id)).person(a.person_id)),
            );
            Ok(page)
        })
        .await?;
    let items = page.items.into_iter().map(|a| assignment_view(a, &principal)).collect();
    Ok(Json(Page { items, next_cursor: page.next_cursor }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    pub shelter_id: Uuid,
    pub person_id: Uuid,
    /// The person consents to a bed in another municipality; required for such a shelter (never
    /// required of anyone).
    #[serde(default)]
    pub consent_outside_municipality: bool,
}

/// Give a person a bed at a shelter for a night (a walk-in, or a coordinator's direct placement).
/// Guarantee requests place through `/api/v1/guarantee-requests`, which records the outcome.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter). 409 when the shelter is full or the
/// person already has a bed that night, under any concurrency; 422 for a shelter in another
/// municipality without the person's consent. The bed is held until `hold_until`.
#[utoipa::path(post, path = "/api/v1/nights/{night}/assignments", tag = "beds", operation_id = "create_bed_assignment",
    params(("night" = String, Path, format = Date, description = "The night, by the date it begins")),
    request_body = AssignmentInput,
    responses((status = 201, description = "Reserved", body = BedAssignment), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_bed_assignment(
    State(state): State<AppState>,
    principal: Principal,
    Path(night): Path<Date>,
    Json(input): Json<AssignmentInput>,
) -> Result<(StatusCode, Json<BedAssignment>), ApiError> {
    let work = state.unit_of_work(&principal, HANDLE_BEDS)?;
    let limit = shelter_limit(&principal)?;
    let min_hold = jiff::SignedDuration::from_mins(state.settings.min_hold_minutes);
    let assignment = work.run(async |w| give_bed(w, limit, night, &input, min_hold).await).await?;
    Ok((StatusCode::CREATED, Json(assignment_view(assignment, &principal))))
}

/// Gives the person a bed at the shelter for the night, held until the person can get there.
async fn give_bed(
    w: &mut Work<'_>,
    limit: Option<&[Uuid]>,
    night: Date,
    input: &AssignmentInput,
    min_hold: jiff::SignedDuration,
) -> Result<StoredAssignment, ApiError> {
    let principal = w.principal().clone();
    let municipality = &principal.municipality;
    let shelter = scoped_shelter(w.tx(), &principal, limit, input.shelter_id).await?;
    if shelter.status != ShelterStatus::Open {
        return Err(ApiError::conflict("the shelter is closed"));
    }
    let municipality_wide = hemvist_tenants::api::Scope::municipality_wide(municipality);
    hemvist_tenants::api::find_person(w.tx(), &municipality_wide, input.person_id)
        .await?
        .ok_or_else(|| ApiError::invalid("person_id", "no such person"))?;
    if shelter.outside_municipality && !input.consent_outside_municipality {
        return Err(needs_consent());
    }
    release_expired_holds(w.tx(), municipality, Some(night)).await?;
    let hold = hold_until(jiff::Timestamp::now(), night, shelter.check_in_deadline, min_hold);
    let bed = NewBed {
        shelter: shelter.id,
        night,
        person: input.person_id,
        hold_until: hold,
        placer: repo::Placer::of(&principal),
        consent_outside_municipality: input.consent_outside_municipality,
    };
    let assigned = repo::assign_bed(w.tx_mut(), municipality, &bed).await?;
    let id = match assigned {
        AssignOutcome::Assigned(id) => id,
        AssignOutcome::ShelterFull => return Err(ApiError::conflict("the shelter is full that night")),
        AssignOutcome::PersonHasBed => return Err(ApiError::conflict("the person already has a bed that night")),
        AssignOutcome::NeedsConsent => return Err(needs_consent()),
    };
    w.audit(AuditEvent::new(AuditAction::Create, "bed_assignment", Some(id)).person(input.person_id));
    assignment(w.tx(), municipality, id).await
}

/// An assignment of the municipality, or 404.
pub(crate) async fn assignment(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<StoredAssignment, ApiError> {
    repo::find_assignment(client, municipality, None, id, false).await?.ok_or(ApiError::NotFound("assignment"))
}

fn needs_consent() -> ApiError {
    ApiError::invalid(
        "consent_outside_municipality",
        "the shelter is in another municipality: a bed there needs the person's consent",
    )
}

/// Moves an assignment on by `change`; the one path every status change takes.
async fn change_status(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    change: Change,
) -> Result<Json<BedAssignment>, ApiError> {
    // When staff asked, before waiting for the bed's row: the release job may hold it meanwhile.
    let asked_at = jiff::Timestamp::now();
    let work = state.unit_of_work(principal, HANDLE_BEDS)?;
    shelter_limit(principal)?;
    Ok(Json(work.run(async |w| change_assignment(w, id, change, asked_at).await).await?))
}

/// Moves an assignment in the caller's scope on by `change`, audited, and returns it as the caller
/// may see it. `asked_at` is when staff asked (taken before the unit of work waits for the row: a
/// check-in asked for before the hold expired is honoured even if the release job got there first).
/// Run it in a unit of work opened for [`crate::HANDLE_BEDS`].
pub async fn change_assignment(
    w: &mut Work<'_>,
    id: Uuid,
    change: Change,
    asked_at: jiff::Timestamp,
) -> Result<BedAssignment, ApiError> {
    let principal = w.principal().clone();
    let limit = shelter_limit(&principal)?;
    let municipality = &principal.municipality;
    let current =
        repo::find_assignment(w.tx(), municipality, limit, id, true).await?.ok_or(ApiError::NotFound("assignment"))?;
    let to = change.apply_asked_at(current.status, current.hold_until, asked_at)?;
    repo::set_assignment_status(w.tx(), municipality, id, to).await?;
    let changed = assignment(w.tx(), municipality, id).await?;
    w.audit(AuditEvent::new(AuditAction::Update, "bed_assignment", Some(id)).person(current.person_id));
    Ok(assignment_view(changed, &principal))
}

/// Every bed given out at one shelter in the caller's scope for a night, in the order given, as the
/// caller may see them; audited per guest. Run it in a unit of work opened for [`crate::HANDLE_BEDS`].
pub async fn shelter_guests(w: &mut Work<'_>, shelter: Uuid, night: Date) -> Result<Vec<BedAssignment>, ApiError> {
    let principal = w.principal().clone();
    let limit = shelter_limit(&principal)?;
    let mut all = Vec::new();
    let mut page =
        hemvist_platform::pagination::PageRequest { limit: hemvist_platform::pagination::MAX_LIMIT, after: None };
    loop {
        let rows = repo::list_assignments(w.tx(), &principal.municipality, limit, night, Some(shelter), &page).await?;
        let more = rows.len() > page.limit as usize;
        all.extend(rows.into_iter().take(page.limit as usize));
        match (more, all.last()) {
            (true, Some(last)) => page.after = Some((last.shelter_id, last.created_at, last.id)),
            _ => break,
        }
    }
    w.audit_all(
        all.iter().map(|a| AuditEvent::new(AuditAction::List, "bed_assignment", Some(a.id)).person(a.person_id)),
    );
    Ok(all.into_iter().map(|a| assignment_view(a, &principal)).collect())
}

/// The guest arrived.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter).
#[utoipa::path(post, path = "/api/v1/bed-assignments/{id}/check-in", tag = "beds", operation_id = "check_in_bed_assignment",
    params(("id" = Uuid, Path, description = "Assignment id")),
    responses((status = 200, description = "Checked in", body = BedAssignment), WriteProblems), security(("bearer" = [])))]
pub async fn check_in_bed_assignment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<BedAssignment>, ApiError> {
    change_status(&state, &principal, id, Change::CheckIn).await
}

/// The guest left in the morning.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter).
#[utoipa::path(post, path = "/api/v1/bed-assignments/{id}/check-out", tag = "beds", operation_id = "check_out_bed_assignment",
    params(("id" = Uuid, Path, description = "Assignment id")),
    responses((status = 200, description = "Checked out", body = BedAssignment), WriteProblems), security(("bearer" = [])))]
pub async fn check_out_bed_assignment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<BedAssignment>, ApiError> {
    change_status(&state, &principal, id, Change::CheckOut).await
}

/// Cancel a reservation; the bed is free again.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter).
#[utoipa::path(post, path = "/api/v1/bed-assignments/{id}/cancel", tag = "beds", operation_id = "cancel_bed_assignment",
    params(("id" = Uuid, Path, description = "Assignment id")),
    responses((status = 200, description = "Cancelled", body = BedAssignment), WriteProblems), security(("bearer" = [])))]
pub async fn cancel_bed_assignment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<BedAssignment>, ApiError> {
    change_status(&state, &principal, id, Change::Cancel).await
}

/// The guest did not come; the bed is free again.
///
/// Only once the bed's hold has ended (`hold_until`): until then the bed is held for the guest, who may
/// still be on their way, and a no-show is refused with 409. A guest who said they are not coming has
/// their bed cancelled instead.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter).
#[utoipa::path(post, path = "/api/v1/bed-assignments/{id}/no-show", tag = "beds", operation_id = "record_bed_assignment_no_show",
    params(("id" = Uuid, Path, description = "Assignment id")),
    responses((status = 200, description = "Released", body = BedAssignment), WriteProblems), security(("bearer" = [])))]
pub async fn record_bed_assignment_no_show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<BedAssignment>, ApiError> {
    change_status(&state, &principal, id, Change::NoShow).await
}
