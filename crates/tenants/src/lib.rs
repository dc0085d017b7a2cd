//! People, households, identity numbers, decisions (biståndsbeslut) and their reports.

pub mod identity;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
