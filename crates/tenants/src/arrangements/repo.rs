//! SQL for housing arrangements. Callers check the person against the scope first (`lock_person`).

use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use super::model::NewArrangement;
use crate::people::repo::{Scope, touch_person};
use crate::situations::model::FactKind;

#[derive(Debug, Clone)]
pub struct StoredArrangement {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: FactKind,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub note: Option<String>,
}

const COLUMNS: &str = "id, person_id, kind, valid_from, valid_to, note";

fn from_row(r: &Row) -> Result<StoredArrangement, tokio_postgres::Error> {
    Ok(StoredArrangement {
        id: r.try_get(0)?,
        person_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        valid_from: r.try_get(3)?,
        valid_to: r.try_get(4)?,
        note: r.try_get(5)?,
    })
}

pub async fn insert(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
    new: &NewArrangement,
) -> Result<StoredArrangement, tokio_postgres::Error> {
    let row = client
        .query_one(
            &format!(
                "INSERT INTO housing_arrangements (municipality_code, person_id, kind, valid_from, valid_to, note)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ),
            &[&scope.municipality.as_str(), &person_id, &new.kind, &new.valid_from, &new.valid_to, &new.note],
        )
        .await?;
    touch_person(client, scope.municipality, person_id).await?;
    from_row(&row)
}

pub async fn list(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
) -> Result<Vec<StoredArrangement>, tokio_postgres::Error> {
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM housing_arrangements
                 WHERE municipality_code = $1 AND person_id = $2 ORDER BY valid_from, id"
            ),
            &[&scope.municipality.as_str(), &person_id],
        )
        .await?;
    rows.iter().map(from_row).collect()
}

/// One of the person's arrangements, locked until the transaction ends.
pub async fn find_for_update(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
    id: Uuid,
) -> Result<Option<StoredArrangement>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM housing_arrangements
                 WHERE municipality_code = $1 AND person_id = $2 AND id = $3 FOR UPDATE"
            ),
            &[&scope.municipality.as_str(), &person_id, &id],
        )
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Sets the first day the arrangement no longer holds; an entry in the person's file.
pub async fn end(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person_id: Uuid,
    id: Uuid,
    ended_on: Date,
) -> Result<StoredArrangement, tokio_postgres::Error> {
    let row = client
        .query_one(
            &format!(
                "UPDATE housing_arrangements SET valid_to = $4
                  WHERE municipality_code = $1 AND person_id = $2 AND id = $3 RETURNING {COLUMNS}"
            ),
            &[&scope.municipality.as_str(), &person_id, &id, &ended_on],
        )
        .await?;
    touch_person(client, scope.municipality, person_id).await?;
    from_row(&row)
}
