//! Support plans over HTTP: write, read (any version), list a person's, close. Nothing here reads or
//! writes a lease: a refused treatment has no effect on housing.

use axum::extract::State;
use axum::http::StatusCode;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Json, Path, ReadProblems, WriteProblems};
use hemvist_tenants::api::support::scope_of;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::model::{Goal, Participation, PlanClosing, PlanContent, PlanIntervention, StoredPlan};
use super::{lock_open, repo, visible};
use crate::access::{READ_PLANS, WRITE_PLANS};

/// A support plan at one version.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupportPlan {
    pub id: Uuid,
    pub person_id: Uuid,
    /// The lease this support began with, for information: the plan outlives it.
    pub lease_id: Option<Uuid>,
    /// This version's number; every revision adds one and keeps the old ones readable.
    pub version: i32,
    pub goals: Vec<Goal>,
    pub interventions: Vec<PlanIntervention>,
    pub participation: Participation,
    /// The review that produced this version.
    #[schema(value_type = Option<String>, format = Date)]
    pub reviewed_on: Option<Date>,
    #[schema(value_type = String, format = Date)]
    pub next_review_on: Date,
    /// The next review date has passed and the plan is open.
    pub review_overdue: bool,
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Date>,
    pub close_reason: Option<String>,
    pub written_by_staff: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub written_at: jiff::Timestamp,
}

impl From<StoredPlan> for SupportPlan {
    fn from(p: StoredPlan) -> Self {
        Self {
            review_overdue: p.review_overdue(today()),
            id: p.id,
            person_id: p.person_id,
            lease_id: p.lease_id,
            version: p.version,
            goals: p.content.goals,
            interventions: p.content.interventions,
            participation: p.content.participation,
            reviewed_on: p.reviewed_on,
            next_review_on: p.content.next_review_on,
            closed_on: p.closed_on,
            close_reason: p.close_reason,
            written_by_staff: p.created_by_staff,
            written_at: p.version_created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanInput {
    /// The lease the support begins with, if any (informational).
    pub lease_id: Option<Uuid>,
    pub content: PlanContent,
}

/// A person's support plans at their current versions, newest first.
///
/// Roles: admin, support_worker (people assigned to them), auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/support-plans", tag = "support plans", operation_id = "list_person_support_plans",
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Plans", body = Vec<SupportPlan>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_person_support_plans(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<Uuid>,
) -> Result<Json<Vec<SupportPlan>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_PLANS)?;
    let plans = work
        .run(async |w| {
            let scope = scope_of(w.principal());
            hemvist_tenants::api::find_person(w.tx(), &scope, person_id).await?.ok_or(ApiError::NotFound("person"))?;
            let plans = repo::plans_of_person(w.tx(), &scope, person_id).await?;
            w.audit(AuditEvent::new(AuditAction::List, "support_plan", None).person(person_id));
            Ok(plans)
        })
        .await?;
    Ok(Json(plans.into_iter().map(SupportPlan::from).collect()))
}

/// Write a person's support plan (version 1).
///
/// Roles: admin, support_worker (people assigned to them).
#[utoipa::path(post, path = "/api/v1/people/{id}/support-plans", tag = "support plans", operation_id = "create_support_plan",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = NewPlanInput,
    responses((status = 201, description = "Written", body = SupportPlan), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_support_plan(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<Uuid>,
    Json(input): Json<NewPlanInput>,
) -> Result<(StatusCode, Json<SupportPlan>), ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PLANS)?;
    let content = input.content.validate(today())?;
    let plan = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let scope = scope_of(principal);
            hemvist_tenants::api::lock_person(tx, &scope, person_id).await?;
            let id = repo::insert_plan(tx, &principal.municipality, person_id, input.lease_id).await?;
            repo::insert_version(tx, &principal.municipality, id, &content, None, principal.staff_id.as_deref())
                .await?;
            hemvist_tenants::api::touch_person(tx, &principal.municipality, person_id).await?;
            let plan = visible(tx, &scope, id, None).await?;
            w.audit(AuditEvent::new(AuditAction::Create, "support_plan", Some(id)).person(person_id));
            Ok(plan)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(plan.into())))
}

/// Get a support plan at its current version.
///
/// Roles: admin, support_worker (people assigned to them), auditor. Audited.
#[utoipa::path(get, path = "/api/v1/support-plans/{id}", tag = "support plans", operation_id = "get_support_plan",
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, description = "The plan", body = SupportPlan), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_support_plan(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<SupportPlan>, ApiError> {
    get_version(&state, &principal, id, None).await
}

/// Get an earlier version of a support plan, as it was written.
///
/// Roles: admin, support_worker (people assigned to them), auditor. Audited.
#[utoipa::path(get, path = "/api/v1/support-plans/{id}/versions/{version}", tag = "support plans", operation_id = "get_support_plan_version",
    params(("id" = Uuid, Path, description = "Plan id"), ("version" = i32, Path, description = "Version number")),
    responses((status = 200, description = "The plan at that version", body = SupportPlan), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_support_plan_version(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, version)): Path<(Uuid, i32)>,
) -> Result<Json<SupportPlan>, ApiError> {
    get_version(&state, &principal, id, Some(version)).await
}

async fn get_version(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    version: Option<i32>,
) -> Result<Json<SupportPlan>, ApiError> {
    let work = state.unit_of_work(principal, READ_PLANS)?;
    let plan = work
        .run(async |w| {
            let plan = visible(w.tx(), &scope_of(w.principal()), id, version).await?;
            w.audit(AuditEvent::new(AuditAction::Read, "support_plan", Some(id)).person(plan.person_id));
            Ok(plan)
        })
        .await?;
    Ok(Json(plan.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosePlanInput {
    #[schema(value_type = String, format = Date)]
    pub closed_on: Date,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
    pub reason: String,
}

impl TryFrom<ClosePlanInput> for PlanClosing {
    type Error = ApiError;

    fn try_from(input: ClosePlanInput) -> Result<Self, ApiError> {
        PlanClosing::new(input.closed_on, &input.reason)
    }
}

/// Close a plan (support no longer needed, or the person declined it). Support may outlive a lease.
///
/// Roles: admin, support_worker (people assigned to them).
#[utoipa::path(post, path = "/api/v1/support-plans/{id}/close", tag = "support plans", operation_id = "close_support_plan",
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = ClosePlanInput,
    responses((status = 200, description = "Closed", body = SupportPlan), WriteProblems),
    security(("bearer" = [])))]
pub async fn close_support_plan(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<ClosePlanInput>,
) -> Result<Json<SupportPlan>, ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PLANS)?;
    let closing = PlanClosing::try_from(input)?;
    let closed = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let scope = scope_of(principal);
            let plan = lock_open(tx, &scope, id, "the plan is already closed").await?;
            repo::close_plan(tx, &principal.municipality, id, closing.closed_on, &closing.reason).await?;
            hemvist_tenants::api::touch_person(tx, &principal.municipality, plan.person_id).await?;
            let closed = visible(tx, &scope, id, None).await?;
            w.audit(AuditEvent::new(AuditAction::Update, "support_plan", Some(id)).person(plan.person_id));
            Ok(closed)
        })
        .await?;
    Ok(Json(closed.into()))
}
