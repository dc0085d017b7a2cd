//! Reviews: a revision records a review as a new version of the plan; open plans whose review date
//! has passed are listed for follow-up.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

/// Open plans whose next review date is before `before` (the first `limit`, the earliest review
/// first), for the support worker's page: the same scope and audit as the overdue-reviews endpoint.
pub async fn due_for_review(
    w: &mut hemvist_platform::Work<'_>,
    before: jiff::civil::Date,
    limit: u32,
) -> Result<Vec<crate::plans::model::StoredPlan>, hemvist_platform::ApiError> {
    use hemvist_platform::audit::{AuditAction, AuditEvent};
    let page = hemvist_platform::pagination::PageRequest { limit, after: None };
    let mut plans =
        repo::overdue_reviews(w.tx(), &hemvist_tenants::api::support::scope_of(w.principal()), before, &page).await?;
    plans.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    w.audit_all(
        plans.iter().map(|p| AuditEvent::new(AuditAction::List, "support_plan", Some(p.id)).person(p.person_id)),
    );
    Ok(plans)
}

/// Who may list plans due for review.
pub const READ_REVIEWS: &[hemvist_platform::auth::Role] = crate::access::READ_PLANS;
