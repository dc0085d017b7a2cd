//! SQL for leases, follow-ups and rent. A lease is visible to a caller when its apartment lies in the
//! caller's districts, its tenant is assigned to a support worker caller, and its tenant's home is not
//! protected from the caller (see `scoped`).

use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use hemvist_platform::{ApiError, MunicipalityCode};
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::apartments::repo::Scope;

#[derive(Debug, Clone)]
pub struct StoredLease {
    pub id: Uuid,
    pub apartment_id: Uuid,
    pub person_id: Uuid,
    pub decision_id: Uuid,
    pub kind: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub status: String,
    pub activated_on: Option<Date>,
    pub special_conditions_told_on: Option<Date>,
    pub end_reason: Option<String>,
    pub taken_over_on: Option<Date>,
    /// The offer this lease made on its decision (absent for leases offered before offers were linked).
    pub offer_id: Option<Uuid>,
    pub version: i32,
    /// The tenant has protected personal data or shares a household with someone who has: the lease
    /// (which reveals where they live) is shown only to roles allowed to see protected addresses.
    pub tenant_protected: bool,
}

fn columns() -> String {
    format!(
        "l.id, l.apartment_id, l.person_id, l.decision_id, l.kind, l.starts_on, l.ends_on, l.status, l.activated_on,
         l.special_conditions_told_on, l.end_reason, l.taken_over_on, l.offer_id, l.version,
         {} AS tenant_protected",
        hemvist_tenants::api::protected_home_of("l.municipality_code", "l.person_id")
    )
}

/// SQL: the lease `l` is visible to the scope (`$1` municipality, `$2` districts, `$staff` member of
/// staff, `$sees` may see protected addresses): its apartment lies in the caller's districts, a support
/// worker's tenant is assigned to them, and a tenant sharing a protected home is hidden from those who
/// may not see protected addresses. In SQL, before any LIMIT, so that a page and its cursor only ever hold
/// visible rows.
fn scoped(staff: usize, sees: usize) -> String {
    format!(
        "l.municipality_code = $1 AND EXISTS (SELECT 1 FROM apartments a
            WHERE a.municipality_code = l.municipality_code AND a.id = l.apartment_id
              AND (cardinality($2::text[]) = 0 OR a.district_code = ANY($2)))
         AND (${staff}::text IS NULL OR {})
         AND (${sees}::bool OR NOT {})",
        hemvist_tenants::api::supported_by("l.municipality_code", "l.person_id", &format!("${staff}")),
        hemvist_tenants::api::protected_home_of("l.municipality_code", "l.person_id")
    )
}

fn from_row(row: &Row) -> Result<StoredLease, ApiError> {
    Ok(StoredLease {
        id: row.try_get("id")?,
        apartment_id: row.try_get("apartment_id")?,
        person_id: row.try_get("person_id")?,
        decision_id: row.try_get("decision_id")?,
        kind: row.try_get("kind")?,
        starts_on: row.try_get("starts_on")?,
        ends_on: row.try_get("ends_on")?,
        status: row.try_get("status")?,
        activated_on: row.try_get("activated_on")?,
        special_conditions_told_on: row.try_get("special_conditions_told_on")?,
        end_reason: row.try_get("end_reason")?,
        taken_over_on: row.try_get("taken_over_on")?,
        offer_id: row.try_get("offer_id")?,
        version: row.try_get("version")?,
        tenant_protected: row.try_get("tenant_protected")?,
    })
}

/// A lease to offer, validated.
#[derive(Debug, Clone)]
pub struct NewLease {
    pub apartment_id: Uuid,
    pub person_id: Uuid,
    pub decision_id: Uuid,
    pub kind: &'static str,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub special_conditions_told_on: Option<Date>,
    /// The offer recorded on the decision for this lease.
    pub offer_id: Uuid,
}

pub async fn insert(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    new: &NewLease,
) -> Result<Uuid, ApiError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO leases (municipality_code, apartment_id, person_id, decision_id, kind, starts_on, ends_on,
                 special_conditions_told_on, offer_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .await?;
    let row = client
        .query_one(
            &statement,
            &[
                &municipality.as_str(),
                &new.apartment_id,
                &new.person_id,
                &new.decision_id,
                &new.kind,
                &new.starts_on,
                &new.ends_on,
                &new.special_conditions_told_on,
                &new.offer_id,
            ],
        )
        .await
        .map_err(|error| {
            if error.as_db_error().and_then(|db| db.constraint()) == Some("leases_one_per_apartment") {
                ApiError::conflict("the apartment is already offered or let for part of that period")
            } else {
                error.into()
            }
        })?;
    Ok(row.try_get(0)?)
}

pub async fn find(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    lock: bool,
) -> Result<Option<StoredLease>, ApiError> {
    let sql = format!(
        "SELECT {} FROM leases l WHERE {} AND l.id = $3{}",
        columns(),
        scoped(4, 5),
        if lock { " FOR UPDATE OF l" } else { "" }
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

#[derive(Debug, Clone, Default)]
pub struct LeaseFilter {
    pub apartment_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub status: Option<String>,
}

pub async fn list(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    filter: &LeaseFilter,
    page: &PageRequest<(Date, Uuid)>,
) -> Result<Vec<StoredLease>, ApiError> {
    let sql = format!(
        "SELECT {} FROM leases l
         WHERE {}
           AND ($3::uuid IS NULL OR l.apartment_id = $3)
           AND ($4::uuid IS NULL OR l.person_id = $4)
           AND ($5::text IS NULL OR l.status = $5)
           AND ($6::date IS NULL OR (l.starts_on, l.id) > ($6, $7::uuid))
         ORDER BY l.starts_on, l.id
         LIMIT $8",
        columns(),
        scoped(9, 10)
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_start, after_id) = page.after.unzip();
    let rows = client
        .query(
            &statement,
            &[
                &scope.municipality.as_str(),
                &scope.districts,
                &filter.apartment_id,
                &filter.person_id,
                &filter.status,
                &after_start,
                &after_id,
                &page.fetch_limit(),
                &scope.staff,
                &scope.sees_protected,
            ],
        )
        .await?;
    rows.iter().map(from_row).collect()
}

/// Sets the lease's status fields; the caller has checked the change.
pub async fn update_state(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease: &StoredLease,
) -> Result<(), ApiError> {
    client
        .execute(
            "UPDATE leases SET status = $3, activated_on = $4, ends_on = $5, end_reason = $6, taken_over_on = $7,
                 special_conditions_told_on = $8, version = version + 1, updated_at = now()
             WHERE municipality_code = $1 AND id = $2",
            &[
                &municipality.as_str(),
                &lease.id,
                &lease.status,
                &lease.activated_on,
                &lease.ends_on,
                &lease.end_reason,
                &lease.taken_over_on,
                &lease.special_conditions_told_on,
            ],
        )
        .await?;
    Ok(())
}

/// Offered or active leases of the apartment other than `except`.
pub async fn open_leases_of_apartment(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    apartment_id: Uuid,
    except: Uuid,
) -> Result<Vec<String>, ApiError> {
    let rows = client
        .query(
            "SELECT status FROM leases WHERE municipality_code = $1 AND apartment_id = $2 AND id <> $3
               AND status IN ('offered', 'active')",
            &[&municipality.as_str(), &apartment_id, &except],
        )
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

#[derive(Debug, Clone)]
pub struct StoredFollowUp {
    pub id: Uuid,
    pub planned_on: Date,
    pub held_on: Option<Date>,
    pub note: Option<String>,
    /// Planned at move-in (the quarterly plan), not an extra one.
    pub scheduled: bool,
}

/// Plans follow-ups on `dates`; `scheduled` marks the plan made at move-in, as opposed to extra ones.
pub async fn insert_follow_ups(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    dates: &[Date],
    scheduled: bool,
) -> Result<(), ApiError> {
    client
        .execute(
            "INSERT INTO lease_follow_ups (municipality_code, lease_id, planned_on, scheduled)
             SELECT $1, $2, d, $4 FROM unnest($3::date[]) AS d",
            &[&municipality.as_str(), &lease_id, &dates, &scheduled],
        )
        .await?;
    Ok(())
}

pub async fn follow_ups(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
) -> Result<Vec<StoredFollowUp>, ApiError> {
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

pub async fn record_follow_up_held(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    follow_up_id: Uuid,
    held_on: Date,
    note: Option<&str>,
) -> Result<(), ApiError> {
    let updated = client
        .execute(
            "UPDATE lease_follow_ups SET held_on = $4, note = $5 WHERE municipality_code = $1 AND lease_id = $2 AND id = $3",
            &[&municipality.as_str(), &lease_id, &follow_up_id, &held_on, &note],
        )
        .await?;
    if updated == 0 { Err(ApiError::NotFound("follow-up")) } else { Ok(()) }
}

#[derive(Debug, Clone)]
pub struct RentEntry {
    pub id: Uuid,
    pub kind: String,
    pub amount_sek: i32,
    pub entry_date: Date,
    pub period: Option<String>,
}

pub async fn insert_rent_entry(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    kind: &str,
    amount_sek: i32,
    entry_date: Date,
    period: Option<&str>,
) -> Result<Uuid, ApiError> {
    let row = client
        .query_one(
            "INSERT INTO rent_entries (municipality_code, lease_id, entry_kind, amount_sek, entry_date, period)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[&municipality.as_str(), &lease_id, &kind, &amount_sek, &entry_date, &period],
        )
        .await
        .map_err(|error| {
            if error.as_db_error().and_then(|db| db.constraint()) == Some("rent_one_charge_per_period") {
                ApiError::conflict("rent for that period is already charged")
            } else {
                error.into()
            }
        })?;
    Ok(row.try_get(0)?)
}

pub async fn rent_entries(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_ids: &[Uuid],
) -> Result<Vec<(Uuid, RentEntry)>, ApiError> {
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

pub async fn insert_notice(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    served_on: Date,
    committee_notified_on: Option<Date>,
) -> Result<(), ApiError> {
    client
        .execute(
            "INSERT INTO rent_notices (municipality_code, lease_id, served_on, committee_notified_on) VALUES ($1, $2, $3, $4)",
            &[&municipality.as_str(), &lease_id, &served_on, &committee_notified_on],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct StoredNotice {
    pub id: Uuid,
    pub lease_id: Uuid,
    pub served_on: Date,
    pub committee_notified_on: Option<Date>,
}

pub async fn notices(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_ids: &[Uuid],
) -> Result<Vec<StoredNotice>, ApiError> {
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

/// Records that the social welfare committee was notified of a notice.
pub async fn record_committee_notified(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease_id: Uuid,
    notice_id: Uuid,
    notified_on: Date,
) -> Result<(), ApiError> {
    let updated = client
        .execute(
            // The committee may have been told before the tenant was served: the period then runs from service.
            "UPDATE rent_notices SET committee_notified_on = $4 WHERE municipality_code = $1 AND lease_id = $2 AND id = $3",
            &[&municipality.as_str(), &lease_id, &notice_id, &notified_on],
        )
        .await?;
    if updated == 0 { Err(ApiError::NotFound("notice")) } else { Ok(()) }
}

/// One candidate row of the arrears early-warning list.
#[derive(Debug, Clone)]
pub struct ArrearsCandidate {
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
pub async fn arrears_candidates(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    as_of: Date,
    after: Option<(i32, Uuid)>,
    limit: i64,
) -> Result<Vec<ArrearsCandidate>, ApiError> {
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
                          AND e.entry_kind = 'charge' AND e.entry_date <= $3) c
                    WHERE c.running > (SELECT COALESCE(sum(p.amount_sek), 0) FROM rent_entries p
                                        WHERE p.municipality_code = l.municipality_code AND p.lease_id = l.id
                                          AND p.entry_kind = 'payment' AND p.entry_date <= $3)), 0) AS days_late,
               COALESCE((SELECT NOT bool_or(n.committee_notified_on IS NOT NULL AND n.committee_notified_on <= $3)
                           FROM rent_notices n
                          WHERE n.municipality_code = l.municipality_code AND n.lease_id = l.id
                            AND n.served_on = (SELECT max(m.served_on) FROM rent_notices m
                                                WHERE m.municipality_code = l.municipality_code
                                                  AND m.lease_id = l.id AND m.served_on <= $3)), false)
                   AS unnotified) s
          WHERE {scoped} AND l.status = 'active' AND (s.days_late >= 1 OR s.unnotified)
            AND ($4::int IS NULL OR s.days_late < $4 OR (s.days_late = $4 AND l.id > $5::uuid))
          ORDER BY s.days_late DESC, l.id
          LIMIT $6",
        columns = columns(),
        scoped = scoped(7, 8)
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

/// Every lease that became active, for outcome statistics.
pub async fn activated_leases(client: &impl GenericClient, scope: &Scope<'_>) -> Result<Vec<StoredLease>, ApiError> {
    let sql = format!(
        "SELECT {} FROM leases l WHERE {} AND l.activated_on IS NOT NULL ORDER BY l.activated_on",
        columns(),
        scoped(3, 4)
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(&statement, &[&scope.municipality.as_str(), &scope.districts, &scope.staff, &scope.sees_protected])
        .await?;
    rows.iter().map(from_row).collect()
}

/// Per district: leases active on `on`, those the caller may see (a count of hidden leases next to the
/// apartments shown would point at protected homes).
pub async fn active_by_district(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    on: Date,
) -> Result<Vec<(String, String, i64)>, ApiError> {
    let sql = format!(
        "SELECT a.district_code, l.kind, count(*) FROM leases l
           JOIN apartments a ON a.municipality_code = l.municipality_code AND a.id = l.apartment_id
          WHERE {} AND l.activated_on <= $3
            AND (l.status = 'active' OR (l.status = 'ended' AND l.ends_on > $3) OR (l.status = 'taken_over' AND l.taken_over_on > $3))
          GROUP BY 1, 2 ORDER BY 1, 2",
        scoped(4, 5)
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(&statement, &[&scope.municipality.as_str(), &scope.districts, &on, &scope.staff, &scope.sees_protected])
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
}
