//! Shelters over HTTP: list, register, read and replace.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_geo::district_at;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::etag::{etag, if_match};
use hemvist_platform::night::today;
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, AppState, Json, Path, ReadProblems, WriteProblems};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{Shelter, ShelterInput, ShelterRecord};
use super::repo;
use crate::access::{MANAGE_SHELTERS, READ_SHELTERS, shelter_limit};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_shelters, create_shelter)).routes(routes!(get_shelter, update_shelter))
}

fn respond(status: StatusCode, shelter: Shelter) -> Response {
    let tag = etag(shelter.version);
    let mut response = (status, Json(shelter)).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

async fn district_of(
    client: &impl GenericClient,
    principal: &Principal,
    record: &ShelterRecord,
) -> Result<Option<String>, ApiError> {
    if record.outside_municipality {
        return Ok(None);
    }
    let district = district_at(client, &principal.municipality, record.location, today()).await?;
    district.map(|d| Some(d.code)).ok_or_else(|| {
        ApiError::invalid(
            "lat",
            "the location is outside every district; mark shelters in other municipalities outside_municipality",
        )
    })
}

/// The shelter `id` in the caller's scope (None: every shelter of the municipality), or 404.
/// A shelter in the caller's scope (shelter staff: their own), or 404. Run it in a unit of work opened
/// for [`crate::READ_SHELTERS`].
pub async fn shelter_in_scope(w: &mut Work<'_>, id: Uuid) -> Result<Shelter, ApiError> {
    let principal = w.principal().clone();
    let limit = crate::access::shelter_limit(&principal)?;
    scoped_shelter(w.tx(), &principal, limit, id).await
}

/// The shelters in the caller's scope (shelter staff: their own), by name. Run it in a unit of work
/// opened for [`crate::READ_SHELTERS`].
pub async fn shelters_in_scope(w: &mut Work<'_>) -> Result<Vec<Shelter>, ApiError> {
    let limit = shelter_limit(w.principal())?;
    Ok(repo::list_shelters(w.tx(), &w.principal().municipality, limit).await?)
}

/// Registers a shelter (audited); its district is derived from its location. Run it in a unit of work
/// opened for [`crate::access::MANAGE_SHELTERS`].
pub async fn register_shelter(w: &mut Work<'_>, record: &ShelterRecord) -> Result<Shelter, ApiError> {
    let (tx, principal) = (w.tx(), w.principal());
    let district = district_of(tx, principal, record).await?;
    let id = repo::insert_shelter(tx, &principal.municipality, record, district.as_deref()).await?;
    let created = scoped_shelter(tx, principal, None, id).await?;
    w.audit(AuditEvent::new(AuditAction::Create, "shelter", Some(id)));
    Ok(created)
}

/// Replaces a shelter's description (audited), if it is still at `expected` version (412 otherwise;
/// None: whatever version). 409 when it would become one in another municipality while guests hold
/// beds there without consent to that.
pub async fn replace_shelter(
    w: &mut Work<'_>,
    id: Uuid,
    expected: Option<i32>,
    record: &ShelterRecord,
) -> Result<Shelter, ApiError> {
    let (tx, principal) = (w.tx(), w.principal());
    let district = district_of(tx, principal, record).await?;
    let updated = repo::update_shelter(tx, &principal.municipality, id, expected, record, district.as_deref())
        .await
        .map_err(|error| {
            // V7: active beds follow the shelter's flag, and a bed outside needs the guest's consent.
            if error.as_db_error().and_then(|db| db.constraint()) == Some("bed_assignments_outside_needs_consent") {
                ApiError::conflict(
                    "guests hold beds here without consent to a bed in another municipality; \
                     move them or record their consent first",
                )
            } else {
                error.into()
            }
        })?;
    if !updated {
        return Err(match repo::find_shelter(tx, &principal.municipality, None, id).await? {
            Some(_) => ApiError::PreconditionFailed,
            None => ApiError::NotFound("shelter"),
        });
    }
    let shelter = scoped_shelter(tx, principal, None, id).await?;
    w.audit(AuditEvent::new(AuditAction::Update, "shelter", Some(id)));
    Ok(shelter)
}

pub(crate) async fn scoped_shelter(
    client: &impl GenericClient,
    principal: &Principal,
    limit: Option<&[Uuid]>,
    id: Uuid,
) -> Result<Shelter, ApiError> {
    repo::find_shelter(client, &principal.municipality, limit, id).await?.ok_or(ApiError::NotFound("shelter"))
}

/// List shelters (shelter staff: their own).
///
/// Roles: admin, night_coordinator, shelter_staff, housing_officer, auditor.
#[utoipa::path(get, path = "/api/v1/shelters", tag = "shelters", operation_id = "list_shelters",
    responses((status = 200, description = "Shelters by name", body = Vec<Shelter>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_shelters(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<Shelter>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_SHELTERS)?;
    let shelters = work.run(async |w| shelters_in_scope(w).await).await?;
    Ok(Json(shelters))
}

/// Register a shelter; its district is derived from the location.
///
/// Roles: admin.
#[utoipa::path(post, path = "/api/v1/shelters", tag = "shelters", operation_id = "create_shelter",
    request_body = ShelterInput,
    responses((status = 201, description = "Registered", body = Shelter, headers(("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_shelter(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<ShelterInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_SHELTERS)?;
    let record = input.validate()?;
    let shelter = work.run(async |w| register_shelter(w, &record).await).await?;
    Ok(respond(StatusCode::CREATED, shelter))
}

/// Get a shelter.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter), housing_officer, auditor.
#[utoipa::path(get, path = "/api/v1/shelters/{id}", tag = "shelters", operation_id = "get_shelter",
    params(("id" = Uuid, Path, description = "Shelter id")),
    responses((status = 200, description = "The shelter", body = Shelter, headers(("etag" = String))), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_shelter(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, READ_SHELTERS)?;
    let limit = shelter_limit(&principal)?;
    let shelter = work.run(async |w| scoped_shelter(w.tx(), w.principal(), limit, id).await).await?;
    Ok(respond(StatusCode::OK, shelter))
}

/// Replace a shelter's description and open or close it.
///
/// Roles: admin. Send `If-Match` with the ETag you read (412 when it changed since). 409 when the shelter
/// would become one in another municipality while guests hold beds there without consent to that, and
/// when its total beds would fall below, or it would close over, the beds already given out for a night
/// not yet over (move or cancel those guests first).
#[utoipa::path(put, path = "/api/v1/shelters/{id}", tag = "shelters", operation_id = "update_shelter",
    params(("id" = Uuid, Path, description = "Shelter id"), ("if-match" = Option<String>, Header, description = "ETag you read")),
    request_body = ShelterInput,
    responses((status = 200, description = "Replaced", body = Shelter), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_shelter(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<ShelterInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_SHELTERS)?;
    let expected = if_match(&headers)?;
    let record = input.validate()?;
    let shelter = work.run(async |w| replace_shelter(w, id, expected, &record).await).await?;
    Ok(respond(StatusCode::OK, shelter))
}
