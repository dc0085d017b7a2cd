//! SQL of the vacancy report (`days.sql` and a final select each).

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use uuid::Uuid;

/// An apartment and its vacant days in the period.
#[derive(Debug, Clone)]
pub struct VacantApartment {
    pub apartment_id: Uuid,
    pub address: String,
    pub district_code: String,
    pub vacant_days: i64,
}

/// A district's vacant apartment-days and waiting person-days.
#[derive(Debug, Clone)]
pub struct DistrictDays {
    pub district_code: String,
    pub vacant_apartment_days: i64,
    pub waiting_person_days: i64,
    pub days_with_both: i64,
    pub matchable_days: i64,
}

/// `days.sql` with the tenants crate's rule for a protected home.
fn days() -> String {
    include_str!("days.sql")
        .replace("PROTECTED_HOME", &hemvist_tenants::api::protected_home_of("pl.municipality_code", "pl.person_id"))
}

/// `$6` the caller's districts (empty: all), applied before the limit: a district's own list is never
/// cut short by other districts' apartments (review, 2026-11-24).
const APARTMENTS: &str = "SELECT id, address, district_code, count(*) AS vacant_days FROM vacant
      WHERE cardinality($6::text[]) = 0 OR district_code = ANY($6)
      GROUP BY id, address, district_code ORDER BY vacant_days DESC, id LIMIT $5";

const DISTRICTS: &str = ", per_day AS (
        SELECT coalesce(v.district, w.district) AS district, coalesce(v.n, 0) AS vacant, coalesce(w.n, 0) AS waiting
          FROM (SELECT district_code AS district, day, count(*) AS n FROM vacant GROUP BY 1, 2) v
          FULL JOIN (SELECT district, day, count(*) AS n FROM waiting GROUP BY 1, 2) w
            ON w.district = v.district AND w.day = v.day
     )
     SELECT district, sum(vacant)::int8 AS vacant_apartment_days, sum(waiting)::int8 AS waiting_person_days,
            count(*) FILTER (WHERE vacant > 0 AND waiting > 0) AS days_with_both,
            sum(least(vacant, waiting))::int8 AS matchable_days
       FROM per_day GROUP BY district ORDER BY district";

/// The apartments of `districts` (empty: all) vacant on some day of the period, longest first (at most
/// `limit`).
pub async fn vacant_apartments(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    (from, to): (Date, Date),
    districts: &[String],
    sees_protected: bool,
    limit: i64,
) -> Result<Vec<VacantApartment>, tokio_postgres::Error> {
    let statement = client.prepare_cached(&format!("{}{APARTMENTS}", days())).await?;
    let rows =
        client.query(&statement, &[&municipality.as_str(), &from, &to, &sees_protected, &limit, &districts]).await?;
    rows.iter()
        .map(|row| {
            Ok(VacantApartment {
                apartment_id: row.try_get("id")?,
                address: row.try_get("address")?,
                district_code: row.try_get("district_code")?,
                vacant_days: row.try_get("vacant_days")?,
            })
        })
        .collect()
}

/// Per district: vacant apartment-days against waiting person-days on the same days.
pub async fn district_days(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    (from, to): (Date, Date),
    sees_protected: bool,
) -> Result<Vec<DistrictDays>, tokio_postgres::Error> {
    let statement = client.prepare_cached(&format!("{}{DISTRICTS}", days())).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &from, &to, &sees_protected]).await?;
    rows.iter()
        .map(|row| {
            Ok(DistrictDays {
                district_code: row.try_get("district")?,
                vacant_apartment_days: row.try_get("vacant_apartment_days")?,
                waiting_person_days: row.try_get("waiting_person_days")?,
                days_with_both: row.try_get("days_with_both")?,
                matchable_days: row.try_get("matchable_days")?,
            })
        })
        .collect()
}

/// An available apartment with no offered or active lease, and the day it became vacant.
#[derive(Debug, Clone)]
pub struct VacantNow {
    pub apartment_id: Uuid,
    pub address: String,
    pub district_code: String,
    pub vacant_since: Date,
}

/// The apartments available now, longest vacant first: vacant since the end of their last lease (its
/// end day, the first free one), or the start of the first-hand contract (at most `limit`, in the
/// district scope; empty scope: all).
pub async fn longest_vacant_now(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    districts: &[String],
    limit: i64,
) -> Result<Vec<VacantNow>, tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "SELECT a.id, a.address, a.district_code,
                    greatest(a.first_hand_start,
                             (SELECT max(coalesce(l.taken_over_on, l.ends_on)) FROM leases l
                               WHERE l.municipality_code = a.municipality_code AND l.apartment_id = a.id
                                 AND l.status = 'ended')) AS vacant_since
               FROM apartments a
              WHERE a.municipality_code = $1 AND a.status = 'available'
                AND (cardinality($2::text[]) = 0 OR a.district_code = ANY($2))
                AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.municipality_code = a.municipality_code
                                   AND l.apartment_id = a.id AND l.status IN ('offered', 'active', 'taken_over'))
              ORDER BY vacant_since, a.id LIMIT $3",
        )
        .await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &districts, &limit]).await?;
    rows.iter()
        .map(|row| {
            Ok(VacantNow {
                apartment_id: row.try_get("id")?,
                address: row.try_get("address")?,
                district_code: row.try_get("district_code")?,
                vacant_since: row.try_get("vacant_since")?,
            })
        })
        .collect()
}
