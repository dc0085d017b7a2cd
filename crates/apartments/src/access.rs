//! Who may do what with apartments and leases: the one place these rules live.

use hemvist_platform::auth::Role;

/// May read the apartment stock (no personal data).
pub const READ_STOCK: &[Role] = &[Role::Admin, Role::HousingOfficer, Role::SupportWorker, Role::Auditor];
/// May change the stock and leases.
pub const MANAGE_HOUSING: &[Role] = &[Role::Admin, Role::HousingOfficer];
/// May read leases and rent (personal data of tenants).
pub const READ_LEASES: &[Role] = &[Role::Admin, Role::HousingOfficer, Role::SupportWorker, Role::Auditor];
/// May read the housing reports.
pub const READ_REPORTS: &[Role] = &[Role::Admin, Role::HousingOfficer, Role::Auditor];
