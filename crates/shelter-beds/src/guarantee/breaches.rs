//! Guarantee breaches after the night: a request that found no suitable bed stays open until a
//! coordinator records how it was resolved (who, when, how); the open ones are a list to work through.

use axum::extract::State;
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::pagination::{Page, PageParams, PageRequest};
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::http::{GuaranteeRequest, guarantee_request, request_page, request_view};
use super::model::{BreachState, GuaranteeOutcome, Resolution, ResolutionKind};
use super::repo::{self, NewResolution, StoredRequest, StoredResolution};
use crate::access::RESOLVE_BREACHES;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_guarantee_breaches)).routes(routes!(resolve_guarantee_breach))
}

/// How a breach was resolved, by whom and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreachResolution {
    pub kind: ResolutionKind,
    /// The shelter the person was placed in later. Absent for a protected person to a coordinator who
    /// sees who they are but did not record the placement.
    pub shelter_id: Option<Uuid>,
    pub note: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub resolved_at: Timestamp,
    /// The token that recorded it.
    pub resolved_by: Uuid,
    pub resolved_by_role: String,
    /// The member of staff the token speaks for, when it does.
    pub resolved_by_staff: Option<String>,
}

impl From<StoredResolution> for BreachResolution {
    fn from(r: StoredResolution) -> Self {
        Self {
            kind: r.kind,
            shelter_id: r.shelter_id,
            note: r.note,
            resolved_at: r.resolved_at,
            resolved_by: r.resolved_by,
            resolved_by_role: r.resolved_by_role,
            resolved_by_staff: r.resolved_by_staff,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreachParams {
    /// `open` (default), `resolved` or `all`.
    #[serde(default)]
    #[param(inline)]
    pub state: BreachState,
}

/// Guarantee breaches (requests that found no suitable bed), oldest first, a page at a time: by
/// default the open ones, which stay open until a resolution is recorded.
///
/// Roles: admin, night_coordinator. Audited per person; protected people by alias as on every list.
#[utoipa::path(get, path = "/api/v1/guarantee-breaches", tag = "guarantee", operation_id = "list_guarantee_breaches",
    params(BreachParams, PageParams),
    responses((status = 200, description = "A page of breaches, oldest first", body = Page<GuaranteeRequest>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_guarantee_breaches(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<BreachParams>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<GuaranteeRequest>>, ApiError> {
    let work = state.unit_of_work(&principal, RESOLVE_BREACHES)?;
    let page = page.parse::<repo::RequestKey>()?;
    let page = work
        .run(async |w| {
            let rows = repo::list_breaches(w.tx(), &w.principal().municipality, params.state, &page).await?;
            request_page(w, Page::from_rows(rows, page.limit, |r| (r.requested_at, r.id))?).await
        })
        .await?;
    Ok(Json(page))
}

/// The open breaches, oldest first, at most `limit`, as [`list_guarantee_breaches`] shows them (audited
/// per person, protected people by alias): for the web app. Run it in a unit of work opened for
/// [`RESOLVE_BREACHES`].
pub async fn open_breaches(w: &mut Work<'_>, limit: u32) -> Result<Vec<GuaranteeRequest>, ApiError> {
    let page = PageRequest { limit, after: None };
    let rows = repo::list_breaches(w.tx(), &w.principal().municipality, BreachState::Open, &page).await?;
    Ok(request_page(w, Page::from_rows(rows, limit, |r| (r.requested_at, r.id))?).await?.items)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionInput {
    pub kind: ResolutionKind,
    /// Required for `placed_later`, not allowed otherwise. A shelter in another municipality only when
    /// the request recorded the person's consent.
    pub shelter_id: Option<Uuid>,
    /// Free text, up to 2000 characters; required for `other`.
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
    pub note: Option<String>,
    /// When it was resolved (default now): not before the request, not in the future.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Timestamp>,
}

/// Record how a guarantee breach was resolved. A breach is resolved once: again is 409, as is a
/// request that was no breach.
///
/// Roles: admin, night_coordinator. Audited.
#[utoipa::path(post, path = "/api/v1/guarantee-breaches/{id}/resolution", tag = "guarantee",
    operation_id = "resolve_guarantee_breach",
    params(("id" = Uuid, Path, description = "The guarantee request that was a breach")),
    request_body = ResolutionInput,
    responses((status = 200, description = "The request with its resolution", body = GuaranteeRequest), WriteProblems),
    security(("bearer" = [])))]
pub async fn resolve_guarantee_breach(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    Json(input): Json<ResolutionInput>,
) -> Result<Json<GuaranteeRequest>, ApiError> {
    let work = state.unit_of_work(&principal, RESOLVE_BREACHES)?;
    let resolution =
        Resolution::new(input.kind, input.shelter_id, input.note.as_deref(), input.resolved_at, Timestamp::now())?;
    let view = work.run(async |w| resolve_breach(w, id, resolution).await).await?;
    Ok(Json(view))
}

/// Records the resolution of the open breach `id`: once, not before the request, and a later placement
/// in another municipality only when the request recorded the person's consent. What
/// [`resolve_guarantee_breach`] and the web app both call, in a unit of work opened for
/// [`RESOLVE_BREACHES`]; the request as the caller may see it.
pub async fn resolve_breach(w: &mut Work<'_>, id: Uuid, resolution: Resolution) -> Result<GuaranteeRequest, ApiError> {
    let stored = resolve(w, id, resolution).await?;
    request_view(w.tx(), w.principal(), stored).await
}

async fn resolve(w: &mut Work<'_>, id: Uuid, resolution: Resolution) -> Result<StoredRequest, ApiError> {
    let (tx, principal) = (w.tx(), w.principal());
    let municipality = &principal.municipality;
    let request = repo::lock_request(tx, municipality, id).await?.ok_or(ApiError::NotFound("guarantee request"))?;
    if request.outcome != GuaranteeOutcome::NoSuitableBed {
        return Err(ApiError::conflict("the request was no guarantee breach"));
    }
    if request.resolution.is_some() {
        return Err(ApiError::conflict("the breach is already resolved"));
    }
    if resolution.resolved_at < request.requested_at {
        return Err(ApiError::invalid("resolved_at", "must not be before the request"));
    }
    if let Some(shelter) = resolution.shelter_id {
        let shelter = crate::shelters::repo::find_shelter(tx, municipality, None, shelter)
            .await?
            .ok_or_else(|| ApiError::invalid("shelter_id", "no such shelter"))?;
        // A bed in another municipality only with the person's consent, on every path.
        if shelter.outside_municipality && !request.consent_outside_municipality {
            return Err(ApiError::invalid(
                "shelter_id",
                "the shelter is in another municipality and the person did not consent to that",
            ));
        }
    }
    let kind = resolution.kind;
    let new = NewResolution {
        kind,
        shelter_id: resolution.shelter_id,
        note: resolution.note,
        resolved_at: resolution.resolved_at,
        resolved_by: principal.token_id,
        resolved_by_role: principal.role.as_str(),
        resolved_by_staff: principal.staff_id.as_deref(),
    };
    if !repo::resolve_breach(tx, municipality, id, &new).await? {
        return Err(ApiError::conflict("the breach is already resolved"));
    }
    let stored = guarantee_request(tx, municipality, id).await?;
    w.audit(
        AuditEvent::new(AuditAction::Update, "guarantee_breach", Some(id))
            .person(request.person_id)
            .details(serde_json::json!({"kind": kind.as_str()})),
    );
    Ok(stored)
}
