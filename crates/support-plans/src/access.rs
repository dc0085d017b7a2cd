//! Who may do what with support plans: the one place these rules live. Housing staff are left out on
//! purpose: support and tenancy are separate records, and a plan is no business of the landlord's.

use hemvist_platform::auth::Role;

/// May read support plans and visits (support workers: only people assigned to them).
pub const READ_PLANS: &[Role] = &[Role::Admin, Role::SupportWorker, Role::Auditor];
/// May write support plans and visits (support workers: only people assigned to them).
pub const WRITE_PLANS: &[Role] = &[Role::Admin, Role::SupportWorker];
/// May read the follow-up reports.
pub const READ_REPORTS: &[Role] = &[Role::Admin, Role::Auditor];
