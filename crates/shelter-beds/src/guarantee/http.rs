//! Guarantee requests over HTTP. An Idempotency-Key makes a retried request return the first answer;
//! it never places twice. A request recorded afterwards (its night has passed) states what happened
//! then and never places anyone now.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::night::Night;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::text::clean_text;
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, AppState, Json, MunicipalityCode, Path, Query, ReadProblems, WriteProblems};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::breaches::BreachResolution;
use super::model::{Ask, Channel, GuaranteeOutcome, Plan, location_of};
use super::repo::{self, StoredRequest};
use crate::access::{GuestProtection, HANDLE_GUARANTEE, guest_alias, sees_protected_guest};
use crate::assignments::http::assignment;
use crate::assignments::model::AssignmentStatus;
use crate::shelters::http::scoped_shelter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_guarantee_requests, create_guarantee_request))
        .routes(routes!(get_guarantee_request))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeRequestInput {
    /// The person asking (register people without identity with identity_kind `none`).
    pub person_id: Uuid,
    pub channel: Channel,
    /// When the person asked; default now. Decides the night (before the cut-over hour: the previous
    /// night). May be given to record a request taken earlier, never in the future. A request in a
    /// night that has passed is recorded afterwards: it must state `recorded_outcome` and never places
    /// anyone now.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub requested_at: Option<Timestamp>,
    /// Only for a request in a past night, and then required: what happened that night.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_outcome: Option<GuaranteeOutcome>,
    /// Only with `recorded_outcome` `placed`, and then required: the shelter the person was placed in
    /// that night (one in another municipality needs `consent_outside_municipality`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shelter_id: Option<Uuid>,
    /// Where the person is now (WGS84); beds are offered nearest first.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    #[serde(default)]
    pub couple: bool,
    #[serde(default)]
    pub pets: bool,
    #[serde(default)]
    pub substance_use: bool,
    #[serde(default)]
    pub wheelchair: bool,
    /// The person declined the bed offered (for a past night, give `recorded_outcome` instead).
    #[serde(default)]
    pub declined_by_person: bool,
    /// The person consents to a bed in another municipality (never required).
    #[serde(default)]
    pub consent_outside_municipality: bool,
    /// For a person not belonging to the municipality: the emergency assessment made.
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
    pub emergency_assessment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlacedBed {
    pub assignment_id: Uuid,
    pub shelter_id: Uuid,
    pub shelter_name: String,
    pub address: String,
    /// Held until then for the person: the later of the shelter's check-in deadline that night and the
    /// minimum hold after the placement.
    #[schema(value_type = String, format = DateTime)]
    pub hold_until: Timestamp,
    /// What became of the bed: `not_collected` when the hold expired without a check-in.
    pub status: AssignmentStatus,
    /// Whether the person came for the bed; null while it is still held (or was cancelled).
    pub collected: Option<bool>,
    /// When the bed was released without the person.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub released_at: Option<Timestamp>,
}

/// A placement recorded afterwards: the shelter the person was placed in that night; no bed is held.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedPlacement {
    pub shelter_id: Uuid,
    pub shelter_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuaranteeRequest {
    pub id: Uuid,
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: Timestamp,
    #[schema(value_type = String, format = Date)]
    pub night: Date,
    /// Absent for a person with protected identity shown by alias (see `guest_alias`).
    pub person_id: Option<Uuid>,
    /// For a person with protected identity, to every caller but the coordinator who handled the request
    /// and roles that may see protected addresses: `Skyddad gäst` and the person's short code.
    pub guest_alias: Option<String>,
    pub channel: Channel,
    /// Where the person stood, else their responsible district (kept for older clients).
    pub district_code: Option<String>,
    /// The district responsible for the person when they asked: the guarantee report counts by it.
    pub responsible_district_code: Option<String>,
    /// The district where the person stood, when a position was given.
    pub location_district_code: Option<String>,
    pub outcome: GuaranteeOutcome,
    /// The bed given. Absent, though placed, for a protected person whose bed another coordinator gave:
    /// who asked is not shown together with where they sleep.
    pub bed: Option<PlacedBed>,
    /// The request was recorded after its night had passed: the outcome is what happened then.
    pub recorded_afterwards: bool,
    /// For a placement recorded afterwards: where the person was placed.
    pub recorded_placement: Option<RecordedPlacement>,
    /// Placed in another municipality, with the person's recorded consent.
    pub placed_outside_municipality: bool,
    pub consent_outside_municipality: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub escalated_at: Option<Timestamp>,
    pub escalation_note: Option<String>,
    pub emergency_assessment: Option<String>,
    /// How a breach was resolved; absent while it is open (and for requests that were no breach).
    pub resolution: Option<BreachResolution>,
}

pub(crate) async fn request_view(
    client: &impl GenericClient,
    principal: &Principal,
    r: StoredRequest,
) -> Result<GuaranteeRequest, ApiError> {
    // Whoever handled the request or placed the bed sees a protected person; others get the alias.
    let mut shown = sees_protected_guest(principal, &r.guest);
    let bed = match r.assignment_id {
        None => None,
        Some(assignment_id) => {
            let assignment = assignment(client, &principal.municipality, assignment_id).await?;
            let placed_it = sees_protected_guest(principal, &assignment.guest);
            // A protected person's bed given by someone else: the one who took this request knows who
            // asked, so they must not also learn where the person sleeps (nor the assignment, which the
            // night list shows with the alias).
            if shown && !placed_it {
                None
            } else {
                shown = shown || placed_it;
                let shelter = scoped_shelter(client, principal, None, assignment.shelter_id).await?;
                Some(PlacedBed {
                    assignment_id,
                    shelter_id: shelter.id,
                    shelter_name: shelter.name,
                    address: shelter.address,
                    hold_until: assignment.hold_until,
                    status: assignment.status,
                    collected: assignment.status.collected(),
                    released_at: assignment.released_at,
                })
            }
        }
    };
    let mut resolution = r.resolution.map(BreachResolution::from);
    // Likewise the shelter of a later placement that someone else recorded.
    if let Some(later) = resolution.as_mut().filter(|later| shown && later.shelter_id.is_some()) {
        let resolver = GuestProtection {
            placed_by: Some(later.resolved_by),
            placed_by_staff: later.resolved_by_staff.clone(),
            ..r.guest.clone()
        };
        if !sees_protected_guest(principal, &resolver) {
            later.shelter_id = None;
        }
    }
    let recorded_placement = match r.recorded_shelter_id {
        None => None,
        Some(shelter_id) => {
            let shelter = scoped_shelter(client, principal, None, shelter_id).await?;
            Some(RecordedPlacement { shelter_id, shelter_name: shelter.name })
        }
    };
    Ok(GuaranteeRequest {
        id: r.id,
        requested_at: r.requested_at,
        night: r.night,
        person_id: shown.then_some(r.person_id),
        guest_alias: (!shown).then(|| guest_alias(&r.guest)),
        channel: r.channel,
        district_code: r.district_code,
        responsible_district_code: r.responsible_district_code,
        location_district_code: r.location_district_code,
        outcome: r.outcome,
        bed,
        recorded_afterwards: r.recorded_afterwards,
        recorded_placement,
        placed_outside_municipality: r.placed_outside_municipality,
        consent_outside_municipality: r.consent_outside_municipality,
        escalated_at: r.escalated_at,
        escalation_note: r.escalation_note,
        emergency_assessment: r.emergency_assessment,
        resolution,
    })
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().map_err(|_| ApiError::BadRequest("Idempotency-Key must be text".into()))?;
    clean_text("Idempotency-Key", key, 200, false).map(Some)
}

/// Record a request for a bed tonight and place the person if a suitable bed is free.
///
/// Roles: admin, night_coordinator. Send an `Idempotency-Key` header: retrying with it returns the
/// first answer (header `Idempotent-Replayed: true`, audited as a read) and never places twice; a key is
/// its caller's, and another caller's request with it is refused (422). Beds in
/// other municipalities are offered only with the person's consent, and flagged. The bed is held until
/// `bed.hold_until`: the shelter's check-in deadline, or the minimum hold after the placement if later.
/// A request whose `requested_at` lies in a night that has passed is recorded afterwards: it must give
/// `recorded_outcome` (and `shelter_id` when placed) and never places anyone now; the recorded fields
/// are refused (422) for the current night.
#[utoipa::path(post, path = "/api/v1/guarantee-requests", tag = "guarantee", operation_id = "create_guarantee_request",
    params(("idempotency-key" = Option<String>, Header, description = "Makes retries safe")),
    request_body = GuaranteeRequestInput,
    responses((status = 201, description = "Recorded, with its outcome", body = GuaranteeRequest), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_guarantee_request(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Json(input): Json<GuaranteeRequestInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, HANDLE_GUARANTEE)?;
    let ask = ask(idempotency_key(&headers)?, input, state.settings.night_cutover_hour)?;
    let (view, replayed) = work
        .run(async |w| {
            let answer = super::request(w, &ask).await?;
            Ok((request_view(w.tx(), w.principal(), answer.request).await?, answer.replayed))
        })
        .await?;
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Records a request for a bed as [`create_guarantee_request`] does (the same rules, placement and audit)
/// and returns it as the caller may see it: for the web app's guarantee desk. `key` makes a resubmitted
/// form return the first answer. Run it in a unit of work opened for [`HANDLE_GUARANTEE`].
pub async fn desk_request(
    w: &mut Work<'_>,
    key: Option<String>,
    input: GuaranteeRequestInput,
    cutover: u8,
) -> Result<GuaranteeRequest, ApiError> {
    let key = key.map(|k| clean_text("idempotency_key", &k, 200, false)).transpose()?;
    let ask = ask(key, input, cutover)?;
    let answer = super::request(w, &ask).await?;
    request_view(w.tx(), w.principal(), answer.request).await
}

/// Parses a request for a bed: its key, when it was asked (never in the future) and so its night,
/// what it asks of the system, where the person is.
fn ask(key: Option<String>, input: GuaranteeRequestInput, cutover: u8) -> Result<Ask, ApiError> {
    let now = Timestamp::now();
    let requested_at = input.requested_at.unwrap_or(now);
    if requested_at > now + jiff::SignedDuration::from_secs(60) {
        return Err(ApiError::invalid("requested_at", "must not be in the future"));
    }
    let night = Night::containing(requested_at, cutover).date();
    let past_night = night < Night::containing(now, cutover).date();
    let plan = Plan::of(input.recorded_outcome, input.shelter_id, input.declined_by_person, past_night)?;
    let from = location_of(input.lat, input.lon)?;
    let assessment =
        input.emergency_assessment.as_deref().map(|a| clean_text("emergency_assessment", a, 2000, true)).transpose()?;
    let fingerprint = hex::encode(Sha256::digest(serde_json::to_vec(&input).map_err(ApiError::internal)?));
    Ok(Ask {
        key,
        fingerprint,
        person_id: input.person_id,
        channel: input.channel,
        requested_at,
        now,
        night,
        plan,
        lat: input.lat,
        lon: input.lon,
        from,
        couple: input.couple,
        pets: input.pets,
        substance_use: input.substance_use,
        wheelchair: input.wheelchair,
        declined_by_person: input.declined_by_person,
        consent_outside_municipality: input.consent_outside_municipality,
        emergency_assessment: assessment,
    })
}

/// A guarantee request of the municipality, or 404.
pub(crate) async fn guarantee_request(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<StoredRequest, ApiError> {
    repo::find_request(client, municipality, id).await?.ok_or(ApiError::NotFound("guarantee request"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NightParams {
    /// The night, by the date it begins.
    #[param(value_type = String, format = Date)]
    pub night: Date,
}

/// The guarantee requests of a night with their outcomes, a page at a time.
///
/// Roles: admin, night_coordinator. Audited per person. In the order they came.
#[utoipa::path(get, path = "/api/v1/guarantee-requests", tag = "guarantee", operation_id = "list_guarantee_requests",
    params(NightParams, PageParams),
    responses((status = 200, description = "A page of requests in the order they came", body = Page<GuaranteeRequest>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_guarantee_requests(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<NightParams>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<GuaranteeRequest>>, ApiError> {
    let work = state.unit_of_work(&principal, HANDLE_GUARANTEE)?;
    let page = page.parse::<repo::RequestKey>()?;
    let page = work
        .run(async |w| {
            let rows = repo::list_requests(w.tx(), &w.principal().municipality, params.night, &page).await?;
            request_page(w, Page::from_rows(rows, page.limit, |r| (r.requested_at, r.id))?).await
        })
        .await?;
    Ok(Json(page))
}

/// A page of requests as the caller may see them, each person audited.
pub(crate) async fn request_page(
    w: &mut Work<'_>,
    page: Page<StoredRequest>,
) -> Result<Page<GuaranteeRequest>, ApiError> {
    w.audit_all(
        page.items
            .iter()
            .map(|r| AuditEvent::new(AuditAction::List, "guarantee_request", Some(r.id)).person(r.person_id)),
    );
    let mut items = Vec::with_capacity(page.items.len());
    for request in page.items {
        items.push(request_view(w.tx(), w.principal(), request).await?);
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// One guarantee request with its outcome.
///
/// Roles: admin, night_coordinator. Audited.
#[utoipa::path(get, path = "/api/v1/guarantee-requests/{id}", tag = "guarantee", operation_id = "get_guarantee_request",
    params(("id" = Uuid, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = GuaranteeRequest), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_guarantee_request(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<GuaranteeRequest>, ApiError> {
    let work = state.unit_of_work(&principal, HANDLE_GUARANTEE)?;
    let view = work
        .run(async |w| {
            let request = guarantee_request(w.tx(), &w.principal().municipality, id).await?;
            w.audit(AuditEvent::new(AuditAction::Read, "guarantee_request", Some(id)).person(request.person_id));
            request_view(w.tx(), w.principal(), request).await
        })
        .await?;
    Ok(Json(view))
}
