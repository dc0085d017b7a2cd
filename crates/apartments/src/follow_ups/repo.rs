//! SQL for the follow-ups of leases.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use tokio_postgres::Error;
use uuid::Uuid;

use super::model::FollowUpRecord;

#[derive(Debug, Clone)]
pub(crate) struct StoredFollowUp {
    pub id: Uuid,
    pub planned_on: Date,
    pub held_on: Option<Date>,
    pub note: Option<String>,
    /// Planned at move-in (the quarterly plan), not an extra one.
    pub scheduled: bool,
}

impl StoredFollowUp {
    /// The follow-up as the takeover rule sees it.
    pub(crate) fn record(&self) -> FollowUpRecord {
        FollowUpRecord { planned_on: self.planned_on, held_on: self.held_on, scheduled: self.scheduled }
    }
}

/// Plans follow-ups on `dates`; `scheduled` marks the plan made at move-in, as opposed to extra ones.
pub(crate) async fn insert_follow_ups(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    dates: &[Date],
    scheduled: bool,
) -> Result<(), Error> {
    client
        .execute(
            "INSERT INTO lease_follow_ups (municipality_code, lease_id, planned_on, scheduled)
             SELECT $1, $2, d, $4 FROM unnest($3::date[]) AS d",
            &[&municipality.as_str(), &lease_id, &dates, &scheduled],
        )
        .await?;
    Ok(())
}

pub(crate) async fn follow_ups(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
) -> Result<Vec<StoredFollowUp>, Error> {
    let rows = client
        .query(
            "SELECT id, planned_on, held_on, note, scheduled FROM lease_follow_ups WHERE municipality_code = $1 AND lease_id = $2
             ORDER BY planned_on, id",
            &[&municipality.as_str(), &lease_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredFollowUp {
                id: r.try_get(0)?,
                planned_on: r.try_get(1)?,
                held_on: r.try_get(2)?,
                note: r.try_get(3)?,
                scheduled: r.try_get(4)?,
            })
        })
        .collect()
}

/// The follow-ups of several leases at once, each with its lease: one query for a whole list.
pub(crate) async fn follow_ups_of_leases(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_ids: &[Uuid],
) -> Result<Vec<(Uuid, StoredFollowUp)>, Error> {
    let statement = client
        .prepare_cached(
            "SELECT lease_id, id, planned_on, held_on, note, scheduled FROM lease_follow_ups
             WHERE municipality_code = $1 AND lease_id = ANY($2) ORDER BY lease_id, planned_on, id",
        )
        .await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &lease_ids]).await?;
    rows.iter()
        .map(|r| {
            let follow_up = StoredFollowUp {
                id: r.try_get(1)?,
                planned_on: r.try_get(2)?,
                held_on: r.try_get(3)?,
                note: r.try_get(4)?,
                scheduled: r.try_get(5)?,
            };
            Ok((r.try_get(0)?, follow_up))
        })
        .collect()
}

/// Records a follow-up held; false when the lease has no such follow-up.
pub(crate) async fn record_follow_up_held(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    follow_up_id: Uuid,
    held_on: Date,
    note: Option<&str>,
) -> Result<bool, Error> {
    let updated = client
        .execute(
            "UPDATE lease_follow_ups SET held_on = $4, note = $5 WHERE municipality_code = $1 AND lease_id = $2 AND id = $3",
            &[&municipality.as_str(), &lease_id, &follow_up_id, &held_on, &note],
        )
        .await?;
    Ok(updated > 0)
}
