//! Bearer API tokens: random, stored only as SHA-256, each with one role, one municipality and an
//! optional unit scope (districts or shelters). Every handler states which roles may call it.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use deadpool_postgres::GenericClient;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{ApiError, AppState, MunicipalityCode};

/// What a caller may do is decided by its role, then narrowed by its municipality and unit scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages reference data and tokens; sees everything in its municipality.
    Admin,
    /// Housing unit staff: apartments, leases, decisions.
    HousingOfficer,
    /// Support staff: support plans and visits of the people assigned to them.
    SupportWorker,
    /// Staff of one shelter: that shelter's nightly capacity and guests.
    ShelterStaff,
    /// Honours the bed guarantee at night for every shelter of the municipality.
    NightCoordinator,
    /// Another system: anonymised feeds only.
    Integration,
    /// Reads the audit trail and reports.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::HousingOfficer,
        Role::SupportWorker,
        Role::ShelterStaff,
        Role::NightCoordinator,
        Role::Integration,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::HousingOfficer => "housing_officer",
            Role::SupportWorker => "support_worker",
            Role::ShelterStaff => "shelter_staff",
            Role::NightCoordinator => "night_coordinator",
            Role::Integration => "integration",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == raw)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: Uuid,
    pub municipality: MunicipalityCode,
    pub role: Role,
    /// District codes this caller is limited to; empty means the whole municipality.
    pub district_scope: Vec<String>,
    /// Shelters this caller is limited to; empty means every shelter its role allows.
    pub shelter_scope: Vec<Uuid>,
    /// The member of staff the token speaks for (support workers see only the people assigned to them).
    pub staff_id: Option<String>,
    /// The request id (x-request-id), carried into audit events.
    pub request_id: Option<String>,
}

impl Principal {
    /// 403 unless the caller's role is one of `allowed`.
    pub fn require(&self, allowed: &[Role]) -> Result<(), ApiError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("the role {} may not do this", self.role)))
        }
    }
}

impl<S> FromRequestParts<S> for Principal
where
    S: Send + Sync,
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        Ok(authenticate(parts, &state, None).await?.0)
    }
}

/// A version a handler needs read fresh (the bed board's, say), read in the same round trip as the
/// check that its caller's cached token is unchanged: `sql` gives one bigint from `$1`, the caller's
/// municipality code, and `$2`, `date`. For a request served at database speed: one read, not two.
#[derive(Debug, Clone, Copy)]
pub struct VersionAlongside {
    /// Names the version in the shared read's key (with the municipality and the date): one name per
    /// statement, or two statements would share their reads.
    pub name: &'static str,
    pub sql: &'static str,
    pub date: jiff::civil::Date,
}

/// The caller of a request (as the [`Principal`] extractor finds it) and, when `alongside` is given and
/// the caller's token was looked up before, that version, read after the request arrived in the same
/// round trip as the token check. None: the handler reads the version itself.
pub async fn authenticate(
    parts: &Parts,
    state: &AppState,
    alongside: Option<&VersionAlongside>,
) -> Result<(Principal, Option<i64>), ApiError> {
    let address = state.auth.failures.client_of(parts);
    // An address that sent too many bad credentials is refused before anything is looked up.
    let _attempt = state.auth.failures.attempt(address).await?;
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or(ApiError::Unauthenticated)?;
    // The request id goes into audit rows: only a short token of safe characters is kept.
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| id.len() <= 100 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_owned);
    let found = match &state.auth.jwt {
        Some(verifier) if crate::jwt::looks_like_jwt(token) => {
            verifier.principal(token).await.map(|principal| Some((principal, None)))
        }
        // Only a well-formed opaque token is looked up: one probe of the unique hash index.
        _ if well_formed_token(token) => opaque_token(state, &hash_token(token), alongside).await,
        _ => Ok(None),
    };
    match found {
        Ok(Some((mut principal, version))) => {
            principal.request_id = request_id;
            Ok((principal, version))
        }
        Ok(None) | Err(ApiError::Unauthenticated) => {
            Err(state.auth.failures.failed(address, ApiError::Unauthenticated))
        }
        Err(other) => Err(other),
    }
}

/// An opaque token as [`generate_token`] makes them: `hv_` and 64 hex digits.
pub fn well_formed_token(token: &str) -> bool {
    token.len() == 67 && token.starts_with("hv_") && token[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// SHA-256 of the token text, hex. Tokens carry 256 random bits, so a fast hash suffices.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: `hv_` and 64 hex digits.
pub fn generate_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("hv_{}", hex::encode(bytes))
}

/// The caller of an opaque token: from the process's cache while the municipality's tokens are
/// unchanged since it was looked up (checked by a fresh read, shared by the requests of the moment),
/// else looked up. A revoked or changed token is refused from the first request that starts after
/// the change was committed; an entry is also dropped when its token expires and after a minute (so
/// the last-used mark stays a minute fresh).
async fn opaque_token(
    state: &AppState,
    token_sha256: &str,
    alongside: Option<&VersionAlongside>,
) -> Result<Option<(Principal, Option<i64>)>, ApiError> {
    let cache = &state.auth.tokens;
    if let Some((principal, version)) = cache.get(token_sha256) {
        let (stamp, along) = match alongside {
            Some(alongside) => {
                let (stamp, along) = token_changes_and(state, &principal.municipality, alongside).await?;
                (stamp, Some(along))
            }
            None => (token_changes(state, &principal.municipality).await?, None),
        };
        if stamp == version {
            return Ok(Some((principal, along)));
        }
    }
    let client = state.db().await?;
    // Before the lookup: the entry's lifetime counts from a moment no later than the database's now(),
    // so it ends no later than the token does however long the lookup waits.
    let asked = std::time::Instant::now();
    // The stamp comes from the lookup's own snapshot: a change committed while the lookup waited (for
    // the row, to mark it used) leaves the entry under the old stamp, and the next request looks again.
    let Some((principal, seconds_left, version)) = active_token(&client, token_sha256).await? else {
        return Ok(None);
    };
    drop(client);
    let lifetime = seconds_left.map_or(TOKEN_CACHE_LIFETIME, |left| {
        TOKEN_CACHE_LIFETIME.min(std::time::Duration::from_secs_f64(left.max(0.0)))
    });
    cache.put(token_sha256, principal.clone(), version, asked + lifetime);
    Ok(Some((principal, None)))
}

/// How long a looked-up token is trusted at most before it is looked up again.
const TOKEN_CACHE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60);

/// The token-change stamp of the municipality `$1`, as an SQL expression (0 before its first change).
const TOKEN_CHANGES: &str = "COALESCE((SELECT version FROM api_token_changes WHERE municipality_code = $1), 0)";

/// The municipality's token-change stamp (drawn anew by triggers at every change of its tokens, V22
/// and V26), read fresh.
async fn token_changes(state: &AppState, municipality: &MunicipalityCode) -> Result<i64, ApiError> {
    let pool = state.pool.clone();
    let code = municipality.as_str().to_owned();
    state
        .fresh
        .read(&format!("token-changes {code}"), move || async move {
            let client = pool.get().await?;
            let statement = client.prepare_cached(&format!("SELECT {TOKEN_CHANGES}")).await?;
            Ok(client.query_one(&statement, &[&code]).await?.try_get(0)?)
        })
        .await
}

/// The municipality's token-change stamp and the version `alongside` names, read fresh in one statement.
async fn token_changes_and(
    state: &AppState,
    municipality: &MunicipalityCode,
    alongside: &VersionAlongside,
) -> Result<(i64, i64), ApiError> {
    let pool = state.pool.clone();
    let code = municipality.as_str().to_owned();
    let VersionAlongside { name, sql, date } = *alongside;
    state
        .fresh_with_token
        .read(&format!("token-changes {code} and {name} {date}"), move || async move {
            let client = pool.get().await?;
            let statement = client.prepare_cached(&format!("SELECT {TOKEN_CHANGES}, ({sql})")).await?;
            let row = client.query_one(&statement, &[&code, &date]).await?;
            Ok((row.try_get(0)?, row.try_get(1)?))
        })
        .await
}

/// Principals of opaque tokens looked up before, by token hash, each with the token-change stamp it
/// was looked up under and when it must be looked up again.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, CachedToken>>,
}

#[derive(Debug)]
struct CachedToken {
    principal: Principal,
    version: i64,
    until: std::time::Instant,
}

/// At most this many tokens are kept; past it the cache starts over.
const TOKEN_CACHE_ENTRIES: usize = 10_000;

impl TokenCache {
    fn get(&self, token_sha256: &str) -> Option<(Principal, i64)> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(token_sha256)
            .filter(|entry| entry.until > std::time::Instant::now())
            .map(|entry| (entry.principal.clone(), entry.version))
    }

    fn put(&self, token_sha256: &str, principal: Principal, version: i64, until: std::time::Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= TOKEN_CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(token_sha256.to_owned(), CachedToken { principal, version, until });
    }
}

pub async fn find_active_token(client: &impl GenericClient, token_sha256: &str) -> Result<Option<Principal>, ApiError> {
    Ok(active_token(client, token_sha256).await?.map(|(principal, _, _)| principal))
}

/// The caller of an active token, and the seconds until it expires (None: it does not).
async fn active_token(
    client: &impl GenericClient,
    token_sha256: &str,
) -> Result<Option<(Principal, Option<f64>, i64)>, ApiError> {
    // One statement: the probe of the unique hash index, and the last-used mark, written only when the
    // last one is a minute old (a busy integration does not write a row per request).
    let statement = client
        .prepare_cached(
            "WITH active AS (
                SELECT municipality_code, id, role, district_scope, shelter_scope, staff_id, last_used_at, expires_at
                  FROM api_tokens
                 WHERE token_sha256 = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())),
             touched AS (
                UPDATE api_tokens t SET last_used_at = now() FROM active
                 WHERE t.municipality_code = active.municipality_code AND t.id = active.id
                   AND (active.last_used_at IS NULL OR active.last_used_at < now() - interval '1 minute'))
             SELECT id, municipality_code::text, role, district_scope, shelter_scope, staff_id,
                    extract(epoch FROM expires_at - now())::float8 AS seconds_left,
                    COALESCE((SELECT version FROM api_token_changes c WHERE c.municipality_code = active.municipality_code), 0) AS version
               FROM active",
        )
        .await?;
    let Some(row) = client.query_opt(&statement, &[&token_sha256]).await? else {
        return Ok(None);
    };
    let role: String = row.try_get("role")?;
    let municipality: String = row.try_get("municipality_code")?;
    let principal = Principal {
        token_id: row.try_get("id")?,
        municipality: MunicipalityCode::parse(&municipality)?,
        role: Role::parse(&role).ok_or_else(|| ApiError::internal(format!("unknown role {role} in api_tokens")))?,
        district_scope: row.try_get("district_scope")?,
        shelter_scope: row.try_get("shelter_scope")?,
        staff_id: row.try_get("staff_id")?,
        request_id: None,
    };
    Ok(Some((principal, row.try_get("seconds_left")?, row.try_get("version")?)))
}

/// What a new token may do.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub municipality: MunicipalityCode,
    pub role: Role,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
}

/// Stores a new token and returns its id and its text; the text is shown once and never stored.
pub async fn create_token(client: &impl GenericClient, new: &NewToken) -> Result<(Uuid, String), ApiError> {
    create_token_expiring(client, new, None).await
}

/// As [`create_token`], refused by the API from `expires_at` on.
pub async fn create_token_expiring(
    client: &impl GenericClient,
    new: &NewToken,
    expires_at: Option<jiff::Timestamp>,
) -> Result<(Uuid, String), ApiError> {
    let token = generate_token();
    let row = client
        .query_one(
            "INSERT INTO api_tokens (municipality_code, name, role, district_scope, shelter_scope, token_sha256, staff_id, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &new.municipality.as_str(),
                &new.name,
                &new.role.as_str(),
                &new.district_scope,
                &new.shelter_scope,
                &hash_token(&token),
                &new.staff_id,
                &expires_at,
            ],
        )
        .await?;
    Ok((row.try_get("id")?, token))
}

/// A stored token as an operator sees it: never its text or hash.
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: Uuid,
    pub municipality_code: String,
    pub name: String,
    pub role: Role,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
    pub created_at: jiff::Timestamp,
    pub expires_at: Option<jiff::Timestamp>,
    pub revoked_at: Option<jiff::Timestamp>,
    /// Marked at most once a minute.
    pub last_used_at: Option<jiff::Timestamp>,
    /// The actor id of the admin who made it; None when made on the command line.
    pub created_by: Option<Uuid>,
}

/// Every token, of every municipality, oldest first.
pub async fn list_tokens(client: &impl GenericClient) -> Result<Vec<TokenInfo>, ApiError> {
    let rows = client
        .query(
            "SELECT id, municipality_code::text, name, role, district_scope, shelter_scope, staff_id, created_at,
                    expires_at, revoked_at, last_used_at, created_by
               FROM api_tokens ORDER BY created_at, id",
            &[],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok(TokenInfo {
                id: row.try_get("id")?,
                municipality_code: row.try_get("municipality_code")?,
                name: row.try_get("name")?,
                role: Role::parse(&role)
                    .ok_or_else(|| ApiError::internal(format!("unknown role {role} in api_tokens")))?,
                district_scope: row.try_get("district_scope")?,
                shelter_scope: row.try_get("shelter_scope")?,
                staff_id: row.try_get("staff_id")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                revoked_at: row.try_get("revoked_at")?,
                last_used_at: row.try_get("last_used_at")?,
                created_by: row.try_get("created_by")?,
            })
        })
        .collect()
}

/// Revokes a token (of `municipality`, when given: the operator's command knows only the id); false
/// when there is no such token or it was revoked already.
pub async fn revoke_token(
    client: &impl GenericClient,
    municipality: Option<&MunicipalityCode>,
    id: Uuid,
) -> Result<bool, ApiError> {
    let changed = client
        .execute(
            "UPDATE api_tokens SET revoked_at = now()
              WHERE ($1::text IS NULL OR municipality_code = $1) AND id = $2 AND revoked_at IS NULL",
            &[&municipality.map(MunicipalityCode::as_str), &id],
        )
        .await?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_is_stable() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
