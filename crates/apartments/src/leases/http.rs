//! Leases over HTTP. Every change of a lease runs in a unit of work through `change_lease`: it locks
//! the apartment and then the lease (always in that order, as lease creation does), checks If-Match,
//! applies the change, writes it back and records it with its audit event.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::db::GenericClient;
use hemvist_platform::etag::{etag, if_match};
use hemvist_platform::municipality::MunicipalityCode;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::period::not_future;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, UnitOfWork, Work, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::lifecycle::{self, change_lease};
use super::model::{LeaseKind, LeaseStatus};
use super::repo::{self, LeaseFilter, StoredLease};
use crate::access::{MANAGE_HOUSING, READ_LEASES};
use crate::apartments::http::scope;
use crate::follow_ups::http::FollowUp;
use crate::follow_ups::repo as follow_ups;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_leases, create_lease))
        .routes(routes!(get_lease))
        .routes(routes!(activate_lease))
        .routes(routes!(end_lease))
        .routes(routes!(decline_lease))
        .routes(routes!(take_over_lease))
        .routes(routes!(update_lease_special_conditions))
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

pub(crate) async fn lease_view(
    client: &impl GenericClient,
    principal: &Principal,
    lease: StoredLease,
) -> Result<Lease, ApiError> {
    let follow_ups = follow_ups::follow_ups(client, &principal.municipality, lease.id)
        .await?
        .into_iter()
        .map(FollowUp::from)
        .collect();
    Ok(Lease {
        id: lease.id,
        apartment_id: lease.apartment_id,
        person_id: lease.person_id,
        decision_id: lease.decision_id,
        kind: lease.kind,
        status: lease.status,
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

pub(crate) fn respond(status: StatusCode, lease: Lease) -> Response {
    let tag = etag(lease.version);
    let mut response = (status, Json(lease)).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

/// A lease shows where its tenant lives: for a tenant with protected personal data only roles allowed
/// to see protected addresses may see it at all; for others it does not exist.
pub(crate) fn visible(principal: &Principal, lease: &StoredLease) -> bool {
    !lease.tenant_protected || hemvist_tenants::api::sees_protected_contact(principal)
}

/// The lease as the caller may see it, or 404.
pub(crate) async fn visible_lease(
    client: &impl GenericClient,
    principal: &Principal,
    id: Uuid,
) -> Result<StoredLease, ApiError> {
    repo::find(client, &scope(principal), id, false)
        .await?
        .filter(|l| visible(principal, l))
        .ok_or(ApiError::NotFound("lease"))
}

pub(crate) fn tenants_scope(municipality: &MunicipalityCode) -> hemvist_tenants::api::Scope<'_> {
    // The tenant may belong to another district than the apartment: decisions are looked up
    // municipality-wide, the apartment decides what a district-scoped caller may let.
    hemvist_tenants::api::Scope::municipality_wide(municipality)
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
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    if input.ends_on.is_some_and(|end| end <= input.starts_on) {
        return Err(ApiError::invalid("ends_on", "must be after starts_on"));
    }
    if let Some(told) = input.special_conditions_told_on {
        not_future("special_conditions_told_on", told)?;
    }
    let (id, view) = work.run(async |w| lifecycle::offer_lease(w, &input).await).await?;
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
    let work = state.unit_of_work(&principal, READ_LEASES)?;
    let page = page.parse::<(Date, Uuid)>()?;
    let filter = LeaseFilter { apartment_id: search.apartment_id, person_id: search.person_id, status: search.status };
    let page = work
        .run(async |w| {
            // The scope hides what the caller may not see in SQL, before the page and its cursor are built.
            let rows = repo::list(w.tx(), &scope(w.principal()), &filter, &page).await?;
            let page = Page::from_rows(rows, page.limit, |l| (l.starts_on, l.id))?;
            w.audit_all(
                page.items.iter().map(|l| AuditEvent::new(AuditAction::List, "lease", Some(l.id)).person(l.person_id)),
            );
            let mut items = Vec::with_capacity(page.items.len());
            for lease in page.items {
                items.push(lease_view(w.tx(), w.principal(), lease).await?);
            }
            Ok(Page { items, next_cursor: page.next_cursor })
        })
        .await?;
    Ok(Json(page))
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
    let work = state.unit_of_work(&principal, READ_LEASES)?;
    let view = work
        .run(async |w| {
            let lease = visible_lease(w.tx(), w.principal(), id).await?;
            w.audit(AuditEvent::new(AuditAction::Read, "lease", Some(id)).person(lease.person_id));
            lease_view(w.tx(), w.principal(), lease).await
        })
        .await?;
    Ok(respond(StatusCode::OK, view))
}

/// Runs `change` on lease `id` as the caller's unit of work and answers with the lease and its ETag.
pub(crate) async fn run_change(
    work: UnitOfWork<'_>,
    id: Uuid,
    expected: Option<i32>,
    change: impl AsyncFnOnce(&mut Work<'_>, &mut StoredLease) -> Result<(), ApiError>,
) -> Result<Response, ApiError> {
    let lease = work.run(async |w| change_lease(w, id, expected, change).await).await?;
    Ok(respond(StatusCode::OK, lease))
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
/// another sublet of the apartment, or another lease on the same decision, is active (409).
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
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    not_future("moved_in_on", input.moved_in_on)?;
    let expected = if_match(&headers)?;
    let change =
        async |w: &mut Work<'_>, lease: &mut StoredLease| lifecycle::activate(w, lease, input.moved_in_on).await;
    run_change(work, id, expected, change).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndLeaseInput {
    /// The last day is the day before; ignored for an offer withdrawn before it began.
    #[schema(value_type = String, format = Date)]
    pub ended_on: Date,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
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
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    let reason = clean_text("reason", &input.reason, 2000, true)?;
    not_future("ended_on", input.ended_on)?;
    let expected = if_match(&headers)?;
    let change =
        async |w: &mut Work<'_>, lease: &mut StoredLease| lifecycle::end(w, lease, input.ended_on, reason).await;
    run_change(work, id, expected, change).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineLeaseInput {
    /// The day the person said no; not before the offer was made.
    #[schema(value_type = String, format = Date)]
    pub declined_on: Date,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
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
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    not_future("declined_on", input.declined_on)?;
    let reason = input.reason.as_deref().map(|r| clean_text("reason", r, 2000, true)).transpose()?;
    let expected = if_match(&headers)?;
    let declined_on = input.declined_on;
    let change =
        async |w: &mut Work<'_>, lease: &mut StoredLease| lifecycle::decline(w, lease, declined_on, reason).await;
    run_change(work, id, expected, change).await
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
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    not_future("taken_over_on", input.taken_over_on)?;
    let expected = if_match(&headers)?;
    let on = input.taken_over_on;
    let change = async |w: &mut Work<'_>, lease: &mut StoredLease| lifecycle::take_over(w, lease, on).await;
    run_change(work, id, expected, change).await
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
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    not_future("told_on", input.told_on)?;
    let expected = if_match(&headers)?;
    run_change(work, id, expected, async |_, lease| {
        lease.special_conditions_told_on = Some(input.told_on);
        Ok(())
    })
    .await
}
