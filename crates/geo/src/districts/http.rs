use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::{Principal, Role};
use hemvist_platform::etag::{etag, if_match};
use hemvist_platform::night::today;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::{ApiError, AppState, Json, OnConstraint, Path, Query, ReadProblems, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{Location, NewDistrict};
use super::repo::{self, StoredDistrict};
use super::{district_at, overlap};

/// Reference data: every role may read districts.
const READ_ROLES: &[Role] = &Role::ALL;
/// Only administrators change them.
const MANAGE_ROLES: &[Role] = crate::MANAGE_DISTRICTS;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_districts, create_district))
        .routes(routes!(lookup_district))
        .routes(routes!(get_district, update_district, delete_district))
}

/// A version of a district.
#[derive(Debug, Serialize, ToSchema)]
pub struct District {
    pub id: Uuid,
    #[schema(example = "0180")]
    pub municipality_code: String,
    /// Stable code across versions, e.g. `jarva`.
    #[schema(example = "jarva")]
    pub code: String,
    #[schema(example = "Järva")]
    pub name: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: Date,
    /// First day this version no longer applies; absent while current.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<Date>,
    /// GeoJSON Polygon or MultiPolygon (WGS84, [longitude, latitude]).
    #[schema(value_type = Object)]
    pub boundary: serde_json::Value,
    /// Row version; also sent as the ETag.
    pub version: i32,
}

impl From<StoredDistrict> for District {
    fn from(d: StoredDistrict) -> Self {
        Self {
            id: d.id,
            municipality_code: d.municipality_code,
            code: d.code,
            name: d.name,
            valid_from: d.valid_from,
            valid_to: d.valid_to,
            boundary: d.boundary,
            version: d.version,
        }
    }
}

/// The district found for a location, without its boundary.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictMatch {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<Date>,
}

/// A district version to create or replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistrictInput {
    #[schema(example = "jarva")]
    pub code: String,
    #[schema(example = "Järva", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub name: String,
    #[schema(value_type = String, format = Date, example = "2023-07-01")]
    pub valid_from: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<Date>,
    /// GeoJSON Polygon or MultiPolygon (WGS84, [longitude, latitude]).
    #[schema(value_type = Object)]
    pub boundary: serde_json::Value,
}

impl TryFrom<DistrictInput> for NewDistrict {
    type Error = ApiError;
    fn try_from(input: DistrictInput) -> Result<Self, ApiError> {
        NewDistrict::parse(&input.code, &input.name, input.valid_from, input.valid_to, &input.boundary)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DistrictListParams {
    /// Only versions valid on this date.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupParams {
    /// Latitude, WGS84.
    #[param(example = 59.3293, minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude, WGS84.
    #[param(example = 18.0686, minimum = -180, maximum = 180)]
    pub lon: f64,
    /// The date whose district version applies (default: today in Stockholm).
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
}

fn with_etag(status: StatusCode, district: StoredDistrict) -> Response {
    let tag = etag(district.version);
    let mut response = (status, Json(District::from(district))).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

/// List district versions of the caller's municipality.
///
/// Roles: every role.
#[utoipa::path(get, path = "/api/v1/districts", tag = "districts", operation_id = "list_districts",
    params(DistrictListParams, PageParams),
    responses((status = 200, description = "A page of district versions", body = Page<District>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_districts(
    State(state): State<AppState>,
    principal: Principal,
    Query(filter): Query<DistrictListParams>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<District>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_ROLES)?;
    let page = page.parse::<(String, Date)>()?;
    let rows = work.run(async |w| Ok(repo::list(w.tx(), &w.principal().municipality, filter.on, &page).await?)).await?;
    let page = Page::from_rows(rows, page.limit, |d| (d.code.clone(), d.valid_from))?;
    Ok(Json(Page { items: page.items.into_iter().map(District::from).collect(), next_cursor: page.next_cursor }))
}

/// Create a district version.
///
/// Roles: admin. Versions of one code may not overlap in time (409).
#[utoipa::path(post, path = "/api/v1/districts", tag = "districts", operation_id = "create_district",
    request_body = DistrictInput,
    responses((status = 201, description = "Created", body = District,
        headers(("location" = String), ("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_district(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<DistrictInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_ROLES)?;
    let new = NewDistrict::try_from(input)?;
    let district = work.run(async |w| super::create_district(w, &new).await).await?;
    let location = format!("/api/v1/districts/{}", district.id);
    let mut response = with_etag(StatusCode::CREATED, district);
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Find the district a location lies in, by point-in-polygon.
///
/// Roles: every role. 404 when the point is outside every district valid on that date.
#[utoipa::path(get, path = "/api/v1/districts/lookup", tag = "districts", operation_id = "lookup_district",
    params(LookupParams),
    responses((status = 200, description = "The district containing the point", body = DistrictMatch), ReadProblems),
    security(("bearer" = [])))]
pub async fn lookup_district(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<LookupParams>,
) -> Result<Json<DistrictMatch>, ApiError> {
    let work = state.unit_of_work(&principal, READ_ROLES)?;
    let location = Location::parse(params.lat, params.lon)?;
    let on = params.on.unwrap_or_else(today);
    let found = work.run(async |w| district_at(w.tx(), &w.principal().municipality, location, on).await).await?;
    let d = found.ok_or(ApiError::NotFound("district containing that point"))?;
    Ok(Json(DistrictMatch { id: d.id, code: d.code, name: d.name, valid_from: d.valid_from, valid_to: d.valid_to }))
}

/// Get one district version.
///
/// Roles: every role.
#[utoipa::path(get, path = "/api/v1/districts/{id}", tag = "districts", operation_id = "get_district",
    params(("id" = Uuid, Path, description = "District version id")),
    responses((status = 200, description = "The district version", body = District, headers(("etag" = String))), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_district(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, READ_ROLES)?;
    let district = work.run(async |w| Ok(repo::find(w.tx(), &w.principal().municipality, id).await?)).await?;
    let district = district.ok_or(ApiError::NotFound("district"))?;
    Ok(with_etag(StatusCode::OK, district))
}

/// Replace a district version.
///
/// Roles: admin. Send `If-Match` with the ETag you read to avoid overwriting someone else's change (412).
#[utoipa::path(put, path = "/api/v1/districts/{id}", tag = "districts", operation_id = "update_district",
    params(("id" = Uuid, Path, description = "District version id"),
        ("if-match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = DistrictInput,
    responses((status = 200, description = "Replaced", body = District, headers(("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_district(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<DistrictInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_ROLES)?;
    let expected_version = if_match(&headers)?;
    let new = NewDistrict::try_from(input)?;
    let district = work
        .run(async |w| {
            let municipality = &w.principal().municipality;
            let current = repo::find(w.tx(), municipality, id).await?.ok_or(ApiError::NotFound("district"))?;
            if current.code != new.code {
                // Apartments, people, decisions and tokens refer to districts by code.
                return Err(ApiError::invalid(
                    "code",
                    "a district's code never changes; create a new version with the new code",
                ));
            }
            let updated = repo::update(w.tx(), municipality, id, expected_version, &new)
                .await
                .on_constraint(repo::ONE_VERSION_PER_DAY, || overlap(&new.code))?;
            let district = match updated {
                Some(district) => district,
                None if repo::find(w.tx(), municipality, id).await?.is_some() => {
                    return Err(ApiError::PreconditionFailed);
                }
                None => return Err(ApiError::NotFound("district")),
            };
            w.audit(AuditEvent::new(AuditAction::Update, "district", Some(id)));
            Ok(district)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, district))
}

/// Delete a district version.
///
/// Roles: admin. Refused (422) while apartments or shelters refer to it.
#[utoipa::path(delete, path = "/api/v1/districts/{id}", tag = "districts", operation_id = "delete_district",
    params(("id" = Uuid, Path, description = "District version id")),
    responses((status = 204, description = "Deleted"), WriteProblems),
    security(("bearer" = [])))]
pub async fn delete_district(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_ROLES)?;
    work.run(async |w| {
        if !repo::delete(w.tx(), &w.principal().municipality, id).await? {
            return Err(ApiError::NotFound("district"));
        }
        w.audit(AuditEvent::new(AuditAction::Delete, "district", Some(id)));
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
