//! SQL for people. Every query is scoped by
//! municipality and, for district-scoped callers, by the person's responsible district.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use super::birth::BirthDate;
use super::model::{HouseholdRole, IdentityKindInput, PersonRecord, Sex};
use crate::error::RepoError;

/// Who is asking, as far as the queries care: the municipality, an optional district scope, and for a
/// support worker the member of staff, who sees only the people currently assigned to them.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub municipality: &'a MunicipalityCode,
    /// Empty: every district.
    pub districts: &'a [String],
    /// Some: only people with a current support assignment to this member of staff.
    pub staff: Option<&'a str>,
}

impl<'a> Scope<'a> {
    /// Every person of the municipality (for lookups that other scoping already guards).
    pub fn municipality_wide(municipality: &'a MunicipalityCode) -> Self {
        Self { municipality, districts: &[], staff: None }
    }
}

#[derive(Debug, Clone)]
pub struct StoredPerson {
    pub id: Uuid,
    pub identity_kind: IdentityKindInput,
    pub identity_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub birth: Option<BirthDate>,
    pub sex: Sex,
    pub protected_identity: bool,
    pub home_municipality_code: Option<String>,
    pub responsible_district_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub household_id: Option<Uuid>,
    pub household_role: Option<HouseholdRole>,
    pub caseworker: Option<String>,
    pub version: i32,
    /// Protected, or in a household with a protected member: the same protection applies.
    pub shares_protected_home: bool,
}

const PERSON_COLUMNS: &str =
    "p.id, p.identity_kind, p.identity_number, p.given_name, p.family_name, p.birth_year, p.birth_month, p.birth_day, p.sex,
    p.protected_identity, p.home_municipality_code, p.responsible_district_code, p.address, p.phone, p.email,
    p.household_id, p.household_role, p.version,
    (SELECT c.caseworker FROM caseworker_assignments c
      WHERE c.municipality_code = p.municipality_code AND c.person_id = p.id AND c.ended_at IS NULL) AS caseworker,
    (p.protected_identity OR EXISTS (SELECT 1 FROM people hm WHERE hm.municipality_code = p.municipality_code
      AND hm.household_id = p.household_id AND hm.protected_identity)) AS shares_protected_home";

/// SQL: the `people` row `alias` shares a home with someone whose identity is protected: they are
/// protected themselves or a member of their household is. Such a home's address, contact and whatever
/// reveals it (leases, apartment status) go only to roles that may see protected addresses. The same
/// rule as `shares_protected_home` in the person columns.
pub fn shares_protected_home(alias: &str) -> String {
    format!(
        "({alias}.protected_identity OR EXISTS (SELECT 1 FROM people hm WHERE hm.municipality_code = {alias}.municipality_code
           AND hm.household_id = {alias}.household_id AND hm.protected_identity))"
    )
}

/// SQL: the person `person` of `municipality` (SQL expressions) shares a protected home.
pub fn protected_home_of(municipality: &str, person: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM people hp WHERE hp.municipality_code = {municipality} AND hp.id = {person} AND {})",
        shares_protected_home("hp")
    )
}

/// SQL: the person `person` of `municipality` is assigned today to the member of staff `staff` (SQL
/// expressions). The assignment rule that scopes support workers, for people and all that is theirs.
/// Today is the city's date (Europe/Stockholm, as `night::today`), not the session's `current_date`,
/// which is UTC's on the private cluster: an assignment ending today ends at local midnight.
pub fn supported_by(municipality: &str, person: &str, staff: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM support_assignments sa
          WHERE sa.municipality_code = {municipality} AND sa.person_id = {person} AND sa.staff_id = {staff}
            AND sa.assigned_on <= {TODAY} AND (sa.ended_on IS NULL OR sa.ended_on > {TODAY}))"
    )
}

/// SQL: today's date in the city.
const TODAY: &str = "(now() AT TIME ZONE 'Europe/Stockholm')::date";

/// Rows of `people p` visible to the scope: `$1` municipality, `$2` district scope, `$staff` the member
/// of staff (NULL for any): a support worker sees only the people currently assigned to them.
pub fn scoped(staff: usize) -> String {
    format!(
        "p.municipality_code = $1 AND (cardinality($2::text[]) = 0 OR p.responsible_district_code = ANY($2))
         AND (${staff}::text IS NULL OR {})",
        supported_by("p.municipality_code", "p.id", &format!("${staff}"))
    )
}

fn person_from_row(row: &Row) -> Result<StoredPerson, RepoError> {
    Ok(StoredPerson {
        id: row.try_get("id")?,
        identity_kind: row.try_get("identity_kind")?,
        identity_number: row.try_get("identity_number")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        birth: birth_from_row(row)?,
        sex: row.try_get("sex")?,
        protected_identity: row.try_get("protected_identity")?,
        home_municipality_code: row.try_get("home_municipality_code")?,
        responsible_district_code: row.try_get("responsible_district_code")?,
        address: row.try_get("address")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        household_id: row.try_get("household_id")?,
        household_role: row.try_get("household_role")?,
        caseworker: row.try_get("caseworker")?,
        version: row.try_get("version")?,
        shares_protected_home: row.try_get("shares_protected_home")?,
    })
}

/// The birth date as far as known, from `birth_year`, `birth_month` and `birth_day` (V11).
pub fn birth_from_row(row: &Row) -> Result<Option<BirthDate>, RepoError> {
    let Some(year) = row.try_get::<_, Option<i16>>("birth_year")? else { return Ok(None) };
    let part = |name: &str| -> Result<Option<i8>, RepoError> {
        let value: Option<i16> = row.try_get(name)?;
        value.map(|v| i8::try_from(v).map_err(|e| RepoError::Corrupt(format!("stored {name}: {e}")))).transpose()
    };
    BirthDate::new(year, part("birth_month")?, part("birth_day")?)
        .map(Some)
        .map_err(|p| RepoError::Corrupt(format!("stored {} is impossible", p.field())))
}

/// Columns birth_date (only when complete), birth_year, birth_month, birth_day.
fn birth_columns(birth: Option<BirthDate>) -> (Option<Date>, Option<i16>, Option<i16>, Option<i16>) {
    (
        birth.and_then(BirthDate::date),
        birth.map(BirthDate::year),
        birth.and_then(BirthDate::month).map(i16::from),
        birth.and_then(BirthDate::day).map(i16::from),
    )
}

/// Constraint: one person per identity number in a municipality.
pub const IDENTITY_NUMBER_UNIQUE: &str = "people_identity_number_unique";

pub async fn insert_person(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    person: &PersonRecord,
) -> Result<Uuid, tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "INSERT INTO people (municipality_code, identity_kind, identity_number, given_name, family_name, birth_date,
                 sex, protected_identity, home_municipality_code, responsible_district_code, address, phone, email,
                 birth_year, birth_month, birth_day)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .await?;
    let (birth_date, year, month, day) = birth_columns(person.birth);
    let row = client
        .query_one(
            &statement,
            &[
                &scope.municipality.as_str(),
                &person.identity.kind(),
                &person.identity.stored_number(),
                &person.given_name,
                &person.family_name,
                &birth_date,
                &person.sex,
                &person.protected_identity,
                &person.home_municipality.as_ref().map(MunicipalityCode::as_str),
                &person.responsible_district_code,
                &person.address,
                &person.phone,
                &person.email,
                &year,
                &month,
                &day,
            ],
        )
        .await?;
    row.try_get(0)
}

/// Replaces the record when it is at `expected_version` (any, when None); the rows updated.
pub async fn update_person(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    expected_version: Option<i32>,
    person: &PersonRecord,
) -> Result<u64, tokio_postgres::Error> {
    let sql = format!(
        "UPDATE people p SET identity_kind = $4, identity_number = $5, given_name = $6, family_name = $7,
             birth_date = $8, sex = $9, protected_identity = $10, home_municipality_code = $11,
             responsible_district_code = $12, address = $13, phone = $14, email = $15,
             birth_year = $18, birth_month = $19, birth_day = $20,
             version = version + 1, updated_at = now(), last_entry_at = now()
         WHERE {} AND p.id = $3 AND ($16::int IS NULL OR p.version = $16)",
        scoped(17)
    );
    let statement = client.prepare_cached(&sql).await?;
    let (birth_date, year, month, day) = birth_columns(person.birth);
    client
        .execute(
            &statement,
            &[
                &scope.municipality.as_str(),
                &scope.districts,
                &id,
                &person.identity.kind(),
                &person.identity.stored_number(),
                &person.given_name,
                &person.family_name,
                &birth_date,
                &person.sex,
                &person.protected_identity,
                &person.home_municipality.as_ref().map(MunicipalityCode::as_str),
                &person.responsible_district_code,
                &person.address,
                &person.phone,
                &person.email,
                &expected_version,
                &scope.staff,
                &year,
                &month,
                &day,
            ],
        )
        .await
}

pub async fn find_person(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
) -> Result<Option<StoredPerson>, RepoError> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM people p WHERE {} AND p.id = $3", scoped(4));
    let statement = client.prepare_cached(&sql).await?;
    client
        .query_opt(&statement, &[&scope.municipality.as_str(), &scope.districts, &id, &scope.staff])
        .await?
        .as_ref()
        .map(person_from_row)
        .transpose()
}

/// Locks the person row for a change that depends on it; false when they are outside the scope.
pub async fn lock_person(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
) -> Result<bool, tokio_postgres::Error> {
    let sql = format!("SELECT p.id FROM people p WHERE {} AND p.id = $3 FOR UPDATE", scoped(4));
    let statement = client.prepare_cached(&sql).await?;
    Ok(client
        .query_opt(&statement, &[&scope.municipality.as_str(), &scope.districts, &id, &scope.staff])
        .await?
        .is_some())
}

/// Search filters; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Part of the name, any case.
    pub name: Option<String>,
    /// Stored (canonical) identity number.
    pub identity_number: Option<String>,
    pub caseworker: Option<String>,
}

pub async fn list_people(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    filter: &PersonFilter,
    page: &PageRequest<(String, String, Uuid)>,
) -> Result<Vec<StoredPerson>, RepoError> {
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM people p
         WHERE {}
           AND ($3::text IS NULL OR (p.given_name || ' ' || p.family_name) ILIKE '%' || $3 || '%' ESCAPE '\\')
           AND ($4::text IS NULL OR p.identity_number = $4)
           AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM caseworker_assignments c
                 WHERE c.municipality_code = p.municipality_code AND c.person_id = p.id
                   AND c.ended_at IS NULL AND c.caseworker = $5))
           AND ($6::text IS NULL OR (p.family_name, p.given_name, p.id) > ($6, $7, $8))
         ORDER BY p.family_name, p.given_name, p.id
         LIMIT $9",
        scoped(10)
    );
    let statement = client.prepare_cached(&sql).await?;
    let name = filter.name.as_deref().map(escape_like);
    let (after_family, after_given, after_id) = match &page.after {
        Some((family, given, id)) => (Some(family.clone()), Some(given.clone()), Some(*id)),
        None => (None, None, None),
    };
    let rows = client
        .query(
            &statement,
            &[
                &scope.municipality.as_str(),
                &scope.districts,
                &name,
                &filter.identity_number,
                &filter.caseworker,
                &after_family,
                &after_given,
                &after_id,
                &page.fetch_limit(),
                &scope.staff,
            ],
        )
        .await?;
    rows.iter().map(person_from_row).collect()
}

fn escape_like(raw: &str) -> String {
    raw.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Marks a new entry in the person's file: disposal (gallring) counts from the last one.
pub async fn touch_person(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    person_id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "UPDATE people SET last_entry_at = now() WHERE municipality_code = $1 AND id = $2",
            &[&municipality.as_str(), &person_id],
        )
        .await?;
    Ok(())
}

/// A person's file as disposal (gallring) sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub municipality_code: String,
    pub person_id: Uuid,
    /// The day of the last entry, in Stockholm.
    pub last_entry_on: Date,
    /// The day of the month of birth, when known.
    pub birth_day: Option<i8>,
}

/// Every file whose last entry was more than five years before `as_of`, in every municipality. Takes
/// the server's own connection (disposal runs as the tables' owner, outside the pool).
pub async fn files_due(
    client: &impl tokio_postgres::GenericClient,
    as_of: Date,
) -> Result<Vec<FileEntry>, tokio_postgres::Error> {
    let rows = client
        .query(
            // The SQL bound is a superset (two days, Stockholm time, whatever the session's zone) so that a
            // 29 February entry is listed on 28 February five years on; the server's due_dates decides exactly.
            // A tenant still in (or offered) a city lease is an open matter whatever the last entry's date:
            // disposing would delete the lease they live under and show the apartment as free.
            "SELECT p.municipality_code, p.id, (p.last_entry_at AT TIME ZONE 'Europe/Stockholm')::date, p.birth_day FROM people p
             WHERE p.last_entry_at < (($1::date - interval '5 years' + interval '2 days') AT TIME ZONE 'Europe/Stockholm')
               AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.municipality_code = p.municipality_code
                                  AND l.person_id = p.id AND l.status IN ('offered', 'active'))
             ORDER BY p.municipality_code, p.last_entry_at, p.id",
            &[&as_of],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(FileEntry {
                municipality_code: row.try_get(0)?,
                person_id: row.try_get(1)?,
                last_entry_on: row.try_get(2)?,
                birth_day: row.try_get::<_, Option<i16>>(3)?.and_then(|day| i8::try_from(day).ok()),
            })
        })
        .collect()
}

/// Deletes what this crate keeps of a person (support assignments, decisions, the person, and their
/// household when no one is left in it), once the other crates' records of them are gone.
pub async fn dispose_of_person(
    client: &impl tokio_postgres::GenericClient,
    municipality: &str,
    person_id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    for statement in [
        "DELETE FROM support_assignments WHERE municipality_code = $1 AND person_id = $2",
        "DELETE FROM decisions WHERE municipality_code = $1 AND person_id = $2",
        "DELETE FROM people WHERE municipality_code = $1 AND id = $2",
    ] {
        client.execute(statement, &[&municipality, &person_id]).await?;
    }
    client
        .execute(
            "DELETE FROM households h WHERE municipality_code = $1
               AND NOT EXISTS (SELECT 1 FROM people WHERE municipality_code = h.municipality_code AND household_id = h.id)",
            &[&municipality],
        )
        .await?;
    Ok(())
}
