//! The bed board: every shelter's capacity and free beds for a night, a search for suitable free beds
//! by distance, and an anonymised feed for other systems.

use axum::extract::State;
use hemvist_geo::Location;
use hemvist_platform::auth::Principal;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access::{READ_FEED, READ_SHELTERS, shelter_limit};
use crate::model::{Eligibility, Needs, distance_m};
use crate::repo::{self, NightLoad};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_night_availability))
        .routes(routes!(list_free_beds))
        .routes(routes!(get_availability_feed))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShelterAvailability {
    pub shelter_id: Uuid,
    pub name: String,
    pub district_code: Option<String>,
    pub outside_municipality: bool,
    pub capacity: i32,
    pub beds_out_of_service: i32,
    pub out_of_service_reason: Option<String>,
    /// False while the capacity is the shelter's total beds because staff have not reported tonight.
    pub reported: bool,
    pub taken: i64,
    pub free: i64,
    pub eligibility: Eligibility,
    /// Metres from the point searched from, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

impl From<NightLoad> for ShelterAvailability {
    fn from(l: NightLoad) -> Self {
        Self {
            shelter_id: l.shelter.id,
            name: l.shelter.name,
            district_code: l.shelter.district_code,
            outside_municipality: l.shelter.outside_municipality,
            capacity: l.beds_in_service,
            beds_out_of_service: l.beds_out_of_service,
            out_of_service_reason: l.out_of_service_reason,
            reported: l.reported,
            taken: l.taken,
            free: (i64::from(l.beds_in_service) - l.taken).max(0),
            eligibility: l.shelter.eligibility,
            distance_m: None,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardFilter {
    pub district_code: Option<String>,
    /// Only shelters with free beds.
    #[serde(default)]
    pub only_free: bool,
    pub accepts_women: Option<bool>,
    pub accepts_men: Option<bool>,
    pub wheelchair_accessible: Option<bool>,
    pub accepts_pets: Option<bool>,
    pub accepts_couples: Option<bool>,
    pub accepts_substance_use: Option<bool>,
}

/// The bed board for a night: every open shelter with capacity, taken, free and eligibility.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter), housing_officer, auditor. Counts only.
#[utoipa::path(get, path = "/api/v1/nights/{night}/availability", tag = "bed board", operation_id = "get_night_availability",
    params(("night" = String, Path, description = "The night, by the date it begins"), BoardFilter),
    responses((status = 200, description = "Shelters by name", body = Vec<ShelterAvailability>), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_night_availability(
    State(state): State<AppState>,
    principal: Principal,
    Path(night): Path<Date>,
    Query(filter): Query<BoardFilter>,
) -> Result<Json<Vec<ShelterAvailability>>, ApiError> {
    principal.require(READ_SHELTERS)?;
    let limit = shelter_limit(&principal)?;
    let client = state.db().await?;
    let loads = repo::night_loads(&client, &principal.municipality, limit, night).await?;
    let wanted = |want: Option<bool>, has: bool| want.is_none_or(|w| w == has);
    let board = loads
        .into_iter()
        .map(ShelterAvailability::from)
        .filter(|s| filter.district_code.as_ref().is_none_or(|d| s.district_code.as_ref() == Some(d)))
        .filter(|s| !filter.only_free || s.free > 0)
        .filter(|s| {
            let e = &s.eligibility;
            wanted(filter.accepts_women, e.accepts_women)
                && wanted(filter.accepts_men, e.accepts_men)
                && wanted(filter.wheelchair_accessible, e.wheelchair_accessible)
                && wanted(filter.accepts_pets, e.accepts_pets)
                && wanted(filter.accepts_couples, e.accepts_couples)
                && wanted(filter.accepts_substance_use, e.accepts_substance_use)
        })
        .collect();
    Ok(Json(board))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FreeBedSearch {
    /// Where the person is (WGS84); results are ordered by distance from here.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `woman` or `man`; absent does not restrict.
    pub sex: Option<String>,
    pub age: Option<i16>,
    #[serde(default)]
    pub couple: bool,
    #[serde(default)]
    pub pets: bool,
    #[serde(default)]
    pub substance_use: bool,
    #[serde(default)]
    pub wheelchair: bool,
    /// Include shelters in other municipalities (placing there needs the person's consent).
    #[serde(default)]
    pub include_outside_municipality: bool,
}

/// Free beds that suit a person's needs, nearest first.
pub fn suitable(
    loads: Vec<NightLoad>,
    needs: &Needs,
    from: Option<Location>,
    include_outside: bool,
) -> Vec<ShelterAvailability> {
    let mut found: Vec<ShelterAvailability> = loads
        .into_iter()
        .filter(|l| l.shelter.eligibility.takes(needs) && (include_outside || !l.shelter.outside_municipality))
        .map(|l| {
            let here = Location::parse(l.shelter.lat, l.shelter.lon).ok();
            let mut availability = ShelterAvailability::from(l);
            availability.distance_m = from.zip(here).map(|(a, b)| distance_m(a, b));
            availability
        })
        .filter(|s| s.free > 0)
        .collect();
    found.sort_by(|a, b| {
        // Inside the municipality before outside; then nearest; then by name for a stable order.
        (a.outside_municipality, a.distance_m.unwrap_or(0.0), &a.name)
            .partial_cmp(&(b.outside_municipality, b.distance_m.unwrap_or(0.0), &b.name))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    found
}

pub fn location_of(lat: Option<f64>, lon: Option<f64>) -> Result<Option<Location>, ApiError> {
    match (lat, lon) {
        (Some(lat), Some(lon)) => Location::parse(lat, lon).map(Some),
        (None, None) => Ok(None),
        _ => Err(ApiError::invalid("lat", "give both lat and lon, or neither")),
    }
}

/// Search free beds suiting a person's needs, ordered by distance.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter), housing_officer, auditor.
#[utoipa::path(get, path = "/api/v1/nights/{night}/free-beds", tag = "bed board", operation_id = "list_free_beds",
    params(("night" = String, Path, description = "The night, by the date it begins"), FreeBedSearch),
    responses((status = 200, description = "Suitable shelters with free beds, nearest first", body = Vec<ShelterAvailability>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_free_beds(
    State(state): State<AppState>,
    principal: Principal,
    Path(night): Path<Date>,
    Query(search): Query<FreeBedSearch>,
) -> Result<Json<Vec<ShelterAvailability>>, ApiError> {
    principal.require(READ_SHELTERS)?;
    let limit = shelter_limit(&principal)?;
    let from = location_of(search.lat, search.lon)?;
    if search.sex.as_deref().is_some_and(|s| s != "woman" && s != "man") {
        return Err(ApiError::invalid("sex", "must be woman or man"));
    }
    let needs = Needs {
        sex: search.sex,
        age: search.age,
        oldest_age: None,
        couple: search.couple,
        pets: search.pets,
        substance_use: search.substance_use,
        wheelchair: search.wheelchair,
    };
    let client = state.db().await?;
    let loads = repo::night_loads(&client, &principal.municipality, limit, night).await?;
    Ok(Json(suitable(loads, &needs, from, search.include_outside_municipality)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEntry {
    pub shelter_id: Uuid,
    pub name: String,
    pub district_code: Option<String>,
    pub free_beds: i64,
    pub capacity: i32,
    pub eligibility: Eligibility,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The night (default: the current night by the cut-over hour).
    #[param(value_type = Option<String>, format = Date)]
    pub night: Option<Date>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityFeed {
    #[schema(value_type = String, format = Date)]
    pub night: Date,
    pub shelters: Vec<FeedEntry>,
}

/// Anonymised availability for other systems: counts and eligibility only, never people.
///
/// Roles: integration, admin, night_coordinator.
#[utoipa::path(get, path = "/api/v1/feeds/availability", tag = "bed board", operation_id = "get_availability_feed",
    params(FeedParams),
    responses((status = 200, description = "Free beds per shelter", body = AvailabilityFeed), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_availability_feed(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<FeedParams>,
) -> Result<Json<AvailabilityFeed>, ApiError> {
    principal.require(READ_FEED)?;
    let night = params.night.unwrap_or_else(|| {
        hemvist_platform::night::Night::containing(jiff::Timestamp::now(), state.settings.night_cutover_hour).date()
    });
    let client = state.db().await?;
    let shelters = repo::night_loads(&client, &principal.municipality, None, night)
        .await?
        .into_iter()
        .filter(|l| !l.shelter.outside_municipality)
        .map(|l| FeedEntry {
            shelter_id: l.shelter.id,
            name: l.shelter.name,
            district_code: l.shelter.district_code,
            free_beds: (i64::from(l.beds_in_service) - l.taken).max(0),
            capacity: l.beds_in_service,
            eligibility: l.shelter.eligibility,
        })
        .collect();
    Ok(Json(AvailabilityFeed { night, shelters }))
}
