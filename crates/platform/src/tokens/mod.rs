//! Integration tokens with a lifecycle: an admin makes one (its text shown once, only its SHA-256
//! kept), lists the municipality's tokens with when each was made, by whom, when it expires, was
//! revoked and was last used, and revokes one. A token never carries more power than its maker
//! ([`model::TokenRequest::within`]). The API is [`http`]; the web app's admin page calls the same
//! functions in the admin's unit of work.

pub mod http;
pub mod model;
pub mod repo;

use jiff::Timestamp;
use serde_json::json;
use uuid::Uuid;

use crate::ApiError;
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Role, generate_token, revoke_token};
use crate::pagination::PageRequest;
use crate::work::Work;

pub use model::TokenRequest;
pub use repo::StoredToken;

/// May make, list and revoke the municipality's tokens.
pub const MANAGE_TOKENS: &[Role] = &[Role::Admin];

/// Makes a token after its rules (what it carries, and no more power than the maker has); the
/// stored token and its text, which is shown this once. Audited without the text.
pub async fn create(w: &mut Work<'_>, request: &TokenRequest) -> Result<(StoredToken, String), ApiError> {
    let expires_at = request.check(Timestamp::now())?;
    request.within(w.principal())?;
    let token = generate_token();
    let maker = w.principal().token_id;
    let stored = repo::insert(w.tx(), &w.principal().municipality, request, expires_at, &token, maker).await?;
    w.audit(AuditEvent::new(AuditAction::Create, "api_token", Some(stored.id)).details(json!({
        "role": stored.role.as_str(),
        "district_scope": stored.district_scope,
        "shelter_scope": stored.shelter_scope,
        "staff_id": stored.staff_id,
        "expires_at": stored.expires_at,
    })));
    Ok((stored, token))
}

/// A page of the municipality's tokens, oldest first (audited as a list).
pub async fn list(w: &mut Work<'_>, page: &PageRequest<(Timestamp, Uuid)>) -> Result<Vec<StoredToken>, ApiError> {
    let tokens = repo::list(w.tx(), &w.principal().municipality, page).await?;
    w.audit(AuditEvent::new(AuditAction::List, "api_token", None));
    Ok(tokens)
}

/// Revokes a token of the municipality: refused from its next request on. 404 when there is no
/// such token still active; 403 for a token with more power than the admin has.
pub async fn revoke(w: &mut Work<'_>, id: Uuid) -> Result<(), ApiError> {
    let municipality = w.principal().municipality.clone();
    let stored = repo::find(w.tx(), &municipality, id).await?.ok_or(ApiError::NotFound("api token"))?;
    let held = TokenRequest {
        name: stored.name,
        role: stored.role,
        district_scope: stored.district_scope,
        shelter_scope: stored.shelter_scope,
        staff_id: stored.staff_id,
        expires_at: stored.expires_at,
    };
    held.within(w.principal())?;
    if !revoke_token(w.tx(), Some(&municipality), id).await? {
        return Err(ApiError::NotFound("api token"));
    }
    w.audit(AuditEvent::new(AuditAction::Delete, "api_token", Some(id)));
    Ok(())
}
