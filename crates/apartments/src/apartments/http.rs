use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::etag::{etag, if_match};
use hemvist_platform::night::today;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, Work, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{ApartmentInput, ApartmentRecord, ApartmentStatus};
use super::repo::{self, ApartmentFilter, Scope, StoredApartment};
use crate::access::{MANAGE_HOUSING, READ_STOCK};
use hemvist_geo::district_at;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_apartments, create_apartment))
        .routes(routes!(list_apartment_features))
        .routes(routes!(get_apartment, update_apartment))
        .routes(routes!(update_apartment_status))
}

/// The caller's scope: district, the member of staff a support worker speaks for (the same assignment
/// rule as for people), and whether it may see protected addresses.
pub(crate) fn scope(principal: &Principal) -> Scope<'_> {
    Scope {
        municipality: &principal.municipality,
        districts: &principal.district_scope,
        staff: hemvist_tenants::api::staff_scope(principal),
        sees_protected: hemvist_tenants::api::sees_protected_contact(principal),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Apartment {
    pub id: Uuid,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    /// The district version the location fell in when registered.
    pub district_id: Uuid,
    pub district_code: String,
    pub rooms: f64,
    pub area_sqm: f64,
    pub floor: i16,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    pub monthly_rent_sek: i32,
    pub landlord: String,
    pub first_hand_contract_ref: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub first_hand_start: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub first_hand_end: Option<Date>,
    /// As shown to the caller: a protected home shows as `unavailable` (or `returned_to_landlord` once
    /// taken over) to roles that may not see protected addresses.
    pub status: ApartmentStatus,
    /// Only to roles that may see protected addresses (to others it would tell a protected home apart).
    pub unavailable_reason: Option<String>,
    pub version: i32,
}

impl From<StoredApartment> for Apartment {
    fn from(a: StoredApartment) -> Self {
        Self {
            id: a.id,
            address: a.address,
            lat: a.lat,
            lon: a.lon,
            district_id: a.district_id,
            district_code: a.district_code,
            rooms: a.rooms,
            area_sqm: a.area_sqm,
            floor: a.floor,
            has_lift: a.has_lift,
            wheelchair_accessible: a.wheelchair_accessible,
            monthly_rent_sek: a.monthly_rent_sek,
            landlord: a.landlord,
            first_hand_contract_ref: a.first_hand_contract_ref,
            first_hand_start: a.first_hand_start,
            first_hand_end: a.first_hand_end,
            status: a.status,
            unavailable_reason: a.unavailable_reason,
            version: a.version,
        }
    }
}

fn respond(status: StatusCode, apartment: StoredApartment) -> Response {
    let tag = etag(apartment.version);
    let mut response = (status, Json(Apartment::from(apartment))).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

/// The district of a location today; 422 when it lies outside every district of the municipality.
async fn derive_district(
    client: &impl GenericClient,
    principal: &Principal,
    record: &ApartmentRecord,
) -> Result<(Uuid, String), ApiError> {
    let district = district_at(client, &principal.municipality, record.location, today()).await?.ok_or_else(|| {
        ApiError::invalid_fields(vec![
            hemvist_platform::FieldError::new("lat", "the location is outside every district of the municipality"),
            hemvist_platform::FieldError::new("lon", "the location is outside every district of the municipality"),
        ])
    })?;
    if !principal.district_scope.is_empty() && !principal.district_scope.contains(&district.code) {
        return Err(ApiError::forbidden("the apartment's district is outside your token's districts"));
    }
    Ok((district.id, district.code))
}

/// The apartment as the caller may see it, or 404.
async fn visible_apartment(w: &Work<'_>, id: Uuid) -> Result<StoredApartment, ApiError> {
    repo::find(w.tx(), &scope(w.principal()), id, false).await?.ok_or(ApiError::NotFound("apartment"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApartmentSearch {
    pub district_code: Option<String>,
    pub status: Option<ApartmentStatus>,
    pub min_rooms: Option<f64>,
    pub wheelchair_accessible: Option<bool>,
}

/// List apartments, by address.
///
/// Roles: admin, housing_officer, support_worker, auditor. Support workers see only the homes of the people assigned to them
/// (none without a staff id); district-scoped tokens only their districts. To roles that may not see
/// protected addresses a protected home shows as `unavailable` (`returned_to_landlord` once taken over)
/// and no unavailable reason is shown.
#[utoipa::path(get, path = "/api/v1/apartments", tag = "apartments", operation_id = "list_apartments",
    params(ApartmentSearch, PageParams),
    responses((status = 200, description = "A page of apartments", body = Page<Apartment>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_apartments(
    State(state): State<AppState>,
    principal: Principal,
    Query(search): Query<ApartmentSearch>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<Apartment>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_STOCK)?;
    let page = page.parse::<(String, Uuid)>()?;
    let filter = ApartmentFilter {
        district_code: search.district_code,
        status: search.status,
        min_rooms: search.min_rooms.filter(|r| r.is_finite()),
        wheelchair_accessible: search.wheelchair_accessible,
    };
    let rows = work.run(async |w| Ok(repo::list(w.tx(), &scope(w.principal()), &filter, &page).await?)).await?;
    let page = Page::from_rows(rows, page.limit, |a| (a.address.clone(), a.id))?;
    Ok(Json(Page { items: page.items.into_iter().map(Apartment::from).collect(), next_cursor: page.next_cursor }))
}

/// Register an apartment the city holds first-hand; its district is derived from the location.
///
/// Roles: admin, housing_officer. A location outside every district is 422.
#[utoipa::path(post, path = "/api/v1/apartments", tag = "apartments", operation_id = "create_apartment",
    request_body = ApartmentInput,
    responses((status = 201, description = "Registered", body = Apartment, headers(("location" = String), ("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_apartment(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<ApartmentInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    let record = input.validate()?;
    let apartment = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let (district_id, district_code) = derive_district(tx, principal, &record).await?;
            let id = repo::insert(tx, &principal.municipality, &record, district_id, &district_code).await?;
            w.audit(AuditEvent::new(AuditAction::Create, "apartment", Some(id)));
            visible_apartment(w, id).await
        })
        .await?;
    let id = apartment.id;
    let mut response = respond(StatusCode::CREATED, apartment);
    if let Ok(location) = format!("/api/v1/apartments/{id}").parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Get an apartment.
///
/// Roles: admin, housing_officer, support_worker, auditor. Support workers see only the homes of the people assigned to them
/// (none without a staff id); district-scoped tokens only their districts. To roles that may not see
/// protected addresses a protected home shows as `unavailable` (`returned_to_landlord` once taken over)
/// and no unavailable reason is shown.
#[utoipa::path(get, path = "/api/v1/apartments/{id}", tag = "apartments", operation_id = "get_apartment",
    params(("id" = Uuid, Path, description = "Apartment id")),
    responses((status = 200, description = "The apartment", body = Apartment, headers(("etag" = String))), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_apartment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, READ_STOCK)?;
    let apartment = work.run(async |w| visible_apartment(w, id).await).await?;
    Ok(respond(StatusCode::OK, apartment))
}

/// Replace an apartment's description (not its status).
///
/// Roles: admin, housing_officer. Send `If-Match` with the ETag you read (412 when it changed since).
#[utoipa::path(put, path = "/api/v1/apartments/{id}", tag = "apartments", operation_id = "update_apartment",
    params(("id" = Uuid, Path, description = "Apartment id"), ("if-match" = Option<String>, Header, description = "ETag you read")),
    request_body = ApartmentInput,
    responses((status = 200, description = "Replaced", body = Apartment, headers(("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_apartment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<ApartmentInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    let expected = if_match(&headers)?;
    let record = input.validate()?;
    let apartment = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let (district_id, district_code) = derive_district(tx, principal, &record).await?;
            let scope = scope(principal);
            if !repo::update(tx, &scope, id, expected, &record, district_id, &district_code).await? {
                return Err(match repo::find(tx, &scope, id, false).await? {
                    Some(_) => ApiError::PreconditionFailed,
                    None => ApiError::NotFound("apartment"),
                });
            }
            w.audit(AuditEvent::new(AuditAction::Update, "apartment", Some(id)));
            visible_apartment(w, id).await
        })
        .await?;
    Ok(respond(StatusCode::OK, apartment))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApartmentStatusInput {
    /// `available`, `unavailable` (with a reason) or `returned_to_landlord`; the others follow from leases.
    pub status: ApartmentStatus,
    #[schema(min_length = 1, max_length = 500, pattern = "hemvist:line")]
    pub reason: Option<String>,
}

/// Take an apartment out of letting, put it back, or return it to the landlord.
///
/// Roles: admin, housing_officer. Not while a sublet is offered or active (409).
#[utoipa::path(put, path = "/api/v1/apartments/{id}/status", tag = "apartments", operation_id = "update_apartment_status",
    params(("id" = Uuid, Path, description = "Apartment id")),
    request_body = ApartmentStatusInput,
    responses((status = 200, description = "Changed", body = Apartment), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_apartment_status(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<ApartmentStatusInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    // A reason is checked whenever sent, as the document declares it, and kept only with `unavailable`.
    let reason = input.reason.as_deref().map(|reason| clean_text("reason", reason, 500, false)).transpose()?;
    let reason = match (input.status, reason) {
        (ApartmentStatus::Unavailable, Some(reason)) => Some(reason),
        (ApartmentStatus::Unavailable, None) => {
            return Err(ApiError::invalid("reason", "is required when unavailable"));
        }
        (ApartmentStatus::Available | ApartmentStatus::ReturnedToLandlord, _) => None,
        _ => return Err(ApiError::invalid("status", "offered, let and transferred follow from leases")),
    };
    let apartment = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let apartment =
                repo::find(tx, &scope(principal), id, true).await?.ok_or(ApiError::NotFound("apartment"))?;
            match apartment.status {
                ApartmentStatus::Offered | ApartmentStatus::Let => {
                    return Err(ApiError::conflict("the apartment has an offered or active sublet"));
                }
                ApartmentStatus::Transferred => {
                    return Err(ApiError::conflict("the apartment was taken over by its tenant"));
                }
                ApartmentStatus::Available | ApartmentStatus::Unavailable | ApartmentStatus::ReturnedToLandlord => {}
            }
            repo::set_status(tx, &principal.municipality, id, input.status, reason.as_deref()).await?;
            w.audit(AuditEvent::new(AuditAction::Update, "apartment", Some(id)));
            visible_apartment(w, id).await
        })
        .await?;
    Ok(respond(StatusCode::OK, apartment))
}

/// The stock as a GeoJSON FeatureCollection for maps (points; no tenant data).
///
/// Roles: admin, housing_officer, support_worker, auditor. Support workers see only the homes of the people assigned to them
/// (none without a staff id); district-scoped tokens only their districts. To roles that may not see
/// protected addresses a protected home shows as `unavailable` (`returned_to_landlord` once taken over)
/// and no unavailable reason is shown.
#[utoipa::path(get, path = "/api/v1/apartments/map", tag = "apartments", operation_id = "list_apartment_features",
    responses((status = 200, description = "GeoJSON FeatureCollection of apartments in the stock", body = Object,
        content_type = "application/geo+json"), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_apartment_features(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, READ_STOCK)?;
    let apartments = work.run(async |w| super::stock_map(w).await).await?;
    let features = apartments
        .into_iter()
        .map(|a| {
            let mut properties = geojson::JsonObject::new();
            properties.insert("id".into(), a.id.to_string().into());
            properties.insert("address".into(), a.address.into());
            properties.insert("district_code".into(), a.district_code.into());
            properties.insert("rooms".into(), a.rooms.into());
            properties.insert("status".into(), a.status.as_str().into());
            properties.insert("wheelchair_accessible".into(), a.wheelchair_accessible.into());
            geojson::Feature {
                geometry: Some(geojson::Geometry::new(geojson::GeometryValue::new_point([a.lon, a.lat]))),
                properties: Some(properties),
                ..geojson::Feature::default()
            }
        })
        .collect();
    let collection = geojson::FeatureCollection { features, ..geojson::FeatureCollection::default() };
    let body = serde_json::to_vec(&collection).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"))], body).into_response())
}
