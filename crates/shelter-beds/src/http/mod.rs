//! Shelter beds over HTTP, one file per area.

pub mod assignments;
pub mod board;
pub mod breaches;
pub mod guarantee;
pub mod reports;
pub mod shelters;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(shelters::router())
        .merge(board::router())
        .merge(assignments::router())
        .merge(guarantee::router())
        .merge(breaches::router())
        .merge(reports::router())
}
