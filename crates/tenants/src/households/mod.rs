//! Households: adults and children who live together. A person belongs to one household; a child
//! may be known only by name and birth date. Decisions about a household with children record a
//! child perspective.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::{ApiError, Work};
use uuid::Uuid;

use crate::access::scope;
use crate::people::lock_person;
use crate::people::model::HouseholdRole;
use model::NewHousehold;

/// Forms a household; 409 when one of its people already belongs to one. Each person is audited.
pub(crate) async fn create(w: &mut Work<'_>, new: &NewHousehold) -> Result<Uuid, ApiError> {
    let (tx, principal) = (w.tx(), w.principal());
    let scope = scope(principal);
    let id = repo::insert_household(tx, &scope).await?;
    let members = new.adults.iter().map(|p| (p, HouseholdRole::Adult));
    for (person, role) in members.chain(new.child_people.iter().map(|p| (p, HouseholdRole::Child))) {
        lock_person(tx, &scope, *person).await?;
        if !repo::join_household(tx, &scope, id, *person, role).await? {
            return Err(ApiError::conflict(format!("person {person} already belongs to a household")));
        }
    }
    for child in &new.children {
        repo::insert_child(tx, &scope, id, child).await?;
    }
    w.audit_all(new.people().map(|person| AuditEvent::new(AuditAction::Update, "household", Some(id)).person(person)));
    Ok(id)
}
