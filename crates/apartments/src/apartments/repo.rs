//! SQL for apartments. Scoped by municipality and, for district-scoped callers, by district.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::model::{ApartmentRecord, ApartmentStatus};
use crate::leases::model::LeaseStatus;
use crate::sql;

/// Who is asking, as far as apartments and leases care (inner secrecy: an apartment and its leases
/// reveal a home).
#[derive(Debug, Clone)]
pub(crate) struct Scope<'a> {
    pub municipality: &'a MunicipalityCode,
    /// Empty: every district; otherwise the apartment's district must be one of them.
    pub districts: &'a [String],
    /// Some: a support worker, who sees only the leases of the people assigned to this member of staff
    /// and the apartments that are their homes (`Some("")`: a token for nobody, who sees nothing).
    pub staff: Option<&'a str>,
    /// Whether the caller may see protected addresses. Otherwise the leases of tenants sharing a
    /// protected home do not exist for it, and their apartments show as out of letting.
    pub sees_protected: bool,
}

/// SQL: the apartment `a` is the home (or the home to be) of a tenant sharing a protected home.
fn houses_protected() -> String {
    format!(
        "EXISTS (SELECT 1 FROM leases hl WHERE hl.municipality_code = a.municipality_code AND hl.apartment_id = a.id
           AND hl.status IN {} AND {})",
        sql::states(LeaseStatus::HOME.iter().map(|s| s.as_str())),
        hemvist_tenants::api::protected_home_of("hl.municipality_code", "hl.person_id")
    )
}

/// SQL: the status shown to the caller (`$sees`: may it see protected addresses). A protected home is
/// shown as an apartment out of letting, or out of the stock once taken over, never as let: "let" minus
/// the leases one may see would otherwise be exactly the protected homes.
fn status_seen(sees: usize) -> String {
    format!(
        "CASE WHEN NOT ${sees}::bool AND {} THEN
              CASE WHEN a.status = {} THEN {} ELSE {} END
         ELSE a.status END",
        houses_protected(),
        sql::state(ApartmentStatus::Transferred.as_str()),
        sql::state(ApartmentStatus::ReturnedToLandlord.as_str()),
        sql::state(ApartmentStatus::Unavailable.as_str()),
    )
}

/// The columns as the caller sees them. The reason an apartment is unavailable is withheld from those who
/// may not see protected addresses: a protected home, shown as unavailable, has none.
fn columns(sees: usize) -> String {
    format!(
        "a.id, a.address, a.lat, a.lon, a.district_id, a.district_code, a.rooms, a.area_sqm, a.floor, a.has_lift,
         a.wheelchair_accessible, a.monthly_rent_sek, a.landlord, a.first_hand_contract_ref, a.first_hand_start,
         a.first_hand_end, {} AS status, CASE WHEN ${sees}::bool THEN a.unavailable_reason END AS unavailable_reason,
         a.version",
        status_seen(sees)
    )
}

/// SQL: the apartment `a` is visible to the scope (`$1` municipality, `$2` districts, `$staff`): a
/// support worker sees only the homes of the people assigned to them, protected homes excepted.
fn visible(staff: usize, sees: usize) -> String {
    format!(
        "{SCOPED} AND (${staff}::text IS NULL OR EXISTS (SELECT 1 FROM leases sl
             WHERE sl.municipality_code = a.municipality_code AND sl.apartment_id = a.id
               AND sl.status IN {} AND {}
               AND (${sees}::bool OR NOT {})))",
        sql::states(LeaseStatus::HOME.iter().map(|s| s.as_str())),
        hemvist_tenants::api::supported_by("sl.municipality_code", "sl.person_id", &format!("${staff}")),
        hemvist_tenants::api::protected_home_of("sl.municipality_code", "sl.person_id")
    )
}

#[derive(Debug, Clone)]
pub(crate) struct StoredApartment {
    pub id: Uuid,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub district_id: Uuid,
    pub district_code: String,
    pub rooms: f64,
    pub area_sqm: f64,
    pub floor: i16,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    pub monthly_rent_sek: i32,
    pub landlord: String,
    pub first_hand_contract_ref: Option<String>,
    pub first_hand_start: jiff::civil::Date,
    pub first_hand_end: Option<jiff::civil::Date>,
    pub status: ApartmentStatus,
    pub unavailable_reason: Option<String>,
    pub version: i32,
}

const SCOPED: &str = "a.municipality_code = $1 AND (cardinality($2::text[]) = 0 OR a.district_code = ANY($2))";

fn from_row(row: &Row) -> Result<StoredApartment, Error> {
    Ok(StoredApartment {
        id: row.try_get("id")?,
        address: row.try_get("address")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        district_id: row.try_get("district_id")?,
        district_code: row.try_get("district_code")?,
        rooms: row.try_get("rooms")?,
        area_sqm: row.try_get("area_sqm")?,
        floor: row.try_get("floor")?,
        has_lift: row.try_get("has_lift")?,
        wheelchair_accessible: row.try_get("wheelchair_accessible")?,
        monthly_rent_sek: row.try_get("monthly_rent_sek")?,
        landlord: row.try_get("landlord")?,
        first_hand_contract_ref: row.try_get("first_hand_contract_ref")?,
        first_hand_start: row.try_get("first_hand_start")?,
        first_hand_end: row.try_get("first_hand_end")?,
        status: row.try_get("status")?,
        unavailable_reason: row.try_get("unavailable_reason")?,
        version: row.try_get("version")?,
    })
}

pub(crate) async fn insert(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    record: &ApartmentRecord,
    district_id: Uuid,
    district_code: &str,
) -> Result<Uuid, Error> {
    let statement = client
        .prepare_cached(
            "INSERT INTO apartments (municipality_code, address, lat, lon, district_id, district_code, rooms, area_sqm, floor,
                 has_lift, wheelchair_accessible, monthly_rent_sek, landlord, first_hand_contract_ref, first_hand_start, first_hand_end)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .await?;
    let row = client
        .query_one(
            &statement,
            &[
                &municipality.as_str(),
                &record.address,
                &record.location.lat,
                &record.location.lon,
                &district_id,
                &district_code,
                &record.rooms,
                &record.area_sqm,
                &record.floor,
                &record.has_lift,
                &record.wheelchair_accessible,
                &record.monthly_rent_sek,
                &record.landlord,
                &record.first_hand_contract_ref,
                &record.first_hand_start,
                &record.first_hand_end,
            ],
        )
        .await?;
    row.try_get(0)
}

/// Updates the apartment at `expected_version` (any when None); false when no row was updated: not
/// visible to the scope, or at another version.
pub(crate) async fn update(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    expected_version: Option<i32>,
    record: &ApartmentRecord,
    district_id: Uuid,
    district_code: &str,
) -> Result<bool, Error> {
    let sql = format!(
        "UPDATE apartments a SET address = $4, lat = $5, lon = $6, district_id = $7, district_code = $8, rooms = $9,
             area_sqm = $10, floor = $11, has_lift = $12, wheelchair_accessible = $13, monthly_rent_sek = $14, landlord = $15,
             first_hand_contract_ref = $16, first_hand_start = $17, first_hand_end = $18, version = a.version + 1, updated_at = now()
         WHERE {SCOPED} AND a.id = $3 AND ($19::int IS NULL OR a.version = $19)"
    );
    let statement = client.prepare_cached(&sql).await?;
    let updated = client
        .execute(
            &statement,
            &[
                &scope.municipality.as_str(),
                &scope.districts,
                &id,
                &record.address,
                &record.location.lat,
                &record.location.lon,
                &district_id,
                &district_code,
                &record.rooms,
                &record.area_sqm,
                &record.floor,
                &record.has_lift,
                &record.wheelchair_accessible,
                &record.monthly_rent_sek,
                &record.landlord,
                &record.first_hand_contract_ref,
                &record.first_hand_start,
                &record.first_hand_end,
                &expected_version,
            ],
        )
        .await?;
    Ok(updated > 0)
}

/// The apartment; `lock` takes a row lock for a change that depends on its status.
pub(crate) async fn find(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    lock: bool,
) -> Result<Option<StoredApartment>, Error> {
    let sql = format!(
        "SELECT {} FROM apartments a WHERE {} AND a.id = $3{}",
        columns(5),
        visible(4, 5),
        if lock { " FOR UPDATE OF a" } else { "" }
    );
    let statement = client.prepare_cached(&sql).await?;
    client
        .query_opt(
            &statement,
            &[&scope.municipality.as_str(), &scope.districts, &id, &scope.staff, &scope.sees_protected],
        )
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub(crate) async fn set_status(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    status: ApartmentStatus,
    reason: Option<&str>,
) -> Result<(), Error> {
    client
        .execute(
            "UPDATE apartments SET status = $3, unavailable_reason = $4, version = version + 1, updated_at = now()
             WHERE municipality_code = $1 AND id = $2",
            &[&municipality.as_str(), &id, &status, &reason],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ApartmentFilter {
    pub district_code: Option<String>,
    pub status: Option<ApartmentStatus>,
    pub min_rooms: Option<f64>,
    pub wheelchair_accessible: Option<bool>,
}

pub(crate) async fn list(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    filter: &ApartmentFilter,
    page: &PageRequest<(String, Uuid)>,
) -> Result<Vec<StoredApartment>, Error> {
    let sql = format!(
        "SELECT {} FROM apartments a
         WHERE {}
           AND ($3::text IS NULL OR a.district_code = $3)
           AND ($4::text IS NULL OR ({}) = $4)
           AND ($5::float8 IS NULL OR a.rooms >= $5)
           AND ($6::bool IS NULL OR a.wheelchair_accessible = $6)
           AND ($7::text IS NULL OR (a.address, a.id) > ($7, $8::uuid))
         ORDER BY a.address, a.id
         LIMIT $9",
        columns(11),
        visible(10, 11),
        status_seen(11)
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_address, after_id) = page.after.clone().unzip();
    let rows = client
        .query(
            &statement,
            &[
                &scope.municipality.as_str(),
                &scope.districts,
                &filter.district_code,
                &filter.status,
                &filter.min_rooms,
                &filter.wheelchair_accessible,
                &after_address,
                &after_id,
                &page.fetch_limit(),
                &scope.staff,
                &scope.sees_protected,
            ],
        )
        .await?;
    rows.iter().map(from_row).collect()
}

/// Apartments still in the stock (not returned or transferred), for the map.
pub(crate) async fn all_in_stock(
    client: &impl GenericClient,
    scope: &Scope<'_>,
) -> Result<Vec<StoredApartment>, Error> {
    let sql = format!(
        "SELECT {} FROM apartments a WHERE {} AND a.status NOT IN {}
         ORDER BY a.address, a.id",
        columns(4),
        visible(3, 4),
        sql::states(ApartmentStatus::ALL.iter().filter(|s| !s.in_stock()).map(|s| s.as_str()))
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(&statement, &[&scope.municipality.as_str(), &scope.districts, &scope.staff, &scope.sees_protected])
        .await?;
    rows.iter().map(from_row).collect()
}

/// Per district code: counts of apartments by the status the caller is shown, so that the counts agree
/// with the rows it may list.
pub(crate) async fn stock_by_district(
    client: &impl GenericClient,
    scope: &Scope<'_>,
) -> Result<Vec<(String, ApartmentStatus, i64)>, Error> {
    let sql = format!(
        "SELECT a.district_code, {} AS status, count(*) FROM apartments a WHERE {} GROUP BY 1, 2 ORDER BY 1, 2",
        status_seen(4),
        visible(3, 4)
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(&statement, &[&scope.municipality.as_str(), &scope.districts, &scope.staff, &scope.sees_protected])
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
}
