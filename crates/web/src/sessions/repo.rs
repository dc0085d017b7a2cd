//! Sign-in links and sessions: all their SQL.

use deadpool_postgres::GenericClient;
use hemvist_platform::auth::{Principal, Role};
use hemvist_platform::{ApiError, MunicipalityCode};
use jiff::Timestamp;
use uuid::Uuid;

use super::model::Grant;

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

/// Whether any admin sign-in link was ever made (the first start prints one when not).
pub async fn any_admin_link(client: &impl GenericClient) -> Result<bool, ApiError> {
    let row = client.query_one("SELECT EXISTS (SELECT 1 FROM web_login_links WHERE role = 'admin')", &[]).await?;
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

/// The caller of an open session.
pub async fn find_session(client: &impl GenericClient, token_sha256: &str) -> Result<Option<Principal>, ApiError> {
    let statement = client
        .prepare_cached(
            "SELECT id, municipality_code::text, role, district_scope, shelter_scope, staff_id FROM web_sessions
              WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > now()",
        )
        .await?;
    let row = client.query_opt(&statement, &[&token_sha256]).await?;
    row.map(|row| principal_from_row(&row)).transpose()
}

/// Signs a session out.
pub async fn revoke_session(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<(), ApiError> {
    client
        .execute(
            "UPDATE web_sessions SET revoked_at = now()
              WHERE municipality_code = $1 AND id = $2 AND revoked_at IS NULL",
            &[&municipality.as_str(), &id],
        )
        .await?;
    Ok(())
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
