//! The housing officer's list of active leases: each with its tenant, apartment, next follow-up and,
//! for Bostad Först, whether the tenant may take over the lease today. For the web app; the same
//! scope (districts, a support worker's people, protected homes), visibility and audit as
//! `GET /api/v1/leases`, and the takeover answered by the rule `POST .../takeover` applies.

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::{ApiError, Work};
use hemvist_tenants::api::housing::TenantName;
use jiff::civil::Date;
use uuid::Uuid;

use super::lifecycle::takeover_checks;
use super::model::{LeaseKind, TakeoverRefusal};
use super::repo;
use crate::apartments::http::scope;

/// An active lease and its follow-up.
#[derive(Debug, Clone)]
pub struct LeaseToFollowUp {
    pub lease_id: Uuid,
    pub person_id: Uuid,
    pub kind: LeaseKind,
    /// The tenant's name; None when the tenant is outside the caller's scope of people (another
    /// district's person in an apartment of the caller's district).
    pub tenant: Option<TenantName>,
    /// The tenant shares a protected home (shown only to roles that may see protected addresses).
    pub tenant_protected: bool,
    pub address: String,
    pub district_code: String,
    pub activated_on: Option<Date>,
    /// The earliest follow-up planned and not yet held.
    pub next_follow_up_on: Option<Date>,
    /// Bostad Först only: whether the tenant may take over the lease today, or why not.
    pub takeover: Option<Result<(), TakeoverRefusal>>,
}

/// Active leases in the caller's scope, the earliest next follow-up first (at most `limit`), each
/// audited as listed with its tenant. Run it in a unit of work for the roles that may read leases
/// (`READ_ARREARS`, the same roles as `GET /api/v1/leases`).
pub async fn leases_to_follow_up(w: &mut Work<'_>, today: Date, limit: u32) -> Result<Vec<LeaseToFollowUp>, ApiError> {
    let rows = repo::active_with_next_follow_up(w.tx(), &scope(w.principal()), i64::from(limit)).await?;
    // Bostad Först leases only: trial leases have conditions the system does not record (the home cared
    // for, no disturbances), training leases are never taken over.
    let housing_first: Vec<(Uuid, LeaseKind)> =
        rows.iter().filter(|r| r.lease.kind == LeaseKind::HousingFirst).map(|r| (r.lease.id, r.lease.kind)).collect();
    let mut answers = takeover_checks(w, &housing_first, today, today).await?.into_iter();
    // The scope hid in SQL what the caller may not see (protected homes among them), as the API's list.
    let leases: Vec<LeaseToFollowUp> = rows
        .into_iter()
        .map(|row| {
            let lease = row.lease;
            LeaseToFollowUp {
                lease_id: lease.id,
                person_id: lease.person_id,
                kind: lease.kind,
                tenant: row.tenant,
                tenant_protected: lease.tenant_protected,
                address: row.address,
                district_code: row.district_code,
                activated_on: lease.activated_on,
                next_follow_up_on: row.next_follow_up_on,
                // In the order asked: the answers follow the Bostad Först rows.
                takeover: (lease.kind == LeaseKind::HousingFirst).then(|| answers.next()).flatten(),
            }
        })
        .collect();
    w.audit_all(
        leases.iter().map(|l| AuditEvent::new(AuditAction::List, "lease", Some(l.lease_id)).person(l.person_id)),
    );
    Ok(leases)
}
