//! Guarantee breaches after the night: a request that found no suitable bed stays open until a
//! coordinator records how it was resolved (who, when, how); the open ones are a list to work through.

use axum::extract::State;
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::guarantee::{GuaranteeOutcome, GuaranteeRequest, request_page, request_view};
use crate::access::RESOLVE_BREACHES;
use crate::repo::{self, BreachFilter, NewResolution, StoredResolution};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_guarantee_breaches)).routes(routes!(resolve_guarantee_breach))
}

/// How a breach was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionKind {
    /// A bed was found later that night (name the shelter).
    PlacedLater,
    /// Emergency housing instead (hotel, jourlägenhet).
    EmergencyHousing,
    /// The person declined what was offered.
    Declined,
    /// Something else (say what in the note).
    Other,
}

impl ResolutionKind {
    const ALL: [Self; 4] = [Self::PlacedLater, Self::EmergencyHousing, Self::Declined, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlacedLater => "placed_later",
            Self::EmergencyHousing => "emergency_housing",
            Self::Declined => "declined",
            Self::Other => "other",
        }
    }

    fn parse(raw: &str) -> Result<Self, ApiError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| ApiError::internal(format!("unknown breach resolution {raw}")))
    }
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

impl TryFrom<StoredResolution> for BreachResolution {
    type Error = ApiError;

    fn try_from(r: StoredResolution) -> Result<Self, ApiError> {
        Ok(Self {
            kind: ResolutionKind::parse(&r.resolution)?,
            shelter_id: r.shelter_id,
            note: r.note,
            resolved_at: r.resolved_at,
            resolved_by: r.resolved_by,
            resolved_by_role: r.resolved_by_role,
            resolved_by_staff: r.resolved_by_staff,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreachState {
    /// Not yet resolved (the default).
    #[default]
    Open,
    Resolved,
    All,
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
    principal.require(RESOLVE_BREACHES)?;
    let page = page.parse::<repo::RequestKey>()?;
    let filter = match params.state {
        BreachState::Open => BreachFilter::Open,
        BreachState::Resolved => BreachFilter::Resolved,
        BreachState::All => BreachFilter::All,
    };
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let rows = repo::list_breaches(&tx, &principal.municipality, filter, &page).await?;
    let page = Page::from_rows(rows, page.limit, |r| (r.requested_at, r.id))?;
    let items = request_page(&tx, &principal, page.items).await?;
    tx.commit().await?;
    Ok(Json(Page { items, next_cursor: page.next_cursor }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionInput {
    pub kind: ResolutionKind,
    /// Required for `placed_later`, not allowed otherwise. A shelter in another municipality only when
    /// the request recorded the person's consent.
    pub shelter_id: Option<Uuid>,
    /// Free text, up to 2000 characters; required for `other`.
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
    principal.require(RESOLVE_BREACHES)?;
    let note = input.note.as_deref().map(|n| clean_text("note", n, 2000, true)).transpose()?;
    match (input.kind, input.shelter_id) {
        (ResolutionKind::PlacedLater, None) => {
            return Err(ApiError::invalid("shelter_id", "name the shelter the person was placed in"));
        }
        (ResolutionKind::PlacedLater, Some(_)) | (_, None) => {}
        (_, Some(_)) => return Err(ApiError::invalid("shelter_id", "only for a placement later")),
    }
    if input.kind == ResolutionKind::Other && note.is_none() {
        return Err(ApiError::invalid("note", "say how it was resolved"));
    }
    let now = Timestamp::now();
    let resolved_at = input.resolved_at.unwrap_or(now);
    if resolved_at > now + jiff::SignedDuration::from_secs(60) {
        return Err(ApiError::invalid("resolved_at", "must not be in the future"));
    }
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let request =
        repo::lock_request(&tx, &principal.municipality, id).await?.ok_or(ApiError::NotFound("guarantee request"))?;
    if GuaranteeOutcome::parse(&request.outcome)? != GuaranteeOutcome::NoSuitableBed {
        return Err(ApiError::conflict("the request was no guarantee breach"));
    }
    if request.resolution.is_some() {
        return Err(ApiError::conflict("the breach is already resolved"));
    }
    if resolved_at < request.requested_at {
        return Err(ApiError::invalid("resolved_at", "must not be before the request"));
    }
    if let Some(shelter) = input.shelter_id {
        let shelter = repo::find_shelter(&tx, &principal.municipality, None, shelter)
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
    let resolution = NewResolution {
        resolution: input.kind.as_str(),
        shelter_id: input.shelter_id,
        note,
        resolved_at,
        resolved_by: principal.token_id,
        resolved_by_role: principal.role.as_str(),
        resolved_by_staff: principal.staff_id.as_deref(),
    };
    if !repo::resolve_breach(&tx, &principal.municipality, id, &resolution).await? {
        return Err(ApiError::conflict("the breach is already resolved"));
    }
    audit::record(
        &tx,
        &principal,
        AuditEvent::new(AuditAction::Update, "guarantee_breach", Some(id))
            .person(request.person_id)
            .details(serde_json::json!({"kind": input.kind.as_str()})),
    )
    .await?;
    let stored =
        repo::find_request(&tx, &principal.municipality, id).await?.ok_or(ApiError::NotFound("guarantee request"))?;
    let view = request_view(&tx, &principal, stored).await?;
    tx.commit().await?;
    Ok(Json(view))
}
