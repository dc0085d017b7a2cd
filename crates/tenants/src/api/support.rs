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
