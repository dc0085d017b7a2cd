//! What other crates may use about people and decisions: their scope and protection, locks and
//! entries in a person's file, and the decision a lease is offered on. Other crates never import
//! this crate's `repo` or `http`; what they need is added here (a file per user where it grows).

pub mod guests;
pub mod housing;
pub mod reports;

pub use crate::access::{sees_protected_contact, staff_scope};
pub use crate::decisions::leasing::{self, LeaseOfferInput};
pub use crate::decisions::model::Intervention;
pub use crate::people::model::{HouseholdRole, IdentityKindInput, Sex};
pub use crate::people::repo::{Scope, StoredPerson, protected_home_of, scoped, supported_by, touch_person};
pub use crate::people::{find_person, lock_person};
pub mod support;

/// What disposal (gallring, in the server) needs of people: whose files are due, and deleting what
/// this crate keeps of a person.
pub mod gallring {
    pub use crate::people::repo::{FileEntry, dispose_of_person, files_due};
}
