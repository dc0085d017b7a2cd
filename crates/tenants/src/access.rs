//! Who sees what of a person (inner secrecy, OSL 26 kap.): the one place these rules live.

use hemvist_platform::auth::{Principal, Role};

use crate::people::repo::Scope;

/// May read people, decisions and their reports.
pub const READ_PEOPLE: &[Role] =
    &[Role::Admin, Role::HousingOfficer, Role::SupportWorker, Role::NightCoordinator, Role::Auditor];
/// May read a person's case file: decisions, caseworkers, housing arrangements, support workers,
/// situation. Night coordinators place people and need who they are and who they are with, not this.
pub const READ_CASE_FILE: &[Role] = &[Role::Admin, Role::HousingOfficer, Role::SupportWorker, Role::Auditor];
/// May register and change people and decisions.
pub const WRITE_PEOPLE: &[Role] = &[Role::Admin, Role::HousingOfficer];
/// May register a walk-in with minimal data (name or alias, no identity): the night service places
/// people the housing unit has never met.
pub const REGISTER_WALK_INS: &[Role] = &[Role::Admin, Role::HousingOfficer, Role::NightCoordinator];
/// May read the statistical reports (no identities in them).
pub const READ_REPORTS: &[Role] = &[Role::Admin, Role::HousingOfficer, Role::Auditor];

/// Whether the caller's work needs full identity numbers; others see the birth date only.
pub fn sees_full_identity(principal: &Principal) -> bool {
    matches!(principal.role, Role::Admin | Role::HousingOfficer | Role::SupportWorker)
}

/// Whether the caller may see the address and contact details of a person with protected identity
/// (skyddade personuppgifter). Nobody else gets them, whatever else they may read.
pub fn sees_protected_contact(principal: &Principal) -> bool {
    matches!(principal.role, Role::Admin | Role::HousingOfficer)
}

/// A support worker sees only the people currently assigned to them; a support worker token that speaks
/// for no member of staff sees nobody.
pub fn staff_scope(principal: &Principal) -> Option<&str> {
    (principal.role == Role::SupportWorker).then(|| principal.staff_id.as_deref().unwrap_or(""))
}

/// The people the caller's queries reach: the municipality, the token's districts and, for a support
/// worker, the people assigned to them.
pub fn scope(principal: &Principal) -> Scope<'_> {
    Scope { municipality: &principal.municipality, districts: &principal.district_scope, staff: staff_scope(principal) }
}
