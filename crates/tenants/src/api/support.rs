//! What support plans need about people: the caller's scope, and the rule that a plan (or anything
//! else that hangs on a person) is visible exactly when its person is.

use hemvist_platform::auth::Principal;

use crate::access::staff_scope;
use crate::people::repo::{Scope, scoped};

/// The people the caller may see: their municipality, district scope and, for a support worker,
/// the people currently assigned to them.
pub fn scope_of(principal: &Principal) -> Scope<'_> {
    Scope { municipality: &principal.municipality, districts: &principal.district_scope, staff: staff_scope(principal) }
}

/// SQL: the person `person` (an SQL expression) is visible to the scope; `$1` municipality, `$2`
/// district scope, `$staff` the member of staff, as in [`scoped`].
pub fn person_visible(person: &str, staff: usize) -> String {
    format!("EXISTS (SELECT 1 FROM people p WHERE p.id = {person} AND {})", scoped(staff))
}

/// Who may open the support worker's pages about people: those who may read a case file.
pub const READ_SUPPORTED: &[hemvist_platform::auth::Role] = crate::access::READ_CASE_FILE;

/// The people in the caller's scope by family name (the first `limit`): for a support worker, the
/// people assigned to them. Each is audited as listed.
pub async fn people_in_scope(
    w: &mut hemvist_platform::Work<'_>,
    limit: u32,
) -> Result<Vec<crate::people::repo::StoredPerson>, hemvist_platform::ApiError> {
    use hemvist_platform::audit::{AuditAction, AuditEvent};
    let page = hemvist_platform::pagination::PageRequest { limit, after: None };
    let filter = crate::people::repo::PersonFilter::default();
    let mut people = crate::people::repo::list_people(w.tx(), &scope_of(w.principal()), &filter, &page).await?;
    people.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    w.audit_all(people.iter().map(|p| AuditEvent::new(AuditAction::List, "person", Some(p.id)).person(p.id)));
    Ok(people)
}

/// The person, when the caller's scope reaches them (for a support worker: assigned to them); audited
/// as read. None otherwise, so that a page can say so without revealing whether the person exists.
pub async fn read_person(
    w: &mut hemvist_platform::Work<'_>,
    id: uuid::Uuid,
) -> Result<Option<crate::people::repo::StoredPerson>, hemvist_platform::ApiError> {
    use hemvist_platform::audit::{AuditAction, AuditEvent};
    let person = crate::people::find_person(w.tx(), &scope_of(w.principal()), id).await?;
    if let Some(p) = &person {
        w.audit(AuditEvent::new(AuditAction::Read, "person", Some(p.id)).person(p.id));
    }
    Ok(person)
}
