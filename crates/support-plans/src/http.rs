//! Support plans over HTTP. Nothing here reads or writes a lease: a missed visit or a refused
//! treatment has no effect on housing.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::etag::if_match;
use hemvist_platform::night::today;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::period::{self, check_period, not_future};
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};
use hemvist_tenants::api::Scope;
use hemvist_tenants::api::staff_scope;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access::{READ_PLANS, READ_REPORTS, WRITE_PLANS, records_visits_of, visiting_staff};
use crate::model::{Goal, Participation, PlanContent, PlanIntervention};
use crate::repo::{self, StoredPlan, StoredVisit};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_person_support_plans, create_support_plan))
        .routes(routes!(list_overdue_support_plan_reviews))
        .routes(routes!(get_support_plan))
        .routes(routes!(get_support_plan_version))
        .routes(routes!(create_support_plan_revision))
        .routes(routes!(close_support_plan))
        .routes(routes!(list_support_visits, create_support_visit))
        .routes(routes!(update_support_visit))
        .routes(routes!(get_visits_by_worker_report))
        .routes(routes!(get_housing_first_follow_up_report))
}

fn scope(principal: &Principal) -> Scope<'_> {
    Scope { municipality: &principal.municipality, districts: &principal.district_scope, staff: staff_scope(principal) }
}

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
            id: p.id,
            person_id: p.person_id,
            lease_id: p.lease_id,
            version: p.version,
            review_overdue: p.closed_on.is_none() && p.content.next_review_on < today(),
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

async fn read_plan(
    client: &impl hemvist_platform::db::GenericClient,
    principal: &Principal,
    id: Uuid,
    version: Option<i32>,
) -> Result<StoredPlan, ApiError> {
    repo::find_plan(client, &scope(principal), id, version, false).await?.ok_or(ApiError::NotFound("support plan"))
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
    principal.require(READ_PLANS)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let scope = scope(&principal);
    hemvist_tenants::api::find_person(&tx, &scope, person_id).await?.ok_or(ApiError::NotFound("person"))?;
    let plans = repo::plans_of_person(&tx, &scope, person_id).await?;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::List, "support_plan", None).person(person_id)).await?;
    tx.commit().await?;
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
            let scope = scope(principal);
            hemvist_tenants::api::lock_person(tx, &scope, person_id).await?;
            let id = repo::insert_plan(tx, &principal.municipality, person_id, input.lease_id).await?;
            repo::insert_version(tx, &principal.municipality, id, &content, None, principal.staff_id.as_deref())
                .await?;
            hemvist_tenants::api::touch_person(tx, &principal.municipality, person_id).await?;
            let plan = read_plan(tx, principal, id, None).await?;
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
    principal.require(READ_PLANS)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let plan = read_plan(&tx, principal, id, version).await?;
    audit::record(&tx, principal, AuditEvent::new(AuditAction::Read, "support_plan", Some(id)).person(plan.person_id))
        .await?;
    tx.commit().await?;
    Ok(Json(plan.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    pub content: PlanContent,
    /// The review this revision records, if it is one.
    #[schema(value_type = Option<String>, format = Date)]
    pub reviewed_on: Option<Date>,
}

/// Revise a plan: a new version; the old one stays readable.
///
/// Roles: admin, support_worker (people assigned to them). `If-Match: "<version>"` guards against
/// revising a version someone else already revised (412).
#[utoipa::path(post, path = "/api/v1/support-plans/{id}/revisions", tag = "support plans", operation_id = "create_support_plan_revision",
    params(("id" = Uuid, Path, description = "Plan id"), ("if-match" = Option<String>, Header, description = "The version you revise")),
    request_body = RevisionInput,
    responses((status = 201, description = "The new version", body = SupportPlan), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_support_plan_revision(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<RevisionInput>,
) -> Result<(StatusCode, Json<SupportPlan>), ApiError> {
    principal.require(WRITE_PLANS)?;
    let expected = if_match(&headers)?;
    let content = input.content.validate(today())?;
    if let Some(reviewed_on) = input.reviewed_on {
        not_future("reviewed_on", reviewed_on)?;
    }
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let plan =
        repo::find_plan(&tx, &scope(&principal), id, None, true).await?.ok_or(ApiError::NotFound("support plan"))?;
    if plan.closed_on.is_some() {
        return Err(ApiError::conflict("the plan is closed"));
    }
    if expected.is_some_and(|v| v != plan.version) {
        return Err(ApiError::PreconditionFailed);
    }
    repo::insert_version(&tx, &principal.municipality, id, &content, input.reviewed_on, principal.staff_id.as_deref())
        .await?;
    hemvist_tenants::api::touch_person(&tx, &principal.municipality, plan.person_id).await?;
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::Update, "support_plan", Some(id)).person(plan.person_id),
    )
    .await?;
    let revised = read_plan(&tx, &principal, id, None).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(revised.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosePlanInput {
    #[schema(value_type = String, format = Date)]
    pub closed_on: Date,
    pub reason: String,
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
    principal.require(WRITE_PLANS)?;
    let reason = clean_text("reason", &input.reason, 2000, true)?;
    not_future("closed_on", input.closed_on)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let plan =
        repo::find_plan(&tx, &scope(&principal), id, None, true).await?.ok_or(ApiError::NotFound("support plan"))?;
    if plan.closed_on.is_some() {
        return Err(ApiError::conflict("the plan is already closed"));
    }
    repo::close_plan(&tx, &principal.municipality, id, input.closed_on, &reason).await?;
    hemvist_tenants::api::touch_person(&tx, &principal.municipality, plan.person_id).await?;
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::Update, "support_plan", Some(id)).person(plan.person_id),
    )
    .await?;
    let closed = read_plan(&tx, &principal, id, None).await?;
    tx.commit().await?;
    Ok(Json(closed.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Date>,
}

/// Open plans whose review is overdue, longest overdue first, a page at a time.
///
/// Roles: admin, support_worker (people assigned to them), auditor. Each plan on the page is audited
/// with its person.
#[utoipa::path(get, path = "/api/v1/support-plans/overdue-reviews", tag = "support plans", operation_id = "list_overdue_support_plan_reviews",
    params(AsOfParams, PageParams),
    responses((status = 200, description = "A page of plans to review", body = Page<SupportPlan>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_overdue_support_plan_reviews(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AsOfParams>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<SupportPlan>>, ApiError> {
    principal.require(READ_PLANS)?;
    let page = page.parse::<(Date, Uuid)>()?;
    let as_of = params.as_of.unwrap_or_else(today);
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let plans = repo::overdue_reviews(&tx, &scope(&principal), as_of, &page).await?;
    let page = Page::from_rows(plans, page.limit, |p| (p.content.next_review_on, p.id))?;
    let subjects: Vec<_> = page.items.iter().map(|p| (Some(p.id), Some(p.person_id))).collect();
    audit::record_many(&tx, &principal, AuditAction::List, "support_plan", &subjects).await?;
    tx.commit().await?;
    Ok(Json(Page { items: page.items.into_iter().map(SupportPlan::from).collect(), next_cursor: page.next_cursor }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    Planned,
    Held,
    /// The person was not met. This has no consequence for the tenancy.
    Missed,
    Cancelled,
}

impl VisitStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Held => "held",
            Self::Missed => "missed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(raw: &str) -> Self {
        match raw {
            "held" => Self::Held,
            "missed" => Self::Missed,
            "cancelled" => Self::Cancelled,
            _ => Self::Planned,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Visit {
    pub id: Uuid,
    pub plan_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub planned_on: Date,
    pub staff_id: String,
    pub status: VisitStatus,
    pub note: Option<String>,
}

impl From<StoredVisit> for Visit {
    fn from(v: StoredVisit) -> Self {
        Self {
            id: v.id,
            plan_id: v.plan_id,
            planned_on: v.planned_on,
            staff_id: v.staff_id,
            status: VisitStatus::parse(&v.status),
            note: v.note,
        }
    }
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct VisitCounts {
    pub planned: i64,
    pub held: i64,
    pub missed: i64,
    pub cancelled: i64,
}

impl VisitCounts {
    fn add(&mut self, status: &str, count: i64) {
        match status {
            "held" => self.held += count,
            "missed" => self.missed += count,
            "cancelled" => self.cancelled += count,
            _ => self.planned += count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVisits {
    pub plan_id: Uuid,
    /// Still planned, held, missed and cancelled in the period.
    pub counts: VisitCounts,
    pub visits: Vec<Visit>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    #[param(value_type = String, format = Date)]
    pub from: Date,
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

/// A plan's visits in a period, planned against held.
///
/// Roles: admin, support_worker (people assigned to them), auditor. Audited.
#[utoipa::path(get, path = "/api/v1/support-plans/{id}/visits", tag = "support plans", operation_id = "list_support_visits",
    params(("id" = Uuid, Path, description = "Plan id"), PeriodParams),
    responses((status = 200, description = "Visits and counts", body = PlanVisits), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_support_visits(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Query(period): Query<PeriodParams>,
) -> Result<Json<PlanVisits>, ApiError> {
    principal.require(READ_PLANS)?;
    check_period(period.from, period.to, 366)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let plan = read_plan(&tx, &principal, id, None).await?;
    let visits = repo::visits_of_plan(&tx, &principal.municipality, id, period.from, period.to).await?;
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::List, "support_visit", Some(id)).person(plan.person_id),
    )
    .await?;
    tx.commit().await?;
    let mut counts = VisitCounts::default();
    for visit in &visits {
        counts.add(&visit.status, 1);
    }
    Ok(Json(PlanVisits { plan_id: id, counts, visits: visits.into_iter().map(Visit::from).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitPlanInput {
    #[schema(value_type = String, format = Date)]
    pub planned_on: Date,
    /// Who visits; default the member of staff the caller's token speaks for. A support worker may
    /// name only themselves (403 otherwise).
    pub staff_id: Option<String>,
}

/// Plan a visit.
///
/// Roles: admin, support_worker (people assigned to them; only as themselves).
#[utoipa::path(post, path = "/api/v1/support-plans/{id}/visits", tag = "support plans", operation_id = "create_support_visit",
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = VisitPlanInput,
    responses((status = 201, description = "Planned", body = Visit), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_support_visit(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<VisitPlanInput>,
) -> Result<(StatusCode, Json<Visit>), ApiError> {
    principal.require(WRITE_PLANS)?;
    let requested = input.staff_id.as_deref().map(|staff| clean_text("staff_id", staff, 200, false)).transpose()?;
    let staff = visiting_staff(&principal, requested)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let plan =
        repo::find_plan(&tx, &scope(&principal), id, None, true).await?.ok_or(ApiError::NotFound("support plan"))?;
    if plan.closed_on.is_some() {
        return Err(ApiError::conflict("the plan is closed"));
    }
    let visit_id = repo::insert_visit(&tx, &principal.municipality, id, input.planned_on, &staff).await?;
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::Create, "support_visit", Some(visit_id)).person(plan.person_id),
    )
    .await?;
    let visit =
        repo::find_visit(&tx, &principal.municipality, id, visit_id).await?.ok_or(ApiError::NotFound("visit"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(visit.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitRecordInput {
    /// `held`, `missed` or `cancelled`.
    pub status: VisitStatus,
    pub note: Option<String>,
}

/// Record how a planned visit went. A missed visit changes nothing but the record.
///
/// Roles: admin, support_worker (people assigned to them; only their own visits).
#[utoipa::path(put, path = "/api/v1/support-plans/{id}/visits/{visit_id}", tag = "support plans", operation_id = "update_support_visit",
    params(("id" = Uuid, Path, description = "Plan id"), ("visit_id" = Uuid, Path, description = "Visit id")),
    request_body = VisitRecordInput,
    responses((status = 200, description = "Recorded", body = Visit), WriteProblems),
    security(("bearer" = [])))]
pub async fn update_support_visit(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, visit_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<VisitRecordInput>,
) -> Result<Json<Visit>, ApiError> {
    principal.require(WRITE_PLANS)?;
    if input.status == VisitStatus::Planned {
        return Err(ApiError::invalid("status", "record held, missed or cancelled"));
    }
    let note = input.note.as_deref().map(|n| clean_text("note", n, 2000, true)).transpose()?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let plan = read_plan(&tx, &principal, id, None).await?;
    let visit =
        repo::find_visit(&tx, &principal.municipality, id, visit_id).await?.ok_or(ApiError::NotFound("visit"))?;
    if !records_visits_of(&principal, &visit.staff_id) {
        return Err(ApiError::forbidden("a support worker records only their own visits"));
    }
    if input.status == VisitStatus::Held && visit.planned_on > today() {
        return Err(ApiError::invalid("status", "a visit planned for a later day cannot have been held"));
    }
    repo::record_visit(&tx, &principal.municipality, visit_id, input.status.as_str(), note.as_deref()).await?;
    hemvist_tenants::api::touch_person(&tx, &principal.municipality, plan.person_id).await?;
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::Update, "support_visit", Some(visit_id)).person(plan.person_id),
    )
    .await?;
    let visit =
        repo::find_visit(&tx, &principal.municipality, id, visit_id).await?.ok_or(ApiError::NotFound("visit"))?;
    tx.commit().await?;
    Ok(Json(visit.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerVisits {
    pub staff_id: String,
    pub counts: VisitCounts,
    /// held / (held + missed); absent without either.
    pub share_held: Option<f64>,
}

/// Planned against held visits per support worker (support workers: their own).
///
/// Roles: admin, auditor, support_worker (own figures). Counts only.
#[utoipa::path(get, path = "/api/v1/reports/visits-by-worker", tag = "reports", operation_id = "get_visits_by_worker_report",
    params(PeriodParams),
    responses((status = 200, description = "Per worker", body = Vec<WorkerVisits>), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_visits_by_worker_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(period): Query<PeriodParams>,
) -> Result<Json<Vec<WorkerVisits>>, ApiError> {
    principal.require(READ_PLANS)?;
    check_period(period.from, period.to, 366)?;
    let own = staff_scope(&principal);
    let client = state.db().await?;
    let rows = repo::visits_by_staff(&client, &principal.municipality, own, period.from, period.to).await?;
    let mut workers: BTreeMap<String, VisitCounts> = BTreeMap::new();
    for (staff, status, count) in rows {
        workers.entry(staff).or_default().add(&status, count);
    }
    Ok(Json(
        workers
            .into_iter()
            .map(|(staff_id, counts)| {
                let met = counts.held + counts.missed;
                let share_held = (met > 0).then(|| counts.held as f64 / met as f64);
                WorkerVisits { staff_id, counts, share_held }
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParams {
    /// `YYYY-MM`.
    #[param(example = "2026-11")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HousingFirstFollowUp {
    pub month: String,
    /// Bostad Först tenants whose lease ran during the month.
    pub tenants: usize,
    /// Visits held in the month for them.
    pub visits_held: i64,
    pub visits_per_tenant: Option<f64>,
    /// Share whose open plan was not overdue for review at the month's end.
    pub share_reviewed_on_time: Option<f64>,
    /// Share whose open plan the person has agreed to.
    pub share_with_agreed_plan: Option<f64>,
    /// Tenants without an open plan (support is offered, never required).
    pub without_plan: usize,
}

/// Housing First follow-up for a month: visits, reviews on time, agreed plans.
///
/// Roles: admin, auditor. Counts only.
#[utoipa::path(get, path = "/api/v1/reports/housing-first-follow-up", tag = "reports", operation_id = "get_housing_first_follow_up_report",
    params(MonthParams),
    responses((status = 200, description = "The month's follow-up", body = HousingFirstFollowUp), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_housing_first_follow_up_report(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<MonthParams>,
) -> Result<Json<HousingFirstFollowUp>, ApiError> {
    principal.require(READ_REPORTS)?;
    let month = params.month.trim();
    let (first, last) = period::month("month", month)?;
    let client = state.db().await?;
    let rows = repo::housing_first_follow_up(&client, &principal.municipality, first, last).await?;
    let tenants = rows.len();
    let visits_held: i64 = rows.iter().map(|r| r.1).sum();
    let with_plan: Vec<_> = rows.iter().filter(|r| r.2.is_some()).collect();
    let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
    Ok(Json(HousingFirstFollowUp {
        month: month.to_owned(),
        tenants,
        visits_held,
        visits_per_tenant: share(usize::try_from(visits_held).unwrap_or(0), tenants),
        share_reviewed_on_time: share(
            with_plan.iter().filter(|r| r.2.is_some_and(|next| next >= last)).count(),
            with_plan.len(),
        ),
        share_with_agreed_plan: share(with_plan.iter().filter(|r| r.3.is_some()).count(), with_plan.len()),
        without_plan: tenants - with_plan.len(),
    }))
}
