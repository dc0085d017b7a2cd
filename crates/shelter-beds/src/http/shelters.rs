//! Shelters and the capacity staff report each night.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_geo::district_at;
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::etag::{etag, if_match};
use hemvist_platform::night::today;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, ReadProblems, WriteProblems};
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access::{MANAGE_SHELTERS, READ_SHELTERS, REPORT_CAPACITY, shelter_limit};
use crate::model::{Eligibility, ShelterInput, ShelterRecord, ShelterStatus};
use crate::repo::{self, StoredShelter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shelters, create_shelter))
        .routes(routes!(get_shelter, update_shelter))
        .routes(routes!(get_shelter_night, update_shelter_night))
}

#[derive(Debug, Serialize, ToSchema)]
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

impl From<StoredShelter> for Shelter {
    fn from(s: StoredShelter) -> Self {
        Self {
            id: s.id,
            name: s.name,
            operator: s.operator,
            address: s.address,
            lat: s.lat,
            lon: s.lon,
            district_code: s.district_code,
            outside_municipality: s.outside_municipality,
            eligibility: s.eligibility,
            total_beds: s.total_beds,
            opens_at: s.opens_at,
            check_in_deadline: s.check_in_deadline,
            status: ShelterStatus::parse(&s.status),
            version: s.version,
        }
    }
}

fn respond(status: StatusCode, shelter: StoredShelter) -> Response {
    let tag = etag(shelter.version);
    let mut response = (status, Json(Shelter::from(shelter))).into_response();
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
    principal.require(READ_SHELTERS)?;
    let limit = shelter_limit(&principal)?;
    let client = state.db().await?;
    let shelters = repo::list_shelters(&client, &principal.municipality, limit).await?;
    Ok(Json(shelters.into_iter().map(Shelter::from).collect()))
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
    principal.require(MANAGE_SHELTERS)?;
    let record = input.validate()?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let district = district_of(&tx, &principal, &record).await?;
    let id = repo::insert_shelter(&tx, &principal.municipality, &record, district.as_deref()).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Create, "shelter", Some(id))).await?;
    let shelter =
        repo::find_shelter(&tx, &principal.municipality, None, id).await?.ok_or(ApiError::NotFound("shelter"))?;
    tx.commit().await?;
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
    principal.require(READ_SHELTERS)?;
    let limit = shelter_limit(&principal)?;
    let client = state.db().await?;
    let shelter =
        repo::find_shelter(&client, &principal.municipality, limit, id).await?.ok_or(ApiError::NotFound("shelter"))?;
    Ok(respond(StatusCode::OK, shelter))
}

/// Replace a shelter's description and open or close it.
///
/// Roles: admin. Send `If-Match` with the ETag you read (412 when it changed since). 409 when the shelter
/// would become one in another municipality while guests hold beds there without consent to that.
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
    principal.require(MANAGE_SHELTERS)?;
    let expected = if_match(&headers)?;
    let record = input.validate()?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let district = district_of(&tx, &principal, &record).await?;
    if !repo::update_shelter(&tx, &principal.municipality, id, expected, &record, district.as_deref()).await? {
        return Err(match repo::find_shelter(&tx, &principal.municipality, None, id).await? {
            Some(_) => ApiError::PreconditionFailed,
            None => ApiError::NotFound("shelter"),
        });
    }
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Update, "shelter", Some(id))).await?;
    let shelter =
        repo::find_shelter(&tx, &principal.municipality, None, id).await?.ok_or(ApiError::NotFound("shelter"))?;
    tx.commit().await?;
    Ok(respond(StatusCode::OK, shelter))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityInput {
    /// Beds usable tonight.
    pub beds_in_service: i32,
    /// Beds out of service tonight (needs a reason, e.g. "no heating in room 3").
    #[serde(default)]
    pub beds_out_of_service: i32,
    pub out_of_service_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CapacityReport {
    pub beds_in_service: i32,
    pub beds_out_of_service: i32,
    pub out_of_service_reason: Option<String>,
    /// The token that reported.
    pub reported_by: Uuid,
    pub reported_by_role: String,
    #[schema(value_type = String, format = DateTime)]
    pub reported_at: jiff::Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShelterNight {
    pub shelter_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub night: Date,
    pub beds_in_service: i32,
    pub beds_out_of_service: i32,
    pub out_of_service_reason: Option<String>,
    /// False while the capacity is the shelter's total beds because staff have not reported.
    pub reported: bool,
    /// Beds given out (reserved or checked in).
    pub taken: i64,
    /// Every report for the night, oldest first.
    pub history: Vec<CapacityReport>,
}

async fn night_view(
    client: &impl GenericClient,
    principal: &Principal,
    shelter: Uuid,
    night: Date,
) -> Result<ShelterNight, ApiError> {
    let limit = shelter_limit(principal)?;
    let load = repo::night_loads(client, &principal.municipality, limit, night)
        .await?
        .into_iter()
        .find(|l| l.shelter.id == shelter)
        .ok_or(ApiError::NotFound("open shelter"))?;
    let history = repo::capacity_history(client, &principal.municipality, shelter, night)
        .await?
        .into_iter()
        .map(|r| CapacityReport {
            beds_in_service: r.beds_in_service,
            beds_out_of_service: r.beds_out_of_service,
            out_of_service_reason: r.out_of_service_reason,
            reported_by: r.reported_by,
            reported_by_role: r.reported_by_role,
            reported_at: r.reported_at,
        })
        .collect();
    Ok(ShelterNight {
        shelter_id: shelter,
        night,
        beds_in_service: load.beds_in_service,
        beds_out_of_service: load.beds_out_of_service,
        out_of_service_reason: load.out_of_service_reason,
        reported: load.reported,
        taken: load.taken,
        history,
    })
}

/// A shelter's capacity for a night, with every report made for it.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter), housing_officer, auditor.
#[utoipa::path(get, path = "/api/v1/shelters/{id}/nights/{night}", tag = "shelters", operation_id = "get_shelter_night",
    params(("id" = Uuid, Path, description = "Shelter id"), ("night" = String, Path, description = "The night, by the date it begins")),
    responses((status = 200, description = "The night's capacity", body = ShelterNight), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_shelter_night(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, night)): Path<(Uuid, Date)>,
) -> Result<Json<ShelterNight>, ApiError> {
    principal.require(READ_SHELTERS)?;
    let client = state.db().await?;
    Ok(Json(night_view(&client, &principal, id, night).await?))
}

/// Report a night's capacity: beds in service and out of service with a reason. Idempotent: sending
/// the same report again changes nothing but the history.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter only). Refused (409) below the beds
/// already given out that night, and (422) above the shelter's total beds. Until a night is reported,
/// its capacity is the shelter's current total.
#[utoipa::path(put, path = "/api/v1/shelters/{id}/nights/{night}", tag = "shelters", operation_id = "update_shelter_night",
    params(("id" = Uuid, Path, description = "Shelter id"), ("night" = String, Path, description = "The night, by the date it begins")),
    request_body = CapacityInput,
    responses((status = 200, description = "The night's capacity", body = ShelterNight), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_shelter_night(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, night)): Path<(Uuid, Date)>,
    Json(input): Json<CapacityInput>,
) -> Result<Json<ShelterNight>, ApiError> {
    principal.require(REPORT_CAPACITY)?;
    let limit = shelter_limit(&principal)?;
    if !(0..=1000).contains(&input.beds_in_service) {
        return Err(ApiError::invalid("beds_in_service", "must be 0..=1000"));
    }
    if !(0..=1000).contains(&input.beds_out_of_service) {
        return Err(ApiError::invalid("beds_out_of_service", "must be 0..=1000"));
    }
    let reason = input
        .out_of_service_reason
        .as_deref()
        .map(|r| clean_text("out_of_service_reason", r, 500, false))
        .transpose()?;
    if input.beds_out_of_service > 0 && reason.is_none() {
        return Err(ApiError::invalid("out_of_service_reason", "is required when beds are out of service"));
    }
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let shelter =
        repo::find_shelter(&tx, &principal.municipality, limit, id).await?.ok_or(ApiError::NotFound("shelter"))?;
    // A night never has more beds than the shelter has (the database checks it too).
    if input.beds_in_service > shelter.total_beds {
        return Err(ApiError::invalid(
            "beds_in_service",
            format!("the shelter has {} beds in all", shelter.total_beds),
        ));
    }
    if input.beds_in_service + input.beds_out_of_service > shelter.total_beds {
        return Err(ApiError::invalid(
            "beds_out_of_service",
            format!("beds in and out of service exceed the shelter's {} beds", shelter.total_beds),
        ));
    }
    repo::report_capacity(
        &tx,
        &principal.municipality,
        id,
        night,
        input.beds_in_service,
        input.beds_out_of_service,
        reason.as_deref(),
        principal.token_id,
        principal.role.as_str(),
    )
    .await?;
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::Update, "shelter_night", Some(id))
            .details(serde_json::json!({"night": night.to_string()})),
    )
    .await?;
    let view = night_view(&tx, &principal, id, night).await?;
    tx.commit().await?;
    Ok(Json(view))
}
