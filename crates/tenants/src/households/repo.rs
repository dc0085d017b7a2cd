//! SQL for households: adults and children who live together.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use jiff::civil::Date;
use uuid::Uuid;

use super::model::NewChild;
use crate::error::RepoError;
use crate::people::birth::BirthDate;
use crate::people::model::HouseholdRole;
use crate::people::repo::{Scope, birth_from_row, scoped};

pub async fn insert_household(client: &impl GenericClient, scope: &Scope<'_>) -> Result<Uuid, tokio_postgres::Error> {
    client
        .query_one(
            "INSERT INTO households (municipality_code) VALUES ($1) RETURNING id",
            &[&scope.municipality.as_str()],
        )
        .await?
        .try_get(0)
}

/// Makes a person who belongs to no household a member of `household`; false when they already belong
/// to one.
pub async fn join_household(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    household: Uuid,
    person: Uuid,
    role: HouseholdRole,
) -> Result<bool, tokio_postgres::Error> {
    let updated = client
        .execute(
            "UPDATE people SET household_id = $3, household_role = $4, version = version + 1,
                    updated_at = now(), last_entry_at = now()
             WHERE municipality_code = $1 AND id = $2 AND household_id IS NULL",
            &[&scope.municipality.as_str(), &person, &household, &role],
        )
        .await?;
    Ok(updated > 0)
}

/// A child known only by name and birth date.
pub async fn insert_child(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    household: Uuid,
    child: &NewChild,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO household_children (municipality_code, household_id, given_name, birth_date)
             VALUES ($1, $2, $3, $4)",
            &[&scope.municipality.as_str(), &household, &child.given_name, &child.birth_date],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct HouseholdMember {
    pub person_id: Option<Uuid>,
    pub role: HouseholdRole,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<Date>,
    /// The birth date as far as known (a registered member's may be partial).
    pub birth: Option<BirthDate>,
    /// Whether the caller's unit scope reaches this member (children known only by name always).
    pub in_scope: bool,
}

/// The members of a household, or None when it does not exist in the municipality.
pub async fn household_members(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    household: Uuid,
) -> Result<Option<Vec<HouseholdMember>>, RepoError> {
    // Visible when one of its adults is visible to the caller's scope.
    let exists = client
        .query_opt(
            &format!(
                "SELECT 1 FROM people p WHERE {} AND p.household_id = $3 AND p.household_role = 'adult' LIMIT 1",
                scoped(4)
            ),
            &[&scope.municipality.as_str(), &scope.districts, &household, &scope.staff],
        )
        .await?
        .is_some();
    if !exists {
        return Ok(None);
    }
    // Members outside the caller's scope are marked, so that only their role and age are shown.
    let rows = client
        .query(
            &format!(
                "SELECT p.id, p.household_role, p.given_name, p.family_name, p.birth_date, {} AS in_scope,
                        p.birth_year, p.birth_month, p.birth_day FROM people p
                  WHERE p.municipality_code = $1 AND p.household_id = $3
                 UNION ALL
                 SELECT NULL, 'child', given_name, NULL, birth_date, true, extract(year FROM birth_date)::smallint,
                        extract(month FROM birth_date)::smallint, extract(day FROM birth_date)::smallint
                   FROM household_children
                  WHERE municipality_code = $1 AND household_id = $3
                 ORDER BY 2, 7, 8, 9",
                scoped(4)
            ),
            &[&scope.municipality.as_str(), &scope.districts, &household, &scope.staff],
        )
        .await?;
    let members = rows
        .iter()
        .map(|r| {
            Ok(HouseholdMember {
                person_id: r.try_get(0)?,
                role: r.try_get(1)?,
                given_name: r.try_get(2)?,
                family_name: r.try_get(3)?,
                birth_date: r.try_get(4)?,
                birth: birth_from_row(r)?,
                in_scope: r.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>, RepoError>>()?;
    Ok(Some(members))
}

/// Whether the person's household has children (registered as people, the person included, or known only
/// by name): decisions about them must then record a child perspective.
pub async fn household_has_children(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    person_id: Uuid,
) -> Result<bool, tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM people p JOIN people c
                              ON c.municipality_code = p.municipality_code AND c.household_id = p.household_id
                           WHERE p.municipality_code = $1 AND p.id = $2 AND c.household_role = 'child')
                 OR EXISTS (SELECT 1 FROM people p JOIN household_children hc
                              ON hc.municipality_code = p.municipality_code AND hc.household_id = p.household_id
                           WHERE p.municipality_code = $1 AND p.id = $2)",
        )
        .await?;
    client.query_one(&statement, &[&municipality.as_str(), &person_id]).await?.try_get(0)
}
