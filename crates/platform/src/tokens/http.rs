//! `/api/v1/api-tokens`: an admin makes (the text shown once), lists and revokes the municipality's
//! API tokens.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{MANAGE_TOKENS, StoredToken, TokenRequest};
use crate::auth::{Principal, Role};
use crate::pagination::{Page, PageParams};
use crate::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_tokens, create_token)).routes(routes!(revoke_token))
}

/// An API token as an admin sees it: never its text.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: Uuid,
    #[schema(example = "Statistics feed")]
    pub name: String,
    pub role: Role,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Who made it (absent when made on the command line).
    pub created_by: Option<Uuid>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
    /// When it was last used, to the minute.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
}

impl From<StoredToken> for ApiToken {
    fn from(t: StoredToken) -> Self {
        ApiToken {
            id: t.id,
            name: t.name,
            role: t.role,
            district_scope: t.district_scope,
            shelter_scope: t.shelter_scope,
            staff_id: t.staff_id,
            created_at: t.created_at,
            created_by: t.created_by,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// A new token: its text is in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiToken {
    /// Send as `Authorization: Bearer <token>`; it is not stored and cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub details: ApiToken,
}

/// A token to make, in the admin's municipality and within the admin's own scope.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenInput {
    #[schema(example = "Statistics feed", min_length = 1, max_length = 200)]
    pub name: String,
    /// `integration` only (422 otherwise).
    pub role: Role,
    #[serde(default)]
    pub district_scope: Vec<String>,
    #[serde(default)]
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
    /// Default: a year from now; at most two years.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
}

/// List the municipality's API tokens
///
/// Roles: admin. Never a token's text; when each was made and by whom, its expiry, revocation and last
/// use (marked at most once a minute).
#[utoipa::path(get, path = "/api/v1/api-tokens", tag = "api-tokens", operation_id = "list_api_tokens",
    params(PageParams),
    responses((status = 200, description = "A page of tokens, oldest first", body = Page<ApiToken>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<ApiToken>>, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_TOKENS)?;
    let page = page.parse::<(Timestamp, Uuid)>()?;
    let rows = work.run(async |w| super::list(w, &page).await).await?;
    let page = Page::from_rows(rows, page.limit, |t| (t.created_at, t.id))?;
    Ok(Json(Page { items: page.items.into_iter().map(ApiToken::from).collect(), next_cursor: page.next_cursor }))
}

/// Make an API token (its text is shown once)
///
/// Roles: admin. Only `role: integration` (another role is 422: tokens for people's roles are made
/// with `hemvist token create` on the server, so that people sign in at the city's identity provider
/// and removing them there removes their access), for a scope no wider than the admin's own (403).
/// `expires_at` defaults to a year from now, at most two (422). The answer is `Cache-Control: no-store`.
#[utoipa::path(post, path = "/api/v1/api-tokens", tag = "api-tokens", operation_id = "create_api_token",
    request_body = ApiTokenInput,
    responses((status = 201, description = "Created; the token's text is in this answer only",
        body = CreatedApiToken, headers(("location" = String))), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    Json(input): Json<ApiTokenInput>,
) -> Result<Response, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_TOKENS)?;
    let request = TokenRequest {
        name: input.name,
        role: input.role,
        district_scope: input.district_scope,
        shelter_scope: input.shelter_scope,
        staff_id: input.staff_id,
        expires_at: input.expires_at,
    };
    let (stored, token) = work.run(async |w| super::create(w, &request).await).await?;
    let location = format!("/api/v1/api-tokens/{}", stored.id);
    let body = CreatedApiToken { token, details: stored.into() };
    // The token's text must not be kept by a cache on the way.
    let headers = [(header::LOCATION, location), (header::CACHE_CONTROL, "no-store".to_owned())];
    Ok((StatusCode::CREATED, headers, Json(body)).into_response())
}

/// Revoke an API token (refused from its next request on)
///
/// Roles: admin, of a token no wider than the admin's own scope (403). 404 when there is no such token
/// still active in the municipality.
#[utoipa::path(delete, path = "/api/v1/api-tokens/{id}", tag = "api-tokens", operation_id = "revoke_api_token",
    params(("id" = Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), WriteProblems),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let work = state.unit_of_work(&principal, MANAGE_TOKENS)?;
    work.run(async |w| super::revoke(w, id).await).await?;
    Ok(StatusCode::NO_CONTENT)
}
