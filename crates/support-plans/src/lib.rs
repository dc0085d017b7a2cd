//! Support plans: goals, interventions, visits and reviews, kept separate from the tenancy.
//!
//! `plans/` (a person's plan and its versions, closing), `reviews/` (revisions and overdue reviews),
//! `visits/` (planned against held), `reports.rs` (visits per worker, the Housing First follow-up).
//! Each folder: `model.rs` (states, validated input and rules, no database), `repo.rs` (SQL),
//! `http.rs` (request and response types, handlers).

pub(crate) mod access;
mod error;
pub mod plans;
mod reports;
pub mod reviews;
pub mod visits;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use plans::http as plan;
use reviews::http as review;
use visits::http as visit;

/// The crate's one route table, in the order of the committed OpenAPI document (paths keep the
/// order they are added in, so it interleaves the folders).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plan::list_person_support_plans, plan::create_support_plan))
        .routes(routes!(review::list_overdue_support_plan_reviews))
        .routes(routes!(plan::get_support_plan))
        .routes(routes!(plan::get_support_plan_version))
        .routes(routes!(review::create_support_plan_revision))
        .routes(routes!(plan::close_support_plan))
        .routes(routes!(visit::list_support_visits, visit::create_support_visit))
        .routes(routes!(visit::update_support_visit))
        .routes(routes!(reports::get_visits_by_worker_report))
        .routes(routes!(reports::get_housing_first_follow_up_report))
}
