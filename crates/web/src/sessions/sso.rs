//! Single sign-on with OpenID Connect: the authorization code flow with PKCE and a nonce (the
//! `openidconnect` crate), the provider found by discovery from `HEMVIST_OIDC_ISSUER`, and
//! RP-initiated logout at its `end_session_endpoint`.
//!
//! Nothing is stored for a sign-in under way: a random secret goes into a short-lived HttpOnly cookie
//! (SameSite=Lax, so it comes back with the provider's redirect) and the `state`, the PKCE verifier
//! and the nonce are derived from it. The callback derives them again: a `state` not of this browser's
//! cookie is refused. The ID token's role claim maps to role, municipality and scope (the mapping of
//! `HEMVIST_OIDC_GROUPS`); no mapped group, no session. The session ends at the ID token's expiry (or
//! sooner, idle or at its maximum), so a group removed at the provider counts from the next sign-in.

use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hemvist_platform::audit::{self, AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::jwt::principal_from_claims;
use hemvist_platform::oidc::OidcSettings;
use hemvist_platform::{ApiError, AppState};
use jiff::{SignedDuration, Timestamp};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
};
use sha2::{Digest, Sha256};

use super::model;
use super::repo;

/// The cookie that carries a sign-in under way.
pub const FLOW_COOKIE: &str = "hemvist_sso";
/// How long a sign-in at the provider may take.
const FLOW_MINUTES: u64 = 10;
/// Where the provider sends the browser back.
pub const CALLBACK_PATH: &str = "/login/sso/callback";
/// How long discovered provider metadata is kept.
const METADATA_TTL: Duration = Duration::from_secs(600);

/// The provider, discovered once and kept for a while; one per server.
pub struct Sso {
    pub settings: OidcSettings,
    http: reqwest::Client,
    metadata: RwLock<Option<(Instant, ProviderMetadataWithLogout)>>,
}

/// How a sign-in at the provider ended.
pub enum Outcome {
    /// A session: the `Set-Cookie` value.
    SignedIn(String),
    /// The provider vouched for the user, but none of their groups is mapped.
    NoAccess,
}

impl Sso {
    pub fn new(settings: OidcSettings) -> Self {
        // The provider's answers are never followed elsewhere (SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Sso { settings, http, metadata: RwLock::new(None) }
    }

    async fn metadata(&self) -> Result<ProviderMetadataWithLogout, ApiError> {
        if let Some((at, metadata)) = self.metadata.read().unwrap_or_else(PoisonError::into_inner).as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(ApiError::internal)?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http).await.map_err(|error| {
            tracing::warn!(%error, "OpenID Connect discovery failed");
            ApiError::Unavailable(format!("the identity provider's discovery: {error}"))
        })?;
        *self.metadata.write().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn redirect_url(public_base_url: &str) -> Result<RedirectUrl, ApiError> {
        RedirectUrl::new(format!("{public_base_url}{CALLBACK_PATH}")).map_err(ApiError::internal)
    }

    /// Starts a sign-in: the provider's authorization URL and the `Set-Cookie` value of the flow.
    pub async fn start(&self, public_base_url: &str, secure: bool) -> Result<(String, String), ApiError> {
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(Self::redirect_url(public_base_url)?);
        let (secret, _) = model::new_secret();
        let flow = Flow::of(&secret);
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(flow.verifier.clone()));
        let state = flow.state.clone();
        let nonce = flow.nonce.clone();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, _, _) = request.url();
        let secure = if secure { "; Secure" } else { "" };
        let max_age = FLOW_MINUTES * 60;
        let cookie =
            format!("{FLOW_COOKIE}={secret}; Path=/login/sso; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
        Ok((url.to_string(), cookie))
    }

    /// Ends a sign-in: checks `state` against the flow cookie's secret, exchanges the code (with the
    /// PKCE verifier), verifies the ID token (signature, issuer, audience, expiry, nonce) and maps its
    /// groups. `Unauthenticated` for anything not right (the caller counts it as a failed sign-in).
    pub async fn finish(
        &self,
        state: &AppState,
        flow_secret: &str,
        returned_state: &str,
        code: &str,
        request_id: Option<String>,
    ) -> Result<Outcome, ApiError> {
        if !model::well_formed(flow_secret) {
            return Err(ApiError::Unauthenticated);
        }
        let flow = Flow::of(flow_secret);
        if !model::same_secret(returned_state, &flow.state) {
            return Err(ApiError::Unauthenticated);
        }
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(Self::redirect_url(&state.settings.public_base_url())?);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(ApiError::internal)?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|error| {
                tracing::info!(%error, "the identity provider refused the code");
                ApiError::Unauthenticated
            })?;
        let id_token = tokens.id_token().ok_or(ApiError::Unauthenticated)?;
        let verified = match id_token.claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone())) {
            Ok(verified) => verified,
            Err(error) => {
                tracing::info!(%error, "an ID token was refused");
                // The provider may have rotated its keys: discover again at the next sign-in.
                *self.metadata.write().unwrap_or_else(PoisonError::into_inner) = None;
                return Err(ApiError::Unauthenticated);
            }
        };
        let subject = verified.subject().to_string();
        // The signature and the standard claims are verified above; the role claim is read from the
        // same token's payload.
        let claims = payload(&id_token.to_string()).ok_or(ApiError::Unauthenticated)?;
        let groups = hemvist_platform::oidc::claim_values(&claims, &self.settings.role_claim);
        let staff_id = claims.get(&self.settings.staff_id_claim).and_then(serde_json::Value::as_str);
        let staff_id: Option<String> = staff_id.map(|s| s.chars().take(200).collect());
        let subject: String = subject.chars().take(500).collect();
        let mut principal = match principal_from_claims(&self.settings, &claims) {
            Ok(principal) => principal,
            Err(ApiError::Forbidden(_)) => {
                // Refused: audited (who tried, with which groups), with no session.
                let groups: Vec<String> = groups.iter().take(50).map(|g| g.chars().take(200).collect()).collect();
                let details = serde_json::json!({
                    "signed_in_with": "oidc", "outcome": "no_mapped_group",
                    "subject": subject, "staff_id": staff_id, "groups": groups,
                });
                let mut municipalities: Vec<String> =
                    self.settings.groups.iter().map(|g| g.municipality.as_str().to_owned()).collect();
                municipalities.extend(state.settings.municipality.clone());
                municipalities.sort();
                municipalities.dedup();
                let actor = hemvist_platform::oidc::subject_id(&self.settings.issuer, &subject);
                let client = state.db().await?;
                audit::record_refused_sign_in(&client, &municipalities, actor, request_id.as_deref(), &details).await?;
                return Ok(Outcome::NoAccess);
            }
            Err(other) => return Err(other),
        };
        principal.request_id = request_id;
        let group = self.settings.grant_for(&groups).map(|g| g.group.clone());
        let provider_expiry = claims
            .get("exp")
            .and_then(serde_json::Value::as_i64)
            .and_then(|exp| Timestamp::from_second(exp).ok())
            .ok_or(ApiError::Unauthenticated)?;
        let max = SignedDuration::try_from(state.settings.session_max).map_err(ApiError::internal)?;
        let expires_at = (Timestamp::now() + max).min(provider_expiry);
        let details = serde_json::json!({
            "signed_in_with": "oidc", "subject": subject, "staff_id": principal.staff_id, "group": group,
        });
        let cookie = open_session(state, &principal, &subject, expires_at, details).await?;
        Ok(Outcome::SignedIn(cookie))
    }

    /// Where to send the browser to end the provider's session too (RP-initiated logout): its
    /// `end_session_endpoint`, with this client and the way back. None when it publishes none.
    pub async fn logout_url(&self, public_base_url: &str) -> Option<String> {
        let metadata = self.metadata().await.ok()?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone()?;
        let back = PostLogoutRedirectUrl::new(format!("{public_base_url}/")).ok()?;
        let request = LogoutRequest::from(end_session)
            .set_client_id(ClientId::new(self.settings.client_id.clone()))
            .set_post_logout_redirect_uri(back);
        Some(request.http_get_url().to_string())
    }
}

/// Opens a session for the provider's user (audited as a sign-in, with `details`) and returns its
/// `Set-Cookie`.
async fn open_session(
    state: &AppState,
    principal: &Principal,
    subject: &str,
    expires_at: Timestamp,
    details: serde_json::Value,
) -> Result<String, ApiError> {
    let (token, token_hash) = model::new_secret();
    let mut client = state.db().await?;
    let tx = client.transaction().await?;
    let mut principal = principal.clone();
    principal.token_id = repo::open_sso_session(&tx, &principal, &token_hash, subject, expires_at).await?;
    let session_id = principal.token_id;
    // Who signed in survives the session's cleanup: the provider's subject, the staff id and the group.
    let event = AuditEvent::new(AuditAction::Create, "web_session", Some(session_id)).details(details);
    audit::record(&tx, &principal, event).await?;
    tx.commit().await?;
    let max_age = expires_at.duration_since(Timestamp::now()).as_secs().max(0).unsigned_abs();
    Ok(model::session_cookie(&token, Duration::from_secs(max_age), state.settings.served_over_tls()))
}

/// The `state`, PKCE verifier and nonce of a sign-in, derived from the flow cookie's secret.
struct Flow {
    state: String,
    verifier: String,
    nonce: String,
}

impl Flow {
    fn of(secret: &str) -> Self {
        let derive = |purpose: &str| hex::encode(Sha256::digest(format!("hemvist-sso-{purpose}:{secret}").as_bytes()));
        Flow { state: derive("state"), verifier: derive("pkce"), nonce: derive("nonce") }
    }
}

/// The claims of a compact JWT, unverified: only for a token verified already.
fn payload(jwt: &str) -> Option<serde_json::Value> {
    let part = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// The `Set-Cookie` value that removes the flow cookie.
pub fn clear_flow_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{FLOW_COOKIE}=; Path=/login/sso; Max-Age=0; HttpOnly; SameSite=Lax{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_derives_distinct_values_per_secret() {
        let (a, b) = (Flow::of("one"), Flow::of("two"));
        assert_ne!(a.state, b.state);
        assert_ne!(a.state, a.verifier);
        assert_ne!(a.verifier, a.nonce);
        assert_eq!(a.state, Flow::of("one").state);
        // PKCE verifiers are 43 to 128 unreserved characters.
        assert_eq!(a.verifier.len(), 64);
    }

    #[test]
    fn the_payload_of_a_compact_jwt_is_read() {
        let body = URL_SAFE_NO_PAD.encode(br#"{"groups":["g"]}"#);
        assert_eq!(payload(&format!("h.{body}.s")), Some(serde_json::json!({"groups": ["g"]})));
        assert_eq!(payload("nonsense"), None);
    }
}
