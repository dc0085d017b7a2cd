//! SQL for shelters' nights: capacity reports, the beds given out per night, and occupancy.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use super::model::{Capacity, NightLoad};
use crate::shelters::repo::{SCOPED, SHELTER_COLUMNS, shelter_from_row};

/// Every open shelter in scope with its capacity for `night` (its total beds until staff report)
/// and the beds given out.
pub async fn night_loads(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    night: Date,
) -> Result<Vec<NightLoad>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {SHELTER_COLUMNS},
                -- Until staff report the night, its capacity is the shelter's current total; a report
                -- never counts more beds than the shelter has now (its total may have been lowered since).
                CASE WHEN n.reported THEN LEAST(n.beds_in_service, s.total_beds) ELSE s.total_beds END AS beds_in_service,
                COALESCE(n.beds_out_of_service, 0) AS beds_out_of_service,
                n.out_of_service_reason, COALESCE(n.reported, false) AS reported,
                -- Beds given out, as the triggers of V21 count them.
                COALESCE(c.taken, 0)::bigint AS taken
           FROM shelters s
           LEFT JOIN shelter_nights n ON n.municipality_code = s.municipality_code AND n.shelter_id = s.id AND n.night = $3
           LEFT JOIN shelter_night_counts c ON c.municipality_code = s.municipality_code AND c.night = $3 AND c.shelter_id = s.id
          WHERE {SCOPED} AND s.status = 'open'
          ORDER BY s.name, s.id"
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &limit, &night]).await?;
    rows.iter()
        .map(|row| {
            Ok(NightLoad {
                shelter: shelter_from_row(row)?,
                beds_in_service: row.try_get("beds_in_service")?,
                beds_out_of_service: row.try_get("beds_out_of_service")?,
                out_of_service_reason: row.try_get("out_of_service_reason")?,
                reported: row.try_get("reported")?,
                taken: row.try_get("taken")?,
            })
        })
        .collect()
}

/// The bed board's version for `night`: it grows with every change of a count, a capacity or a
/// shelter, in the same transaction as the change (V21), so a read that starts after a write was
/// acknowledged sees a version the board computed before that write never had. One indexed read.
pub async fn board_version(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    night: Date,
) -> Result<i64, tokio_postgres::Error> {
    let statement = client.prepare_cached(BOARD_VERSION).await?;
    client.query_one(&statement, &[&municipality.as_str(), &night]).await?.try_get(0)
}

/// The statement of [`board_version`]: `$1` the municipality code, `$2` the night.
pub const BOARD_VERSION: &str = "SELECT (COALESCE((SELECT version FROM bed_board_versions WHERE municipality_code = $1), 0)
       + COALESCE((SELECT sum(version) FROM shelter_night_counts WHERE municipality_code = $1 AND night = $2), 0))::bigint";

/// Makes sure the shelter-night row exists (with the total beds, unreported), which the capacity
/// trigger locks.
pub async fn ensure_night(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    shelter: Uuid,
    night: Date,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO shelter_nights (municipality_code, shelter_id, night, beds_in_service)
             SELECT municipality_code, id, $3, total_beds FROM shelters WHERE municipality_code = $1 AND id = $2
             ON CONFLICT DO NOTHING",
            &[&municipality.as_str(), &shelter, &night],
        )
        .await?;
    Ok(())
}

/// Stores a capacity report (idempotent for the same figures) and appends it to the history.
pub async fn report_capacity(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    shelter: Uuid,
    night: Date,
    capacity: &Capacity,
    reported_by: Uuid,
    reported_by_role: &str,
) -> Result<(), tokio_postgres::Error> {
    let (in_service, out_of_service, reason) =
        (&capacity.beds_in_service, &capacity.beds_out_of_service, &capacity.reason);
    client
        .execute(
            "INSERT INTO shelter_nights (municipality_code, shelter_id, night, beds_in_service, beds_out_of_service,
                 out_of_service_reason, reported, reported_by, reported_at)
             VALUES ($1, $2, $3, $4, $5, $6, true, $7, now())
             ON CONFLICT (municipality_code, shelter_id, night) DO UPDATE SET
                 beds_in_service = EXCLUDED.beds_in_service, beds_out_of_service = EXCLUDED.beds_out_of_service,
                 out_of_service_reason = EXCLUDED.out_of_service_reason, reported = true,
                 reported_by = EXCLUDED.reported_by, reported_at = EXCLUDED.reported_at",
            &[&municipality.as_str(), &shelter, &night, in_service, out_of_service, reason, &reported_by],
        )
        .await?;
    client
        .execute(
            "INSERT INTO shelter_night_reports (municipality_code, shelter_id, night, beds_in_service, beds_out_of_service,
                 out_of_service_reason, reported_by, reported_by_role)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&municipality.as_str(), &shelter, &night, in_service, out_of_service, reason, &reported_by, &reported_by_role],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct StoredCapacityReport {
    pub beds_in_service: i32,
    pub beds_out_of_service: i32,
    pub out_of_service_reason: Option<String>,
    pub reported_by: Uuid,
    pub reported_by_role: String,
    pub reported_at: Timestamp,
}

pub async fn capacity_history(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    shelter: Uuid,
    night: Date,
) -> Result<Vec<StoredCapacityReport>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT beds_in_service, beds_out_of_service, out_of_service_reason, reported_by, reported_by_role, reported_at
               FROM shelter_night_reports WHERE municipality_code = $1 AND shelter_id = $2 AND night = $3 ORDER BY id",
            &[&municipality.as_str(), &shelter, &night],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredCapacityReport {
                beds_in_service: r.try_get(0)?,
                beds_out_of_service: r.try_get(1)?,
                out_of_service_reason: r.try_get(2)?,
                reported_by: r.try_get(3)?,
                reported_by_role: r.try_get(4)?,
                reported_at: r.try_get(5)?,
            })
        })
        .collect()
}

/// Per shelter over [from, to]: (shelter, name, capacity bed-nights, used bed-nights).
pub async fn occupancy(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    from: Date,
    to: Date,
) -> Result<Vec<(Uuid, String, i64, i64)>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT s.id, s.name,
                (SELECT COALESCE(sum(CASE WHEN n.reported THEN LEAST(n.beds_in_service, s.total_beds) ELSE s.total_beds END), 0)::bigint
                   FROM generate_series($3::date, $4::date, interval '1 day') AS d(day)
                   LEFT JOIN shelter_nights n ON n.municipality_code = s.municipality_code AND n.shelter_id = s.id
                                              AND n.night = d.day::date) AS capacity,
                COALESCE(u.used, 0) AS used
           FROM shelters s
           -- The period's nights as the triggers of V21 count them: one row a shelter and night, so the
           -- report reads its month, not the month's bed nights one by one.
           LEFT JOIN (SELECT shelter_id, sum(used)::bigint AS used FROM shelter_night_counts
                       WHERE municipality_code = $1 AND night BETWEEN $3 AND $4
                       GROUP BY shelter_id) u ON u.shelter_id = s.id
          WHERE {SCOPED} ORDER BY s.name, s.id"
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &limit, &from, &to]).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))).collect()
}
