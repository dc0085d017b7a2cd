//! People: who they are (identity, names, birth, sex for statistics), protection, contact and home
//! municipality; registered by the housing unit or, as walk-ins, by the night service.

pub mod birth;
pub(crate) mod http;
pub mod identity;
pub mod model;
pub(crate) mod repo;
pub mod walk_ins;

pub use http::Person;

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

/// People whose given or family name contains `name` (any case), by family name, at most `limit`, as
/// the caller may see them (numbers masked for roles that see birth dates only), each audited as listed
/// like the API's search. Run it in a unit of work opened for [`crate::access::READ_PEOPLE`].
pub async fn find_by_name(w: &mut Work<'_>, name: &str, limit: u32) -> Result<Vec<Person>, ApiError> {
    let name = hemvist_platform::text::clean_text("name", name, 200, false)?;
    let filter = repo::PersonFilter { name: Some(name), identity_number: None, caseworker: None };
    let page = hemvist_platform::pagination::PageRequest { limit, after: None };
    let mut rows = repo::list_people(w.tx(), &scope(w.principal()), &filter, &page).await?;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    w.audit_all(rows.iter().map(|p| AuditEvent::new(AuditAction::List, "person", Some(p.id)).person(p.id)));
    let query = serde_json::json!({"name": true, "identity_number": false, "caseworker": null, "results": rows.len()});
    w.audit(AuditEvent::new(AuditAction::List, "person_search", None).details(query));
    let principal = w.principal().clone();
    Ok(rows.into_iter().map(|p| Person::for_caller(p, &principal)).collect())
}

/// One person as the caller may see them, audited as read (404 outside the caller's scope). Run it in
/// a unit of work opened for [`crate::access::READ_PEOPLE`].
pub async fn person_for_caller(w: &mut Work<'_>, id: Uuid) -> Result<Person, ApiError> {
    let person = http::read_person(w.tx(), w.principal(), id).await?;
    w.audit(AuditEvent::new(AuditAction::Read, "person", Some(id)).person(id));
    Ok(Person::for_caller(person, w.principal()))
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
