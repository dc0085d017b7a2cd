//! A person's homelessness situation over HTTP.

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems};
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{Classification, HousingFact, Situation, situation_on};
use super::repo::housing_facts_on;
use super::reports::{DateParams, to_facts};
use crate::access::{READ_CASE_FILE, scope};
use crate::people::find_person;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_person_situation))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSituation {
    pub person_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// Absent when not homeless by that count.
    pub national: Option<Situation>,
    pub stockholm: Option<Situation>,
}

/// A person's homelessness situation on a date, by both classifications.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/situation", tag = "people", operation_id = "get_person_situation",
    params(("id" = Uuid, Path, description = "Person id"), DateParams),
    responses((status = 200, description = "The person's situation", body = PersonSituation), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_person_situation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Query(params): Query<DateParams>,
) -> Result<Json<PersonSituation>, ApiError> {
    let work = state.unit_of_work(&principal, READ_CASE_FILE)?;
    let date = params.date.unwrap_or_else(today);
    let rows = work
        .run(async |w| {
            let scope = scope(w.principal());
            find_person(w.tx(), &scope, id).await?.ok_or(ApiError::NotFound("person"))?;
            let rows = housing_facts_on(w.tx(), &scope, date, Some(id)).await?;
            w.audit(AuditEvent::new(AuditAction::Read, "situation", Some(id)).person(id));
            Ok(rows)
        })
        .await?;
    let facts: Vec<HousingFact> = to_facts(&rows).into_values().flat_map(|(_, facts)| facts).collect();
    Ok(Json(PersonSituation {
        person_id: id,
        date,
        national: situation_on(&facts, date, Classification::National),
        stockholm: situation_on(&facts, date, Classification::Stockholm),
    }))
}
