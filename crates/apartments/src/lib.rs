//! Apartments the city holds first-hand, their sublets (trial, training, Bostad Först), and rent. Districts
//! are in `hemvist-geo`.

pub mod access;
pub mod apartments;
pub mod leases;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(apartments::http::router())
        .merge(leases::http::router())
}
