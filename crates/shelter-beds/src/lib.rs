//! Shelters, their nightly bed capacity, bed assignments and the Tak över huvudet guarantee.

pub mod access;
pub mod holds;
pub mod http;
pub mod model;
pub mod placement;
pub mod repo;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    http::router()
}
