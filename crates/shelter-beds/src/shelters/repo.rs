//! SQL for shelters. Every query is scoped by municipality and, for callers tied to shelters, by shelter.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::model::{Eligibility, Shelter, ShelterRecord};

/// `$1` municipality, `$2` shelter ids or NULL for all.
pub(crate) const SCOPED: &str = "s.municipality_code = $1 AND ($2::uuid[] IS NULL OR s.id = ANY($2))";

pub(crate) const SHELTER_COLUMNS: &str =
    "s.id, s.name, s.operator, s.address, s.lat, s.lon, s.district_code, s.outside_municipality,
    s.accepts_women, s.accepts_men, s.min_age, s.max_age, s.accepts_couples, s.accepts_pets, s.accepts_substance_use,
    s.wheelchair_accessible, s.total_beds, s.opens_at, s.check_in_deadline, s.status, s.version";

pub(crate) fn shelter_from_row(row: &Row) -> Result<Shelter, tokio_postgres::Error> {
    Ok(Shelter {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        operator: row.try_get("operator")?,
        address: row.try_get("address")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        district_code: row.try_get("district_code")?,
        outside_municipality: row.try_get("outside_municipality")?,
        eligibility: Eligibility {
            accepts_women: row.try_get("accepts_women")?,
            accepts_men: row.try_get("accepts_men")?,
            min_age: row.try_get("min_age")?,
            max_age: row.try_get("max_age")?,
            accepts_couples: row.try_get("accepts_couples")?,
            accepts_pets: row.try_get("accepts_pets")?,
            accepts_substance_use: row.try_get("accepts_substance_use")?,
            wheelchair_accessible: row.try_get("wheelchair_accessible")?,
        },
        total_beds: row.try_get("total_beds")?,
        opens_at: row.try_get("opens_at")?,
        check_in_deadline: row.try_get("check_in_deadline")?,
        status: row.try_get("status")?,
        version: row.try_get("version")?,
    })
}

/// What a shelter record writes, in the order both statements below list the columns.
fn written<'a>(r: &'a ShelterRecord, district_code: &'a Option<&'a str>) -> [&'a (dyn ToSql + Sync); 19] {
    let e = &r.eligibility;
    [
        &r.name,
        &r.operator,
        &r.address,
        &r.location.lat,
        &r.location.lon,
        district_code,
        &r.outside_municipality,
        &e.accepts_women,
        &e.accepts_men,
        &e.min_age,
        &e.max_age,
        &e.accepts_couples,
        &e.accepts_pets,
        &e.accepts_substance_use,
        &e.wheelchair_accessible,
        &r.total_beds,
        &r.opens_at,
        &r.check_in_deadline,
        &r.status,
    ]
}

pub async fn insert_shelter(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    r: &ShelterRecord,
    district_code: Option<&str>,
) -> Result<Uuid, tokio_postgres::Error> {
    let row = client
        .query_one(
            "INSERT INTO shelters (municipality_code, name, operator, address, lat, lon, district_code, outside_municipality,
                 accepts_women, accepts_men, min_age, max_age, accepts_couples, accepts_pets, accepts_substance_use,
                 wheelchair_accessible, total_beds, opens_at, check_in_deadline, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
            &[&[&municipality.as_str() as &(dyn ToSql + Sync)], &written(r, &district_code)[..]].concat(),
        )
        .await?;
    row.try_get(0)
}

pub async fn update_shelter(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    expected_version: Option<i32>,
    r: &ShelterRecord,
    district_code: Option<&str>,
) -> Result<bool, tokio_postgres::Error> {
    let updated = client
        .execute(
            "UPDATE shelters SET name = $3, operator = $4, address = $5, lat = $6, lon = $7, district_code = $8,
                 outside_municipality = $9, accepts_women = $10, accepts_men = $11, min_age = $12, max_age = $13,
                 accepts_couples = $14, accepts_pets = $15, accepts_substance_use = $16, wheelchair_accessible = $17,
                 total_beds = $18, opens_at = $19, check_in_deadline = $20, status = $21, version = version + 1, updated_at = now()
             WHERE municipality_code = $1 AND id = $2 AND ($22::int IS NULL OR version = $22)",
            &[&[&municipality.as_str() as &(dyn ToSql + Sync), &id], &written(r, &district_code)[..], &[&expected_version]]
                .concat(),
        )
        .await?;
    Ok(updated > 0)
}

pub async fn find_shelter(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    id: Uuid,
) -> Result<Option<Shelter>, tokio_postgres::Error> {
    let sql = format!("SELECT {SHELTER_COLUMNS} FROM shelters s WHERE {SCOPED} AND s.id = $3");
    let statement = client.prepare_cached(&sql).await?;
    client
        .query_opt(&statement, &[&municipality.as_str(), &limit, &id])
        .await?
        .as_ref()
        .map(shelter_from_row)
        .transpose()
}

pub async fn list_shelters(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
) -> Result<Vec<Shelter>, tokio_postgres::Error> {
    let sql = format!("SELECT {SHELTER_COLUMNS} FROM shelters s WHERE {SCOPED} ORDER BY s.name, s.id");
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &limit]).await?;
    rows.iter().map(shelter_from_row).collect()
}
