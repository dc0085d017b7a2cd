//! SQL for support workers assigned to a person.

use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use uuid::Uuid;

use crate::people::repo::{Scope, touch_person};

#[derive(Debug, Clone)]
pub struct SupportAssignment {
    pub id: Uuid,
    pub staff_id: String,
    pub assigned_on: Date,
    pub ended_on: Option<Date>,
}

pub async fn support_assignments(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
) -> Result<Vec<SupportAssignment>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT id, staff_id, assigned_on, ended_on FROM support_assignments
             WHERE municipality_code = $1 AND person_id = $2 ORDER BY assigned_on, id",
            &[&scope.municipality.as_str(), &person_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SupportAssignment {
                id: r.try_get(0)?,
                staff_id: r.try_get(1)?,
                assigned_on: r.try_get(2)?,
                ended_on: r.try_get(3)?,
            })
        })
        .collect()
}

/// Constraint: a member of staff is assigned to a person once at a time.
pub const ASSIGNED_ONCE: &str = "support_assignment_once";

pub async fn assign_support_worker(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
    staff_id: &str,
    assigned_on: Date,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO support_assignments (municipality_code, person_id, staff_id, assigned_on) VALUES ($1, $2, $3, $4)",
            &[&scope.municipality.as_str(), &person_id, &staff_id, &assigned_on],
        )
        .await?;
    touch_person(client, scope.municipality, person_id).await
}

pub async fn end_support_assignment(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
    assignment_id: Uuid,
    ended_on: Date,
) -> Result<bool, tokio_postgres::Error> {
    let updated = client
        .execute(
            "UPDATE support_assignments SET ended_on = $4
             WHERE municipality_code = $1 AND person_id = $2 AND id = $3 AND ended_on IS NULL AND assigned_on <= $4",
            &[&scope.municipality.as_str(), &person_id, &assignment_id, &ended_on],
        )
        .await?;
    if updated == 0 {
        return Ok(false);
    }
    touch_person(client, scope.municipality, person_id).await?;
    Ok(true)
}
