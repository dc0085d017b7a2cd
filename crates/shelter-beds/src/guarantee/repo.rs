//! SQL for guarantee requests and breaches.

use hemvist_platform::MunicipalityCode;
use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use hemvist_tenants::api::guests::{Guest, guest_columns, join_guest};
use jiff::Timestamp;
use jiff::civil::Date;
use tokio_postgres::{Row, Statement};
use uuid::Uuid;

use super::model::{BreachState, Channel, GuaranteeOutcome, ResolutionKind};
use crate::access::GuestProtection;

/// A guarantee request as stored.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    pub id: Uuid,
    pub idempotency_key: Option<String>,
    pub request_fingerprint: String,
    pub requested_at: Timestamp,
    pub night: Date,
    pub person_id: Uuid,
    pub channel: Channel,
    pub district_code: Option<String>,
    pub outcome: GuaranteeOutcome,
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
    pub kind: ResolutionKind,
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
    g.requested_by, g.requested_by_staff, g.recorded_afterwards, g.recorded_shelter_id";

/// `SELECT .. FROM` requests (`g`) with their person.
fn requests_from() -> String {
    format!("SELECT {REQUEST_COLUMNS}, {} FROM guarantee_requests g {}", guest_columns("g"), join_guest("g"))
}

fn request_from_row(r: &Row) -> Result<StoredRequest, tokio_postgres::Error> {
    let guest = Guest::from_row(r)?;
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
        resolution: match r.try_get::<_, Option<ResolutionKind>>("resolution")? {
            None => None,
            Some(kind) => Some(StoredResolution {
                kind,
                shelter_id: r.try_get("resolution_shelter_id")?,
                note: r.try_get("resolution_note")?,
                resolved_at: r.try_get("resolved_at")?,
                resolved_by: r.try_get("resolved_by")?,
                resolved_by_role: r.try_get("resolved_by_role")?,
                resolved_by_staff: r.try_get("resolved_by_staff")?,
            }),
        },
        guest: GuestProtection {
            protected_identity: guest.protected_identity,
            alias_code: guest.alias_code,
            placed_by: r.try_get("requested_by")?,
            placed_by_staff: r.try_get("requested_by_staff")?,
        },
        recorded_afterwards: r.try_get("recorded_afterwards")?,
        recorded_shelter_id: r.try_get("recorded_shelter_id")?,
    })
}

/// The statements of [`lock_and_find_request_by_key`], prepared before a request sends anything else
/// (a round trip only on a connection that has not prepared them yet): the key's lock is then the
/// first statement of the request to run, and nothing of it runs before a retry in flight is done.
pub struct KeyStatements {
    lock: Statement,
    find: Statement,
}

impl KeyStatements {
    pub async fn prepare(client: &impl GenericClient) -> Result<Self, tokio_postgres::Error> {
        let lock = client.prepare_cached(IDEMPOTENCY_KEY_LOCK).await?;
        let find = client
            .prepare_cached(&format!("{} WHERE g.municipality_code = $1 AND g.idempotency_key = $2", requests_from()))
            .await?;
        Ok(Self { lock, find })
    }
}

/// The request stored under an Idempotency-Key, read after taking the key's lock: a request with the
/// same key in another transaction is waited for, and then found (each statement of a READ COMMITTED
/// transaction sees what was committed before it began). The lock is held to the end of the
/// transaction, so no other request can store the key meanwhile (every request with a key takes it
/// before it places anyone). Both statements are sent at once; they run in the order sent.
pub async fn lock_and_find_request_by_key(
    client: &impl GenericClient,
    statements: &KeyStatements,
    municipality: &MunicipalityCode,
    key: &str,
) -> Result<Option<StoredRequest>, tokio_postgres::Error> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&municipality.as_str(), &key];
    let (_, found) =
        futures::try_join!(client.execute(&statements.lock, &params), client.query_opt(&statements.find, &params))?;
    found.as_ref().map(request_from_row).transpose()
}

/// The transaction lock of one municipality's Idempotency-Key, in the two-key space of advisory locks
/// (apart from the single-key locks of the jobs); `HVIK` names it. Two keys sharing a hash only wait for
/// each other.
const IDEMPOTENCY_KEY_LOCK: &str = "SELECT pg_advisory_xact_lock(1213614411, hashtext($1::text || ':' || $2::text))";

pub async fn find_request(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    id: Uuid,
) -> Result<Option<StoredRequest>, tokio_postgres::Error> {
    let sql = format!("{} WHERE g.municipality_code = $1 AND g.id = $2", requests_from());
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
) -> Result<Vec<StoredRequest>, tokio_postgres::Error> {
    let sql = format!(
        "{}
          WHERE g.municipality_code = $1 AND g.night = $2 AND ($3::timestamptz IS NULL OR (g.requested_at, g.id) > ($3, $4))
          ORDER BY g.requested_at, g.id LIMIT $5",
        requests_from()
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
    /// Chosen before the request is stored, so that its audit event can be written alongside.
    pub id: Uuid,
    pub idempotency_key: Option<String>,
    pub request_fingerprint: String,
    pub requested_at: Timestamp,
    pub night: Date,
    pub person_id: Uuid,
    pub requested_by: Uuid,
    pub requested_by_staff: Option<String>,
    pub channel: Channel,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub district_code: Option<String>,
    pub responsible_district_code: Option<String>,
    pub location_district_code: Option<String>,
    pub needs: serde_json::Value,
    pub outcome: GuaranteeOutcome,
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

/// Stores the request and returns it as stored, with its person. Its Idempotency-Key, if any, must be
/// locked first ([`lock_and_find_request_by_key`]).
pub async fn insert_request(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    r: &NewRequest,
) -> Result<StoredRequest, tokio_postgres::Error> {
    let sql = format!(
        "WITH g AS (INSERT INTO guarantee_requests (id, municipality_code, idempotency_key, request_fingerprint, requested_at, night, person_id,
                 requested_by, channel, lat, lon, district_code, needs, outcome, assignment_id, placed_outside_municipality,
                 consent_outside_municipality, escalated_at, escalation_note, emergency_assessment,
                 requested_by_staff, responsible_district_code, location_district_code, recorded_shelter_id, recorded_afterwards)
             VALUES ($25, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                     CASE WHEN $17 THEN now() END, $18, $19, $20, $21, $22, $23, $24)
             RETURNING *)
         SELECT {REQUEST_COLUMNS}, {} FROM g {}",
        guest_columns("g"),
        join_guest("g")
    );
    let statement = client.prepare_cached(&sql).await?;
    let row = client
        .query_one(
            &statement,
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
                &r.id,
            ],
        )
        .await?;
    request_from_row(&row)
}

/// Guarantee outcomes counted per night, responsible district (at the time of the request) and the
/// district where the person stood.
#[derive(Debug, Clone)]
pub struct GuaranteeCount {
    pub night: Date,
    pub responsible_district_code: Option<String>,
    pub location_district_code: Option<String>,
    pub outcome: GuaranteeOutcome,
    pub count: i64,
}

pub async fn guarantee_counts(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    from: Date,
    to: Date,
) -> Result<Vec<GuaranteeCount>, tokio_postgres::Error> {
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

/// One page (`page.limit + 1` rows) of guarantee breaches, oldest first.
pub async fn list_breaches(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    filter: BreachState,
    page: &PageRequest<RequestKey>,
) -> Result<Vec<StoredRequest>, tokio_postgres::Error> {
    let state = match filter {
        BreachState::Open => "AND g.resolved_at IS NULL",
        BreachState::Resolved => "AND g.resolved_at IS NOT NULL",
        BreachState::All => "",
    };
    let sql = format!(
        "{}
          WHERE g.municipality_code = $1 AND g.outcome = 'no_suitable_bed' {state}
            AND ($2::timestamptz IS NULL OR (g.requested_at, g.id) > ($2, $3))
          ORDER BY g.requested_at, g.id LIMIT $4",
        requests_from()
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
) -> Result<Option<StoredRequest>, tokio_postgres::Error> {
    let sql = format!("{} WHERE g.municipality_code = $1 AND g.id = $2 FOR UPDATE OF g", requests_from());
    let statement = client.prepare_cached(&sql).await?;
    client.query_opt(&statement, &[&municipality.as_str(), &id]).await?.as_ref().map(request_from_row).transpose()
}

/// A resolution to record on an open breach.
#[derive(Debug, Clone)]
pub struct NewResolution<'a> {
    pub kind: ResolutionKind,
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
) -> Result<bool, tokio_postgres::Error> {
    let updated = client
        .execute(
            "UPDATE guarantee_requests SET resolution = $3, resolution_shelter_id = $4, resolution_note = $5,
                    resolved_at = $6, resolved_by = $7, resolved_by_role = $8, resolved_by_staff = $9
              WHERE municipality_code = $1 AND id = $2 AND outcome = 'no_suitable_bed' AND resolved_at IS NULL",
            &[
                &municipality.as_str(),
                &id,
                &r.kind,
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
