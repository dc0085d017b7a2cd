//! SQL of deviations. A deviation about a person is visible exactly when the person is to the caller
//! (the tenants crate's scope), and one about a person with protected identity only to those who may
//! see protected people; one about a unit only to the roles that read deviations.

use hemvist_platform::db::GenericClient;
use hemvist_tenants::api::{Scope, scoped};
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use super::model::{Assessment, DeviationState, Progress, Source};

#[derive(Debug, Clone)]
pub struct StoredDeviation {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub unit: Option<String>,
    pub source: Source,
    pub what_happened: String,
    pub occurred_on: Date,
    pub noticed_by: String,
    pub investigation: Option<String>,
    pub reported_to_ivo_on: Option<Date>,
    pub progress: Progress,
}

/// A new deviation recorded by staff.
#[derive(Debug, Clone)]
pub struct NewDeviation {
    pub person_id: Option<Uuid>,
    pub unit: Option<String>,
    pub what_happened: String,
    pub occurred_on: Date,
    pub noticed_by: String,
    pub recorded_by: Uuid,
}

/// Who is asking: their scope, and whether they may see people with protected identity.
pub struct Viewer<'a> {
    pub scope: Scope<'a>,
    pub sees_protected: bool,
}

const COLUMNS: &str = "d.id, d.person_id, d.unit, d.source, d.what_happened, d.occurred_on, d.noticed_by,
    d.recorded_on, d.state, d.assessment, d.serious, d.assessed_on, d.investigated_on, d.investigation,
    d.reported_to_ivo_on";

/// SQL: the deviation `d` is visible; `$1` municipality, `$2` districts, `$3` staff, `$4` sees protected.
fn visible() -> String {
    format!(
        "d.municipality_code = $1 AND (d.person_id IS NULL OR EXISTS (SELECT 1 FROM people p
            WHERE p.id = d.person_id AND {} AND (NOT p.protected_identity OR $4)))",
        scoped(3)
    )
}

fn from_row(row: &Row) -> Result<StoredDeviation, tokio_postgres::Error> {
    Ok(StoredDeviation {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        unit: row.try_get("unit")?,
        source: row.try_get("source")?,
        what_happened: row.try_get("what_happened")?,
        occurred_on: row.try_get("occurred_on")?,
        noticed_by: row.try_get("noticed_by")?,
        investigation: row.try_get("investigation")?,
        reported_to_ivo_on: row.try_get("reported_to_ivo_on")?,
        progress: Progress {
            state: row.try_get::<_, DeviationState>("state")?,
            assessment: row.try_get::<_, Option<Assessment>>("assessment")?,
            serious: row.try_get("serious")?,
            recorded_on: row.try_get("recorded_on")?,
            assessed_on: row.try_get("assessed_on")?,
            investigated_on: row.try_get("investigated_on")?,
        },
    })
}

/// Records a deviation; returns its id.
pub async fn insert(
    client: &impl GenericClient,
    municipality: &str,
    new: &NewDeviation,
) -> Result<Uuid, tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "INSERT INTO deviations (municipality_code, person_id, unit, what_happened, occurred_on, noticed_by, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .await?;
    let row = client
        .query_one(
            &statement,
            &[
                &municipality,
                &new.person_id,
                &new.unit,
                &new.what_happened,
                &new.occurred_on,
                &new.noticed_by,
                &new.recorded_by,
            ],
        )
        .await?;
    row.try_get(0)
}

/// The deviation when visible to the viewer; `lock` takes it for an update.
pub async fn find(
    client: &impl GenericClient,
    viewer: &Viewer<'_>,
    id: Uuid,
    lock: bool,
) -> Result<Option<StoredDeviation>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM deviations d WHERE {} AND d.id = $5{}",
        visible(),
        if lock { " FOR UPDATE OF d" } else { "" }
    );
    let statement = client.prepare_cached(&sql).await?;
    let s = &viewer.scope;
    let row = client
        .query_opt(&statement, &[&s.municipality.as_str(), &s.districts, &s.staff, &viewer.sees_protected, &id])
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The visible deviations, newest first; with `open_only`, those with a step still due (at most `limit`).
pub async fn list(
    client: &impl GenericClient,
    viewer: &Viewer<'_>,
    open_only: bool,
    limit: i64,
) -> Result<Vec<StoredDeviation>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM deviations d WHERE {} AND (NOT $5 OR d.state <> 'reported_to_ivo')
          ORDER BY d.recorded_on DESC, d.id LIMIT $6",
        visible()
    );
    let statement = client.prepare_cached(&sql).await?;
    let s = &viewer.scope;
    let rows = client
        .query(
            &statement,
            &[&s.municipality.as_str(), &s.districts, &s.staff, &viewer.sees_protected, &open_only, &limit],
        )
        .await?;
    rows.iter().map(from_row).collect()
}

/// Records the assessment.
pub async fn assess(
    client: &impl GenericClient,
    municipality: &str,
    id: Uuid,
    assessment: Assessment,
    serious: bool,
    on: Date,
) -> Result<(), tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "UPDATE deviations SET state = 'assessed', assessment = $3, serious = $4, assessed_on = $5,
                    version = version + 1 WHERE municipality_code = $1 AND id = $2",
        )
        .await?;
    client.execute(&statement, &[&municipality, &id, &assessment, &serious, &on]).await?;
    Ok(())
}

/// Records the investigation.
pub async fn investigate(
    client: &impl GenericClient,
    municipality: &str,
    id: Uuid,
    investigation: &str,
    on: Date,
) -> Result<(), tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "UPDATE deviations SET state = 'investigated', investigation = $3, investigated_on = $4,
                    version = version + 1 WHERE municipality_code = $1 AND id = $2",
        )
        .await?;
    client.execute(&statement, &[&municipality, &id, &investigation, &on]).await?;
    Ok(())
}

/// Records the report to IVO.
pub async fn report_to_ivo(
    client: &impl GenericClient,
    municipality: &str,
    id: Uuid,
    on: Date,
) -> Result<(), tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "UPDATE deviations SET state = 'reported_to_ivo', reported_to_ivo_on = $3, version = version + 1
              WHERE municipality_code = $1 AND id = $2",
        )
        .await?;
    client.execute(&statement, &[&municipality, &id, &on]).await?;
    Ok(())
}
