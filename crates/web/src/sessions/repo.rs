//! Sign-in links and sessions: all their SQL.

use std::time::Duration;

use deadpool_postgres::GenericClient;
use hemvist_platform::auth::{Principal, Role};
use hemvist_platform::{ApiError, MunicipalityCode};
use jiff::Timestamp;
use uuid::Uuid;

use super::model::Grant;

/// An open session as an admin sees it (never its token).
#[derive(Debug, Clone)]
pub struct OpenSession {
    pub id: Uuid,
    pub role: Role,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The absolute end, however busy the session is.
    pub expires_at: Timestamp,
}

pub async fn create_login_link(
    client: &impl GenericClient,
    grant: &Grant,
    secret_sha256: &str,
    expires_at: Timestamp,
) -> Result<Uuid, ApiError> {
    let row = client
        .query_one(
            "INSERT INTO web_login_links
               (municipality_code, secret_sha256, role, district_scope, shelter_scope, staff_id, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &grant.municipality.as_str(),
                &secret_sha256,
                &grant.role.as_str(),
                &grant.district_scope,
                &grant.shelter_scope,
                &grant.staff_id,
                &expires_at,
            ],
        )
        .await?;
    Ok(row.try_get("id")?)
}

/// Whether an admin of the municipality ever signed in to the web app: the audit trail keeps every
/// sign-in, after the session itself is long deleted. A sign-in names its session, so the trail's
/// index of events that name a resource (V30) finds it.
pub async fn admin_ever_signed_in(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
) -> Result<bool, ApiError> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM audit_events
                             WHERE municipality_code = $1 AND resource_type = 'web_session' AND action = 'create'
                               AND actor_role = 'admin' AND resource_id IS NOT NULL)",
            &[&municipality.as_str()],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// Uses a link once and opens its session, in one statement: two clicks on one link cannot both
/// sign in. None when the link is unknown, used or expired.
pub async fn redeem_login_link(
    client: &impl GenericClient,
    secret_sha256: &str,
    token_sha256: &str,
    session_expires_at: Timestamp,
) -> Result<Option<Principal>, ApiError> {
    let row = client
        .query_opt(
            "WITH used AS (
                UPDATE web_login_links SET used_at = now()
                 WHERE secret_sha256 = $1 AND used_at IS NULL AND expires_at > now()
                RETURNING municipality_code, id, role, district_scope, shelter_scope, staff_id)
             INSERT INTO web_sessions (municipality_code, token_sha256, role, district_scope, shelter_scope,
                                       staff_id, signed_in_with, login_link_id, expires_at)
             SELECT municipality_code, $2, role, district_scope, shelter_scope, staff_id, 'login_link', id, $3
               FROM used
             RETURNING id, municipality_code::text, role, district_scope, shelter_scope, staff_id",
            &[&secret_sha256, &token_sha256, &session_expires_at],
        )
        .await?;
    row.map(|row| principal_from_row(&row)).transpose()
}

/// An open session: not signed out, not past its maximum, used within `idle` (`$2` seconds).
const OPEN: &str = "revoked_at IS NULL AND expires_at > now() AND last_seen_at > now() - make_interval(secs => $2)";

/// The caller of an open session (and whether it signed in at the identity provider), which is
/// marked as used now. The mark is written only when the
/// last one is older than `idle / 10` (at most a minute), so a page polling every few seconds does not
/// write a row each time.
pub async fn find_session(
    client: &impl GenericClient,
    token_sha256: &str,
    idle: Duration,
) -> Result<Option<(Principal, bool)>, ApiError> {
    let statement = client
        .prepare_cached(&format!(
            "WITH open AS (
                SELECT municipality_code, id, role, district_scope, shelter_scope, staff_id, last_seen_at,
                       signed_in_with
                  FROM web_sessions WHERE token_sha256 = $1 AND {OPEN}),
             touched AS (
                UPDATE web_sessions s SET last_seen_at = now() FROM open
                 WHERE s.municipality_code = open.municipality_code AND s.id = open.id
                   AND open.last_seen_at < now() - make_interval(secs => $3))
             SELECT id, municipality_code::text, role, district_scope, shelter_scope, staff_id, signed_in_with
               FROM open"
        ))
        .await?;
    let touch_after = (idle.as_secs_f64() / 10.0).min(60.0);
    let row = client.query_opt(&statement, &[&token_sha256, &idle.as_secs_f64(), &touch_after]).await?;
    row.map(|row| {
        let with: String = row.try_get("signed_in_with")?;
        Ok((principal_from_row(&row)?, with == "oidc"))
    })
    .transpose()
}

/// Opens a session for a user the identity provider vouched for; its id.
pub async fn open_sso_session(
    client: &impl GenericClient,
    principal: &Principal,
    token_sha256: &str,
    subject: &str,
    expires_at: Timestamp,
) -> Result<Uuid, ApiError> {
    let row = client
        .query_one(
            "INSERT INTO web_sessions (municipality_code, token_sha256, role, district_scope, shelter_scope, staff_id,
                                       signed_in_with, oidc_subject, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'oidc', $7, $8) RETURNING id",
            &[
                &principal.municipality.as_str(),
                &token_sha256,
                &principal.role.as_str(),
                &principal.district_scope,
                &principal.shelter_scope,
                &principal.staff_id,
                &subject,
                &expires_at,
            ],
        )
        .await?;
    Ok(row.try_get("id")?)
}

/// The municipality's open sessions, most recently used first.
pub async fn open_sessions(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    idle: Duration,
) -> Result<Vec<OpenSession>, ApiError> {
    let statement = client
        .prepare_cached(&format!(
            "SELECT id, role, district_scope, shelter_scope, staff_id, created_at, last_seen_at, expires_at
               FROM web_sessions WHERE municipality_code = $1 AND {OPEN}
              ORDER BY last_seen_at DESC, id LIMIT 1000"
        ))
        .await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &idle.as_secs_f64()]).await?;
    rows.iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok(OpenSession {
                id: row.try_get("id")?,
                role: Role::parse(&role)
                    .ok_or_else(|| ApiError::internal(format!("unknown role {role} in web_sessions")))?,
                district_scope: row.try_get("district_scope")?,
                shelter_scope: row.try_get("shelter_scope")?,
                staff_id: row.try_get("staff_id")?,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .collect()
}

/// Signs a session out; false when the municipality has no such session still signed in.
pub async fn revoke_session(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<bool, ApiError> {
    let changed = client
        .execute(
            "UPDATE web_sessions SET revoked_at = now()
              WHERE municipality_code = $1 AND id = $2 AND revoked_at IS NULL",
            &[&municipality.as_str(), &id],
        )
        .await?;
    Ok(changed == 1)
}

/// Deletes closed sessions (signed out, past their maximum, or idle longer than `idle`) and then the
/// sign-in links that are used or expired and that no remaining session refers to. Returns how many
/// sessions and links went.
pub async fn delete_closed(client: &impl GenericClient, idle: Duration) -> Result<(u64, u64), ApiError> {
    let sessions = client
        .execute(
            "DELETE FROM web_sessions
              WHERE revoked_at IS NOT NULL OR expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $1)",
            &[&idle.as_secs_f64()],
        )
        .await?;
    let links = client
        .execute(
            "DELETE FROM web_login_links l
              WHERE (l.used_at IS NOT NULL OR l.expires_at <= now())
                AND NOT EXISTS (SELECT 1 FROM web_sessions s
                                 WHERE s.municipality_code = l.municipality_code AND s.login_link_id = l.id)",
            &[],
        )
        .await?;
    Ok((sessions, links))
}

fn principal_from_row(row: &tokio_postgres::Row) -> Result<Principal, ApiError> {
    let role: String = row.try_get("role")?;
    let municipality: String = row.try_get("municipality_code")?;
    Ok(Principal {
        token_id: row.try_get("id")?,
        municipality: MunicipalityCode::parse(&municipality)?,
        role: Role::parse(&role).ok_or_else(|| ApiError::internal(format!("unknown role {role} in web_sessions")))?,
        district_scope: row.try_get("district_scope")?,
        shelter_scope: row.try_get("shelter_scope")?,
        staff_id: row.try_get("staff_id")?,
        request_id: None,
    })
}
