//! SQL for visits. Callers reach a visit through its plan, which is scoped by its person.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use super::model::{StoredVisit, VisitStatus};
use crate::error::RepoError;
use crate::plans::repo::visible_plan;
use hemvist_tenants::api::Scope;

fn visit_from_row(r: &Row) -> Result<StoredVisit, RepoError> {
    Ok(StoredVisit {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        planned_on: r.try_get("planned_on")?,
        staff_id: r.try_get("staff_id")?,
        status: r.try_get("status")?,
        note: r.try_get("note")?,
    })
}

pub(crate) async fn insert_visit(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    plan_id: Uuid,
    planned_on: Date,
    staff_id: &str,
) -> Result<Uuid, RepoError> {
    let row = client
        .query_one(
            "INSERT INTO support_visits (municipality_code, plan_id, planned_on, staff_id) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&municipality.as_str(), &plan_id, &planned_on, &staff_id],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// The visit, locked for a change.
pub(crate) async fn find_visit(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    plan_id: Uuid,
    id: Uuid,
) -> Result<Option<StoredVisit>, RepoError> {
    client
        .query_opt(
            "SELECT id, plan_id, planned_on, staff_id, status, note FROM support_visits
             WHERE municipality_code = $1 AND plan_id = $2 AND id = $3 FOR UPDATE",
            &[&municipality.as_str(), &plan_id, &id],
        )
        .await?
        .as_ref()
        .map(visit_from_row)
        .transpose()
}

pub(crate) async fn record_visit(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    status: VisitStatus,
    note: Option<&str>,
) -> Result<(), RepoError> {
    client
        .execute(
            "UPDATE support_visits SET status = $3, note = $4, updated_at = now() WHERE municipality_code = $1 AND id = $2",
            &[&municipality.as_str(), &id, &status, &note],
        )
        .await?;
    Ok(())
}

pub(crate) async fn visits_of_plan(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    plan_id: Uuid,
    from: Date,
    to: Date,
) -> Result<Vec<StoredVisit>, RepoError> {
    let rows = client
        .query(
            "SELECT id, plan_id, planned_on, staff_id, status, note FROM support_visits
             WHERE municipality_code = $1 AND plan_id = $2 AND planned_on BETWEEN $3 AND $4 ORDER BY planned_on, id",
            &[&municipality.as_str(), &plan_id, &from, &to],
        )
        .await?;
    rows.iter().map(visit_from_row).collect()
}

/// Per member of staff over [from, to]: counts of visits by status.
pub(crate) async fn visits_by_staff(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    staff: Option<&str>,
    from: Date,
    to: Date,
) -> Result<Vec<(String, VisitStatus, i64)>, RepoError> {
    let rows = client
        .query(
            "SELECT staff_id, status, count(*) FROM support_visits
             WHERE municipality_code = $1 AND planned_on BETWEEN $3 AND $4 AND ($2::text IS NULL OR staff_id = $2)
             GROUP BY 1, 2 ORDER BY 1, 2",
            &[&municipality.as_str(), &staff, &from, &to],
        )
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
}

/// Visits planned in [from, to] of the plans whose person the scope reaches (for a support worker:
/// the people assigned to them), by day; at most `limit`. Each with its plan's person.
pub(crate) async fn visits_in_scope(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<(StoredVisit, Uuid)>, RepoError> {
    let sql = format!(
        "SELECT v.id, v.plan_id, v.planned_on, v.staff_id, v.status, v.note, sp.person_id FROM support_visits v
           JOIN support_plans sp ON sp.municipality_code = v.municipality_code AND sp.id = v.plan_id
          WHERE {} AND v.planned_on BETWEEN $4 AND $5
          ORDER BY v.planned_on, v.id
          LIMIT $6",
        visible_plan(3)
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(&statement, &[&scope.municipality.as_str(), &scope.districts, &scope.staff, &from, &to, &limit])
        .await?;
    rows.iter().map(|r| Ok((visit_from_row(r)?, r.try_get("person_id")?))).collect()
}
