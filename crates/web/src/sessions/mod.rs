//! Sign-in for the staff web app: one-time sign-in links that open server-side sessions. A session
//! becomes the same [`Principal`] an API token does, so pages run through the same unit of work, role
//! checks, scope, masking and audit. Single sign-on ([`sso`], OpenID Connect) opens sessions the same
//! way, ending at the provider's token expiry.
//!
//! A session closes when it has not been used for `HEMVIST_SESSION_IDLE_MINUTES` and, however busy,
//! `HEMVIST_SESSION_MAX_HOURS` after sign-in; the server's cleanup job ([`delete_closed`]) deletes
//! closed sessions and used or expired links. An admin makes links and ends sessions from the web app
//! ([`staff`]).

pub mod model;
mod repo;
pub mod sso;
pub mod staff;

use axum::http::{HeaderMap, header};
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::{Principal, hash_token};
use hemvist_platform::settings::Settings;
use hemvist_platform::{ApiError, AppState};
use jiff::{SignedDuration, Timestamp};

pub use model::Grant;
use model::{LOGIN_LINK_HOURS, SESSION_COOKIE};
pub use repo::OpenSession;

/// Makes a one-time sign-in link and returns its URL (the secret is shown only this once).
pub async fn create_login_link(
    client: &impl deadpool_postgres::GenericClient,
    settings: &Settings,
    grant: &Grant,
) -> Result<String, ApiError> {
    new_login_link(client, settings, grant).await.map(|(_, url)| url)
}

/// Stores a new sign-in link; its id and URL.
async fn new_login_link(
    client: &impl deadpool_postgres::GenericClient,
    settings: &Settings,
    grant: &Grant,
) -> Result<(uuid::Uuid, String), ApiError> {
    let (secret, hash) = model::new_secret();
    let expires_at = Timestamp::now() + SignedDuration::from_hours(LOGIN_LINK_HOURS);
    let id = repo::create_login_link(client, grant, &hash, expires_at).await?;
    Ok((id, format!("{}/login/{secret}", settings.public_base_url())))
}

/// Until an admin of `municipality` has signed in, each start of the server makes a sign-in link for
/// one (as Jupyter prints its token); None once one has.
pub async fn first_start_admin_link(
    client: &impl deadpool_postgres::GenericClient,
    settings: &Settings,
    municipality: &hemvist_platform::MunicipalityCode,
) -> Result<Option<String>, ApiError> {
    if repo::admin_ever_signed_in(client, municipality).await? {
        return Ok(None);
    }
    let grant = Grant {
        municipality: municipality.clone(),
        role: hemvist_platform::auth::Role::Admin,
        district_scope: Vec::new(),
        shelter_scope: Vec::new(),
        staff_id: None,
    };
    create_login_link(client, settings, &grant).await.map(Some)
}

/// Deletes closed sessions and the used or expired sign-in links no session refers to (the server's
/// cleanup job). Returns how many sessions and links went.
pub async fn delete_closed(
    client: &impl deadpool_postgres::GenericClient,
    settings: &Settings,
) -> Result<(u64, u64), ApiError> {
    repo::delete_closed(client, settings.session_idle).await
}

/// A signed-in member of staff.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    /// The per-session token every form and htmx request must carry.
    pub csrf: String,
    /// Signed in at the city's identity provider (signing out ends that session too).
    pub sso: bool,
}

impl Session {
    /// The session of the request's cookie, if it is open (and then marked as used). A well-formed
    /// cookie that finds no open session counts as a failure of `client` (like an unknown bearer
    /// token); a client over its budget gets 429 before the lookup.
    pub async fn of(
        state: &AppState,
        headers: &HeaderMap,
        client: Option<std::net::IpAddr>,
    ) -> Result<Option<Session>, ApiError> {
        let Some(token) = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|cookie| model::cookie_value(cookie, SESSION_COOKIE))
            .filter(|token| model::well_formed(token))
        else {
            return Ok(None);
        };
        let failures = &state.auth.failures;
        let _attempt = failures.attempt(client).await?;
        let db = state.db().await?;
        let idle = state.settings.session_idle;
        let Some((mut principal, sso)) = repo::find_session(&db, &hash_token(token), idle).await? else {
            return match failures.failed(client, ApiError::Unauthenticated) {
                error @ ApiError::TooManyRequests { .. } => Err(error),
                _ => Ok(None),
            };
        };
        principal.request_id = request_id(headers);
        Ok(Some(Session { principal, csrf: model::csrf_token(token), sso }))
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
    let max = state.settings.session_max;
    let expires_at = Timestamp::now() + SignedDuration::try_from(max).map_err(ApiError::internal)?;
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let Some(mut principal) = repo::redeem_login_link(&tx, &hash_token(secret), &token_hash, expires_at).await? else {
        return Ok(None);
    };
    principal.request_id = request_id(headers);
    let session_id = principal.token_id;
    audit::record(&tx, &principal, AuditEvent::new(AuditAction::Create, "web_session", Some(session_id))).await?;
    tx.commit().await?;
    Ok(Some(model::session_cookie(&token, max, state.settings.served_over_tls())))
}

/// Signs the session out; returns the `Set-Cookie` value that removes the cookie.
pub async fn sign_out(state: &AppState, session: &Session) -> Result<String, ApiError> {
    let client = state.db().await?;
    repo::revoke_session(&client, &session.principal.municipality, session.principal.token_id).await?;
    Ok(model::clear_session_cookie(state.settings.served_over_tls()))
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| id.len() <= 100 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_owned)
}
