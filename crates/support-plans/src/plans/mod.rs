//! Support plans: a person's goals, interventions and participation, versioned; closed when support
//! is no longer needed (it may outlive a lease).

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

use hemvist_platform::ApiError;
use hemvist_platform::db::GenericClient;
use hemvist_tenants::api::Scope;
use uuid::Uuid;

use model::StoredPlan;

/// The plan at `version` (its current one when None) if the scope sees its person; 404 otherwise.
pub(crate) async fn visible(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    version: Option<i32>,
) -> Result<StoredPlan, ApiError> {
    repo::find_plan(client, scope, id, version, false).await?.ok_or(ApiError::NotFound("support plan"))
}

/// The current plan, locked for a change: 404 where the scope does not see it, 409 with `detail`
/// when it is closed.
pub(crate) async fn lock_open(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    detail: &str,
) -> Result<StoredPlan, ApiError> {
    let plan = repo::find_plan(client, scope, id, None, true).await?.ok_or(ApiError::NotFound("support plan"))?;
    plan.check_open(detail)?;
    Ok(plan)
}
