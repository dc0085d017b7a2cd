//! Who may do what with shelters, beds and guarantee requests: the one place these rules live.

use hemvist_platform::ApiError;
use hemvist_platform::auth::{Principal, Role};
use uuid::Uuid;

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

/// May create and change shelters.
pub const MANAGE_SHELTERS: &[Role] = &[Role::Admin];
/// May read shelters and the bed board.
pub const READ_SHELTERS: &[Role] =
    &[Role::Admin, Role::NightCoordinator, Role::ShelterStaff, Role::HousingOfficer, Role::Auditor];
/// May report a night's capacity (shelter staff for their own shelter).
pub const REPORT_CAPACITY: &[Role] = &[Role::Admin, Role::NightCoordinator, Role::ShelterStaff];
/// May give out, check in and release beds (shelter staff for their own shelter).
pub const HANDLE_BEDS: &[Role] = &[Role::Admin, Role::NightCoordinator, Role::ShelterStaff];
/// May record guarantee requests and read them.
pub const HANDLE_GUARANTEE: &[Role] = &[Role::Admin, Role::NightCoordinator];
/// May read the anonymised availability feed.
pub const READ_FEED: &[Role] = &[Role::Admin, Role::Integration, Role::NightCoordinator];
/// May read the shelter and guarantee reports.
pub const READ_REPORTS: &[Role] = &[Role::Admin, Role::NightCoordinator, Role::Auditor];

/// The shelters a caller is limited to: None for all of the municipality's. Shelter staff must be
/// tied to a shelter.
pub fn shelter_limit(principal: &Principal) -> Result<Option<&[Uuid]>, ApiError> {
    match (principal.role, principal.shelter_scope.is_empty()) {
        (Role::ShelterStaff, true) => Err(ApiError::forbidden("this shelter staff token is not tied to a shelter")),
        (_, true) => Ok(None),
        (_, false) => Ok(Some(&principal.shelter_scope)),
    }
}

/// Whether the caller sees guests' identities (person ids and full names); shelter staff see only
/// what they need to receive a guest.
pub fn sees_guest_identity(principal: &Principal) -> bool {
    matches!(principal.role, Role::Admin | Role::NightCoordinator)
}

/// May list open guarantee breaches and record how each was resolved.
pub const RESOLVE_BREACHES: &[Role] = &[Role::Admin, Role::NightCoordinator];

/// Whether the caller sees who a guest with protected identity is (name, person id). Roles that may
/// see protected addresses do; a night coordinator only for the guests they placed themselves (the same
/// token, or a token speaking for the same member of staff); shelter staff and everyone else never.
/// Where they sleep is what protection hides, so everyone else gets an alias.
pub fn sees_protected_guest(principal: &Principal, guest: &GuestProtection) -> bool {
    if !guest.protected_identity || hemvist_tenants::api::sees_protected_contact(principal) {
        return true;
    }
    principal.role == Role::NightCoordinator && placed_by_caller(principal, guest)
}

/// Whether the caller placed the guest (or made the request): the same token, or a token speaking for
/// the same member of staff.
pub fn placed_by_caller(principal: &Principal, guest: &GuestProtection) -> bool {
    guest.placed_by == Some(principal.token_id)
        || principal.staff_id.as_deref().is_some_and(|me| guest.placed_by_staff.as_deref() == Some(me))
}

/// How a hidden protected guest is shown: a fixed label and the person's short random code.
pub fn guest_alias(guest: &GuestProtection) -> String {
    format!("Skyddad gäst {}", guest.alias_code)
}
