//! Housing arrangements over HTTP: list, record, end.

use axum::extract::State;
use axum::http::StatusCode;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::night::today;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, ReadProblems, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::{NewArrangement, check_end};
use super::repo::{self, StoredArrangement};
use crate::access::{READ_CASE_FILE, WRITE_PEOPLE, scope};
use crate::people::http::read_person;
use crate::people::lock_person;
use crate::situations::model::FactKind;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_housing_arrangements, create_housing_arrangement))
        .routes(routes!(end_housing_arrangement))
}

/// Where a person stays over a period, as recorded by staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct HousingArrangement {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: FactKind,
    #[schema(value_type = String, format = Date)]
    pub valid_from: Date,
    /// First day it no longer applies; absent while ongoing.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<Date>,
    pub note: Option<String>,
}

impl From<StoredArrangement> for HousingArrangement {
    fn from(a: StoredArrangement) -> Self {
        Self {
            id: a.id,
            person_id: a.person_id,
            kind: a.kind,
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            note: a.note,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HousingArrangementInput {
    /// One of the recorded kinds; leases and shelter nights are recorded by their own resources.
    /// `own_short_term` is any other own short-term arrangement than a second-hand contract or living
    /// with relatives or friends.
    pub kind: FactKind,
    #[schema(value_type = String, format = Date)]
    pub valid_from: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<Date>,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
    pub note: Option<String>,
}

impl TryFrom<HousingArrangementInput> for NewArrangement {
    type Error = ApiError;

    fn try_from(input: HousingArrangementInput) -> Result<Self, ApiError> {
        if !input.kind.is_recorded_arrangement() {
            return Err(ApiError::invalid("kind", "leases and shelter nights are recorded by their own resources"));
        }
        if input.valid_to.is_some_and(|to| to <= input.valid_from) {
            return Err(ApiError::invalid("valid_to", "must be after valid_from"));
        }
        let note = input.note.as_deref().map(|n| clean_text("note", n, 2000, true)).transpose()?;
        Ok(NewArrangement { kind: input.kind, valid_from: input.valid_from, valid_to: input.valid_to, note })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndArrangementInput {
    /// The first day the arrangement no longer holds (the person left the street, moved out): after
    /// `valid_from`, not in the future, and before an end already recorded.
    #[schema(value_type = String, format = Date)]
    pub ended_on: Date,
}

/// A person's recorded housing arrangements.
///
/// Roles: admin, housing_officer, support_worker, auditor. Audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/housing-arrangements", tag = "people",
    operation_id = "list_housing_arrangements",
    params(("id" = Uuid, Path, description = "Person id")),
    responses((status = 200, description = "Arrangements, oldest first", body = Vec<HousingArrangement>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_housing_arrangements(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<HousingArrangement>>, ApiError> {
    let rows = state
        .unit_of_work(&principal, READ_CASE_FILE)?
        .run(async |w| {
            read_person(w.tx(), w.principal(), id).await?;
            let rows = repo::list(w.tx(), &scope(w.principal()), id).await?;
            w.audit(AuditEvent::new(AuditAction::Read, "housing_arrangement", Some(id)).person(id));
            Ok(rows)
        })
        .await?;
    Ok(Json(rows.into_iter().map(HousingArrangement::from).collect()))
}

/// Record where a person stays (outdoors, in an institution due to leave without a home, with
/// relatives, on a second-hand contract...).
///
/// Roles: admin, housing_officer.
#[utoipa::path(post, path = "/api/v1/people/{id}/housing-arrangements", tag = "people",
    operation_id = "create_housing_arrangement",
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = HousingArrangementInput,
    responses((status = 201, description = "Recorded", body = HousingArrangement), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_housing_arrangement(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<HousingArrangementInput>,
) -> Result<(StatusCode, Json<HousingArrangement>), ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PEOPLE)?;
    let new = NewArrangement::try_from(input)?;
    let stored = work
        .run(async |w| {
            let scope = scope(w.principal());
            lock_person(w.tx(), &scope, id).await?;
            let stored = repo::insert(w.tx(), &scope, id, &new).await?;
            w.audit(AuditEvent::new(AuditAction::Create, "housing_arrangement", Some(stored.id)).person(id));
            Ok(stored)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// End a housing arrangement: from `ended_on` on it no longer counts (a person leaves the street).
/// An end before one already recorded corrects it.
///
/// Roles: admin, housing_officer. Audited.
#[utoipa::path(post, path = "/api/v1/people/{id}/housing-arrangements/{arrangement_id}/end", tag = "people",
    operation_id = "end_housing_arrangement",
    params(("id" = Uuid, Path, description = "Person id"), ("arrangement_id" = Uuid, Path, description = "Arrangement id")),
    request_body = EndArrangementInput,
    responses((status = 200, description = "Ended", body = HousingArrangement), WriteProblems),
    security(("bearer" = [])))]
pub async fn end_housing_arrangement(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, arrangement_id)): Path<(Uuid, Uuid)>,
    Json(input): Json<EndArrangementInput>,
) -> Result<Json<HousingArrangement>, ApiError> {
    let ended = state
        .unit_of_work(&principal, WRITE_PEOPLE)?
        .run(async |w| {
            let scope = scope(w.principal());
            lock_person(w.tx(), &scope, id).await?;
            let current = repo::find_for_update(w.tx(), &scope, id, arrangement_id)
                .await?
                .ok_or(ApiError::NotFound("housing arrangement"))?;
            check_end(current.valid_from, current.valid_to, input.ended_on, today())?;
            let ended = repo::end(w.tx(), &scope, id, arrangement_id, input.ended_on).await?;
            w.audit(AuditEvent::new(AuditAction::Update, "housing_arrangement", Some(arrangement_id)).person(id));
            Ok(ended)
        })
        .await?;
    Ok(Json(ended.into()))
}
