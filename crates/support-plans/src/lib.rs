//! Support plans: goals, interventions, visits and reviews, kept separate from the tenancy.

pub mod access;
pub mod http;
pub mod model;
pub mod repo;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    http::router()
}
