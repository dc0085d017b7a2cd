//! Sign-in for the staff web app: one-time sign-in links that open server-side sessions. A session
//! becomes the same [`Principal`] an API token does, so pages run through the same unit of work, role
//! checks, scope, masking and audit. Single sign-on will open sessions the same way.

pub mod model;
mod repo;

use axum::http::{HeaderMap, header};
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::{Principal, hash_token};
use hemvist_platform::settings::Settings;
use hemvist_platform::{ApiError, AppState};
use jiff::{SignedDuration, Timestamp};

pub use model::Grant;
use model::{LOGIN_LINK_HOURS, SESSION_COOKIE, SESSION_HOURS};

/// Makes a one-time sign-in link and returns its URL (the secret is shown only this once).
pub async fn create_login_link(
    client: &impl deadpool_postgres::GenericClient,
    settings: &Settings,
    grant: &Grant,
) -> Result<String, ApiError> {
    let (secret, hash) = model::new_secret();
    let expires_at = Timestamp::now() + SignedDuration::from_hours(LOGIN_LINK_HOURS);
    repo::create_login_link(client, grant, &hash, expires_at).await?;
    Ok(format!("{}/login/{secret}", settings.public_base_url()))
}

/// On the first start (no admin sign-in link ever made) a link for an admin of `grant`'s municipality,
/// as Jupyter prints one; None afterwards.
pub async fn first_start_admin_link(
    client: &impl deadpool_postgres::GenericClient,
    settings: &Settings,
    grant: &Grant,
) -> Result<Option<String>, ApiError> {
    if repo::any_admin_link(client).await? {
        return Ok(None);
    }
    create_login_link(client, settings, grant).await.map(Some)
}

/// A signed-in member of staff.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    /// The per-session token every form and htmx request must carry.
    pub csrf: String,
}

impl Session {
    /// The session of the request's cookie, if it is open.
    pub async fn of(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, ApiError> {
        let Some(token) = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|cookie| model::cookie_value(cookie, SESSION_COOKIE))
            .filter(|token| model::well_formed(token))
        else {
            return Ok(None);
        };
        let client = state.db().await?;
        let Some(mut principal) = repo::find_session(&client, &hash_token(token)).await? else {
            return Ok(None);
        };
        principal.request_id = request_id(headers);
        Ok(Some(Session { principal, csrf: model::csrf_token(token) }))
    }

    /// 403 unless the request carries this session's CSRF token (form field or `X-CSRF-Token`).
    pub fn check_csrf(&self, headers: &HeaderMap, form_token: Option<&str>) -> Result<(), ApiError> {
        let header_token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        match form_token.or(header_token) {
            Some(token) if model::same_secret(token, &self.csrf) => Ok(()),
            _ => Err(ApiError::forbidden("the form has expired; reload the page and try again")),
        }
    }
}

/// Uses a sign-in link: opens its session (audited) and returns the `Set-Cookie` value. None when the
/// link is unknown, used or expired.
pub async fn sign_in(state: &AppState, secret: &str, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    if !model::well_formed(secret) {
        return Ok(None);
    }
    let (token, token_hash) = model::new_secret();
    let expires_at = Timestamp::now() + SignedDuration::from_hours(SESSION_HOURS);
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let Some(mut principal) = repo::redeem_login_link(&tx, &hash_token(secret), &token_hash, expires_at).await? else {
        return Ok(None);
    };
    principal.request_id = request_id(headers);
    let session_id = principal.token_id;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Create, "web_session", Some(session_id))).await?;
    tx.commit().await?;
    Ok(Some(model::session_cookie(&token, state.settings.served_over_tls())))
}

/// Signs the session out; returns the `Set-Cookie` value that removes the cookie.
pub async fn sign_out(state: &AppState, session: &Session) -> Result<String, ApiError> {
    let client = state.db().await?;
    repo::revoke_session(&client, &session.principal.municipality, session.principal.token_id).await?;
    Ok(model::clear_session_cookie(state.settings.served_over_tls()))
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| id.len() <= 100 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_owned)
}
