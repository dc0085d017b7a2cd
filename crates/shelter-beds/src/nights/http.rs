//! Nights over HTTP: the capacity staff report for a shelter's night, the bed board with every
//! shelter's capacity and free beds, a search for suitable free beds by distance, and an anonymised
//! feed for other systems.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::{Principal, VersionAlongside, authenticate};
use hemvist_platform::db::GenericClient;
use hemvist_platform::etag::none_match;
use hemvist_platform::snapshot::{Snapshot, accepts_gzip};
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};
use hemvist_tenants::api::Sex;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{Capacity, NightLoad};
use super::repo;
use crate::access::{READ_FEED, READ_SHELTERS, REPORT_CAPACITY, shelter_limit};
use crate::guarantee::model::{Candidate, candidates, location_of};
use crate::shelters::http::scoped_shelter;
use crate::shelters::model::{Eligibility, Needs};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_shelter_night, update_shelter_night))
        .routes(routes!(get_night_availability))
        .routes(routes!(list_free_beds))
        .routes(routes!(get_availability_feed))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityInput {
    /// Beds usable tonight.
    pub beds_in_service: i32,
    /// Beds out of service tonight (needs a reason, e.g. "no heating in room 3").
    #[serde(default)]
    pub beds_out_of_service: i32,
    #[schema(min_length = 1, max_length = 500, pattern = "hemvist:line")]
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
    params(("id" = Uuid, Path, description = "Shelter id"), ("night" = String, Path, format = Date, description = "The night, by the date it begins")),
    responses((status = 200, description = "The night's capacity", body = ShelterNight), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_shelter_night(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, night)): Path<(Uuid, Date)>,
) -> Result<Json<ShelterNight>, ApiError> {
    let work = state.unit_of_work(&principal, READ_SHELTERS)?;
    Ok(Json(work.run(async |w| night_view(w.tx(), w.principal(), id, night).await).await?))
}

/// Report a night's capacity: beds in service and out of service with a reason. Idempotent: sending
/// the same report again changes nothing but the history.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter only). Refused (409) below the beds
/// already given out that night, and (422) above the shelter's total beds. Until a night is reported,
/// its capacity is the shelter's current total.
#[utoipa::path(put, path = "/api/v1/shelters/{id}/nights/{night}", tag = "shelters", operation_id = "update_shelter_night",
    params(("id" = Uuid, Path, description = "Shelter id"), ("night" = String, Path, format = Date, description = "The night, by the date it begins")),
    request_body = CapacityInput,
    responses((status = 200, description = "The night's capacity", body = ShelterNight), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_shelter_night(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, night)): Path<(Uuid, Date)>,
    Json(input): Json<CapacityInput>,
) -> Result<Json<ShelterNight>, ApiError> {
    let work = state.unit_of_work(&principal, REPORT_CAPACITY)?;
    shelter_limit(&principal)?;
    let capacity =
        Capacity::new(input.beds_in_service, input.beds_out_of_service, input.out_of_service_reason.as_deref())?;
    Ok(Json(work.run(async |w| report_night(w, id, night, &capacity).await).await?))
}

/// A shelter's night as the caller may see it (the API's and the web app's one path). Run it in a
/// unit of work opened for [`crate::READ_SHELTERS`].
pub async fn shelter_night(w: &mut Work<'_>, shelter: Uuid, night: Date) -> Result<ShelterNight, ApiError> {
    night_view(w.tx(), w.principal(), shelter, night).await
}

/// The bed board for a night: every open shelter in the caller's scope. Counts only; run it in a unit
/// of work opened for [`crate::READ_SHELTERS`].
pub async fn night_board(w: &mut Work<'_>, night: Date) -> Result<Vec<ShelterAvailability>, ApiError> {
    let principal = w.principal().clone();
    let limit = shelter_limit(&principal)?;
    let loads = repo::night_loads(w.tx(), &principal.municipality, limit, night).await?;
    Ok(loads.into_iter().map(ShelterAvailability::from).collect())
}

/// Reports a night's capacity for a shelter in the caller's scope, audited. Run it in a unit of work
/// opened for [`crate::REPORT_CAPACITY`].
pub async fn report_night(
    w: &mut Work<'_>,
    shelter_id: Uuid,
    night: Date,
    capacity: &Capacity,
) -> Result<ShelterNight, ApiError> {
    let principal = w.principal().clone();
    let limit = shelter_limit(&principal)?;
    let tx = w.tx();
    let shelter = scoped_shelter(tx, &principal, limit, shelter_id).await?;
    capacity.fits(shelter.total_beds)?;
    let (by, role) = (principal.token_id, principal.role.as_str());
    repo::report_capacity(tx, &principal.municipality, shelter_id, night, capacity, by, role).await?;
    let view = night_view(tx, &principal, shelter_id, night).await?;
    w.audit(
        AuditEvent::new(AuditAction::Update, "shelter_night", Some(shelter_id))
            .details(serde_json::json!({"night": night.to_string()})),
    );
    Ok(view)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShelterAvailability {
    pub shelter_id: Uuid,
    pub name: String,
    /// Where the shelter is (WGS84), for maps.
    pub lat: f64,
    pub lon: f64,
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
        let free = l.free();
        Self {
            shelter_id: l.shelter.id,
            name: l.shelter.name,
            lat: l.shelter.lat,
            lon: l.shelter.lon,
            district_code: l.shelter.district_code,
            outside_municipality: l.shelter.outside_municipality,
            capacity: l.beds_in_service,
            beds_out_of_service: l.beds_out_of_service,
            out_of_service_reason: l.out_of_service_reason,
            reported: l.reported,
            taken: l.taken,
            free,
            eligibility: l.shelter.eligibility,
            distance_m: None,
        }
    }
}

impl From<Candidate> for ShelterAvailability {
    fn from(c: Candidate) -> Self {
        Self { distance_m: c.distance_m, ..Self::from(c.load) }
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
/// Served from a snapshot while the night's version is unchanged; the version grows in the same
/// transaction as any change of a count, a capacity or a shelter, so a read that starts after a write
/// was answered shows it. The ETag names the version: with `If-None-Match` the answer is 304 while
/// the board is unchanged. A client that accepts gzip (`Accept-Encoding`) gets it gzip-encoded, under
/// an ETag of its own.
#[utoipa::path(get, path = "/api/v1/nights/{night}/availability", tag = "bed board", operation_id = "get_night_availability",
    params(("night" = String, Path, format = Date, description = "The night, by the date it begins"), BoardFilter,
        ("If-None-Match" = Option<String>, Header, description = "An ETag of this board given out before")),
    responses((status = 200, description = "Shelters by name", body = Vec<ShelterAvailability>,
            headers(("ETag" = String, description = "The board's version, for If-None-Match"))),
        (status = 304, description = "Not modified: the board is still as the ETag in If-None-Match"),
        ReadProblems),
    security(("bearer" = [])))]
pub async fn get_night_availability(
    State(state): State<AppState>,
    BoardCaller { principal, version }: BoardCaller,
    Path(night): Path<Date>,
    Query(filter): Query<BoardFilter>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, READ_SHELTERS)?;
    let limit = shelter_limit(&principal)?;
    let municipality = &principal.municipality;
    // Whose board (the scope) and which part of it (the filter) the snapshot is.
    let key = format!("bed-board {municipality:?} {night} {limit:?} {filter:?}");
    let snapshots = &state.snapshots;
    // The night's version, read after this request arrived (one read shared by the requests waiting
    // with it, made with the token check when it could be): when the snapshot is of that version, no
    // connection is needed at all.
    let version = match version {
        Some(version) => version,
        None => {
            let (pool, code) = (state.pool.clone(), municipality.clone());
            state
                .fresh
                .read(&format!("bed-board {municipality:?} {night}"), move || async move {
                    Ok(repo::board_version(&pool.get().await?, &code, night).await?)
                })
                .await?
        }
    };
    let snapshot = match snapshots.get(&key, version) {
        Some(snapshot) => snapshot,
        None => {
            work.read_counts(async |client| {
                // Read after the version: the body is at least as new as the version it is stored for.
                let loads = repo::night_loads(client, municipality, limit, night).await?;
                let board = filtered_board(loads, &filter);
                let snapshot = Snapshot::new(Bytes::from(serde_json::to_vec(&board).map_err(ApiError::internal)?));
                snapshots.put(key.clone(), version, snapshot.clone());
                Ok(snapshot)
            })
            .await?
        }
    };
    // Each encoding is its own representation, with its own entity tag (RFC 9110 §8.8.3).
    let gzip = accepts_gzip(&headers);
    let tag = board_etag(version, &key, gzip);
    let etag = HeaderValue::from_str(&tag).map_err(ApiError::internal)?;
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    if none_match(&headers, &tag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), vary]).into_response());
    }
    let content_type = (header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if gzip {
        let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return Ok(
            (StatusCode::OK, [(header::ETAG, etag), content_type, vary, encoding], snapshot.gzip()).into_response()
        );
    }
    Ok((StatusCode::OK, [(header::ETAG, etag), content_type, vary], snapshot.body()).into_response())
}

/// The board's caller, and the night's board version when it could be read with the token check (one
/// round trip instead of two; see `auth::VersionAlongside`).
pub struct BoardCaller {
    principal: Principal,
    version: Option<i64>,
}

impl FromRequestParts<AppState> for BoardCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // A malformed night is refused by the handler's own `Path`, after the caller is known.
        let night = Path::<Date>::from_request_parts(parts, state).await.ok().map(|Path(night)| night);
        let alongside = night.map(|date| VersionAlongside { name: "bed-board", sql: repo::BOARD_VERSION, date });
        let (principal, version) = authenticate(parts, state, alongside.as_ref()).await?;
        Ok(Self { principal, version })
    }
}

/// The board's entity tag: its version, a digest of whose board and which part of it, and its encoding.
fn board_etag(version: i64, key: &str, gzip: bool) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    format!("\"{version}-{:x}{}\"", hasher.finish(), if gzip { "-gzip" } else { "" })
}

fn filtered_board(loads: Vec<NightLoad>, filter: &BoardFilter) -> Vec<ShelterAvailability> {
    let wanted = |want: Option<bool>, has: bool| want.is_none_or(|w| w == has);
    loads
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
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FreeBedSearch {
    /// Where the person is (WGS84); results are ordered by distance from here. Give both or neither.
    #[param(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[param(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
    /// Absent does not restrict.
    #[param(inline)]
    pub sex: Option<SearchSex>,
    /// The person's age in years, 0 to 130.
    #[param(minimum = 0, maximum = 130)]
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

/// The sexes a shelter takes in: a search names one of them, or none.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchSex {
    Woman,
    Man,
}

/// Search free beds suiting a person's needs, ordered by distance.
///
/// Roles: admin, night_coordinator, shelter_staff (own shelter), housing_officer, auditor.
#[utoipa::path(get, path = "/api/v1/nights/{night}/free-beds", tag = "bed board", operation_id = "list_free_beds",
    params(("night" = String, Path, format = Date, description = "The night, by the date it begins"), FreeBedSearch),
    responses((status = 200, description = "Suitable shelters with free beds, nearest first", body = Vec<ShelterAvailability>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_free_beds(
    State(state): State<AppState>,
    principal: Principal,
    Path(night): Path<Date>,
    Query(search): Query<FreeBedSearch>,
) -> Result<Json<Vec<ShelterAvailability>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_SHELTERS)?;
    let limit = shelter_limit(&principal)?;
    let from = location_of(search.lat, search.lon)?;
    // Shelters are for women, men or both: the search names one of the two, or none.
    let sex = search.sex.map(|sex| match sex {
        SearchSex::Woman => Sex::Woman,
        SearchSex::Man => Sex::Man,
    });
    if search.age.is_some_and(|age| !(0..=130).contains(&age)) {
        return Err(ApiError::invalid("age", "must be between 0 and 130"));
    }
    let needs = Needs {
        sex,
        age: search.age,
        oldest_age: None,
        couple: search.couple,
        pets: search.pets,
        substance_use: search.substance_use,
        wheelchair: search.wheelchair,
    };
    let loads =
        work.run(async |w| Ok(repo::night_loads(w.tx(), &w.principal().municipality, limit, night).await?)).await?;
    let found = candidates(loads, &needs, from, search.include_outside_municipality);
    Ok(Json(found.into_iter().map(ShelterAvailability::from).collect()))
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
    let work = state.unit_of_work(&principal, READ_FEED)?;
    let night = params.night.unwrap_or_else(|| {
        hemvist_platform::night::Night::containing(jiff::Timestamp::now(), state.settings.night_cutover_hour).date()
    });
    let loads =
        work.run(async |w| Ok(repo::night_loads(w.tx(), &w.principal().municipality, None, night).await?)).await?;
    let shelters = loads
        .into_iter()
        .filter(|l| !l.shelter.outside_municipality)
        .map(|l| FeedEntry {
            free_beds: l.free(),
            shelter_id: l.shelter.id,
            name: l.shelter.name,
            district_code: l.shelter.district_code,
            capacity: l.beds_in_service,
            eligibility: l.shelter.eligibility,
        })
        .collect();
    Ok(Json(AvailabilityFeed { night, shelters }))
}
