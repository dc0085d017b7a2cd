//! Leases over HTTP. Every change of a lease goes through `change_lease`: it locks the apartment
//! and then the lease (always in that order, as lease creation does), checks If-Match, applies the
//! change and records it with its audit event in one transaction.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::etag::{etag, if_match};
use hemvist_platform::night::today;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::period::{self, not_future};
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};
use hemvist_tenants::api::Intervention;
use hemvist_tenants::api::LeaseOfferInput;
use hemvist_tenants::api::leasing::in_transaction as leasing;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::repo::{self, LeaseFilter, NewLease, StoredLease};
use super::rules::{
    self, ArrearsStatus, Charge, FollowUpRecord, LeaseHistory, LeaseKind, LeaseOutcomes, Notice, Payment,
};
use crate::access::{MANAGE_HOUSING, READ_LEASES, READ_REPORTS};
use crate::apartments::http::scope;
use crate::apartments::model::ApartmentStatus;
use crate::apartments::repo as apartments;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_leases, create_lease))
        .routes(routes!(get_lease))
        .routes(routes!(activate_lease))
        .routes(routes!(end_lease))
        .routes(routes!(decline_lease))
        .routes(routes!(take_over_lease))
        .routes(routes!(update_lease_special_conditions))
        .routes(routes!(create_lease_follow_up))
        .routes(routes!(update_lease_follow_up))
        .routes(routes!(get_lease_rent))
        .routes(routes!(create_rent_charge))
        .routes(routes!(create_rent_payment))
        .routes(routes!(create_rent_notice))
        .routes(routes!(update_rent_notice))
        .routes(routes!(list_rent_arrears))
        .routes(routes!(get_apartment_stock_report))
        .routes(routes!(get_lease_outcomes_report))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaseStatus {
    Offered,
    Active,
    Ended,
    /// The tenant took over the first-hand lease.
    TakenOver,
}

impl LeaseStatus {
    fn parse(raw: &str) -> Self {
        match raw {
            "active" => Self::Active,
            "ended" => Self::Ended,
            "taken_over" => Self::TakenOver,
            _ => Self::Offered,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Active => "active",
            Self::Ended => "ended",
            Self::TakenOver => "taken_over",
        }
    }
}

/// A sublet. There is deliberately no field for treatment or sobriety conditions (JO 8958-2020).
#[derive(Debug, Serialize, ToSchema)]
pub struct Lease {
    pub id: Uuid,
    pub apartment_id: Uuid,
    pub person_id: Uuid,
    /// The granted decision this lease executes.
    pub decision_id: Uuid,
    pub kind: LeaseKind,
    pub status: LeaseStatus,
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    /// Planned end while offered or active (open-ended when absent); the actual end once ended.
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<Date>,
    /// The day the tenant moved in and the decision was executed.
    #[schema(value_type = Option<String>, format = Date)]
    pub activated_on: Option<Date>,
    /// When the tenant was told the lease's special conditions.
    #[schema(value_type = Option<String>, format = Date)]
    pub special_conditions_told_on: Option<Date>,
    pub end_reason: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub taken_over_on: Option<Date>,
    pub follow_ups: Vec<FollowUp>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUp {
    pub id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub planned_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub held_on: Option<Date>,
    pub note: Option<String>,
    /// One of the follow-ups planned at move-in (quarterly by default); false for extra ones.
    pub scheduled: bool,
    /// Counts toward a Bostad Först takeover: planned at move-in and held on or after its planned date.
    pub counts_toward_takeover: bool,
}

impl From<repo::StoredFollowUp> for FollowUp {
    fn from(f: repo::StoredFollowUp) -> Self {
        let record = FollowUpRecord { planned_on: f.planned_on, held_on: f.held_on, scheduled: f.scheduled };
        FollowUp {
            id: f.id,
            planned_on: f.planned_on,
            held_on: f.held_on,
            note: f.note,
            scheduled: f.scheduled,
            counts_toward_takeover: record.counts_toward_takeover(),
        }
    }
}

async fn lease_view(client: &impl GenericClient, principal: &Principal, lease: StoredLease) -> Result<Lease, ApiError> {
    let follow_ups =
        repo::follow_ups(client, &principal.municipality, lease.id).await?.into_iter().map(FollowUp::from).collect();
    Ok(Lease {
        id: lease.id,
        apartment_id: lease.apartment_id,
        person_id: lease.person_id,
        decision_id: lease.decision_id,
        kind: LeaseKind::parse(&lease.kind)
            .ok_or_else(|| ApiError::internal(format!("unknown lease kind {}", lease.kind)))?,
        status: LeaseStatus::parse(&lease.status),
        starts_on: lease.starts_on,
        ends_on: lease.ends_on,
        activated_on: lease.activated_on,
        special_conditions_told_on: lease.special_conditions_told_on,
        end_reason: lease.end_reason,
        taken_over_on: lease.taken_over_on,
        follow_ups,
        version: lease.version,
    })
}

fn respond(status: StatusCode, lease: Lease) -> Response {
    let tag = etag(lease.version);
    let mut response = (status, Json(lease)).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

/// A lease shows where its tenant lives: for a tenant with protected personal data only roles allowed
/// to see protected addresses may see it at all; for others it does not exist.
fn visible(principal: &Principal, lease: &StoredLease) -> bool {
    !lease.tenant_protected || hemvist_tenants::api::sees_protected_contact(principal)
}

fn tenants_scope(principal: &Principal) -> hemvist_tenants::api::Scope<'_> {
    // The tenant may belong to another district than the apartment: decisions are looked up
    // municipality-wide, the apartment decides what a district-scoped caller may let.
    hemvist_tenants::api::Scope::municipality_wide(&principal.municipality)
}

fn intervention_for(kind: LeaseKind) -> Intervention {
    match kind {
        LeaseKind::Trial => Intervention::TrialApartment,
        LeaseKind::Training => Intervention::TrainingApartment,
        LeaseKind::HousingFirst => Intervention::HousingFirst,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseInput {
    pub apartment_id: Uuid,
    /// A granted decision for the matching intervention; the tenant is its person.
    pub decision_id: Uuid,
    pub kind: LeaseKind,
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    /// Planned end; trial leases usually run 1–3 years, training leases are open-ended.
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub special_conditions_told_on: Option<Date>,
    /// The day the offer was made. Default: the start day or today, whichever is earlier (never before
    /// the decision).
    #[schema(value_type = Option<String>, format = Date)]
    pub offered_on: Option<Date>,
}

fn offer_description(kind: LeaseKind, starts_on: Date) -> String {
    // Goes to IVO with the offer: the kind and the date, never the address.
    let what = match kind {
        LeaseKind::Trial => "Trial apartment (försökslägenhet) sublet",
        LeaseKind::Training => "Training apartment (träningslägenhet) sublet",
        LeaseKind::HousingFirst => "Bostad Först sublet",
    };
    format!("{what} from {starts_on}")
}

/// Offer a sublet of an apartment to the person of a granted decision. The offer is recorded on the
/// decision (the IVO report lists offers made).
///
/// Roles: admin, housing_officer. The database refuses two offered or active leases of one apartment
/// for overlapping periods (409), under any concurrency.
#[utoipa::path(post, path = "/api/v1/leases", tag = "leases", operation_id = "create_lease",
    request_body = LeaseInput,
    responses((status = 201, description = "Offered", body = Lease, headers(("location" = String), ("etag" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_lease(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<LeaseInput>,
) -> Result<Response, ApiError> {
    principal.require(MANAGE_HOUSING)?;
    if input.ends_on.is_some_and(|end| end <= input.starts_on) {
        return Err(ApiError::invalid("ends_on", "must be after starts_on"));
    }
    if let Some(told) = input.special_conditions_told_on {
        not_future("special_conditions_told_on", told)?;
    }
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let apartment = apartments::find(&tx, &scope(&principal), input.apartment_id, true)
        .await?
        .ok_or(ApiError::NotFound("apartment"))?;
    if !apartment.status.accepts_leases() {
        return Err(ApiError::conflict(format!("the apartment is {} and cannot be let", apartment.status.as_str())));
    }
    let offer = LeaseOfferInput {
        decision_id: input.decision_id,
        intervention: intervention_for(input.kind),
        starts_on: input.starts_on,
        offered_on: input.offered_on,
        description: offer_description(input.kind, input.starts_on),
    };
    let offer = leasing::offer_lease(&tx, &principal, &tenants_scope(&principal), &offer).await?;
    let new = NewLease {
        apartment_id: apartment.id,
        person_id: offer.person_id,
        decision_id: offer.decision_id,
        kind: input.kind.as_str(),
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        special_conditions_told_on: input.special_conditions_told_on,
        offer_id: offer.offer_id,
    };
    let id = repo::insert(&tx, &principal.municipality, &new).await?;
    if apartment.status == ApartmentStatus::Available {
        apartments::set_status(&tx, &principal.municipality, apartment.id, ApartmentStatus::Offered, None).await?;
    }
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Create, "lease", Some(id)).person(offer.person_id))
        .await?;
    let lease = repo::find(&tx, &scope(&principal), id, false).await?.ok_or(ApiError::NotFound("lease"))?;
    let view = lease_view(&tx, &principal, lease).await?;
    tx.commit().await?;
    let mut response = respond(StatusCode::CREATED, view);
    if let Ok(location) = format!("/api/v1/leases/{id}").parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaseSearch {
    pub apartment_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub status: Option<LeaseStatus>,
}

/// List leases by start date.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited per tenant.
/// Support workers see only the leases of the people assigned to them (none without a staff id);
/// district-scoped tokens those of apartments in their districts; a tenant sharing a protected home
/// only admin and housing_officer.
#[utoipa::path(get, path = "/api/v1/leases", tag = "leases", operation_id = "list_leases",
    params(LeaseSearch, PageParams),
    responses((status = 200, description = "A page of leases", body = Page<Lease>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_leases(
    State(state): State<AppState>,
    principal: Principal,
    Query(search): Query<LeaseSearch>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<Lease>>, ApiError> {
    principal.require(READ_LEASES)?;
    let page = page.parse::<(Date, Uuid)>()?;
    let filter = LeaseFilter {
        apartment_id: search.apartment_id,
        person_id: search.person_id,
        status: search.status.map(|s| s.as_str().to_owned()),
    };
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    // The scope hides what the caller may not see in SQL, before the page and its cursor are built.
    let rows = repo::list(&tx, &scope(&principal), &filter, &page).await?;
    let page = Page::from_rows(rows, page.limit, |l| (l.starts_on, l.id))?;
    let mut items = Vec::with_capacity(page.items.len());
    for lease in page.items {
        audit::record(
            &tx,
            &principal,
            AuditEvent::new(AuditAction::List, "lease", Some(lease.id)).person(lease.person_id),
        )
        .await?;
        items.push(lease_view(&tx, &principal, lease).await?);
    }
    tx.commit().await?;
    Ok(Json(Page { items, next_cursor: page.next_cursor }))
}

/// Get a lease with its follow-ups.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
/// Support workers see only the leases of the people assigned to them (none without a staff id);
/// district-scoped tokens those of apartments in their districts; a tenant sharing a protected home
/// only admin and housing_officer.
#[utoipa::path(get, path = "/api/v1/leases/{id}", tag = "leases", operation_id = "get_lease",
    params(("id" = Uuid, Path, description = "Lease id")),
    responses((status = 200, description = "The lease", body = Lease, headers(("etag" = String))), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_lease(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    principal.require(READ_LEASES)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let lease = repo::find(&tx, &scope(&principal), id, false)
        .await?
        .filter(|l| visible(&principal, l))
        .ok_or(ApiError::NotFound("lease"))?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "lease", Some(id)).person(lease.person_id))
        .await?;
    let view = lease_view(&tx, &principal, lease).await?;
    tx.commit().await?;
    Ok(respond(StatusCode::OK, view))
}

/// Locks apartment then lease, checks If-Match, lets `change` modify the lease, writes it back with
/// its audit event. The one path every lease change takes.
async fn change_lease(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    headers: &HeaderMap,
    change: impl AsyncFnOnce(&deadpool_postgres::Transaction<'_>, &mut StoredLease) -> Result<(), ApiError>,
) -> Result<Response, ApiError> {
    principal.require(MANAGE_HOUSING)?;
    let expected = if_match(headers)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let scope = scope(principal);
    let apartment_id = repo::find(&tx, &scope, id, false).await?.ok_or(ApiError::NotFound("lease"))?.apartment_id;
    apartments::find(&tx, &scope, apartment_id, true).await?;
    let mut lease = repo::find(&tx, &scope, id, true).await?.ok_or(ApiError::NotFound("lease"))?;
    if expected.is_some_and(|v| v != lease.version) {
        return Err(ApiError::PreconditionFailed);
    }
    change(&tx, &mut lease).await?;
    repo::update_state(&tx, &principal.municipality, &lease).await?;
    hemvist_tenants::api::touch_person(&tx, &principal.municipality, lease.person_id).await?;
    audit::record(&tx, principal, AuditEvent::new(AuditAction::Update, "lease", Some(id)).person(lease.person_id))
        .await?;
    let lease = repo::find(&tx, &scope, id, false).await?.ok_or(ApiError::NotFound("lease"))?;
    let view = lease_view(&tx, principal, lease).await?;
    tx.commit().await?;
    Ok(respond(StatusCode::OK, view))
}

/// After a lease stops being open, the apartment is let, offered or available according to the rest.
async fn settle_apartment_status(
    tx: &impl GenericClient,
    principal: &Principal,
    lease: &StoredLease,
) -> Result<(), ApiError> {
    let others = repo::open_leases_of_apartment(tx, &principal.municipality, lease.apartment_id, lease.id).await?;
    let status = if others.iter().any(|s| s == "active") {
        ApartmentStatus::Let
    } else if others.is_empty() {
        ApartmentStatus::Available
    } else {
        ApartmentStatus::Offered
    };
    apartments::set_status(tx, &principal.municipality, lease.apartment_id, status, None).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateInput {
    /// The day the tenant moved in: the decision counts as executed that day (not earlier, whatever
    /// the lease's start date), which is what the IVO report measures.
    #[schema(value_type = String, format = Date)]
    pub moved_in_on: Date,
}

/// The tenant moves in: the lease becomes active, the decision is executed on the moving-in day (or
/// resumed that day when it was interrupted), the lease's offer on the decision is accepted, and
/// quarterly follow-ups are planned from it.
///
/// Roles: admin, housing_officer. Only an offered lease, moved into on or after its start, never while
/// another sublet of the apartment is active (409).
#[utoipa::path(post, path = "/api/v1/leases/{id}/activate", tag = "leases", operation_id = "activate_lease",
    params(("id" = Uuid, Path, description = "Lease id"), ("if-match" = Option<String>, Header, description = "ETag you read")),
    request_body = ActivateInput,
    responses((status = 200, description = "Active", body = Lease), WriteProblems),
    security(("bearer" = [])))]
pub async fn activate_lease(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<ActivateInput>,
) -> Result<Response, ApiError> {
    not_future("moved_in_on", input.moved_in_on)?;
    let settings = state.settings.clone();
    // Enough planned follow-ups for a Bostad Först takeover, whatever number is configured.
    let planned = settings.housing_first_takeover_follow_ups.max(4);
    change_lease(&state, &principal, id, &headers, async |tx, lease| {
        if lease.status != "offered" {
            return Err(ApiError::conflict("only an offered lease can be activated"));
        }
        if input.moved_in_on < lease.starts_on {
            return Err(ApiError::invalid("moved_in_on", "must not be before the lease starts"));
        }
        let others = repo::open_leases_of_apartment(tx, &principal.municipality, lease.apartment_id, lease.id).await?;
        if others.iter().any(|status| status == "active") {
            return Err(ApiError::conflict("another sublet of the apartment is active; end it first"));
        }
        // Moving in executes the decision, or resumes it when interrupted, and accepts the lease's offer.
        let tenants = tenants_scope(&principal);
        leasing::move_in(tx, &principal, &tenants, lease.decision_id, lease.offer_id, lease.id, input.moved_in_on)
            .await?;
        let schedule = rules::follow_up_schedule(input.moved_in_on, settings.follow_up_interval_months, planned);
        repo::insert_follow_ups(tx, &principal.municipality, lease.id, &schedule, true).await?;
        apartments::set_status(tx, &principal.municipality, lease.apartment_id, ApartmentStatus::Let, None).await?;
        lease.status = "active".into();
        lease.activated_on = Some(input.moved_in_on);
        Ok(())
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndLeaseInput {
    /// The last day is the day before; ignored for an offer withdrawn before it began.
    #[schema(value_type = String, format = Date)]
    pub ended_on: Date,
    pub reason: String,
}

/// End a lease (or withdraw an offer) with a reason.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/leases/{id}/end", tag = "leases", operation_id = "end_lease",
    params(("id" = Uuid, Path, description = "Lease id"), ("if-match" = Option<String>, Header, description = "ETag you read")),
    request_body = EndLeaseInput,
    responses((status = 200, description = "Ended", body = Lease), WriteProblems),
    security(("bearer" = [])))]
pub async fn end_lease(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<EndLeaseInput>,
) -> Result<Response, ApiError> {
    let reason = clean_text("reason", &input.reason, 2000, true)?;
    not_future("ended_on", input.ended_on)?;
    change_lease(&state, &principal, id, &headers, async |tx, lease| {
        match lease.status.as_str() {
            "offered" => lease.ends_on = Some(lease.starts_on),
            "active" => {
                if input.ended_on <= lease.starts_on {
                    return Err(ApiError::invalid("ended_on", "must be after the start"));
                }
                lease.ends_on = Some(input.ended_on);
            }
            _ => return Err(ApiError::conflict("the lease is already ended or taken over")),
        }
        lease.status = "ended".into();
        lease.end_reason = Some(reason);
        settle_apartment_status(tx, &principal, lease).await
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineLeaseInput {
    /// The day the person said no; not before the offer was made.
    #[schema(value_type = String, format = Date)]
    pub declined_on: Date,
    pub reason: Option<String>,
}

/// The person declined the offered lease: the lease ends before it began and its offer on the decision
/// is recorded as declined. The decision stays open (a declined offer never closes it).
///
/// Roles: admin, housing_officer. Only an offered lease (409).
#[utoipa::path(post, path = "/api/v1/leases/{id}/decline", tag = "leases", operation_id = "decline_lease",
    params(("id" = Uuid, Path, description = "Lease id"), ("if-match" = Option<String>, Header, description = "ETag you read")),
    request_body = DeclineLeaseInput,
    responses((status = 200, description = "Declined", body = Lease), WriteProblems),
    security(("bearer" = [])))]
pub async fn decline_lease(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<DeclineLeaseInput>,
) -> Result<Response, ApiError> {
    not_future("declined_on", input.declined_on)?;
    let reason = input.reason.as_deref().map(|r| clean_text("reason", r, 2000, true)).transpose()?;
    change_lease(&state, &principal, id, &headers, async |tx, lease| {
        if lease.status != "offered" {
            return Err(ApiError::conflict("only an offered lease can be declined"));
        }
        if let Some(offer_id) = lease.offer_id {
            let tenants = tenants_scope(&principal);
            leasing::decline_lease_offer(tx, &principal, &tenants, lease.decision_id, offer_id, input.declined_on)
                .await?;
        }
        lease.status = "ended".into();
        lease.ends_on = Some(lease.starts_on);
        lease.end_reason = Some(reason.unwrap_or_else(|| "Declined by the person".to_owned()));
        settle_apartment_status(tx, &principal, lease).await
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeoverInput {
    #[schema(value_type = String, format = Date)]
    pub taken_over_on: Date,
}

/// The tenant takes over the first-hand lease (`överta kontraktet`); the apartment leaves the stock.
///
/// Roles: admin, housing_officer. Never for training apartments; Bostad Först only after the configured
/// number of follow-ups planned at move-in, each held on or after its planned date and by the takeover
/// date (extra follow-ups and ones held early do not count); not with rent in arrears (409 with the reason).
#[utoipa::path(post, path = "/api/v1/leases/{id}/takeover", tag = "leases", operation_id = "take_over_lease",
    params(("id" = Uuid, Path, description = "Lease id"), ("if-match" = Option<String>, Header, description = "ETag you read")),
    request_body = TakeoverInput,
    responses((status = 200, description = "Taken over", body = Lease), WriteProblems),
    security(("bearer" = [])))]
pub async fn take_over_lease(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<TakeoverInput>,
) -> Result<Response, ApiError> {
    not_future("taken_over_on", input.taken_over_on)?;
    let required = state.settings.housing_first_takeover_follow_ups;
    change_lease(&state, &principal, id, &headers, async |tx, lease| {
        if lease.status != "active" {
            return Err(ApiError::conflict("only an active lease can be taken over"));
        }
        if input.taken_over_on <= lease.starts_on {
            return Err(ApiError::invalid("taken_over_on", "must be after the start"));
        }
        let kind = LeaseKind::parse(&lease.kind).ok_or_else(|| ApiError::internal("unknown lease kind"))?;
        let follow_ups: Vec<FollowUpRecord> = repo::follow_ups(tx, &principal.municipality, lease.id)
            .await?
            .iter()
            .map(|f| FollowUpRecord { planned_on: f.planned_on, held_on: f.held_on, scheduled: f.scheduled })
            .collect();
        let held = rules::follow_ups_counting_on(&follow_ups, input.taken_over_on);
        // Rent due up to today counts, whatever date the takeover is recorded for.
        let arrears = arrears_of(tx, &principal, lease.id, today()).await?;
        rules::may_take_over(kind, held, required, arrears.balance_sek)
            .map_err(|refusal| ApiError::conflict(refusal.to_string()))?;
        if !repo::open_leases_of_apartment(tx, &principal.municipality, lease.apartment_id, lease.id).await?.is_empty()
        {
            return Err(ApiError::conflict("another sublet of the apartment is offered; end it first"));
        }
        lease.status = "taken_over".into();
        lease.taken_over_on = Some(input.taken_over_on);
        apartments::set_status(tx, &principal.municipality, lease.apartment_id, ApartmentStatus::Transferred, None)
            .await
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialConditionsInput {
    #[schema(value_type = String, format = Date)]
    pub told_on: Date,
}

/// Record the day the tenant was told the lease's special conditions.
///
/// Roles: admin, housing_officer.
#[utoipa::path(put, path = "/api/v1/leases/{id}/special-conditions", tag = "leases", operation_id = "update_lease_special_conditions",
    params(("id" = Uuid, Path, description = "Lease id"), ("if-match" = Option<String>, Header, description = "ETag you read")),
    request_body = SpecialConditionsInput,
    responses((status = 200, description = "Recorded", body = Lease), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_lease_special_conditions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<SpecialConditionsInput>,
) -> Result<Response, ApiError> {
    not_future("told_on", input.told_on)?;
    change_lease(&state, &principal, id, &headers, async |_, lease| {
        lease.special_conditions_told_on = Some(input.told_on);
        Ok(())
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpPlanInput {
    #[schema(value_type = String, format = Date)]
    pub planned_on: Date,
}

/// Plan an extra follow-up. Extra follow-ups never count toward a Bostad Först takeover.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/leases/{id}/follow-ups", tag = "leases", operation_id = "create_lease_follow_up",
    params(("id" = Uuid, Path, description = "Lease id")),
    request_body = FollowUpPlanInput,
    responses((status = 200, description = "The lease with the follow-up", body = Lease), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_lease_follow_up(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<FollowUpPlanInput>,
) -> Result<Response, ApiError> {
    change_lease(&state, &principal, id, &HeaderMap::new(), async |tx, lease| {
        if lease.status != "active" {
            return Err(ApiError::conflict("follow-ups belong to active leases"));
        }
        repo::insert_follow_ups(tx, &principal.municipality, lease.id, &[input.planned_on], false).await
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpHeldInput {
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    pub note: Option<String>,
}

/// Record that a follow-up was held.
///
/// Roles: admin, housing_officer.
#[utoipa::path(put, path = "/api/v1/leases/{id}/follow-ups/{follow_up_id}", tag = "leases", operation_id = "update_lease_follow_up",
    params(("id" = Uuid, Path, description = "Lease id"), ("follow_up_id" = Uuid, Path, description = "Follow-up id")),
    request_body = FollowUpHeldInput,
    responses((status = 200, description = "The lease with the follow-up held", body = Lease), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_lease_follow_up(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, follow_up_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<FollowUpHeldInput>,
) -> Result<Response, ApiError> {
    not_future("held_on", input.held_on)?;
    let note = input.note.as_deref().map(|n| clean_text("note", n, 2000, true)).transpose()?;
    change_lease(&state, &principal, id, &HeaderMap::new(), async |tx, lease| {
        repo::record_follow_up_held(tx, &principal.municipality, lease.id, follow_up_id, input.held_on, note.as_deref())
            .await
    })
    .await
}

/// The arrears of one lease as of a date, from its ledger and notices.
async fn arrears_of(
    client: &impl GenericClient,
    principal: &Principal,
    lease_id: Uuid,
    as_of: Date,
) -> Result<ArrearsStatus, ApiError> {
    let entries = repo::rent_entries(client, &principal.municipality, &[lease_id]).await?;
    let notices = repo::notices(client, &principal.municipality, &[lease_id]).await?;
    Ok(arrears_from(entries.iter().map(|(_, e)| e), notices.iter(), as_of))
}

fn arrears_from<'a>(
    entries: impl Iterator<Item = &'a repo::RentEntry>,
    notices: impl Iterator<Item = &'a repo::StoredNotice>,
    as_of: Date,
) -> ArrearsStatus {
    let (mut charges, mut payments) = (Vec::new(), Vec::new());
    for e in entries {
        if e.kind == "charge" {
            charges.push(Charge { due_on: e.entry_date, amount_sek: i64::from(e.amount_sek) });
        } else {
            payments.push(Payment { paid_on: e.entry_date, amount_sek: i64::from(e.amount_sek) });
        }
    }
    let notices: Vec<Notice> =
        notices.map(|n| Notice { served_on: n.served_on, committee_notified_on: n.committee_notified_on }).collect();
    rules::arrears_status(&charges, &payments, &notices, as_of)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RentLedgerEntry {
    pub id: Uuid,
    /// `charge` or `payment`.
    pub kind: String,
    pub amount_sek: i32,
    /// Due date of a charge, payment date of a payment.
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// The month a charge is for, `YYYY-MM`.
    pub period: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RentLedger {
    pub lease_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub as_of: Date,
    pub entries: Vec<RentLedgerEntry>,
    /// Notices of termination for arrears, oldest first.
    pub notices: Vec<RentNotice>,
    pub arrears: ArrearsStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RentNotice {
    pub id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub served_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub committee_notified_on: Option<Date>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Default: today in Stockholm.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Date>,
}

/// The rent ledger of a lease and its arrears status.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
/// Support workers see only the leases of the people assigned to them (none without a staff id);
/// district-scoped tokens those of apartments in their districts; a tenant sharing a protected home
/// only admin and housing_officer.
#[utoipa::path(get, path = "/api/v1/leases/{id}/rent", tag = "rent", operation_id = "get_lease_rent",
    params(("id" = Uuid, Path, description = "Lease id"), AsOfParams),
    responses((status = 200, description = "Ledger and arrears", body = RentLedger), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_lease_rent(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Query(params): Query<AsOfParams>,
) -> Result<Json<RentLedger>, ApiError> {
    principal.require(READ_LEASES)?;
    let as_of = params.as_of.unwrap_or_else(today);
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let lease = repo::find(&tx, &scope(&principal), id, false)
        .await?
        .filter(|l| visible(&principal, l))
        .ok_or(ApiError::NotFound("lease"))?;
    let entries = repo::rent_entries(&tx, &principal.municipality, &[id]).await?;
    let notices = repo::notices(&tx, &principal.municipality, &[id]).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Read, "rent", Some(id)).person(lease.person_id))
        .await?;
    tx.commit().await?;
    let arrears = arrears_from(entries.iter().map(|(_, e)| e), notices.iter(), as_of);
    let entries = entries
        .into_iter()
        .map(|(_, e)| RentLedgerEntry {
            id: e.id,
            kind: e.kind,
            amount_sek: e.amount_sek,
            date: e.entry_date,
            period: e.period,
        })
        .collect();
    let notices = notices
        .into_iter()
        .map(|n| RentNotice { id: n.id, served_on: n.served_on, committee_notified_on: n.committee_notified_on })
        .collect();
    Ok(Json(RentLedger { lease_id: id, as_of, entries, notices, arrears }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RentChargeInput {
    /// The month, `YYYY-MM`.
    #[schema(example = "2026-11")]
    pub period: String,
    pub amount_sek: i32,
    #[schema(value_type = String, format = Date)]
    pub due_on: Date,
}

async fn add_rent_entry(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    kind: &'static str,
    amount_sek: i32,
    date: Date,
    period: Option<String>,
) -> Result<Response, ApiError> {
    if !(1..=1_000_000).contains(&amount_sek) {
        return Err(ApiError::invalid("amount_sek", "must be between 1 and 1000000"));
    }
    change_lease(state, principal, id, &HeaderMap::new(), async |tx, lease| {
        if lease.status == "offered" {
            return Err(ApiError::conflict("rent is kept for leases that have begun"));
        }
        repo::insert_rent_entry(tx, &principal.municipality, lease.id, kind, amount_sek, date, period.as_deref())
            .await
            .map(|_| ())
    })
    .await
}

/// Charge a month's rent.
///
/// Roles: admin, housing_officer. One charge per month (409).
#[utoipa::path(post, path = "/api/v1/leases/{id}/rent-charges", tag = "rent", operation_id = "create_rent_charge",
    params(("id" = Uuid, Path, description = "Lease id")), request_body = RentChargeInput,
    responses((status = 200, description = "The lease", body = Lease), WriteProblems), security(("bearer" = [])))]
pub async fn create_rent_charge(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<RentChargeInput>,
) -> Result<Response, ApiError> {
    period::month("period", &input.period)?;
    add_rent_entry(&state, &principal, id, "charge", input.amount_sek, input.due_on, Some(input.period)).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RentPaymentInput {
    pub amount_sek: i32,
    #[schema(value_type = String, format = Date)]
    pub paid_on: Date,
}

/// Record a rent payment.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/leases/{id}/rent-payments", tag = "rent", operation_id = "create_rent_payment",
    params(("id" = Uuid, Path, description = "Lease id")), request_body = RentPaymentInput,
    responses((status = 200, description = "The lease", body = Lease), WriteProblems), security(("bearer" = [])))]
pub async fn create_rent_payment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<RentPaymentInput>,
) -> Result<Response, ApiError> {
    not_future("paid_on", input.paid_on)?;
    add_rent_entry(&state, &principal, id, "payment", input.amount_sek, input.paid_on, None).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RentNoticeInput {
    /// The day notice of termination for arrears was served on the tenant.
    #[schema(value_type = String, format = Date)]
    pub served_on: Date,
    /// The day the social welfare committee was notified. The tenant's 3 weeks to pay and keep the home
    /// run from the later of the two days; without a notification they have not started.
    #[schema(value_type = Option<String>, format = Date)]
    pub committee_notified_on: Option<Date>,
}

/// Record a notice of termination for rent arrears and the committee notification.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/leases/{id}/rent-notices", tag = "rent", operation_id = "create_rent_notice",
    params(("id" = Uuid, Path, description = "Lease id")), request_body = RentNoticeInput,
    responses((status = 200, description = "The lease", body = Lease), WriteProblems), security(("bearer" = [])))]
pub async fn create_rent_notice(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<RentNoticeInput>,
) -> Result<Response, ApiError> {
    not_future("served_on", input.served_on)?;
    if let Some(notified) = input.committee_notified_on {
        not_future("committee_notified_on", notified)?;
    }
    change_lease(&state, &principal, id, &HeaderMap::new(), async |tx, lease| {
        if lease.status != "active" {
            return Err(ApiError::conflict("notice is served on active leases"));
        }
        repo::insert_notice(tx, &principal.municipality, lease.id, input.served_on, input.committee_notified_on).await
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitteeNotifiedInput {
    #[schema(value_type = String, format = Date)]
    pub committee_notified_on: Date,
}

/// Record that the social welfare committee was notified of a notice. The redemption period
/// (återvinningsfrist) runs from the later of service and this notification.
///
/// Roles: admin, housing_officer.
#[utoipa::path(put, path = "/api/v1/leases/{id}/rent-notices/{notice_id}", tag = "rent", operation_id = "update_rent_notice",
    params(("id" = Uuid, Path, description = "Lease id"), ("notice_id" = Uuid, Path, description = "Notice id")),
    request_body = CommitteeNotifiedInput,
    responses((status = 200, description = "The lease", body = Lease), WriteProblems), security(("bearer" = [])))]
pub async fn update_rent_notice(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, notice_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<CommitteeNotifiedInput>,
) -> Result<Response, ApiError> {
    not_future("committee_notified_on", input.committee_notified_on)?;
    change_lease(&state, &principal, id, &HeaderMap::new(), async |tx, lease| {
        repo::record_committee_notified(tx, &principal.municipality, lease.id, notice_id, input.committee_notified_on)
            .await
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArrearsWarning {
    pub lease_id: Uuid,
    pub apartment_id: Uuid,
    pub address: String,
    pub district_code: String,
    pub person_id: Uuid,
    pub kind: LeaseKind,
    #[serde(flatten)]
    pub arrears: ArrearsStatus,
}

/// Early warning for eviction prevention: active leases with rent past due or a notice the committee
/// was not told of (the redemption period has not started); most days late first. More than 7 days
/// late means the tenancy is at risk.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited per tenant on the page.
/// Support workers see only the leases of the people assigned to them (none without a staff id);
/// district-scoped tokens those of apartments in their districts; a tenant sharing a protected home
/// only admin and housing_officer.
#[utoipa::path(get, path = "/api/v1/rent-arrears", tag = "rent", operation_id = "list_rent_arrears",
    params(AsOfParams, PageParams),
    responses((status = 200, description = "A page of leases needing attention", body = Page<ArrearsWarning>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_rent_arrears(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AsOfParams>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<ArrearsWarning>>, ApiError> {
    principal.require(READ_LEASES)?;
    let as_of = params.as_of.unwrap_or_else(today);
    let page = page.parse::<(i32, Uuid)>()?;
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let scope = scope(&principal);
    // Rows the caller may not see are skipped in Rust, so fetch until the page (and one more) is full:
    // the cursor is then always the key of a row on the page, never of a hidden one.
    let mut after = page.after;
    let mut warnings: Vec<((i32, Uuid), ArrearsWarning)> = Vec::new();
    loop {
        let rows = repo::arrears_candidates(&tx, &scope, as_of, after, page.fetch_limit()).await?;
        let exhausted = i64::try_from(rows.len()).unwrap_or(i64::MAX) < page.fetch_limit();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.lease.id).collect();
        let entries = repo::rent_entries(&tx, &principal.municipality, &ids).await?;
        let notices = repo::notices(&tx, &principal.municipality, &ids).await?;
        for row in rows {
            let key = (row.days_late, row.lease.id);
            after = Some(key);
            if !visible(&principal, &row.lease) {
                continue;
            }
            let lease = row.lease;
            let arrears = arrears_from(
                entries.iter().filter(|(l, _)| *l == lease.id).map(|(_, e)| e),
                notices.iter().filter(|n| n.lease_id == lease.id),
                as_of,
            );
            if !arrears.needs_attention {
                continue;
            }
            let kind = LeaseKind::parse(&lease.kind)
                .ok_or_else(|| ApiError::internal(format!("unknown lease kind {}", lease.kind)))?;
            let warning = ArrearsWarning {
                lease_id: lease.id,
                apartment_id: lease.apartment_id,
                address: row.address,
                district_code: row.district_code,
                person_id: lease.person_id,
                kind,
                arrears,
            };
            warnings.push((key, warning));
            if warnings.len() > limit {
                break;
            }
        }
        if exhausted || warnings.len() > limit {
            break;
        }
    }
    let page = Page::from_rows(warnings, page.limit, |(key, _)| *key)?;
    let subjects: Vec<_> = page.items.iter().map(|(_, w)| (Some(w.lease_id), Some(w.person_id))).collect();
    audit::record_many(&tx, &principal, AuditAction::List, "rent", &subjects).await?;
    tx.commit().await?;
    Ok(Json(Page { items: page.items.into_iter().map(|(_, w)| w).collect(), next_cursor: page.next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictStock {
    pub district_code: String,
    /// Apartments still held (not returned to the landlord or taken over).
    pub in_stock: i64,
    /// This district's share of the municipality's stock, 0..1.
    pub share_of_stock: f64,
    pub by_status: BTreeMap<String, i64>,
    /// Sublets running on the date, by lease kind.
    pub active_leases: BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApartmentStockReport {
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    pub total_in_stock: i64,
    pub districts: Vec<DistrictStock>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnParams {
    /// Default: today in Stockholm.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
}

/// Stock and lets per district: how the city's apartments are spread over districts. The stock is as it
/// stands now (apartments returned or taken over are out of it); the sublets are those running on `on`.
///
/// Roles: admin, housing_officer, auditor. Counts only, of what the caller is shown: for roles that may
/// not see protected addresses protected homes count as the apartments list shows them, and their leases
/// do not count.
#[utoipa::path(get, path = "/api/v1/reports/apartment-stock", tag = "reports", operation_id = "get_apartment_stock_report",
    params(OnParams),
    responses((status = 200, description = "Stock per district", body = ApartmentStockReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_apartment_stock_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<OnParams>,
) -> Result<Json<ApartmentStockReport>, ApiError> {
    principal.require(READ_REPORTS)?;
    let on = params.on.unwrap_or_else(today);
    let client = state.db().await?;
    let stock = apartments::stock_by_district(&client, &scope(&principal)).await?;
    let lets = repo::active_by_district(&client, &scope(&principal), on).await?;
    let mut districts: BTreeMap<String, DistrictStock> = BTreeMap::new();
    for (code, status, count) in stock {
        let district = districts.entry(code.clone()).or_insert_with(|| empty_district(&code));
        if status != "returned_to_landlord" && status != "transferred" {
            district.in_stock += count;
        }
        district.by_status.insert(status, count);
    }
    for (code, kind, count) in lets {
        districts.entry(code.clone()).or_insert_with(|| empty_district(&code)).active_leases.insert(kind, count);
    }
    let total: i64 = districts.values().map(|d| d.in_stock).sum();
    let districts = districts
        .into_values()
        .map(|mut d| {
            d.share_of_stock = if total > 0 { d.in_stock as f64 / total as f64 } else { 0.0 };
            d
        })
        .collect();
    Ok(Json(ApartmentStockReport { on, total_in_stock: total, districts }))
}

fn empty_district(code: &str) -> DistrictStock {
    DistrictStock {
        district_code: code.to_owned(),
        in_stock: 0,
        share_of_stock: 0.0,
        by_status: BTreeMap::new(),
        active_leases: BTreeMap::new(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaseOutcomesReport {
    #[schema(value_type = String, format = Date)]
    pub as_of: Date,
    pub kinds: Vec<LeaseOutcomes>,
}

/// Lease outcomes per kind: share taken over, median months to takeover, share still housed after 12 months.
///
/// Roles: admin, housing_officer, auditor. Counts only, of the leases the caller may see.
#[utoipa::path(get, path = "/api/v1/reports/lease-outcomes", tag = "reports", operation_id = "get_lease_outcomes_report",
    params(AsOfParams),
    responses((status = 200, description = "Outcomes per lease kind", body = LeaseOutcomesReport), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_lease_outcomes_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AsOfParams>,
) -> Result<Json<LeaseOutcomesReport>, ApiError> {
    principal.require(READ_REPORTS)?;
    let as_of = params.as_of.unwrap_or_else(today);
    let client = state.db().await?;
    let histories: Vec<LeaseHistory> = repo::activated_leases(&client, &scope(&principal))
        .await?
        .into_iter()
        .filter_map(|l| {
            Some(LeaseHistory {
                kind: LeaseKind::parse(&l.kind)?,
                activated_on: l.activated_on?,
                ended_on: if l.status == "ended" { l.ends_on } else { None },
                taken_over_on: l.taken_over_on,
            })
        })
        .collect();
    Ok(Json(LeaseOutcomesReport { as_of, kinds: rules::lease_outcomes(&histories, as_of) }))
}
