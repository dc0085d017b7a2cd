//! Who may do what with support plans: the one place these rules live. Housing staff are left out on
//! purpose: support and tenancy are separate records, and a plan is no business of the landlord's.

use hemvist_platform::ApiError;
use hemvist_platform::auth::{Principal, Role};

/// May read support plans and visits (support workers: only people assigned to them).
pub const READ_PLANS: &[Role] = &[Role::Admin, Role::SupportWorker, Role::Auditor];
/// May write support plans and visits (support workers: only people assigned to them).
pub const WRITE_PLANS: &[Role] = &[Role::Admin, Role::SupportWorker];
/// May read the follow-up reports.
pub const READ_REPORTS: &[Role] = &[Role::Admin, Role::Auditor];

/// The member of staff a new visit is recorded for: by default the one the token speaks for. A support
/// worker records visits only as themselves; an admin may plan a visit for anyone.
pub fn visiting_staff(principal: &Principal, requested: Option<String>) -> Result<String, ApiError> {
    let own = principal.staff_id.as_deref();
    match requested {
        Some(staff) if principal.role == Role::SupportWorker && own != Some(staff.as_str()) => {
            Err(ApiError::forbidden("a support worker records visits only as themselves"))
        }
        Some(staff) => Ok(staff),
        None => own
            .map(str::to_owned)
            .ok_or_else(|| ApiError::invalid("staff_id", "is required when the token speaks for nobody")),
    }
}

/// Whether the caller may record how a visit of `visit_staff` went: a support worker only their own.
pub fn records_visits_of(principal: &Principal, visit_staff: &str) -> bool {
    principal.role != Role::SupportWorker || principal.staff_id.as_deref() == Some(visit_staff)
}
