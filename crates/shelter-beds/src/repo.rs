//! SQL for shelters, nightly capacity, bed assignments and guarantee requests. Every query is scoped
//! by municipality and, for callers tied to shelters, by shelter.

use hemvist_platform::db::GenericClient;
use hemvist_platform::{ApiError, MunicipalityCode};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use tokio_postgres::Row;
use uuid::Uuid;

use hemvist_platform::pagination::PageRequest;

use crate::model::{AssignmentStatus, Eligibility, ShelterRecord};

/// `$1` municipality, `$2` shelter ids or NULL for all.
const SCOPED: &str = "s.municipality_code = $1 AND ($2::uuid[] IS NULL OR s.id = ANY($2))";

#[derive(Debug, Clone)]
pub struct StoredShelter {
    pub id: Uuid,
    pub name: String,
    pub operator: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub district_code: Option<String>,
    pub outside_municipality: bool,
    pub eligibility: Eligibility,
    pub total_beds: i32,
    pub opens_at: Time,
    pub check_in_deadline: Time,
    pub status: String,
    pub version: i32,
}

const SHELTER_COLUMNS: &str =
    "s.id, s.name, s.operator, s.address, s.lat, s.lon, s.district_code, s.outside_municipality,
    s.accepts_women, s.accepts_men, s.min_age, s.max_age, s.accepts_couples, s.accepts_pets, s.accepts_substance_use,
    s.wheelchair_accessible, s.total_beds, s.opens_at, s.check_in_deadline, s.status, s.version";

fn shelter_from_row(row: &Row) -> Result<StoredShelter, ApiError> {
    Ok(StoredShelter {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        operator: row.try_get("operator")?,
        address: row.try_get("address")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        district_code: row.try_get("district_code")?,
        outside_municipality: row.try_get("outside_municipality")?,
        eligibility: Eligibility {
            accepts_women: row.try_get("accepts_women")?,
            accepts_men: row.try_get("accepts_men")?,
            min_age: row.try_get("min_age")?,
            max_age: row.try_get("max_age")?,
            accepts_couples: row.try_get("accepts_couples")?,
            accepts_pets: row.try_get("accepts_pets")?,
            accepts_substance_use: row.try_get("accepts_substance_use")?,
            wheelchair_accessible: row.try_get("wheelchair_accessible")?,
        },
        total_beds: row.try_get("total_beds")?,
        opens_at: row.try_get("opens_at")?,
        check_in_deadline: row.try_get("check_in_deadline")?,
        status: row.try_get("status")?,
        version: row.try_get("version")?,
    })
}

pub async fn insert_shelter(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    r: &ShelterRecord,
    district_code: Option<&str>,
) -> Result<Uuid, ApiError> {
    let e = &r.eligibility;
    let row = client
        .query_one(
            "INSERT INTO shelters (municipality_code, name, operator, address, lat, lon, district_code, outside_municipality,
                 accepts_women, accepts_men, min_age, max_age, accepts_couples, accepts_pets, accepts_substance_use,
                 wheelchair_accessible, total_beds, opens_at, check_in_deadline, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
            &[
                &municipality.as_str(),
                &r.name,
                &r.operator,
                &r.address,
                &r.location.lat,
                &r.location.lon,
                &district_code,
                &r.outside_municipality,
                &e.accepts_women,
                &e.accepts_men,
                &e.min_age,
                &e.max_age,
                &e.accepts_couples,
                &e.accepts_pets,
                &e.accepts_substance_use,
                &e.wheelchair_accessible,
                &r.total_beds,
                &r.opens_at,
                &r.check_in_deadline,
                &r.status.as_str(),
            ],
        )
        .await?;
    Ok(row.try_get(0)?)
}

pub async fn update_shelter(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    expected_version: Option<i32>,
    r: &ShelterRecord,
    district_code: Option<&str>,
) -> Result<bool, ApiError> {
    let e = &r.eligibility;
    let updated = client
        .execute(
            "UPDATE shelters SET name = $3, operator = $4, address = $5, lat = $6, lon = $7, district_code = $8,
                 outside_municipality = $9, accepts_women = $10, accepts_men = $11, min_age = $12, max_age = $13,
                 accepts_couples = $14, accepts_pets = $15, accepts_substance_use = $16, wheelchair_accessible = $17,
                 total_beds = $18, opens_at = $19, check_in_deadline = $20, status = $21, version = version + 1, updated_at = now()
             WHERE municipality_code = $1 AND id = $2 AND ($22::int IS NULL OR version = $22)",
            &[
                &municipality.as_str(),
                &id,
                &r.name,
                &r.operator,
                &r.address,
                &r.location.lat,
                &r.location.lon,
                &district_code,
                &r.outside_municipality,
                &e.accepts_women,
                &e.accepts_men,
                &e.min_age,
                &e.max_age,
                &e.accepts_couples,
                &e.accepts_pets,
                &e.accepts_substance_use,
                &e.wheelchair_accessible,
                &r.total_beds,
                &r.opens_at,
                &r.check_in_deadline,
                &r.status.as_str(),
                &expected_version,
            ],
        )
        .await
        .map_err(|error| {
            // V7: active beds follow the shelter's flag, and a bed outside needs the guest's consent.
            if error.as_db_error().and_then(|db| db.constraint()) == Some("bed_assignments_outside_needs_consent") {
                ApiError::conflict(
                    "guests hold beds here without consent to a bed in another municipality; \
                     move them or record their consent first",
                )
            } else {
                error.into()
            }
        })?;
    Ok(updated > 0)
}

pub async fn find_shelter(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    id: Uuid,
) -> Result<Option<StoredShelter>, ApiError> {
    let sql = format!("SELECT {SHELTER_COLUMNS} FROM shelters s WHERE {SCOPED} AND s.id = $3");
    let statement = client.prepare_cached(&sql).await?;
    client
        .query_opt(&statement, &[&municipality.as_str(), &limit, &id])
        .await?
        .as_ref()
        .map(shelter_from_row)
        .transpose()
}

pub async fn list_shelters(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
) -> Result<Vec<StoredShelter>, ApiError> {
    let sql = format!("SELECT {SHELTER_COLUMNS} FROM shelters s WHERE {SCOPED} ORDER BY s.name, s.id");
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &limit]).await?;
    rows.iter().map(shelter_from_row).collect()
}

/// A shelter's capacity and use for one night.
#[derive(Debug, Clone)]
pub struct NightLoad {
    pub shelter: StoredShelter,
    pub beds_in_service: i32,
    pub beds_out_of_service: i32,
    pub out_of_service_reason: Option<String>,
    pub reported: bool,
    pub taken: i64,
}

/// Every open shelter in scope with its capacity for `night` (its total beds until staff report)
/// and the beds given out.
pub async fn night_loads(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    night: Date,
) -> Result<Vec<NightLoad>, ApiError> {
    let sql = format!(
        "SELECT {SHELTER_COLUMNS},
                -- Until staff report the night, its capacity is the shelter's current total; a report
                -- never counts more beds than the shelter has now (its total may have been lowered since).
                CASE WHEN n.reported THEN LEAST(n.beds_in_service, s.total_beds) ELSE s.total_beds END AS beds_in_service,
                COALESCE(n.beds_out_of_service, 0) AS beds_out_of_service,
                n.out_of_service_reason, COALESCE(n.reported, false) AS reported,
                (SELECT count(*) FROM bed_assignments b
                  WHERE b.municipality_code = s.municipality_code AND b.shelter_id = s.id AND b.night = $3
                    AND b.status IN ('reserved', 'checked_in')) AS taken
           FROM shelters s
           LEFT JOIN shelter_nights n ON n.municipality_code = s.municipality_code AND n.shelter_id = s.id AND n.night = $3
          WHERE {SCOPED} AND s.status = 'open'
          ORDER BY s.name, s.id"
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &limit, &night]).await?;
    rows.iter()
        .map(|row| {
            Ok(NightLoad {
                shelter: shelter_from_row(row)?,
                beds_in_service: row.try_get("beds_in_service")?,
                beds_out_of_service: row.try_get("beds_out_of_service")?,
                out_of_service_reason: row.try_get("out_of_service_reason")?,
                reported: row.try_get("reported")?,
                taken: row.try_get("taken")?,
            })
        })
        .collect()
}

/// Makes sure the shelter-night row exists (with the total beds, unreported), which the capacity
/// trigger locks.
pub async fn ensure_night(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    shelter: Uuid,
    night: Date,
) -> Result<(), ApiError> {
    client
        .execute(
            "INSERT INTO shelter_nights (municipality_code, shelter_id, night, beds_in_service)
             SELECT municipality_code, id, $3, total_beds FROM shelters WHERE municipality_code = $1 AND id = $2
             ON CONFLICT DO NOTHING",
            &[&municipality.as_str(), &shelter, &night],
        )
        .await?;
    Ok(())
}

/// Stores a capacity report (idempotent for the same figures) and appends it to the history.
#[allow(clippy::too_many_arguments)]
pub async fn report_capacity(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    shelter: Uuid,
    night: Date,
    in_service: i32,
    out_of_service: i32,
    reason: Option<&str>,
    reported_by: Uuid,
    reported_by_role: &str,
) -> Result<(), ApiError> {
    client
        .execute(
            "INSERT INTO shelter_nights (municipality_code, shelter_id, night, beds_in_service, beds_out_of_service,
                 out_of_service_reason, reported, reported_by, reported_at)
             VALUES ($1, $2, $3, $4, $5, $6, true, $7, now())
             ON CONFLICT (municipality_code, shelter_id, night) DO UPDATE SET
                 beds_in_service = EXCLUDED.beds_in_service, beds_out_of_service = EXCLUDED.beds_out_of_service,
                 out_of_service_reason = EXCLUDED.out_of_service_reason, reported = true,
                 reported_by = EXCLUDED.reported_by, reported_at = EXCLUDED.reported_at",
            &[&municipality.as_str(), &shelter, &night, &in_service, &out_of_service, &reason, &reported_by],
        )
        .await?;
    client
        .execute(
            "INSERT INTO shelter_night_reports (municipality_code, shelter_id, night, beds_in_service, beds_out_of_service,
                 out_of_service_reason, reported_by, reported_by_role)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&municipality.as_str(), &shelter, &night, &in_service, &out_of_service, &reason, &reported_by, &reported_by_role],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct CapacityReport {
    pub beds_in_service: i32,
    pub beds_out_of_service: i32,
    pub out_of_service_reason: Option<String>,
    pub reported_by: Uuid,
    pub reported_by_role: String,
    pub reported_at: Timestamp,
}

pub async fn capacity_history(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    shelter: Uuid,
    night: Date,
) -> Result<Vec<CapacityReport>, ApiError> {
    let rows = client
        .query(
            "SELECT beds_in_service, beds_out_of_service, out_of_service_reason, reported_by, reported_by_role, reported_at
               FROM shelter_night_reports WHERE municipality_code = $1 AND shelter_id = $2 AND night = $3 ORDER BY id",
            &[&municipality.as_str(), &shelter, &night],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CapacityReport {
                beds_in_service: r.try_get(0)?,
                beds_out_of_service: r.try_get(1)?,
                out_of_service_reason: r.try_get(2)?,
                reported_by: r.try_get(3)?,
                reported_by_role: r.try_get(4)?,
                reported_at: r.try_get(5)?,
            })
        })
        .collect()
}

/// Releases reservations whose hold expired without a check-in (of `night`, or of every night) as not
/// collected, and records each in the audit trail as done by the system, in one statement.
pub async fn release_expired_holds(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    night: Option<Date>,
) -> Result<u64, ApiError> {
    let statement = client
        .prepare_cached(
            "WITH released AS (
                 UPDATE bed_assignments SET status = 'not_collected', released_at = now(), updated_at = now()
                  WHERE municipality_code = $1 AND status = 'reserved' AND hold_until < now()
                    AND ($2::date IS NULL OR night = $2)
                 RETURNING municipality_code, id, person_id, night, shelter_id, hold_until)
             INSERT INTO audit_events (municipality_code, actor_token_id, actor_role, action, resource_type,
                                       resource_id, person_id, details)
             SELECT municipality_code, NULL, 'system', 'update', 'bed_assignment', id, person_id,
                    jsonb_build_object('status', 'not_collected', 'reason', 'hold expired without check-in',
                                       'night', night, 'shelter_id', shelter_id, 'hold_until', hold_until)
               FROM released",
        )
        .await?;
    Ok(client.execute(&statement, &[&municipality.as_str(), &night]).await?)
}

#[derive(Debug, Clone)]
pub struct StoredAssignment {
    pub id: Uuid,
    pub shelter_id: Uuid,
    pub night: Date,
    pub person_id: Uuid,
    pub status: AssignmentStatus,
    pub hold_until: Timestamp,
    pub checked_in_at: Option<Timestamp>,
    pub checked_out_at: Option<Timestamp>,
    pub released_at: Option<Timestamp>,
    pub outside_municipality: bool,
    pub consent_outside_municipality: bool,
    pub given_name: String,
    pub family_name: String,
    pub created_at: Timestamp,
    pub guest: GuestProtection,
}

/// What decides whether a guest is shown by name: their protection and who placed them.
#[derive(Debug, Clone)]
pub struct GuestProtection {
    pub protected_identity: bool,
    /// A short random code of the person, shown instead of the name.
    pub alias_code: String,
    /// The token that placed them (None for beds given before this was recorded).
    pub placed_by: Option<Uuid>,
    pub placed_by_staff: Option<String>,
}

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
    b.released_at, b.outside_municipality, b.consent_outside_municipality,
    p.given_name, p.family_name, b.created_at, p.protected_identity, p.guest_alias, b.created_by, b.created_by_staff";

fn assignment_from_row(r: &Row) -> Result<StoredAssignment, ApiError> {
    Ok(StoredAssignment {
        id: r.try_get("id")?,
        shelter_id: r.try_get("shelter_id")?,
        night: r.try_get("night")?,
        person_id: r.try_get("person_id")?,
        status: r.try_get::<_, &str>("status")?.parse()?,
        hold_until: r.try_get("hold_until")?,
        checked_in_at: r.try_get("checked_in_at")?,
        checked_out_at: r.try_get("checked_out_at")?,
        released_at: r.try_get("released_at")?,
        outside_municipality: r.try_get("outside_municipality")?,
        consent_outside_municipality: r.try_get("consent_outside_municipality")?,
        given_name: r.try_get("given_name")?,
        family_name: r.try_get("family_name")?,
        created_at: r.try_get("created_at")?,
        guest: GuestProtection {
            protected_identity: r.try_get("protected_identity")?,
            alias_code: r.try_get("guest_alias")?,
            placed_by: r.try_get("created_by")?,
            placed_by_staff: r.try_get("created_by_staff")?,
        },
    })
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
#[allow(clippy::too_many_arguments)]
pub async fn assign_bed(
    tx: &mut deadpool_postgres::Transaction<'_>,
    municipality: &MunicipalityCode,
    shelter: Uuid,
    night: Date,
    person: Uuid,
    hold_until: Timestamp,
    placer: Placer<'_>,
    consent_outside_municipality: bool,
) -> Result<AssignOutcome, ApiError> {
    ensure_night(&*tx, municipality, shelter, night).await?;
    let savepoint = tx.transaction().await?;
    let inserted = savepoint
        .query_one(
            "INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, hold_until, created_by, created_by_staff,
                 consent_outside_municipality)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[&municipality.as_str(), &shelter, &night, &person, &hold_until, &placer.token, &placer.staff, &consent_outside_municipality],
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
                Err(error.into())
            }
        }
    }
}

pub async fn find_assignment(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    id: Uuid,
    lock: bool,
) -> Result<Option<StoredAssignment>, ApiError> {
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM bed_assignments b
           JOIN people p ON p.municipality_code = b.municipality_code AND p.id = b.person_id
          WHERE b.municipality_code = $1 AND ($2::uuid[] IS NULL OR b.shelter_id = ANY($2)) AND b.id = $3{}",
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
) -> Result<Option<StoredAssignment>, ApiError> {
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM bed_assignments b
           JOIN people p ON p.municipality_code = b.municipality_code AND p.id = b.person_id
          WHERE b.municipality_code = $1 AND b.person_id = $2 AND b.night = $3 AND b.status IN ('reserved', 'checked_in')"
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
) -> Result<Vec<StoredAssignment>, ApiError> {
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM bed_assignments b
           JOIN people p ON p.municipality_code = b.municipality_code AND p.id = b.person_id
          WHERE b.municipality_code = $1 AND ($2::uuid[] IS NULL OR b.shelter_id = ANY($2)) AND b.night = $3
            AND ($4::uuid IS NULL OR b.shelter_id = $4)
            AND ($5::uuid IS NULL OR (b.shelter_id, b.created_at, b.id) > ($5, $6, $7))
          ORDER BY b.shelter_id, b.created_at, b.id LIMIT $8"
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
) -> Result<(), ApiError> {
    client
        .execute(
            "UPDATE bed_assignments SET status = $3, updated_at = now(),
                 checked_in_at = CASE WHEN $3 = 'checked_in' THEN now() ELSE checked_in_at END,
                 checked_out_at = CASE WHEN $3 = 'checked_out' THEN now() ELSE checked_out_at END,
                 released_at = CASE WHEN $3 IN ('no_show', 'not_collected', 'cancelled') THEN now() ELSE released_at END
             WHERE municipality_code = $1 AND id = $2",
            &[&municipality.as_str(), &id, &status.as_str()],
        )
        .await?;
    Ok(())
}

/// A guarantee request as stored.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    pub id: Uuid,
    pub idempotency_key: Option<String>,
    pub request_fingerprint: String,
    pub requested_at: Timestamp,
    pub night: Date,
    pub person_id: Uuid,
    pub channel: String,
    pub district_code: Option<String>,
    pub outcome: String,
    pub assignment_id: Option<Uuid>,
    pub placed_outside_municipality: bool,
    pub consent_outside_municipality: bool,
    pub escalated_at: Option<Timestamp>,
    pub escalation_note: Option<String>,
    pub emergency_assessment: Option<String>,
    /// The district responsible for the person when they asked.
    pub responsible_district_code: Option<String>,
    /// The district where the person stood, when a position was given.
    pub location_district_code: Option<String>,
    pub resolution: Option<StoredResolution>,
    /// The person's protection; the request's maker counts as having placed them.
    pub guest: GuestProtection,
    pub recorded_afterwards: bool,
    pub recorded_shelter_id: Option<Uuid>,
}

/// How a guarantee breach was resolved.
#[derive(Debug, Clone)]
pub struct StoredResolution {
    pub resolution: String,
    pub shelter_id: Option<Uuid>,
    pub note: Option<String>,
    pub resolved_at: Timestamp,
    pub resolved_by: Uuid,
    pub resolved_by_role: String,
    pub resolved_by_staff: Option<String>,
}

const REQUEST_COLUMNS: &str = "g.id, g.idempotency_key, g.request_fingerprint, g.requested_at, g.night, g.person_id, g.channel,
    g.district_code, g.outcome, g.assignment_id, g.placed_outside_municipality, g.consent_outside_municipality, g.escalated_at,
    g.escalation_note, g.emergency_assessment, g.responsible_district_code, g.location_district_code, g.resolution,
    g.resolution_shelter_id, g.resolution_note, g.resolved_at, g.resolved_by, g.resolved_by_role, g.resolved_by_staff,
    g.requested_by, g.requested_by_staff, g.recorded_afterwards, g.recorded_shelter_id, p.protected_identity, p.guest_alias";

/// Requests with their person: `$1` is the municipality.
const REQUESTS_FROM: &str = "guarantee_requests g
    JOIN people p ON p.municipality_code = g.municipality_code AND p.id = g.person_id";

fn request_from_row(r: &Row) -> Result<StoredRequest, ApiError> {
    Ok(StoredRequest {
        id: r.try_get("id")?,
        idempotency_key: r.try_get("idempotency_key")?,
        request_fingerprint: r.try_get("request_fingerprint")?,
        requested_at: r.try_get("requested_at")?,
        night: r.try_get("night")?,
        person_id: r.try_get("person_id")?,
        channel: r.try_get("channel")?,
        district_code: r.try_get("district_code")?,
        outcome: r.try_get("outcome")?,
        assignment_id: r.try_get("assignment_id")?,
        placed_outside_municipality: r.try_get("placed_outside_municipality")?,
        consent_outside_municipality: r.try_get("consent_outside_municipality")?,
        escalated_at: r.try_get("escalated_at")?,
        escalation_note: r.try_get("escalation_note")?,
        emergency_assessment: r.try_get("emergency_assessment")?,
        responsible_district_code: r.try_get("responsible_district_code")?,
        location_district_code: r.try_get("location_district_code")?,
        resolution: match r.try_get::<_, Option<String>>("resolution")? {
            None => None,
            Some(resolution) => Some(StoredResolution {
                resolution,
                shelter_id: r.try_get("resolution_shelter_id")?,
                note: r.try_get("resolution_note")?,
                resolved_at: r.try_get("resolved_at")?,
                resolved_by: r.try_get("resolved_by")?,
                resolved_by_role: r.try_get("resolved_by_role")?,
                resolved_by_staff: r.try_get("resolved_by_staff")?,
            }),
        },
        guest: GuestProtection {
            protected_identity: r.try_get("protected_identity")?,
            alias_code: r.try_get("guest_alias")?,
            placed_by: r.try_get("requested_by")?,
            placed_by_staff: r.try_get("requested_by_staff")?,
        },
        recorded_afterwards: r.try_get("recorded_afterwards")?,
        recorded_shelter_id: r.try_get("recorded_shelter_id")?,
    })
}

pub async fn find_request_by_key(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    key: &str,
) -> Result<Option<StoredRequest>, ApiError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUESTS_FROM} WHERE g.municipality_code = $1 AND g.idempotency_key = $2"
    );
    let statement = client.prepare_cached(&sql).await?;
    client.query_opt(&statement, &[&municipality.as_str(), &key]).await?.as_ref().map(request_from_row).transpose()
}

pub async fn find_request(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<Option<StoredRequest>, ApiError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM {REQUESTS_FROM} WHERE g.municipality_code = $1 AND g.id = $2");
    let statement = client.prepare_cached(&sql).await?;
    client.query_opt(&statement, &[&municipality.as_str(), &id]).await?.as_ref().map(request_from_row).transpose()
}

/// The sort key of request lists: when asked, then id.
pub type RequestKey = (Timestamp, Uuid);

/// One page (`page.limit + 1` rows) of a night's requests, in the order they came.
pub async fn list_requests(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    night: Date,
    page: &PageRequest<RequestKey>,
) -> Result<Vec<StoredRequest>, ApiError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUESTS_FROM}
          WHERE g.municipality_code = $1 AND g.night = $2 AND ($3::timestamptz IS NULL OR (g.requested_at, g.id) > ($3, $4))
          ORDER BY g.requested_at, g.id LIMIT $5"
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_at, after_id) = page.after.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    let rows =
        client.query(&statement, &[&municipality.as_str(), &night, &after_at, &after_id, &page.fetch_limit()]).await?;
    rows.iter().map(request_from_row).collect()
}

/// A request to store.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub idempotency_key: Option<String>,
    pub request_fingerprint: String,
    pub requested_at: Timestamp,
    pub night: Date,
    pub person_id: Uuid,
    pub requested_by: Uuid,
    pub requested_by_staff: Option<String>,
    pub channel: &'static str,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub district_code: Option<String>,
    pub responsible_district_code: Option<String>,
    pub location_district_code: Option<String>,
    pub needs: serde_json::Value,
    pub outcome: &'static str,
    pub assignment_id: Option<Uuid>,
    /// Recorded afterwards: the shelter the person was placed in that night (no bed held now).
    pub recorded_shelter_id: Option<Uuid>,
    pub recorded_afterwards: bool,
    pub placed_outside_municipality: bool,
    pub consent_outside_municipality: bool,
    pub escalated: bool,
    pub escalation_note: Option<String>,
    pub emergency_assessment: Option<String>,
}

/// Stores the request; None when another request with the same Idempotency-Key got there first.
pub async fn insert_request(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    r: &NewRequest,
) -> Result<Option<Uuid>, ApiError> {
    let inserted = client
        .query_one(
            "INSERT INTO guarantee_requests (municipality_code, idempotency_key, request_fingerprint, requested_at, night, person_id,
                 requested_by, channel, lat, lon, district_code, needs, outcome, assignment_id, placed_outside_municipality,
                 consent_outside_municipality, escalated_at, escalation_note, emergency_assessment,
                 requested_by_staff, responsible_district_code, location_district_code, recorded_shelter_id, recorded_afterwards)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                     CASE WHEN $17 THEN now() END, $18, $19, $20, $21, $22, $23, $24)
             RETURNING id",
            &[
                &municipality.as_str(),
                &r.idempotency_key,
                &r.request_fingerprint,
                &r.requested_at,
                &r.night,
                &r.person_id,
                &r.requested_by,
                &r.channel,
                &r.lat,
                &r.lon,
                &r.district_code,
                &r.needs,
                &r.outcome,
                &r.assignment_id,
                &r.placed_outside_municipality,
                &r.consent_outside_municipality,
                &r.escalated,
                &r.escalation_note,
                &r.emergency_assessment,
                &r.requested_by_staff,
                &r.responsible_district_code,
                &r.location_district_code,
                &r.recorded_shelter_id,
                &r.recorded_afterwards,
            ],
        )
        .await;
    match inserted {
        Ok(row) => Ok(Some(row.try_get(0)?)),
        Err(error) if error.as_db_error().and_then(|db| db.constraint()) == Some("guarantee_requests_idempotency") => {
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

/// Guarantee outcomes counted per night, responsible district (at the time of the request) and the
/// district where the person stood.
#[derive(Debug, Clone)]
pub struct GuaranteeCount {
    pub night: Date,
    pub responsible_district_code: Option<String>,
    pub location_district_code: Option<String>,
    pub outcome: String,
    pub count: i64,
}

pub async fn guarantee_counts(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    from: Date,
    to: Date,
) -> Result<Vec<GuaranteeCount>, ApiError> {
    let rows = client
        .query(
            "SELECT night, responsible_district_code, location_district_code, outcome, count(*)
               FROM guarantee_requests
              WHERE municipality_code = $1 AND night BETWEEN $2 AND $3
              GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            &[&municipality.as_str(), &from, &to],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(GuaranteeCount {
                night: r.try_get(0)?,
                responsible_district_code: r.try_get(1)?,
                location_district_code: r.try_get(2)?,
                outcome: r.try_get(3)?,
                count: r.try_get(4)?,
            })
        })
        .collect()
}

/// Per shelter over [from, to]: (shelter, name, capacity bed-nights, used bed-nights).
pub async fn occupancy(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    limit: Option<&[Uuid]>,
    from: Date,
    to: Date,
) -> Result<Vec<(Uuid, String, i64, i64)>, ApiError> {
    let sql = format!(
        "SELECT s.id, s.name,
                (SELECT COALESCE(sum(CASE WHEN n.reported THEN LEAST(n.beds_in_service, s.total_beds) ELSE s.total_beds END), 0)::bigint
                   FROM generate_series($3::date, $4::date, interval '1 day') AS d(day)
                   LEFT JOIN shelter_nights n ON n.municipality_code = s.municipality_code AND n.shelter_id = s.id
                                              AND n.night = d.day::date) AS capacity,
                COALESCE(u.used, 0) AS used
           FROM shelters s
           -- One scan of the period's beds, grouped, rather than a count per shelter.
           LEFT JOIN (SELECT shelter_id, count(*) AS used FROM bed_assignments
                       WHERE municipality_code = $1 AND night BETWEEN $3 AND $4
                         AND status IN ('reserved', 'checked_in', 'checked_out')
                       GROUP BY shelter_id) u ON u.shelter_id = s.id
          WHERE {SCOPED} ORDER BY s.name, s.id"
    );
    let statement = client.prepare_cached(&sql).await?;
    let rows = client.query(&statement, &[&municipality.as_str(), &limit, &from, &to]).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))).collect()
}

/// The sort key of the bouncing report: most moves first, then person id.
pub type BouncingKey = (i64, Uuid);

/// People moved more than `more_than` times in [from, to], computed in the database (the same rule as
/// `model::shelter_moves`: a change of shelter between consecutive nights with a bed), one page
/// (`page.limit + 1` rows) of (person, moves, nights).
pub async fn bouncing(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    from: Date,
    to: Date,
    more_than: i64,
    page: &PageRequest<BouncingKey>,
) -> Result<Vec<(Uuid, i64, i64)>, ApiError> {
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

/// Which breaches a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreachFilter {
    Open,
    Resolved,
    All,
}

/// One page (`page.limit + 1` rows) of guarantee breaches, oldest first.
pub async fn list_breaches(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    filter: BreachFilter,
    page: &PageRequest<RequestKey>,
) -> Result<Vec<StoredRequest>, ApiError> {
    let state = match filter {
        BreachFilter::Open => "AND g.resolved_at IS NULL",
        BreachFilter::Resolved => "AND g.resolved_at IS NOT NULL",
        BreachFilter::All => "",
    };
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUESTS_FROM}
          WHERE g.municipality_code = $1 AND g.outcome = 'no_suitable_bed' {state}
            AND ($2::timestamptz IS NULL OR (g.requested_at, g.id) > ($2, $3))
          ORDER BY g.requested_at, g.id LIMIT $4"
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_at, after_id) = page.after.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    let rows = client.query(&statement, &[&municipality.as_str(), &after_at, &after_id, &page.fetch_limit()]).await?;
    rows.iter().map(request_from_row).collect()
}

/// Locks a request for a change.
pub async fn lock_request(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<Option<StoredRequest>, ApiError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUESTS_FROM} WHERE g.municipality_code = $1 AND g.id = $2 FOR UPDATE OF g"
    );
    let statement = client.prepare_cached(&sql).await?;
    client.query_opt(&statement, &[&municipality.as_str(), &id]).await?.as_ref().map(request_from_row).transpose()
}

/// A resolution to record on an open breach.
#[derive(Debug, Clone)]
pub struct NewResolution<'a> {
    pub resolution: &'static str,
    pub shelter_id: Option<Uuid>,
    pub note: Option<String>,
    pub resolved_at: Timestamp,
    pub resolved_by: Uuid,
    pub resolved_by_role: &'static str,
    pub resolved_by_staff: Option<&'a str>,
}

/// Records how an open breach was resolved; false when it is no open breach (any more).
pub async fn resolve_breach(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
    r: &NewResolution<'_>,
) -> Result<bool, ApiError> {
    let updated = client
        .execute(
            "UPDATE guarantee_requests SET resolution = $3, resolution_shelter_id = $4, resolution_note = $5,
                    resolved_at = $6, resolved_by = $7, resolved_by_role = $8, resolved_by_staff = $9
              WHERE municipality_code = $1 AND id = $2 AND outcome = 'no_suitable_bed' AND resolved_at IS NULL",
            &[
                &municipality.as_str(),
                &id,
                &r.resolution,
                &r.shelter_id,
                &r.note,
                &r.resolved_at,
                &r.resolved_by,
                &r.resolved_by_role,
                &r.resolved_by_staff,
            ],
        )
        .await?;
    Ok(updated == 1)
}
