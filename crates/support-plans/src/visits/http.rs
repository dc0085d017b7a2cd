//! Visits over HTTP: a plan's visits in a period, plan one, record how one went. Nothing here reads
//! or writes a lease: a missed visit has no effect on housing.

use axum::extract::State;
use axum::http::StatusCode;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::period::check_period;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};
use hemvist_tenants::api::support::scope_of;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::{StoredVisit, VisitCounts, VisitRecord, VisitStatus};
use super::repo;
use crate::access::{READ_PLANS, WRITE_PLANS, records_visits_of, visiting_staff};
use crate::plans;

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
            status: v.status,
            note: v.note,
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
    let work = state.unit_of_work(&principal, READ_PLANS)?;
    check_period(period.from, period.to, 366)?;
    let visits = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let plan = plans::visible(tx, &scope_of(principal), id, None).await?;
            let visits = repo::visits_of_plan(tx, &principal.municipality, id, period.from, period.to).await?;
            w.audit(AuditEvent::new(AuditAction::List, "support_visit", Some(id)).person(plan.person_id));
            Ok(visits)
        })
        .await?;
    let counts = visits.iter().map(|v| &v.status).collect();
    Ok(Json(PlanVisits { plan_id: id, counts, visits: visits.into_iter().map(Visit::from).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitPlanInput {
    #[schema(value_type = String, format = Date)]
    pub planned_on: Date,
    /// Who visits; default the member of staff the caller's token speaks for. A support worker may
    /// name only themselves (403 otherwise).
    #[schema(min_length = 1, max_length = 200, pattern = "hemvist:line")]
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
    let work = state.unit_of_work(&principal, WRITE_PLANS)?;
    let requested = input.staff_id.as_deref().map(|staff| clean_text("staff_id", staff, 200, false)).transpose()?;
    let staff = visiting_staff(&principal, requested)?;
    let visit = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let plan = plans::lock_open(tx, &scope_of(principal), id, "the plan is closed").await?;
            let visit_id = repo::insert_visit(tx, &principal.municipality, id, input.planned_on, &staff).await?;
            let visit = repo::find_visit(tx, &principal.municipality, id, visit_id)
                .await?
                .ok_or(ApiError::NotFound("visit"))?;
            w.audit(AuditEvent::new(AuditAction::Create, "support_visit", Some(visit_id)).person(plan.person_id));
            Ok(visit)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(visit.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitRecordInput {
    /// `held`, `missed` or `cancelled`.
    pub status: VisitStatus,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
    pub note: Option<String>,
}

impl TryFrom<VisitRecordInput> for VisitRecord {
    type Error = ApiError;

    fn try_from(input: VisitRecordInput) -> Result<Self, ApiError> {
        VisitRecord::new(input.status, input.note.as_deref())
    }
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
    let work = state.unit_of_work(&principal, WRITE_PLANS)?;
    let record = VisitRecord::try_from(input)?;
    let visit = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let municipality = &principal.municipality;
            let plan = plans::visible(tx, &scope_of(principal), id, None).await?;
            let visit = repo::find_visit(tx, municipality, id, visit_id).await?.ok_or(ApiError::NotFound("visit"))?;
            if !records_visits_of(principal, &visit.staff_id) {
                return Err(ApiError::forbidden("a support worker records only their own visits"));
            }
            record.check_day(visit.planned_on, today())?;
            repo::record_visit(tx, municipality, visit_id, record.status, record.note.as_deref()).await?;
            hemvist_tenants::api::touch_person(tx, municipality, plan.person_id).await?;
            let visit = repo::find_visit(tx, municipality, id, visit_id).await?.ok_or(ApiError::NotFound("visit"))?;
            w.audit(AuditEvent::new(AuditAction::Update, "support_visit", Some(visit_id)).person(plan.person_id));
            Ok(visit)
        })
        .await?;
    Ok(Json(visit.into()))
}
