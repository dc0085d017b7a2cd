//! Apartments the city holds first-hand, their sublets (trial, training, Bostad Först), rent, and the
//! districts they lie in.

pub mod access;
pub mod apartments;
pub mod districts;
pub mod leases;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(districts::http::router())
        .merge(apartments::http::router())
        .merge(leases::http::router())
}
