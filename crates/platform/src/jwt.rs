//! API bearer JWTs from the city's identity provider: the signature is checked against the provider's
//! published keys (JWKS, found by discovery and cached; fetched again when a token names a key id not
//! in the cache or the cached key does not verify the signature, and when they are an hour old; at most
//! every `HEMVIST_OIDC_JWKS_REFRESH_SECS`, failed or not, so a key rotation needs no restart),
//! then `iss`, `aud`, `exp` and `nbf` with a minute's skew. Only asymmetric algorithms are accepted:
//! `alg: none` and the HMAC family (a key anyone holding the public key could forge with) are refused.
//! The role claim maps to a role, municipality and scope through the same mapping as web sign-in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

use crate::ApiError;
use crate::auth::Principal;
use crate::oidc::{OidcSettings, claim_values, subject_id};

/// Skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 60;

const ACCEPTED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Whether a bearer token is shaped as a JWT (three base64url parts), not an opaque `hv_` token.
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3 && !token.starts_with("hv_")
}

#[derive(Default)]
struct Keys {
    jwks_uri: Option<String>,
    by_kid: HashMap<String, DecodingKey>,
    /// Keys without a key id (used only when the token names none either).
    anonymous: Vec<DecodingKey>,
    fetched_at: Option<Instant>,
    /// When a fetch was last tried, whether it worked or not.
    attempted_at: Option<Instant>,
}

/// Cached keys older than this are fetched again.
const MAX_KEY_AGE: Duration = Duration::from_secs(3600);

fn refused(error: jsonwebtoken::errors::Error) -> ApiError {
    tracing::debug!(%error, "bearer JWT refused");
    ApiError::Unauthenticated
}

/// Validates API bearer JWTs against the provider's keys; one per server.
pub struct JwtVerifier {
    settings: OidcSettings,
    http: reqwest::Client,
    keys: tokio::sync::RwLock<Keys>,
    /// One refresh at a time.
    refreshing: tokio::sync::Mutex<()>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl JwtVerifier {
    pub fn new(settings: OidcSettings) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        JwtVerifier { settings, http, keys: Default::default(), refreshing: tokio::sync::Mutex::new(()) }
    }

    /// The caller a JWT speaks for. `Unauthenticated` for any token that is not valid (the caller
    /// counts it as a failure), also when the provider's keys cannot be fetched; 403 for a valid token
    /// whose user has no mapped group.
    pub async fn principal(&self, token: &str) -> Result<Principal, ApiError> {
        let header = decode_header(token).map_err(|_| ApiError::Unauthenticated)?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(ApiError::Unauthenticated);
        }
        let kid = header.kid.as_deref();
        // Keys cached for over an hour are fetched again (one revoked at the provider stops working);
        // when the provider cannot be reached, the cached keys go on being used.
        if self.keys.read().await.fetched_at.is_none_or(|at| at.elapsed() >= MAX_KEY_AGE) {
            let _ = self.refresh_limited().await;
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        let verify = |key: &DecodingKey| decode::<serde_json::Value>(token, key, &validation).map(|d| d.claims);
        let first = match self.key(kid).await {
            Some(key) => verify(&key),
            None => Err(jsonwebtoken::errors::ErrorKind::InvalidSignature.into()),
        };
        let claims = match first {
            Ok(claims) => claims,
            // An unknown key id, no key, or a signature the cached key does not verify: the provider
            // may have rotated (even under the same key id). Fetched again once (rate limited), then
            // tried again.
            Err(error) if matches!(error.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature) => {
                self.refresh_limited().await?;
                let key = self.key(kid).await.ok_or(ApiError::Unauthenticated)?;
                verify(&key).map_err(refused)?
            }
            Err(error) => return Err(refused(error)),
        };
        if claims.get("sub").and_then(|s| s.as_str()).is_none_or(str::is_empty)
            && claims.get("client_id").and_then(|s| s.as_str()).is_none_or(str::is_empty)
        {
            tracing::debug!("bearer JWT refused: neither sub nor client_id");
            return Err(ApiError::Unauthenticated);
        }
        principal_from_claims(&self.settings, &claims)
    }

    async fn key(&self, kid: Option<&str>) -> Option<DecodingKey> {
        let keys = self.keys.read().await;
        match kid {
            Some(kid) => keys.by_kid.get(kid).cloned(),
            None => keys
                .anonymous
                .first()
                .or_else(|| (keys.by_kid.len() == 1).then(|| keys.by_kid.values().next())?)
                .cloned(),
        }
    }

    /// Fetches the keys again, unless a fetch was tried within `jwks_min_refresh`, whether it worked
    /// or not (a token naming a key nobody published, or a provider that is down, must not make every
    /// request fetch the provider's keys). A failed fetch is `Unauthenticated`: counted against the
    /// client like any token that cannot be verified.
    async fn refresh_limited(&self) -> Result<(), ApiError> {
        let _one = self.refreshing.lock().await;
        let recent =
            self.keys.read().await.attempted_at.is_some_and(|at| at.elapsed() < self.settings.jwks_min_refresh);
        if recent {
            return Ok(());
        }
        self.keys.write().await.attempted_at = Some(Instant::now());
        self.refresh().await.map_err(|error| {
            tracing::warn!(%error, issuer = %self.settings.issuer, "fetching the identity provider's keys failed");
            ApiError::Unauthenticated
        })
    }

    async fn refresh(&self) -> Result<(), reqwest::Error> {
        let known_uri = self.keys.read().await.jwks_uri.clone();
        let jwks_uri = match known_uri {
            Some(uri) => uri,
            None => {
                let url = format!("{}/.well-known/openid-configuration", self.settings.issuer);
                let discovery: Discovery = self.http.get(url).send().await?.error_for_status()?.json().await?;
                if discovery.issuer.trim_end_matches('/') != self.settings.issuer {
                    tracing::warn!(issuer = %discovery.issuer, "the provider names another issuer than HEMVIST_OIDC_ISSUER");
                }
                discovery.jwks_uri
            }
        };
        let set: JwkSet = self.http.get(&jwks_uri).send().await?.error_for_status()?.json().await?;
        let now = Some(Instant::now());
        let mut keys = Keys { jwks_uri: Some(jwks_uri), fetched_at: now, attempted_at: now, ..Keys::default() };
        for jwk in &set.keys {
            // A key for encryption, or of a kind we cannot use, is skipped.
            let Ok(key) = DecodingKey::from_jwk(jwk) else { continue };
            if matches!(jwk.algorithm, jsonwebtoken::jwk::AlgorithmParameters::OctetKey(_))
                || matches!(jwk.common.public_key_use, Some(jsonwebtoken::jwk::PublicKeyUse::Encryption))
            {
                continue;
            }
            match &jwk.common.key_id {
                Some(kid) => {
                    keys.by_kid.insert(kid.clone(), key);
                }
                None => keys.anonymous.push(key),
            }
        }
        *self.keys.write().await = keys;
        Ok(())
    }
}

/// The caller the validated claims speak for: the first mapped group decides role, municipality and
/// scope; the staff id comes from `HEMVIST_OIDC_STAFF_ID_CLAIM`. 403 when no group is mapped.
pub fn principal_from_claims(settings: &OidcSettings, claims: &serde_json::Value) -> Result<Principal, ApiError> {
    let groups = claim_values(claims, &settings.role_claim);
    let grant = settings.grant_for(&groups).ok_or_else(|| {
        ApiError::forbidden("no access: none of your groups at the identity provider is given a role")
    })?;
    let subject = claims.get("sub").or_else(|| claims.get("client_id")).and_then(|s| s.as_str()).unwrap_or_default();
    let staff_id = claims
        .get(&settings.staff_id_claim)
        .and_then(|s| s.as_str())
        .map(|s| s.chars().take(200).collect::<String>())
        .filter(|s| !s.is_empty());
    Ok(Principal {
        token_id: subject_id(&settings.issuer, subject),
        municipality: grant.municipality.clone(),
        role: grant.role,
        district_scope: grant.district_scope.clone(),
        shelter_scope: grant.shelter_scope.clone(),
        staff_id,
        request_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_three_part_tokens_are_taken_for_jwts() {
        assert!(looks_like_jwt("a.b.c"));
        assert!(!looks_like_jwt("hv_0123"));
        assert!(!looks_like_jwt("a.b"));
    }

    #[test]
    fn hmac_and_none_are_not_accepted() {
        assert!(!ACCEPTED.contains(&Algorithm::HS256));
        assert!(!ACCEPTED.iter().any(|a| format!("{a:?}").starts_with("HS")));
    }
}
