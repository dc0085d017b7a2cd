//! SQL for beds given out: holding a bed (the database refuses a full shelter, a second bed and a bed
//! outside without consent), reading and changing assignments, releasing expired holds, and moves.

use deadpool_postgres::Transaction;
use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use hemvist_tenants::api::guests::{Guest, guest_columns, join_guest};
use jiff::Timestamp;
use jiff::civil::Date;
use tokio_postgres::Row;
use uuid::Uuid;

use super::model::{AssignmentStatus, StoredAssignment};
use crate::access::GuestProtection;

/// The caller that gives a bed, recorded on the assignment.
#[derive(Debug, Clone, Copy)]
pub struct Placer<'a> {
    pub token: Uuid,
    pub staff: Option<&'a str>,
}

impl<'a> Placer<'a> {
    pub fn of(principal: &'a hemvist_platform::auth::Principal) -> Self {
        Self { token: principal.token_id, staff: principal.staff_id.as_deref() }
    }
}

const ASSIGNMENT_COLUMNS: &str =
    "b.id, b.shelter_id, b.night, b.person_id, b.status, b.hold_until, b.checked_in_at, b.checked_out_at,
    b.released_at, b.outside_municipality, b.consent_outside_municipality, b.created_at, b.created_by, b.created_by_staff";

/// `SELECT .. FROM` assignments (`b`) with their guest.
fn assignments_from() -> String {
    format!("SELECT {ASSIGNMENT_COLUMNS}, {} FROM bed_assignments b {}", guest_columns("b"), join_guest("b"))
}

fn assignment_from_row(r: &Row) -> Result<StoredAssignment, tokio_postgres::Error> {
    let guest = Guest::from_row(r)?;
    Ok(StoredAssignment {
        id: r.try_get("id")?,
        shelter_id: r.try_get("shelter_id")?,
        night: r.try_get("night")?,
        person_id: r.try_get("person_id")?,
        status: r.try_get("status")?,
        hold_until: r.try_get("hold_until")?,
        checked_in_at: r.try_get("checked_in_at")?,
        checked_out_at: r.try_get("checked_out_at")?,
        released_at: r.try_get("released_at")?,
        outside_municipality: r.try_get("outside_municipality")?,
        consent_outside_municipality: r.try_get("consent_outside_municipality")?,
        given_name: guest.given_name,
        family_name: guest.family_name,
        created_at: r.try_get("created_at")?,
        guest: GuestProtection {
            protected_identity: guest.protected_identity,
            alias_code: guest.alias_code,
            placed_by: r.try_get("created_by")?,
            placed_by_staff: r.try_get("created_by_staff")?,
        },
    })
}

/// A bed to give: at `shelter` for `night` to `person`, held until `hold_until`.
#[derive(Debug, Clone, Copy)]
pub struct NewBed<'a> {
    pub shelter: Uuid,
    pub night: Date,
    pub person: Uuid,
    pub hold_until: Timestamp,
    pub placer: Placer<'a>,
    pub consent_outside_municipality: bool,
}

pub enum AssignOutcome {
    Assigned(Uuid),
    ShelterFull,
    PersonHasBed,
    /// The shelter is in another municipality and the person's consent was not given.
    NeedsConsent,
}

/// Gives `person` a bed at `shelter` for `night`. The database refuses a full shelter and a second bed
/// for the same person, and a bed in another municipality without consent (V7); each comes back as an
/// outcome, other errors as errors. Runs in a savepoint so a refusal leaves the caller's transaction usable.
pub async fn assign_bed(
    tx: &mut Transaction<'_>,
    municipality: &MunicipalityCode,
    bed: &NewBed<'_>,
) -> Result<AssignOutcome, tokio_postgres::Error> {
    let NewBed { shelter, night, person, hold_until, placer, consent_outside_municipality } = bed;
    crate::nights::repo::ensure_night(&*tx, municipality, *shelter, *night).await?;
    let savepoint = tx.transaction().await?;
    let inserted = savepoint
        .query_one(
            "INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, hold_until, created_by, created_by_staff,
                 consent_outside_municipality)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[&municipality.as_str(), shelter, night, person, hold_until, &placer.token, &placer.staff, consent_outside_municipality],
        )
        .await;
    match inserted {
        Ok(row) => {
            let id = row.try_get(0)?;
            savepoint.commit().await?;
            Ok(AssignOutcome::Assigned(id))
        }
        Err(error) => {
            let db = error.as_db_error();
            let full = db.is_some_and(|db| db.message().contains("shelter is full"));
            let constraint = db.and_then(|db| db.constraint());
            savepoint.rollback().await?;
            if full {
                Ok(AssignOutcome::ShelterFull)
            } else if constraint == Some("bed_assignments_one_bed_per_person") {
                Ok(AssignOutcome::PersonHasBed)
            } else if constraint == Some("bed_assignments_outside_needs_consent") {
                Ok(AssignOutcome::NeedsConsent)
            } else {
                Err(error)
            }
        }
    }
}

/// What one placement statement did.
pub enum FirstFree {
    /// A bed was held at this shelter.
    Assigned { id: Uuid, shelter: Uuid },
    /// The person already holds a bed that night (perhaps from a concurrent request).
    PersonHasBed,
    /// No candidate had a free bed.
    Full,
}

/// Gives `person` a bed at the first of `candidates` (best first; each with the hold its bed gets) whose
/// night this transaction can lock and that has a free bed, in one statement (`place_in_first_free`,
/// V21): rows other placements hold are skipped instead of waited for, and waited for only when no other
/// candidate had a bed. The capacity trigger still refuses an overbooking.
pub async fn place_in_first_free(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    night: Date,
    person: Uuid,
    candidates: &[(Uuid, Timestamp)],
    placer: Placer<'_>,
    consent_outside_municipality: bool,
) -> Result<FirstFree, tokio_postgres::Error> {
    let shelters: Vec<Uuid> = candidates.iter().map(|(s, _)| *s).collect();
    let holds: Vec<Timestamp> = candidates.iter().map(|(_, h)| *h).collect();
    let statement = client
        .prepare_cached(
            "SELECT assignment_id, shelter_id, outcome FROM place_in_first_free($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .await?;
    let row = client
        .query_one(
            &statement,
            &[
                &municipality.as_str(),
                &night,
                &person,
                &shelters,
                &holds,
                &placer.token,
                &placer.staff,
                &consent_outside_municipality,
            ],
        )
        .await?;
    let outcome: &str = row.try_get(2)?;
    Ok(match (outcome, row.try_get::<_, Option<Uuid>>(0)?, row.try_get::<_, Option<Uuid>>(1)?) {
        ("assigned", Some(id), Some(shelter)) => FirstFree::Assigned { id, shelter },
        ("has_bed", _, _) => FirstFree::PersonHasBed,
        _ => FirstFree::Full,
    })
}

pub async fn find_assignment(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    id: Uuid,
    lock: bool,
) -> Result<Option<StoredAssignment>, tokio_postgres::Error> {
    let sql = format!(
        "{}
          WHERE b.municipality_code = $1 AND ($2::uuid[] IS NULL OR b.shelter_id = ANY($2)) AND b.id = $3{}",
        assignments_from(),
        if lock { " FOR UPDATE OF b" } else { "" }
    );
    let statement = client.prepare_cached(&sql).await?;
    client
        .query_opt(&statement, &[&municipality.as_str(), &limit, &id])
        .await?
        .as_ref()
        .map(assignment_from_row)
        .transpose()
}

/// The person's active bed for the night, if any.
pub async fn active_assignment_of(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    person: Uuid,
    night: Date,
) -> Result<Option<StoredAssignment>, tokio_postgres::Error> {
    let sql = format!(
        "{}
          WHERE b.municipality_code = $1 AND b.person_id = $2 AND b.night = $3 AND b.status IN ('reserved', 'checked_in')",
        assignments_from()
    );
    let statement = client.prepare_cached(&sql).await?;
    client
        .query_opt(&statement, &[&municipality.as_str(), &person, &night])
        .await?
        .as_ref()
        .map(assignment_from_row)
        .transpose()
}

/// The sort key of a night's assignments: shelter, then the order beds were given. Never a name: the
/// cursor is handed to callers who may not see names.
pub type AssignmentKey = (Uuid, Timestamp, Uuid);

/// One page (`page.limit + 1` rows) of a night's assignments.
pub async fn list_assignments(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    night: Date,
    shelter: Option<Uuid>,
    page: &PageRequest<AssignmentKey>,
) -> Result<Vec<StoredAssignment>, tokio_postgres::Error> {
    let sql = format!(
        "{}
          WHERE b.municipality_code = $1 AND ($2::uuid[] IS NULL OR b.shelter_id = ANY($2)) AND b.night = $3
            AND ($4::uuid IS NULL OR b.shelter_id = $4)
            AND ($5::uuid IS NULL OR (b.shelter_id, b.created_at, b.id) > ($5, $6, $7))
          ORDER BY b.shelter_id, b.created_at, b.id LIMIT $8",
        assignments_from()
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_shelter, after_at, after_id) =
        page.after.map_or((None, None, None), |(s, t, i)| (Some(s), Some(t), Some(i)));
    let rows = client
        .query(
            &statement,
            &[
                &municipality.as_str(),
                &limit,
                &night,
                &shelter,
                &after_shelter,
                &after_at,
                &after_id,
                &page.fetch_limit(),
            ],
        )
        .await?;
    rows.iter().map(assignment_from_row).collect()
}

pub async fn set_assignment_status(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    status: AssignmentStatus,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "UPDATE bed_assignments SET status = $3, updated_at = now(),
                 checked_in_at = CASE WHEN $3 = 'checked_in' THEN now() ELSE checked_in_at END,
                 checked_out_at = CASE WHEN $3 = 'checked_out' THEN now() ELSE checked_out_at END,
                 released_at = CASE WHEN $3 IN ('no_show', 'not_collected', 'cancelled') THEN now()
                                    WHEN $3 = 'checked_in' THEN NULL ELSE released_at END
             WHERE municipality_code = $1 AND id = $2",
            &[&municipality.as_str(), &id, &status],
        )
        .await?;
    Ok(())
}

/// Releases reservations whose hold expired without a check-in (of `night`, or of every night) as not
/// collected, and records each in the audit trail as done by the system, in one statement (after a
/// cheap look for any expired one). None when no hold had expired; else how many this call released (none, when another transaction
/// released them first: a caller that read counts before must read them again either way).
pub async fn release_expired_holds(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    night: Option<Date>,
) -> Result<Option<u64>, tokio_postgres::Error> {
    // Two statements rather than `($2 IS NULL OR night = $2)`: each reads its own index of the running
    // holds (by night and expiry, or by expiry), only the expired ones, whatever the statistics say.
    let which = match night {
        Some(_) => "municipality_code = $1 AND night = $2 AND status = 'reserved' AND hold_until < now()",
        None => "municipality_code = $1 AND $2::date IS NULL AND status = 'reserved' AND hold_until < now()",
    };
    // Most calls find none expired (every placement asks). Looked for first in expiry order, which the
    // planner reads from the holds index: the update alone read every reservation of a busy night
    // through the index of one bed per person (1 ms for nothing, with the statistics of a long history).
    let any_expired = client
        .prepare_cached(&format!("SELECT 1 FROM bed_assignments WHERE {which} ORDER BY hold_until LIMIT 1"))
        .await?;
    if client.query_opt(&any_expired, &[&municipality.as_str(), &night]).await?.is_none() {
        return Ok(None);
    }
    let statement = client
        .prepare_cached(&format!(
            "WITH released AS (
                 UPDATE bed_assignments SET status = 'not_collected', released_at = now(), updated_at = now()
                  WHERE {which}
                 RETURNING municipality_code, id, person_id, night, shelter_id, hold_until)
             INSERT INTO audit_events (municipality_code, actor_token_id, actor_role, action, resource_type,
                                       resource_id, person_id, details)
             SELECT municipality_code, NULL, 'system', 'update', 'bed_assignment', id, person_id,
                    jsonb_build_object('status', 'not_collected', 'reason', 'hold expired without check-in',
                                       'night', night, 'shelter_id', shelter_id, 'hold_until', hold_until)
               FROM released"
        ))
        .await?;
    client.execute(&statement, &[&municipality.as_str(), &night]).await.map(Some)
}

/// The sort key of the bouncing report: most moves first, then person id.
pub type BouncingKey = (i64, Uuid);

/// People moved more than `more_than` times in [from, to], computed in the database (a move is a change
/// of shelter between consecutive nights with a bed; this query is the one place of that rule), one page
/// (`page.limit + 1` rows) of (person, moves, nights).
pub async fn bouncing(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    from: Date,
    to: Date,
    more_than: i64,
    page: &PageRequest<BouncingKey>,
) -> Result<Vec<(Uuid, i64, i64)>, tokio_postgres::Error> {
    let statement = client
        .prepare_cached(
            "WITH beds AS (
                 SELECT person_id, shelter_id,
                        lag(shelter_id) OVER (PARTITION BY person_id ORDER BY night, created_at, id) AS previous
                   FROM bed_assignments
                  WHERE municipality_code = $1 AND night BETWEEN $2 AND $3
                    AND status IN ('reserved', 'checked_in', 'checked_out')
             ), moved AS (
                 SELECT person_id, count(*) FILTER (WHERE previous <> shelter_id) AS moves, count(*) AS nights
                   FROM beds GROUP BY person_id
             )
             SELECT person_id, moves, nights FROM moved
              WHERE moves > $4 AND ($5::bigint IS NULL OR moves < $5 OR (moves = $5 AND person_id > $6))
              ORDER BY moves DESC, person_id LIMIT $7",
        )
        .await?;
    let (after_moves, after_person) = page.after.map_or((None, None), |(m, p)| (Some(m), Some(p)));
    let rows = client
        .query(
            &statement,
            &[&municipality.as_str(), &from, &to, &more_than, &after_moves, &after_person, &page.fetch_limit()],
        )
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
}
