//! SQL for districts. Every query is scoped by municipality.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use jiff::civil::Date;
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::model::NewDistrict;

/// A district version as stored.
#[derive(Debug, Clone)]
pub struct StoredDistrict {
    pub id: Uuid,
    pub municipality_code: String,
    pub code: String,
    pub name: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub boundary: serde_json::Value,
    pub version: i32,
}

/// Versions of one code may not overlap in time.
pub const ONE_VERSION_PER_DAY: &str = "districts_one_version_per_day";

const COLUMNS: &str = "id, municipality_code, code, name, valid_from, valid_to, boundary, version";

fn from_row(row: &Row) -> Result<StoredDistrict, Error> {
    Ok(StoredDistrict {
        id: row.try_get("id")?,
        municipality_code: row.try_get("municipality_code")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        valid_from: row.try_get("valid_from")?,
        valid_to: row.try_get("valid_to")?,
        boundary: row.try_get("boundary")?,
        version: row.try_get("version")?,
    })
}

pub async fn insert(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    new: &NewDistrict,
) -> Result<StoredDistrict, Error> {
    let sql = format!(
        "INSERT INTO districts (municipality_code, code, name, valid_from, valid_to, boundary)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    let statement = client.prepare_cached(&sql).await?;
    let row = client
        .query_one(
            &statement,
            &[&municipality.as_str(), &new.code, &new.name, &new.valid_from, &new.valid_to, new.boundary.geojson()],
        )
        .await?;
    from_row(&row)
}

/// Replaces a version; `expected_version` (from If-Match) guards against lost updates. None when no
/// version matched (missing, or changed by someone else).
pub async fn update(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    expected_version: Option<i32>,
    new: &NewDistrict,
) -> Result<Option<StoredDistrict>, Error> {
    let sql = format!(
        "UPDATE districts SET code = $3, name = $4, valid_from = $5, valid_to = $6, boundary = $7,
                version = version + 1, updated_at = now()
         WHERE municipality_code = $1 AND id = $2 AND ($8::int IS NULL OR version = $8)
         RETURNING {COLUMNS}"
    );
    let statement = client.prepare_cached(&sql).await?;
    let row = client
        .query_opt(
            &statement,
            &[
                &municipality.as_str(),
                &id,
                &new.code,
                &new.name,
                &new.valid_from,
                &new.valid_to,
                new.boundary.geojson(),
                &expected_version,
            ],
        )
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Whether a version was deleted.
pub async fn delete(client: &impl GenericClient, municipality: &MunicipalityCode, id: Uuid) -> Result<bool, Error> {
    let statement = client.prepare_cached("DELETE FROM districts WHERE municipality_code = $1 AND id = $2").await?;
    Ok(client.execute(&statement, &[&municipality.as_str(), &id]).await? > 0)
}

pub async fn find(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<Option<StoredDistrict>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM districts WHERE municipality_code = $1 AND id = $2");
    let statement = client.prepare_cached(&sql).await?;
    client.query_opt(&statement, &[&municipality.as_str(), &id]).await?.as_ref().map(from_row).transpose()
}

/// Versions ordered by (code, valid_from), optionally only those valid on `on`.
pub async fn list(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    on: Option<Date>,
    page: &PageRequest<(String, Date)>,
) -> Result<Vec<StoredDistrict>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM districts
         WHERE municipality_code = $1
           AND ($2::date IS NULL OR daterange(valid_from, valid_to) @> $2::date)
           AND ($3::text IS NULL OR (code, valid_from) > ($3, $4::date))
         ORDER BY code, valid_from
         LIMIT $5"
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_code, after_from) = page.after.clone().unzip();
    let rows =
        client.query(&statement, &[&municipality.as_str(), &on, &after_code, &after_from, &page.fetch_limit()]).await?;
    rows.iter().map(from_row).collect()
}

/// Every version, ordered by (code, valid_from).
pub async fn all(client: &impl GenericClient, municipality: &MunicipalityCode) -> Result<Vec<StoredDistrict>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM districts WHERE municipality_code = $1 ORDER BY code, valid_from");
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&municipality.as_str()]).await?;
    rows.iter().map(from_row).collect()
}

/// Every version valid on `on`, for point-in-polygon lookups (a municipality has a handful).
pub async fn valid_on(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    on: Date,
) -> Result<Vec<StoredDistrict>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM districts
         WHERE municipality_code = $1 AND daterange(valid_from, valid_to) @> $2::date
         ORDER BY code"
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &on]).await?;
    rows.iter().map(from_row).collect()
}
