//! Visits: planned against held. A missed visit is recorded and changes nothing else: support and
//! tenancy are separate records.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Role;
use hemvist_platform::{ApiError, Work};
use hemvist_tenants::api::support::scope_of;
use jiff::civil::Date;
use uuid::Uuid;

use model::StoredVisit;

/// Who may list visits (as `GET /api/v1/support-plans/{id}/visits`).
pub const READ_VISITS: &[Role] = crate::access::READ_PLANS;

/// A visit and the person whose plan it belongs to.
#[derive(Debug, Clone)]
pub struct PersonVisit {
    pub person_id: Uuid,
    pub visit: StoredVisit,
}

/// The visits planned in [from, to] of the people the caller's scope reaches (for a support worker:
/// the people assigned to them), by day, at most `limit`: for the web app, the same scope and audit as
/// the plan's visit list. Status as stored; ask [`model::VisitStatus::on`] how each stands today.
pub async fn visits_between(w: &mut Work<'_>, from: Date, to: Date, limit: u32) -> Result<Vec<PersonVisit>, ApiError> {
    let rows = repo::visits_in_scope(w.tx(), &scope_of(w.principal()), from, to, i64::from(limit)).await?;
    let visits: Vec<PersonVisit> =
        rows.into_iter().map(|(visit, person_id)| PersonVisit { person_id, visit }).collect();
    w.audit_all(
        visits
            .iter()
            .map(|v| AuditEvent::new(AuditAction::List, "support_visit", Some(v.visit.id)).person(v.person_id)),
    );
    Ok(visits)
}
