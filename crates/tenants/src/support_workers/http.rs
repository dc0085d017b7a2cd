//! Support workers assigned to a person over HTTP: list, assign, end.

use axum::extract::State;
use axum::http::StatusCode;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, OnConstraint, Path, ReadProblems, Work, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::repo;
use crate::access::{READ_CASE_FILE, WRITE_PEOPLE, scope};
use crate::people::http::read_person;
use crate::people::lock_person;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_support_workers, create_support_worker_assignment))
        .routes(routes!(end_support_worker_assignment))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupportAssignment {
    pub id: Uuid,
    /// The support worker (member of staff).
    pub staff_id: String,
    #[schema(value_type = String, format = Date)]
    pub assigned_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<Date>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportAssignmentInput {
    #[schema(example = "lena.holm", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub staff_id: String,
    #[schema(value_type = String, format = Date)]
    pub assigned_on: Date,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndSupportAssignmentInput {
    #[schema(value_type = String, format = Date)]
    pub ended_on: Date,
}

/// The person's support assignments, oldest first.
async fn assignments(w: &Work<'_>, id: Uuid) -> Result<Vec<SupportAssignment>, ApiError> {
    Ok(repo::support_assignments(w.tx(), &scope(w.principal()), id)
        .await?
        .into_iter()
        .map(|a| SupportAssignment { id: a.id, staff_id: a.staff_id, assigned_on: a.assigned_on, ended_on: a.ended_on })
        .collect())
}

/// The support workers assigned to a person, oldest first. Support workers see only the people
/// assigned to them.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/support-workers", tag = "people", operation_id = "list_support_workers",
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Assignments", body = Vec<SupportAssignment>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_support_workers(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<SupportAssignment>>, ApiError> {
    let views = state
        .unit_of_work(&principal, READ_CASE_FILE)?
        .run(async |w| {
            read_person(w.tx(), w.principal(), id).await?;
            let views = assignments(w, id).await?;
            w.audit(AuditEvent::new(AuditAction::Read, "support_assignment", Some(id)).person(id));
            Ok(views)
        })
        .await?;
    Ok(Json(views))
}

/// Assign a support worker to a person.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/people/{id}/support-workers", tag = "people", operation_id = "create_support_worker_assignment",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = SupportAssignmentInput,
    responses((status = 201, description = "The person's assignments", body = Vec<SupportAssignment>), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_support_worker_assignment(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<SupportAssignmentInput>,
) -> Result<(StatusCode, Json<Vec<SupportAssignment>>), ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let staff = clean_text("staff_id", &input.staff_id, 200, false)?;
    let views = work
        .run(async |w| {
            let scope = scope(w.principal());
            lock_person(w.tx(), &scope, id).await?;
            repo::assign_support_worker(w.tx(), &scope, id, &staff, input.assigned_on)
                .await
                .on_constraint(repo::ASSIGNED_ONCE, || {
                    ApiError::conflict("that member of staff is already assigned to the person for part of that time")
                })?;
            w.audit(AuditEvent::new(AuditAction::Create, "support_assignment", Some(id)).person(id));
            assignments(w, id).await
        })
        .await?;
    Ok((StatusCode::CREATED, Json(views)))
}

/// End a support worker's assignment to a person.
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/people/{id}/support-workers/{assignment_id}/end", tag = "people",
    operation_id = "end_support_worker_assignment",
    params(("id" = Uuid, Path, description = "Person id"), ("assignment_id" = Uuid, Path, description = "Assignment id")),
    request_body = EndSupportAssignmentInput,
    responses((status = 200, description = "The person's assignments", body = Vec<SupportAssignment>), WriteProblems),
    security(("bearer" = [])))]
pub async fn end_support_worker_assignment(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, assignment_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<EndSupportAssignmentInput>,
) -> Result<Json<Vec<SupportAssignment>>, ApiError> {
    let views = state
        .unit_of_work(&principal, WRITE_PEOPLE)?
        .run(async |w| {
            let scope = scope(w.principal());
            lock_person(w.tx(), &scope, id).await?;
            if !repo::end_support_assignment(w.tx(), &scope, id, assignment_id, input.ended_on).await? {
                return Err(ApiError::NotFound("open assignment starting on or before that date"));
            }
            w.audit(AuditEvent::new(AuditAction::Update, "support_assignment", Some(id)).person(id));
            assignments(w, id).await
        })
        .await?;
    Ok(Json(views))
}
