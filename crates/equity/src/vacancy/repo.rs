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

const APARTMENTS: &str = concat!(
    include_str!("days.sql"),
    "SELECT id, address, district_code, count(*) AS vacant_days FROM vacant
      GROUP BY id, address, district_code ORDER BY vacant_days DESC, id LIMIT $4"
);

const DISTRICTS: &str = concat!(
    include_str!("days.sql"),
    ", per_day AS (
        SELECT coalesce(v.district, w.district) AS district, coalesce(v.n, 0) AS vacant, coalesce(w.n, 0) AS waiting
          FROM (SELECT district_code AS district, day, count(*) AS n FROM vacant GROUP BY 1, 2) v
          FULL JOIN (SELECT district, day, count(*) AS n FROM waiting GROUP BY 1, 2) w
            ON w.district = v.district AND w.day = v.day
     )
     SELECT district, sum(vacant)::int8 AS vacant_apartment_days, sum(waiting)::int8 AS waiting_person_days,
            count(*) FILTER (WHERE vacant > 0 AND waiting > 0) AS days_with_both,
            sum(least(vacant, waiting))::int8 AS matchable_days
       FROM per_day GROUP BY district ORDER BY district"
);

/// The apartments vacant on some day of the period, longest first (at most `limit`).
pub async fn vacant_apartments(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<VacantApartment>, tokio_postgres::Error> {
    let statement = client.prepare_cached(APARTMENTS).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &from, &to, &limit]).await?;
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
    from: Date,
    to: Date,
) -> Result<Vec<DistrictDays>, tokio_postgres::Error> {
    let statement = client.prepare_cached(DISTRICTS).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &from, &to]).await?;
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
