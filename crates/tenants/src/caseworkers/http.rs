//! A person's caseworkers over HTTP: the history, and a new assignment.

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, ReadProblems, Work, WriteProblems};
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
    OpenApiRouter::new().routes(routes!(list_caseworkers, assign_caseworker))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseworkerPeriod {
    pub caseworker: String,
    #[schema(value_type = String, format = DateTime)]
    pub assigned_at: jiff::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<jiff::Timestamp>,
}

impl From<repo::CaseworkerPeriod> for CaseworkerPeriod {
    fn from(c: repo::CaseworkerPeriod) -> Self {
        Self { caseworker: c.caseworker, assigned_at: c.assigned_at, ended_at: c.ended_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseworkerInput {
    #[schema(example = "anna.berg", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub caseworker: String,
}

/// The person's caseworker history, audited as read: it is personal data.
async fn history(w: &mut Work<'_>, id: Uuid) -> Result<Vec<CaseworkerPeriod>, ApiError> {
    let history = repo::caseworker_history(w.tx(), &scope(w.principal()), id).await?;
    w.audit(AuditEvent::new(AuditAction::Read, "caseworker_history", Some(id)).person(id));
    Ok(history.into_iter().map(CaseworkerPeriod::from).collect())
}

/// A person's caseworkers, oldest first; the current one has no `ended_at`.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/caseworkers", tag = "people", operation_id = "list_caseworkers",
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Caseworker history", body = Vec<CaseworkerPeriod>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_caseworkers(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<CaseworkerPeriod>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_CASE_FILE)?;
    let history = work
        .run(async |w| {
            read_person(w.tx(), w.principal(), id).await?;
            history(w, id).await
        })
        .await?;
    Ok(Json(history))
}

/// Make someone the person's caseworker from now on; the previous assignment ends (history kept).
///
/// Roles: admin, housing_officer. Assigning the current caseworker again changes nothing. The history
/// returned is audited as read.
#[utoipa::path(put, path = "/api/v1/people/{id}/caseworkers", tag = "people", operation_id = "assign_caseworker",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = CaseworkerInput,
    responses((status = 200, description = "Caseworker history after the change", body = Vec<CaseworkerPeriod>), WriteProblems),
    security(("bearer" = [])))]
pub async fn assign_caseworker(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<CaseworkerInput>,
) -> Result<Json<Vec<CaseworkerPeriod>>, ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let caseworker = clean_text("caseworker", &input.caseworker, 200, false)?;
    let history = work
        .run(async |w| {
            let scope = scope(w.principal());
            lock_person(w.tx(), &scope, id).await?;
            if repo::assign_caseworker(w.tx(), &scope, id, &caseworker).await? {
                w.audit(AuditEvent::new(AuditAction::Update, "caseworker", Some(id)).person(id));
            }
            // The answer shows the history, personal data, even when nothing changed: audited as a read.
            history(w, id).await
        })
        .await?;
    Ok(Json(history))
}
