//! SQL for leases. A lease is visible to a caller when its apartment lies in the
//! caller's districts, its tenant is assigned to a support worker caller, and its tenant's home is not
//! protected from the caller (see `scoped`).

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use jiff::civil::Date;
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::model::{LeaseKind, LeaseStatus};
use crate::apartments::repo::Scope;
use crate::sql;

#[derive(Debug, Clone)]
pub(crate) struct StoredLease {
    pub id: Uuid,
    pub apartment_id: Uuid,
    pub person_id: Uuid,
    pub decision_id: Uuid,
    pub kind: LeaseKind,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub status: LeaseStatus,
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

pub(crate) fn columns() -> String {
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
pub(crate) fn scoped(staff: usize, sees: usize) -> String {
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

pub(crate) fn from_row(row: &Row) -> Result<StoredLease, Error> {
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
pub(crate) struct NewLease {
    pub apartment_id: Uuid,
    pub person_id: Uuid,
    pub decision_id: Uuid,
    pub kind: LeaseKind,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub special_conditions_told_on: Option<Date>,
    /// The offer recorded on the decision for this lease.
    pub offer_id: Uuid,
}

/// Constraint: an apartment is offered or let to one lease at a time.
pub(crate) const ONE_PER_APARTMENT: &str = "leases_one_per_apartment";

/// Fails on `ONE_PER_APARTMENT` when the apartment is offered or let for part of the period already.
pub(crate) async fn insert(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    new: &NewLease,
) -> Result<Uuid, Error> {
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
        .await?;
    row.try_get(0)
}

pub(crate) async fn find(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    lock: bool,
) -> Result<Option<StoredLease>, Error> {
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
pub(crate) struct LeaseFilter {
    pub apartment_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub status: Option<LeaseStatus>,
}

pub(crate) async fn list(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    filter: &LeaseFilter,
    page: &PageRequest<(Date, Uuid)>,
) -> Result<Vec<StoredLease>, Error> {
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
pub(crate) async fn update_state(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    lease: &StoredLease,
) -> Result<(), Error> {
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
pub(crate) async fn open_leases_of_apartment(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    apartment_id: Uuid,
    except: Uuid,
) -> Result<Vec<LeaseStatus>, Error> {
    let rows = client
        .query(
            "SELECT status FROM leases WHERE municipality_code = $1 AND apartment_id = $2 AND id <> $3
               AND status = ANY($4::text[])",
            &[&municipality.as_str(), &apartment_id, &except, &LeaseStatus::OPEN],
        )
        .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// Whether a lease other than `except` executing the decision is active (call with the decision locked).
pub(crate) async fn other_active_lease_of_decision(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    decision_id: Uuid,
    except: Uuid,
) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_opt(
            "SELECT 1 FROM leases WHERE municipality_code = $1 AND decision_id = $2 AND id <> $3 AND status = $4
             LIMIT 1",
            &[&municipality.as_str(), &decision_id, &except, &LeaseStatus::Active],
        )
        .await?;
    Ok(row.is_some())
}

/// Every lease that became active, for outcome statistics.
pub(crate) async fn activated_leases(
    client: &impl GenericClient,
    scope: &Scope<'_>,
) -> Result<Vec<StoredLease>, Error> {
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
pub(crate) async fn active_by_district(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    on: Date,
) -> Result<Vec<(String, LeaseKind, i64)>, Error> {
    let sql = format!(
        "SELECT a.district_code, l.kind, count(*) FROM leases l
           JOIN apartments a ON a.municipality_code = l.municipality_code AND a.id = l.apartment_id
          WHERE {} AND l.activated_on <= $3
            AND (l.status = {active} OR (l.status = {ended} AND l.ends_on > $3)
                 OR (l.status = {taken_over} AND l.taken_over_on > $3))
          GROUP BY 1, 2 ORDER BY 1, 2",
        scoped(4, 5),
        active = sql::state(LeaseStatus::Active.as_str()),
        ended = sql::state(LeaseStatus::Ended.as_str()),
        taken_over = sql::state(LeaseStatus::TakenOver.as_str()),
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(&statement, &[&scope.municipality.as_str(), &scope.districts, &on, &scope.staff, &scope.sees_protected])
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
}

/// An active lease with what its follow-up needs: the apartment, the tenant's name when the caller's
/// scope reaches the tenant, and the earliest follow-up planned and not yet held.
#[derive(Debug, Clone)]
pub(crate) struct FollowedLease {
    pub lease: StoredLease,
    pub address: String,
    pub district_code: String,
    pub tenant: Option<hemvist_tenants::api::housing::TenantName>,
    pub next_follow_up_on: Option<Date>,
}

/// Active leases visible to the scope (as `list`), the earliest next follow-up first (those with none
/// planned last), then by id; at most `limit`.
pub(crate) async fn active_with_next_follow_up(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    limit: i64,
) -> Result<Vec<FollowedLease>, Error> {
    use hemvist_tenants::api::housing::{TENANT_COLUMNS, TenantName, join_tenant_in_scope};
    let sql = format!(
        "SELECT {columns}, a.address, a.district_code, {TENANT_COLUMNS}, nf.next_follow_up_on FROM leases l
           JOIN apartments a ON a.municipality_code = l.municipality_code AND a.id = l.apartment_id
           {tenant}
           CROSS JOIN LATERAL (SELECT min(f.planned_on) AS next_follow_up_on FROM lease_follow_ups f
                                WHERE f.municipality_code = l.municipality_code AND f.lease_id = l.id
                                  AND f.held_on IS NULL) nf
          WHERE {scoped} AND l.status = {active}
          ORDER BY nf.next_follow_up_on NULLS LAST, l.id
          LIMIT $3",
        columns = columns(),
        tenant = join_tenant_in_scope("l", 4),
        scoped = scoped(4, 5),
        active = sql::state(LeaseStatus::Active.as_str()),
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(
            &statement,
            &[&scope.municipality.as_str(), &scope.districts, &limit, &scope.staff, &scope.sees_protected],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(FollowedLease {
                lease: from_row(r)?,
                address: r.try_get("address")?,
                district_code: r.try_get("district_code")?,
                tenant: TenantName::from_row(r)?,
                next_follow_up_on: r.try_get("next_follow_up_on")?,
            })
        })
        .collect()
}
