//! People: who they are (identity, names, birth, sex for statistics), protection, contact and home
//! municipality; registered by the housing unit or, as walk-ins, by the night service.

pub mod birth;
pub(crate) mod http;
pub mod identity;
pub mod model;
pub(crate) mod repo;
pub(crate) mod walk_ins;

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::db::GenericClient;
use hemvist_platform::{ApiError, OnConstraint, Work};
use uuid::Uuid;

use crate::access::scope;
use model::PersonRecord;
use repo::{IDENTITY_NUMBER_UNIQUE, Scope, StoredPerson};

fn duplicate_identity() -> ApiError {
    ApiError::conflict("a person with this identity number is already registered in the municipality")
}

/// Registers a person (and their first caseworker), audited, and reads them back through the caller's
/// scope: a district-scoped officer may not register someone outside it.
pub(crate) async fn register(
    w: &mut Work<'_>,
    record: &PersonRecord,
    caseworker: Option<&str>,
    details: Option<serde_json::Value>,
) -> Result<StoredPerson, ApiError> {
    let (tx, principal) = (w.tx(), w.principal());
    let scope = scope(principal);
    let id = repo::insert_person(tx, &scope, record).await.on_constraint(IDENTITY_NUMBER_UNIQUE, duplicate_identity)?;
    if let Some(caseworker) = caseworker {
        crate::caseworkers::repo::assign_caseworker(tx, &scope, id, caseworker).await?;
        w.audit(AuditEvent::new(AuditAction::Update, "caseworker", Some(id)).person(id));
    }
    let mut event = AuditEvent::new(AuditAction::Create, "person", Some(id)).person(id);
    if let Some(details) = details {
        event = event.details(details);
    }
    w.audit(event);
    match http::read_person(w.tx(), w.principal(), id).await {
        Err(ApiError::NotFound(_)) => {
            Err(ApiError::forbidden("the person's responsible district is outside your token's districts"))
        }
        other => other,
    }
}

/// The person, when the scope reaches them.
pub async fn find_person(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
) -> Result<Option<StoredPerson>, ApiError> {
    Ok(repo::find_person(client, scope, id).await?)
}

/// Locks the person row for a change that depends on it; 404 outside the scope.
pub async fn lock_person(client: &impl GenericClient, scope: &Scope<'_>, id: Uuid) -> Result<(), ApiError> {
    if repo::lock_person(client, scope, id).await? { Ok(()) } else { Err(ApiError::NotFound("person")) }
}

/// Replaces a person's record at the version the caller read (any, when None): 412 when someone
/// changed it since, 404 outside the scope, 409 when the identity number is someone else's.
pub(crate) async fn update(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    id: Uuid,
    expected_version: Option<i32>,
    record: &PersonRecord,
) -> Result<(), ApiError> {
    let updated = repo::update_person(client, scope, id, expected_version, record)
        .await
        .on_constraint(IDENTITY_NUMBER_UNIQUE, duplicate_identity)?;
    match updated {
        0 if repo::find_person(client, scope, id).await?.is_some() => Err(ApiError::PreconditionFailed),
        0 => Err(ApiError::NotFound("person")),
        _ => Ok(()),
    }
}
