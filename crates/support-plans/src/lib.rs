//! Support plans: goals, interventions, visits and reviews, kept separate from the tenancy.
//! The API arrives with its issue; the router is already part of the one route table.

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
