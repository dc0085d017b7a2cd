//! SQL for support plans and their versions. A plan is visible exactly when its person is
//! (municipality, district scope, and for support workers their assignment).

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use hemvist_tenants::api::Scope;
use hemvist_tenants::api::support::person_visible;
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use super::model::{Participation, PlanContent, StoredPlan};
use crate::error::RepoError;
use crate::visits::model::VisitStatus;

/// `support_plans sp` whose person is visible (parameters as in `hemvist_tenants::api::scoped`).
pub(crate) fn visible_plan(staff: usize) -> String {
    format!("sp.municipality_code = $1 AND {}", person_visible("sp.person_id", staff))
}

/// The columns `plan_from_row` reads, of `support_plans sp` joined with `support_plan_versions v`.
pub(crate) const PLAN_COLUMNS: &str =
    "sp.id, sp.person_id, sp.lease_id, v.version, sp.closed_on, sp.close_reason, v.goals, v.interventions,
    v.participated, v.agreed_on, v.own_words, v.reviewed_on, v.next_review_on, v.created_by_staff, v.created_at";

pub(crate) fn plan_from_row(row: &Row) -> Result<StoredPlan, RepoError> {
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
            goals: serde_json::from_value(goals)?,
            interventions: serde_json::from_value(interventions)?,
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

pub(crate) async fn insert_plan(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    person_id: Uuid,
    lease_id: Option<Uuid>,
) -> Result<Uuid, RepoError> {
    let row = client
        .query_one(
            "INSERT INTO support_plans (municipality_code, person_id, lease_id, current_version) VALUES ($1, $2, $3, 0) RETURNING id",
            &[&municipality.as_str(), &person_id, &lease_id],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// Writes the next version of a plan and makes it current; returns its number.
pub(crate) async fn insert_version(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    plan_id: Uuid,
    content: &PlanContent,
    reviewed_on: Option<Date>,
    staff: Option<&str>,
) -> Result<i32, RepoError> {
    let version: i32 = client
        .query_one(
            "UPDATE support_plans SET current_version = current_version + 1 WHERE municipality_code = $1 AND id = $2
             RETURNING current_version",
            &[&municipality.as_str(), &plan_id],
        )
        .await?
        .try_get(0)?;
    let goals = serde_json::to_value(&content.goals)?;
    let interventions = serde_json::to_value(&content.interventions)?;
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
pub(crate) async fn find_plan(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    version: Option<i32>,
    lock: bool,
) -> Result<Option<StoredPlan>, RepoError> {
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
pub(crate) async fn plans_of_person(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
) -> Result<Vec<StoredPlan>, RepoError> {
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

pub(crate) async fn close_plan(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    on: Date,
    reason: &str,
) -> Result<(), RepoError> {
    client
        .execute(
            "UPDATE support_plans SET closed_on = $3, close_reason = $4 WHERE municipality_code = $1 AND id = $2",
            &[&municipality.as_str(), &id, &on, &reason],
        )
        .await?;
    Ok(())
}

/// One Housing First tenant in a follow-up month: the visits held for them, and their newest open
/// plan's next review date and agreement day (None: no open plan, or not agreed).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FollowUpRow {
    pub visits_held: i64,
    /// Some exactly when the tenant has an open plan.
    pub next_review_on: Option<Date>,
    pub agreed_on: Option<Date>,
}

/// Housing First tenants whose lease ran during [from, to] in an apartment of `districts` (empty: all),
/// with the held visits of their plans in the period and their newest open plan's review date and
/// agreement.
pub(crate) async fn housing_first_follow_up(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    districts: &[String],
    from: Date,
    to: Date,
) -> Result<Vec<FollowUpRow>, RepoError> {
    let rows = client
        .query(
            "WITH tenants AS (
                 SELECT DISTINCT l.person_id FROM leases l
                  WHERE l.municipality_code = $1 AND l.kind = 'housing_first' AND l.activated_on <= $3
                    AND (l.status = 'active' OR (l.status = 'ended' AND l.ends_on > $2)
                         OR (l.status = 'taken_over' AND l.taken_over_on > $2))
                    AND (cardinality($5::text[]) = 0
                         OR EXISTS (SELECT 1 FROM apartments a WHERE a.municipality_code = l.municipality_code
                                       AND a.id = l.apartment_id AND a.district_code = ANY($5)))
             )
             SELECT t.person_id,
                    (SELECT count(*) FROM support_visits sv JOIN support_plans sp
                        ON sp.municipality_code = sv.municipality_code AND sp.id = sv.plan_id
                      WHERE sv.municipality_code = $1 AND sp.person_id = t.person_id AND sv.status = $4
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
            &[&municipality.as_str(), &from, &to, &VisitStatus::Held, &districts],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(FollowUpRow {
                visits_held: r.try_get("held")?,
                next_review_on: r.try_get("next_review_on")?,
                agreed_on: r.try_get("agreed_on")?,
            })
        })
        .collect()
}
