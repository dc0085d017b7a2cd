//! Reviews over HTTP: revise a plan (a new version; the old one stays readable) and list the plans
//! whose review is overdue.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::auth::Principal;
use hemvist_platform::etag::if_match;
use hemvist_platform::night::today;
use hemvist_platform::pagination::{Page, PageParams};
use hemvist_platform::{ApiError, AppState, Json, Path, Query, ReadProblems, WriteProblems};
use hemvist_tenants::api::support::scope_of;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::{Revision, revises_current};
use super::repo;
use crate::access::{READ_PLANS, WRITE_PLANS};
use crate::plans::http::SupportPlan;
use crate::plans::model::PlanContent;
use crate::plans::{self, lock_open};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    pub content: PlanContent,
    /// The review this revision records, if it is one.
    #[schema(value_type = Option<String>, format = Date)]
    pub reviewed_on: Option<Date>,
}

impl TryFrom<RevisionInput> for Revision {
    type Error = ApiError;

    fn try_from(input: RevisionInput) -> Result<Self, ApiError> {
        Revision::new(input.content, input.reviewed_on, today())
    }
}

/// Revise a plan: a new version; the old one stays readable.
///
/// Roles: admin, support_worker (people assigned to them). `If-Match: "<version>"` guards against
/// revising a version someone else already revised (412).
#[utoipa::path(post, path = "/api/v1/support-plans/{id}/revisions", tag = "support plans", operation_id = "create_support_plan_revision",
    params(("id" = Uuid, Path, description = "Plan id"), ("if-match" = Option<String>, Header, description = "The version you revise")),
    request_body = RevisionInput,
    responses((status = 201, description = "The new version", body = SupportPlan), WriteProblems),
    security(("bearer" = [])))]
pub async fn create_support_plan_revision(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<RevisionInput>,
) -> Result<(StatusCode, Json<SupportPlan>), ApiError> {
    let work = state.unit_of_work(&principal, WRITE_PLANS)?;
    let expected = if_match(&headers)?;
    let revision = Revision::try_from(input)?;
    let revised = work
        .run(async |w| {
            let (tx, principal) = (w.tx(), w.principal());
            let scope = scope_of(principal);
            let plan = lock_open(tx, &scope, id, "the plan is closed").await?;
            if !revises_current(expected, plan.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let staff = principal.staff_id.as_deref();
            plans::repo::insert_version(
                tx,
                &principal.municipality,
                id,
                &revision.content,
                revision.reviewed_on,
                staff,
            )
            .await?;
            hemvist_tenants::api::touch_person(tx, &principal.municipality, plan.person_id).await?;
            let revised = plans::visible(tx, &scope, id, None).await?;
            w.audit(AuditEvent::new(AuditAction::Update, "support_plan", Some(id)).person(plan.person_id));
            Ok(revised)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(revised.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<Date>,
}

/// Open plans whose review is overdue, longest overdue first, a page at a time.
///
/// Roles: admin, support_worker (people assigned to them), auditor. Each plan on the page is audited
/// with its person.
#[utoipa::path(get, path = "/api/v1/support-plans/overdue-reviews", tag = "support plans", operation_id = "list_overdue_support_plan_reviews",
    params(AsOfParams, PageParams),
    responses((status = 200, description = "A page of plans to review", body = Page<SupportPlan>), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_overdue_support_plan_reviews(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AsOfParams>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<SupportPlan>>, ApiError> {
    let work = state.unit_of_work(&principal, READ_PLANS)?;
    let page = page.parse::<(Date, Uuid)>()?;
    let as_of = params.as_of.unwrap_or_else(today);
    let page = work
        .run(async |w| {
            let plans = repo::overdue_reviews(w.tx(), &scope_of(w.principal()), as_of, &page).await?;
            let page = Page::from_rows(plans, page.limit, |p| (p.content.next_review_on, p.id))?;
            w.audit_all(
                page.items
                    .iter()
                    .map(|p| AuditEvent::new(AuditAction::List, "support_plan", Some(p.id)).person(p.person_id)),
            );
            Ok(page)
        })
        .await?;
    Ok(Json(Page { items: page.items.into_iter().map(SupportPlan::from).collect(), next_cursor: page.next_cursor }))
}
