//! SQL for support plans, their versions and visits. A plan is visible exactly when its person is
//! (municipality, district scope, and for support workers their assignment).

use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use hemvist_platform::{ApiError, MunicipalityCode};
use hemvist_tenants::api::{Scope, scoped};
use jiff::Timestamp;
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::model::{Participation, PlanContent};

/// `support_plans sp` whose person is visible (parameters as in `hemvist_tenants::api::scoped`).
fn visible_plan(staff: usize) -> String {
    format!(
        "sp.municipality_code = $1 AND EXISTS (SELECT 1 FROM people p WHERE p.id = sp.person_id AND {})",
        scoped(staff)
    )
}

#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub id: Uuid,
    pub person_id: Uuid,
    pub lease_id: Option<Uuid>,
    pub version: i32,
    pub closed_on: Option<Date>,
    pub close_reason: Option<String>,
    pub content: PlanContent,
    pub reviewed_on: Option<Date>,
    pub created_by_staff: Option<String>,
    pub version_created_at: Timestamp,
}

const PLAN_COLUMNS: &str =
    "sp.id, sp.person_id, sp.lease_id, v.version, sp.closed_on, sp.close_reason, v.goals, v.interventions,
    v.participated, v.agreed_on, v.own_words, v.reviewed_on, v.next_review_on, v.created_by_staff, v.created_at";

fn plan_from_row(row: &Row) -> Result<StoredPlan, ApiError> {
    let goals: serde_json::Value = row.try_get("goals")?;
    let interventions: serde_json::Value = row.try_get("interventions")?;
    Ok(StoredPlan {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        lease_id: row.try_get("lease_id")?,
        version: row.try_get("version")?,
        closed_on: row.try_get("closed_on")?,
        close_reason: row.try_get("close_reason")?,
        content: PlanContent {
            goals: serde_json::from_value(goals).map_err(ApiError::internal)?,
            interventions: serde_json::from_value(interventions).map_err(ApiError::internal)?,
            participation: Participation {
                participated: row.try_get("participated")?,
                agreed_on: row.try_get("agreed_on")?,
                own_words: row.try_get("own_words")?,
            },
            next_review_on: row.try_get("next_review_on")?,
        },
        reviewed_on: row.try_get("reviewed_on")?,
        created_by_staff: row.try_get("created_by_staff")?,
        version_created_at: row.try_get("created_at")?,
    })
}

pub async fn insert_plan(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    person_id: Uuid,
    lease_id: Option<Uuid>,
) -> Result<Uuid, ApiError> {
    let row = client
        .query_one(
            "INSERT INTO support_plans (municipality_code, person_id, lease_id, current_version) VALUES ($1, $2, $3, 0) RETURNING id",
            &[&municipality.as_str(), &person_id, &lease_id],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// Writes the next version of a plan and makes it current; returns its number.
pub async fn insert_version(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    plan_id: Uuid,
    content: &PlanContent,
    reviewed_on: Option<Date>,
    staff: Option<&str>,
) -> Result<i32, ApiError> {
    let version: i32 = client
        .query_one(
            "UPDATE support_plans SET current_version = current_version + 1 WHERE municipality_code = $1 AND id = $2
             RETURNING current_version",
            &[&municipality.as_str(), &plan_id],
        )
        .await?
        .try_get(0)?;
    let goals = serde_json::to_value(&content.goals).map_err(ApiError::internal)?;
    let interventions = serde_json::to_value(&content.interventions).map_err(ApiError::internal)?;
    client
        .execute(
            "INSERT INTO support_plan_versions (municipality_code, plan_id, version, goals, interventions, participated, agreed_on,
                 own_words, reviewed_on, next_review_on, created_by_staff)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &municipality.as_str(),
                &plan_id,
                &version,
                &goals,
                &interventions,
                &content.participation.participated,
                &content.participation.agreed_on,
                &content.participation.own_words,
                &reviewed_on,
                &content.next_review_on,
                &staff,
            ],
        )
        .await?;
    Ok(version)
}

/// The plan at `version` (its current one when None); `lock` locks the plan row for a change.
pub async fn find_plan(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    version: Option<i32>,
    lock: bool,
) -> Result<Option<StoredPlan>, ApiError> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM support_plans sp
           JOIN support_plan_versions v ON v.municipality_code = sp.municipality_code AND v.plan_id = sp.id
                                       AND v.version = COALESCE($5, sp.current_version)
          WHERE {} AND sp.id = $3{}",
        visible_plan(4),
        if lock { " FOR UPDATE OF sp" } else { "" }
    );
    let statement = client.prepare_cached(&sql).await?;
    client
        .query_opt(&statement, &[&scope.municipality.as_str(), &scope.districts, &id, &scope.staff, &version])
        .await?
        .as_ref()
        .map(plan_from_row)
        .transpose()
}

/// The person's plans at their current versions, newest first.
pub async fn plans_of_person(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
) -> Result<Vec<StoredPlan>, ApiError> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM support_plans sp
           JOIN support_plan_versions v ON v.municipality_code = sp.municipality_code AND v.plan_id = sp.id AND v.version = sp.current_version
          WHERE {} AND sp.person_id = $3 ORDER BY sp.created_at DESC, sp.id",
        visible_plan(4)
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows =
        client.query(&statement, &[&scope.municipality.as_str(), &scope.districts, &person_id, &scope.staff]).await?;
    rows.iter().map(plan_from_row).collect()
}

/// Open plans whose next review date has passed by `as_of`, a page at a time: longest overdue first,
/// after the key `(next_review_on, id)` of the last plan already seen.
pub async fn overdue_reviews(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    as_of: Date,
    page: &PageRequest<(Date, Uuid)>,
) -> Result<Vec<StoredPlan>, ApiError> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM support_plans sp
           JOIN support_plan_versions v ON v.municipality_code = sp.municipality_code AND v.plan_id = sp.id AND v.version = sp.current_version
          WHERE {} AND sp.closed_on IS NULL AND v.next_review_on < $3
            AND ($5::date IS NULL OR (v.next_review_on, sp.id) > ($5, $6))
          ORDER BY v.next_review_on, sp.id LIMIT $7",
        visible_plan(4)
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_date, after_id) = page.after.map_or((None, None), |(date, id)| (Some(date), Some(id)));
    let rows = client
        .query(
            &statement,
            &[
                &scope.municipality.as_str(),
                &scope.districts,
                &as_of,
                &scope.staff,
                &after_date,
                &after_id,
                &page.fetch_limit(),
            ],
        )
        .await?;
    rows.iter().map(plan_from_row).collect()
}

pub async fn close_plan(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    on: Date,
    reason: &str,
) -> Result<(), ApiError> {
    client
        .execute(
            "UPDATE support_plans SET closed_on = $3, close_reason = $4 WHERE municipality_code = $1 AND id = $2",
            &[&municipality.as_str(), &id, &on, &reason],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct StoredVisit {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub planned_on: Date,
    pub staff_id: String,
    pub status: String,
    pub note: Option<String>,
}

fn visit_from_row(r: &Row) -> Result<StoredVisit, ApiError> {
    Ok(StoredVisit {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        planned_on: r.try_get("planned_on")?,
        staff_id: r.try_get("staff_id")?,
        status: r.try_get("status")?,
        note: r.try_get("note")?,
    })
}

pub async fn insert_visit(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    plan_id: Uuid,
    planned_on: Date,
    staff_id: &str,
) -> Result<Uuid, ApiError> {
    let row = client
        .query_one(
            "INSERT INTO support_visits (municipality_code, plan_id, planned_on, staff_id) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&municipality.as_str(), &plan_id, &planned_on, &staff_id],
        )
        .await?;
    Ok(row.try_get(0)?)
}

pub async fn find_visit(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    plan_id: Uuid,
    id: Uuid,
) -> Result<Option<StoredVisit>, ApiError> {
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

pub async fn record_visit(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    status: &str,
    note: Option<&str>,
) -> Result<(), ApiError> {
    client
        .execute(
            "UPDATE support_visits SET status = $3, note = $4, updated_at = now() WHERE municipality_code = $1 AND id = $2",
            &[&municipality.as_str(), &id, &status, &note],
        )
        .await?;
    Ok(())
}

pub async fn visits_of_plan(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    plan_id: Uuid,
    from: Date,
    to: Date,
) -> Result<Vec<StoredVisit>, ApiError> {
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
pub async fn visits_by_staff(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    staff: Option<&str>,
    from: Date,
    to: Date,
) -> Result<Vec<(String, String, i64)>, ApiError> {
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

/// Housing First tenants whose lease ran during [from, to], with the held visits of their plans in the
/// period and their newest open plan's review date and agreement.
pub async fn housing_first_follow_up(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    from: Date,
    to: Date,
) -> Result<Vec<(Uuid, i64, Option<Date>, Option<Date>)>, ApiError> {
    let rows = client
        .query(
            "WITH tenants AS (
                 SELECT DISTINCT person_id FROM leases
                  WHERE municipality_code = $1 AND kind = 'housing_first' AND activated_on <= $3
                    AND (status = 'active' OR (status = 'ended' AND ends_on > $2) OR (status = 'taken_over' AND taken_over_on > $2))
             )
             SELECT t.person_id,
                    (SELECT count(*) FROM support_visits sv JOIN support_plans sp
                        ON sp.municipality_code = sv.municipality_code AND sp.id = sv.plan_id
                      WHERE sv.municipality_code = $1 AND sp.person_id = t.person_id AND sv.status = 'held'
                        AND sv.planned_on BETWEEN $2 AND $3) AS held,
                    cur.next_review_on, cur.agreed_on
               FROM tenants t
               LEFT JOIN LATERAL (
                    SELECT v.next_review_on, v.agreed_on FROM support_plans sp
                      JOIN support_plan_versions v ON v.municipality_code = sp.municipality_code AND v.plan_id = sp.id
                                                  AND v.version = sp.current_version
                     WHERE sp.municipality_code = $1 AND sp.person_id = t.person_id AND sp.closed_on IS NULL
                     ORDER BY sp.created_at DESC LIMIT 1) cur ON true
              ORDER BY t.person_id",
            &[&municipality.as_str(), &from, &to],
        )
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))).collect()
}
