//! Apartments the city holds first-hand, their sublets, and the districts they lie in.

pub mod districts;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(districts::http::router())
}
