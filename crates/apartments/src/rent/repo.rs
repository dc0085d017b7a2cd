//! SQL for the rent ledger and notices of leases, and the arrears early-warning list.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use tokio_postgres::Error;
use uuid::Uuid;

use super::model::{NewRentEntry, Notice, RentEntryKind};
use crate::apartments::repo::Scope;
use crate::leases::model::LeaseStatus;
use crate::leases::repo::{StoredLease, columns, from_row, scoped};
use crate::sql;

#[derive(Debug, Clone)]
pub(crate) struct RentEntry {
    pub id: Uuid,
    pub kind: RentEntryKind,
    pub amount_sek: i32,
    pub entry_date: Date,
    pub period: Option<String>,
}

/// Constraint: one rent charge per lease and month.
pub(crate) const ONE_CHARGE_PER_PERIOD: &str = "rent_one_charge_per_period";

/// Fails on `ONE_CHARGE_PER_PERIOD` when the month is charged already.
pub(crate) async fn insert_rent_entry(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    entry: &NewRentEntry,
) -> Result<Uuid, Error> {
    let row = client
        .query_one(
            "INSERT INTO rent_entries (municipality_code, lease_id, entry_kind, amount_sek, entry_date, period)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[&municipality.as_str(), &lease_id, &entry.kind, &entry.amount_sek, &entry.date, &entry.period],
        )
        .await?;
    row.try_get(0)
}

pub(crate) async fn rent_entries(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_ids: &[Uuid],
) -> Result<Vec<(Uuid, RentEntry)>, Error> {
    let rows = client
        .query(
            "SELECT lease_id, id, entry_kind, amount_sek, entry_date, period FROM rent_entries
             WHERE municipality_code = $1 AND lease_id = ANY($2) ORDER BY entry_date, created_at",
            &[&municipality.as_str(), &lease_ids],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                RentEntry {
                    id: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    amount_sek: r.try_get(3)?,
                    entry_date: r.try_get(4)?,
                    period: r.try_get(5)?,
                },
            ))
        })
        .collect()
}

pub(crate) async fn insert_notice(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    served_on: Date,
    committee_notified_on: Option<Date>,
) -> Result<(), Error> {
    client
        .execute(
            "INSERT INTO rent_notices (municipality_code, lease_id, served_on, committee_notified_on) VALUES ($1, $2, $3, $4)",
            &[&municipality.as_str(), &lease_id, &served_on, &committee_notified_on],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub(crate) struct StoredNotice {
    pub id: Uuid,
    pub lease_id: Uuid,
    pub served_on: Date,
    pub committee_notified_on: Option<Date>,
}

impl StoredNotice {
    pub(crate) fn notice(&self) -> Notice {
        Notice { served_on: self.served_on, committee_notified_on: self.committee_notified_on }
    }
}

pub(crate) async fn notices(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_ids: &[Uuid],
) -> Result<Vec<StoredNotice>, Error> {
    let rows = client
        .query(
            "SELECT id, lease_id, served_on, committee_notified_on FROM rent_notices
             WHERE municipality_code = $1 AND lease_id = ANY($2) ORDER BY served_on, id",
            &[&municipality.as_str(), &lease_ids],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredNotice {
                id: r.try_get(0)?,
                lease_id: r.try_get(1)?,
                served_on: r.try_get(2)?,
                committee_notified_on: r.try_get(3)?,
            })
        })
        .collect()
}

/// Records that the social welfare committee was notified of a notice; false when the lease has no
/// such notice.
pub(crate) async fn record_committee_notified(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    notice_id: Uuid,
    notified_on: Date,
) -> Result<bool, Error> {
    let updated = client
        .execute(
            // The committee may have been told before the tenant was served: the period then runs from service.
            "UPDATE rent_notices SET committee_notified_on = $4 WHERE municipality_code = $1 AND lease_id = $2 AND id = $3",
            &[&municipality.as_str(), &lease_id, &notice_id, &notified_on],
        )
        .await?;
    Ok(updated > 0)
}

/// One candidate row of the arrears early-warning list.
#[derive(Debug, Clone)]
pub(crate) struct ArrearsCandidate {
    pub lease: StoredLease,
    pub address: String,
    pub district_code: String,
    /// Whole days the oldest unpaid charge is past due on the day asked about.
    pub days_late: i32,
}

/// Active leases needing attention on `as_of` (rent past due, or the latest notice without committee
/// notification), most days late first, then by id; after the cursor `after`, at most `limit` rows.
/// This mirrors `rules::arrears_status` so that pages are cut in the database (amounts are always
/// positive here; payments pay the oldest charges first); the rule still decides each row.
pub(crate) async fn arrears_candidates(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    as_of: Date,
    after: Option<(i32, Uuid)>,
    limit: i64,
) -> Result<Vec<ArrearsCandidate>, Error> {
    let sql = format!(
        "SELECT {columns}, a.address, a.district_code, s.days_late FROM leases l
           JOIN apartments a ON a.municipality_code = l.municipality_code AND a.id = l.apartment_id
           CROSS JOIN LATERAL (SELECT
               COALESCE($3::date - (
                   SELECT min(c.entry_date) FROM (
                       SELECT e.entry_date,
                              sum(e.amount_sek) OVER (ORDER BY e.entry_date, e.created_at, e.id) AS running
                         FROM rent_entries e
                        WHERE e.municipality_code = l.municipality_code AND e.lease_id = l.id
                          AND e.entry_kind = {charge} AND e.entry_date <= $3) c
                    WHERE c.running > (SELECT COALESCE(sum(p.amount_sek), 0) FROM rent_entries p
                                        WHERE p.municipality_code = l.municipality_code AND p.lease_id = l.id
                                          AND p.entry_kind = {payment} AND p.entry_date <= $3)), 0) AS days_late,
               COALESCE((SELECT NOT bool_or(n.committee_notified_on IS NOT NULL AND n.committee_notified_on <= $3)
                           FROM rent_notices n
                          WHERE n.municipality_code = l.municipality_code AND n.lease_id = l.id
                            AND n.served_on = (SELECT max(m.served_on) FROM rent_notices m
                                                WHERE m.municipality_code = l.municipality_code
                                                  AND m.lease_id = l.id AND m.served_on <= $3)), false)
                   AS unnotified) s
          WHERE {scoped} AND l.status = {active} AND (s.days_late >= 1 OR s.unnotified)
            AND ($4::int IS NULL OR s.days_late < $4 OR (s.days_late = $4 AND l.id > $5::uuid))
          ORDER BY s.days_late DESC, l.id
          LIMIT $6",
        columns = columns(),
        scoped = scoped(7, 8),
        charge = sql::state(RentEntryKind::Charge.as_str()),
        payment = sql::state(RentEntryKind::Payment.as_str()),
        active = sql::state(LeaseStatus::Active.as_str()),
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_days, after_id) = after.unzip();
    let rows = client
        .query(
            &statement,
            &[
                &scope.municipality.as_str(),
                &scope.districts,
                &as_of,
                &after_days,
                &after_id,
                &limit,
                &scope.staff,
                &scope.sees_protected,
            ],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ArrearsCandidate {
                lease: from_row(r)?,
                address: r.try_get("address")?,
                district_code: r.try_get("district_code")?,
                days_late: r.try_get("days_late")?,
            })
        })
        .collect()
}
