//! Follow-ups of a lease over HTTP: plan an extra one, record one held. Both are changes of the lease
//! (its version and audit event), so they run through `change_lease`.

use axum::extract::State;
use axum::response::Response;
use hemvist_platform::auth::Principal;
use hemvist_platform::period::not_future;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, WriteProblems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::repo::{self, StoredFollowUp};
use crate::access::MANAGE_HOUSING;
use crate::leases::http::{Lease, run_change};
use crate::leases::model::LeaseStatus;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_lease_follow_up)).routes(routes!(update_lease_follow_up))
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

impl From<StoredFollowUp> for FollowUp {
    fn from(f: StoredFollowUp) -> Self {
        let counts_toward_takeover = f.record().counts_toward_takeover();
        FollowUp {
            id: f.id,
            planned_on: f.planned_on,
            held_on: f.held_on,
            note: f.note,
            scheduled: f.scheduled,
            counts_toward_takeover,
        }
    }
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
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    run_change(work, id, None, async |w, lease| {
        if lease.status != LeaseStatus::Active {
            return Err(ApiError::conflict("follow-ups belong to active leases"));
        }
        let municipality = &w.principal().municipality;
        Ok(repo::insert_follow_ups(w.tx(), municipality, lease.id, &[input.planned_on], false).await?)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpHeldInput {
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
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
    let work = state.unit_of_work(&principal, MANAGE_HOUSING)?;
    not_future("held_on", input.held_on)?;
    let note = input.note.as_deref().map(|n| clean_text("note", n, 2000, true)).transpose()?;
    run_change(work, id, None, async |w, lease| {
        let (municipality, held_on) = (&w.principal().municipality, input.held_on);
        match repo::record_follow_up_held(w.tx(), municipality, lease.id, follow_up_id, held_on, note.as_deref())
            .await?
        {
            true => Ok(()),
            false => Err(ApiError::NotFound("follow-up")),
        }
    })
    .await
}
