//! Tak över huvudet-garantin: every request for a bed tonight is recorded with its outcome: placed
//! (which bed), declined by the person, no suitable bed (a breach, escalated), or not eligible
//! (an emergency assessment instead). An Idempotency-Key makes a retried request return the first
//! answer; it never places twice. A request recorded afterwards (its night has passed) states what
//! happened then and never places anyone now.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hemvist_apartments::districts::http::district_at;
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::night::Night;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::board::location_of;
use super::breaches::BreachResolution;
use crate::access::{HANDLE_GUARANTEE, guest_alias, sees_protected_guest};
use crate::model::{AssignmentStatus, Needs};
use crate::placement::{self, Placement, Plan, Wanted};
use crate::repo::{self, GuestProtection, NewRequest, StoredRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_guarantee_requests, create_guarantee_request))
        .routes(routes!(get_guarantee_request))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Hemlöshetsmottagningen (evenings until 24:00).
    HomelessnessReception,
    /// Socialjouren.
    SocialEmergencyService,
    Other,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Self::HomelessnessReception => "homelessness_reception",
            Self::SocialEmergencyService => "social_emergency_service",
            Self::Other => "other",
        }
    }

    fn parse(raw: &str) -> Self {
        match raw {
            "homelessness_reception" => Self::HomelessnessReception,
            "social_emergency_service" => Self::SocialEmergencyService,
            _ => Self::Other,
        }
    }
}

pub use crate::placement::GuaranteeOutcome;

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
            let assignment = repo::find_assignment(client, &principal.municipality, None, assignment_id, false)
                .await?
                .ok_or(ApiError::NotFound("assignment"))?;
            let placed_it = sees_protected_guest(principal, &assignment.guest);
            // A protected person's bed given by someone else: the one who took this request knows who
            // asked, so they must not also learn where the person sleeps (nor the assignment, which the
            // night list shows with the alias).
            if shown && !placed_it {
                None
            } else {
                shown = shown || placed_it;
                let shelter = repo::find_shelter(client, &principal.municipality, None, assignment.shelter_id)
                    .await?
                    .ok_or(ApiError::NotFound("shelter"))?;
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
    let mut resolution = r.resolution.map(BreachResolution::try_from).transpose()?;
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
            let shelter = repo::find_shelter(client, &principal.municipality, None, shelter_id)
                .await?
                .ok_or(ApiError::NotFound("shelter"))?;
            Some(RecordedPlacement { shelter_id, shelter_name: shelter.name })
        }
    };
    Ok(GuaranteeRequest {
        id: r.id,
        requested_at: r.requested_at,
        night: r.night,
        person_id: shown.then_some(r.person_id),
        guest_alias: (!shown).then(|| guest_alias(&r.guest)),
        channel: Channel::parse(&r.channel),
        district_code: r.district_code,
        responsible_district_code: r.responsible_district_code,
        location_district_code: r.location_district_code,
        outcome: GuaranteeOutcome::parse(&r.outcome)?,
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

/// Answers a retried request with the stored first answer: personal data read again, so audited as a
/// read of the request.
async fn replay(
    client: &mut deadpool_postgres::Object,
    principal: &Principal,
    stored: StoredRequest,
    fingerprint: &str,
) -> Result<Response, ApiError> {
    if stored.request_fingerprint != fingerprint {
        return Err(ApiError::invalid("Idempotency-Key", "was already used for a different request"));
    }
    let tx = client.transaction().await?;
    audit::record(
        &tx,
        principal,
        AuditEvent::new(AuditAction::Read, "guarantee_request", Some(stored.id))
            .person(stored.person_id)
            .details(serde_json::json!({"idempotent_replay": true})),
    )
    .await?;
    let view = request_view(&tx, principal, stored).await?;
    tx.commit().await?;
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(response)
}

/// Record a request for a bed tonight and place the person if a suitable bed is free.
///
/// Roles: admin, night_coordinator. Send an `Idempotency-Key` header: retrying with it returns the
/// first answer (header `Idempotent-Replayed: true`, audited as a read) and never places twice. Beds in
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
    principal.require(HANDLE_GUARANTEE)?;
    let key = idempotency_key(&headers)?;
    let now = Timestamp::now();
    let requested_at = input.requested_at.unwrap_or(now);
    if requested_at > now + jiff::SignedDuration::from_secs(60) {
        return Err(ApiError::invalid("requested_at", "must not be in the future"));
    }
    let cutover = state.settings.night_cutover_hour;
    let night = Night::containing(requested_at, cutover).date();
    let past_night = night < Night::containing(now, cutover).date();
    let plan = Plan::of(input.recorded_outcome, input.shelter_id, input.declined_by_person, past_night)?;
    let from = location_of(input.lat, input.lon)?;
    let assessment =
        input.emergency_assessment.as_deref().map(|a| clean_text("emergency_assessment", a, 2000, true)).transpose()?;
    let fingerprint = hex::encode(Sha256::digest(serde_json::to_vec(&input).map_err(ApiError::internal)?));

    let mut client = state.db().await?;
    if let Some(key) = &key
        && let Some(stored) = repo::find_request_by_key(&client, &principal.municipality, key).await?
    {
        return replay(&mut client, &principal, stored, &fingerprint).await;
    }
    let mut tx = client.transaction().await?;
    let municipality_wide = hemvist_tenants::api::Scope::municipality_wide(&principal.municipality);
    let person = hemvist_tenants::api::find_person(&tx, &municipality_wide, input.person_id)
        .await?
        .ok_or_else(|| ApiError::invalid("person_id", "no such person"))?;
    let district = match from {
        Some(location) => district_at(&tx, &principal.municipality, location, night).await?.map(|d| d.code),
        None => None,
    };
    // A partial birth date (samordningsnummer with month 00 or day 60) gives an age range: see Eligibility::takes.
    let ages = person.birth.map(|b| b.age_range_on(night));
    let needs = Needs {
        sex: Some(person.sex).filter(|s| *s != hemvist_tenants::api::Sex::Unknown).map(|s| s.as_str().to_owned()),
        age: ages.and_then(|(youngest, _)| i16::try_from(youngest).ok()),
        oldest_age: ages.and_then(|(_, oldest)| i16::try_from(oldest).ok()),
        couple: input.couple,
        pets: input.pets,
        substance_use: input.substance_use,
        wheelchair: input.wheelchair,
    };
    // An unknown home municipality is not "does not belong": it is assessed, and counted apart.
    let home = person.home_municipality_code.as_deref();
    let belongs = home == Some(principal.municipality.as_str());
    let consent = input.consent_outside_municipality;
    let placement = match plan {
        Plan::PlaceNow if home.is_none() => Placement::without_bed(GuaranteeOutcome::HomeMunicipalityUnknown, consent),
        Plan::PlaceNow if !belongs => Placement::without_bed(GuaranteeOutcome::NotEligible, consent),
        Plan::PlaceNow if input.declined_by_person => {
            Placement::without_bed(GuaranteeOutcome::DeclinedByPerson, consent)
        }
        Plan::PlaceNow => {
            let placer = repo::Placer::of(&principal);
            let wanted = Wanted { person: person.id, night, needs: &needs, from, consent, placer };
            let min_hold = jiff::SignedDuration::from_mins(state.settings.min_hold_minutes);
            placement::place_now(&mut tx, &principal.municipality, &wanted, now, min_hold).await?
        }
        Plan::Record { outcome, shelter_id } => {
            placement::record_then(&tx, &principal.municipality, outcome, shelter_id, consent).await?
        }
    };
    let outcome = placement.outcome;
    let breach = outcome == GuaranteeOutcome::NoSuitableBed;
    let recorded_afterwards = matches!(plan, Plan::Record { .. });
    let new = NewRequest {
        idempotency_key: key.clone(),
        request_fingerprint: fingerprint.clone(),
        requested_at,
        night,
        person_id: person.id,
        requested_by: principal.token_id,
        requested_by_staff: principal.staff_id.clone(),
        channel: input.channel.as_str(),
        lat: input.lat,
        lon: input.lon,
        district_code: district.clone().or(person.responsible_district_code.clone()),
        // Snapshot: the district responsible at the time, whatever changes later.
        responsible_district_code: person.responsible_district_code.clone(),
        location_district_code: district,
        needs: serde_json::to_value(&needs).map_err(ApiError::internal)?,
        outcome: outcome.as_str(),
        assignment_id: placement.assignment_id,
        recorded_shelter_id: placement.recorded_shelter_id,
        recorded_afterwards,
        placed_outside_municipality: placement.outside_municipality,
        consent_outside_municipality: placement.consent,
        escalated: breach,
        escalation_note: breach.then(|| {
            if recorded_afterwards {
                format!("Guarantee breach on the night of {night}, recorded afterwards; escalated to the night coordinator on duty")
            } else {
                "Guarantee breach: no suitable bed; escalated to the night coordinator on duty".to_owned()
            }
        }),
        emergency_assessment: match outcome {
            GuaranteeOutcome::HomeMunicipalityUnknown => Some(assessment.unwrap_or_else(|| {
                "Home municipality unknown: whether the person belongs to the municipality must be assessed; \
                 meanwhile an emergency assessment (nödprövning) of the acute need"
                    .into()
            })),
            GuaranteeOutcome::NotEligible => Some(assessment.unwrap_or_else(|| {
                "The person does not belong to the municipality: emergency assessment (nödprövning) required".into()
            })),
            _ => None,
        },
    };
    let Some(id) = repo::insert_request(&tx, &principal.municipality, &new).await? else {
        // A concurrent retry with the same key committed first: drop this attempt, answer with that one.
        tx.rollback().await?;
        let stored = repo::find_request_by_key(&client, &principal.municipality, key.as_deref().unwrap_or_default())
            .await?
            .ok_or_else(|| ApiError::internal("idempotent request vanished"))?;
        return replay(&mut client, &principal, stored, &fingerprint).await;
    };
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::Create, "guarantee_request", Some(id)).person(person.id),
    )
    .await?;
    let stored =
        repo::find_request(&tx, &principal.municipality, id).await?.ok_or(ApiError::NotFound("guarantee request"))?;
    let view = request_view(&tx, &principal, stored).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
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
    principal.require(HANDLE_GUARANTEE)?;
    let page = page.parse::<repo::RequestKey>()?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let rows = repo::list_requests(&tx, &principal.municipality, params.night, &page).await?;
    let page = Page::from_rows(rows, page.limit, |r| (r.requested_at, r.id))?;
    let views = request_page(&tx, &principal, page.items).await?;
    tx.commit().await?;
    Ok(Json(Page { items: views, next_cursor: page.next_cursor }))
}

/// A page of requests as the caller may see them, audited in one statement.
pub(crate) async fn request_page(
    client: &impl GenericClient,
    principal: &Principal,
    requests: Vec<StoredRequest>,
) -> Result<Vec<GuaranteeRequest>, ApiError> {
    let subjects: Vec<_> = requests.iter().map(|r| (Some(r.id), Some(r.person_id))).collect();
    audit::record_many(client, principal, AuditAction::List, "guarantee_request", &subjects).await?;
    let mut views = Vec::with_capacity(requests.len());
    for request in requests {
        views.push(request_view(client, principal, request).await?);
    }
    Ok(views)
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
    principal.require(HANDLE_GUARANTEE)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let request =
        repo::find_request(&tx, &principal.municipality, id).await?.ok_or(ApiError::NotFound("guarantee request"))?;
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::Read, "guarantee_request", Some(id)).person(request.person_id),
    )
    .await?;
    let view = request_view(&tx, &principal, request).await?;
    tx.commit().await?;
    Ok(Json(view))
}
