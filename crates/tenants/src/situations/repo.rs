//! SQL for the housing facts a situation is counted from.

use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use uuid::Uuid;

use super::model::FactKind;
use crate::people::model::Sex;
use crate::people::repo::{Scope, scoped};

/// Facts valid on `on` from `housing_facts_on` (V6), with the person's sex, optionally for one person.
pub async fn housing_facts_on(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    on: Date,
    person: Option<Uuid>,
) -> Result<Vec<(Uuid, Sex, FactKind, Date, Option<Date>)>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT f.person_id, p.sex, f.kind, f.valid_from, f.valid_to FROM housing_facts_on($1, $3) f
           JOIN people p ON p.municipality_code = $1 AND p.id = f.person_id
          WHERE {} AND ($4::uuid IS NULL OR f.person_id = $4)",
        scoped(5)
    );
    // Prepared anew, so planned for this date and person every time: a cached generic plan, made for
    // neither, reads the people of a whole night's bed nights one by one (twice the time of a custom
    // plan, which hashes them).
    let rows = client
        .query(sql.as_str(), &[&scope.municipality.as_str(), &scope.districts, &on, &person, &scope.staff])
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?))).collect()
}
