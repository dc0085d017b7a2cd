//! SQL for a person's caseworkers (handläggare): one current assignment, the history kept.

use hemvist_platform::db::GenericClient;
use uuid::Uuid;

use crate::people::repo::{Scope, touch_person};

/// Ends the current assignment (if it is someone else) and starts one for `caseworker`.
pub async fn assign_caseworker(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
    caseworker: &str,
) -> Result<bool, tokio_postgres::Error> {
    let current = client
        .query_opt(
            "SELECT caseworker FROM caseworker_assignments
             WHERE municipality_code = $1 AND person_id = $2 AND ended_at IS NULL",
            &[&scope.municipality.as_str(), &person_id],
        )
        .await?;
    if current.map(|r| r.get::<_, String>(0)).as_deref() == Some(caseworker) {
        return Ok(false);
    }
    client
        .execute(
            "UPDATE caseworker_assignments SET ended_at = clock_timestamp()
             WHERE municipality_code = $1 AND person_id = $2 AND ended_at IS NULL",
            &[&scope.municipality.as_str(), &person_id],
        )
        .await?;
    client
        .execute(
            "INSERT INTO caseworker_assignments (municipality_code, person_id, caseworker, assigned_at)
             VALUES ($1, $2, $3, clock_timestamp())",
            &[&scope.municipality.as_str(), &person_id, &caseworker],
        )
        .await?;
    touch_person(client, scope.municipality, person_id).await?;
    Ok(true)
}

#[derive(Debug, Clone)]
pub struct CaseworkerPeriod {
    pub caseworker: String,
    pub assigned_at: jiff::Timestamp,
    pub ended_at: Option<jiff::Timestamp>,
}

pub async fn caseworker_history(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
) -> Result<Vec<CaseworkerPeriod>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT caseworker, assigned_at, ended_at FROM caseworker_assignments
             WHERE municipality_code = $1 AND person_id = $2 ORDER BY assigned_at",
            &[&scope.municipality.as_str(), &person_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CaseworkerPeriod { caseworker: r.try_get(0)?, assigned_at: r.try_get(1)?, ended_at: r.try_get(2)? })
        })
        .collect()
}
