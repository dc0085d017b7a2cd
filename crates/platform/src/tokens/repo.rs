//! Integration tokens: their SQL, always scoped by the municipality.

use deadpool_postgres::GenericClient;
use jiff::Timestamp;
use uuid::Uuid;

use super::model::TokenRequest;
use crate::auth::{Role, hash_token};
use crate::pagination::PageRequest;
use crate::{ApiError, MunicipalityCode};

/// A stored token as an admin sees it: never its text or hash.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
    pub created_at: Timestamp,
    pub created_by: Option<Uuid>,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, name, role, district_scope, shelter_scope, staff_id, created_at, created_by, expires_at, \
                       revoked_at, last_used_at";

pub async fn insert(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    request: &TokenRequest,
    expires_at: Timestamp,
    token: &str,
    created_by: Uuid,
) -> Result<StoredToken, ApiError> {
    let row = client
        .query_one(
            &format!(
                "INSERT INTO api_tokens (municipality_code, name, role, district_scope, shelter_scope, token_sha256,
                                         staff_id, expires_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
            ),
            &[
                &municipality.as_str(),
                &request.name.trim(),
                &request.role.as_str(),
                &request.district_scope,
                &request.shelter_scope,
                &hash_token(token),
                &request.staff_id.as_deref().map(str::trim),
                &expires_at,
                &created_by,
            ],
        )
        .await?;
    stored(&row)
}

/// The municipality's tokens, oldest first, after the page's cursor.
pub async fn list(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    page: &PageRequest<(Timestamp, Uuid)>,
) -> Result<Vec<StoredToken>, ApiError> {
    let (after_at, after_id) = page.after.unzip();
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM api_tokens
                  WHERE municipality_code = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3))
                  ORDER BY created_at, id LIMIT $4"
            ),
            &[&municipality.as_str(), &after_at, &after_id, &page.fetch_limit()],
        )
        .await?;
    rows.iter().map(stored).collect()
}

pub async fn find(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<Option<StoredToken>, ApiError> {
    let row = client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM api_tokens WHERE municipality_code = $1 AND id = $2"),
            &[&municipality.as_str(), &id],
        )
        .await?;
    row.as_ref().map(stored).transpose()
}

fn stored(row: &tokio_postgres::Row) -> Result<StoredToken, ApiError> {
    let role: String = row.try_get("role")?;
    Ok(StoredToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| ApiError::internal(format!("unknown role {role} in api_tokens")))?,
        district_scope: row.try_get("district_scope")?,
        shelter_scope: row.try_get("shelter_scope")?,
        staff_id: row.try_get("staff_id")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}
