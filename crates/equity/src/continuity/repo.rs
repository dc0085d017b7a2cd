//! SQL of the continuity report.

use hemvist_platform::db::GenericClient;
use hemvist_tenants::api::{Scope, scoped};
use jiff::Timestamp;

use super::model::PersonChanges;

/// The people of the scope with a caseworker at some time in `since`..`until`, with their changes in it.
pub async fn changes(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    since: Timestamp,
    until: Timestamp,
) -> Result<Vec<PersonChanges>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT p.id, p.responsible_district_code, p.protected_identity, p.given_name, p.family_name,
                count(*) FILTER (WHERE a.assigned_at >= $4 AND a.previous IS NOT NULL
                                   AND a.previous <> a.caseworker) AS changes
           FROM (SELECT c.person_id, c.caseworker, c.assigned_at, c.ended_at,
                        lag(c.caseworker) OVER (PARTITION BY c.person_id ORDER BY c.assigned_at) AS previous
                   FROM caseworker_assignments c WHERE c.municipality_code = $1) a
           JOIN people p ON p.municipality_code = $1 AND p.id = a.person_id
          WHERE {} AND a.assigned_at < $5 AND (a.ended_at IS NULL OR a.ended_at >= $4)
          GROUP BY p.municipality_code, p.id
          ORDER BY p.responsible_district_code, p.id",
        scoped(3)
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client
        .query(&statement, &[&scope.municipality.as_str(), &scope.districts, &scope.staff, &since, &until])
        .await?;
    rows.iter()
        .map(|row| {
            Ok(PersonChanges {
                person_id: row.try_get("id")?,
                district_code: row.try_get("responsible_district_code")?,
                protected_identity: row.try_get("protected_identity")?,
                given_name: row.try_get("given_name")?,
                family_name: row.try_get("family_name")?,
                changes: row.try_get("changes")?,
            })
        })
        .collect()
}
