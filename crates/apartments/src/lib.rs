//! Apartments the city holds first-hand, their sublets (trial, training, Bostad Först), follow-ups and
//! rent. Districts and locations are in `hemvist-geo`.
//!
//! The public API is `router()` and the pure models (kinds and states of leases and apartments, the
//! follow-up, takeover and arrears rules); SQL and handlers stay inside the crate.

mod access;
pub mod apartments;
pub mod follow_ups;
pub mod leases;
pub mod rent;
mod sql;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Every apartments endpoint, in the order of the OpenAPI document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(apartments::http::router())
        .merge(leases::http::router())
        .merge(follow_ups::http::router())
        .merge(rent::http::router())
        .merge(apartments::reports::router())
        .merge(leases::reports::router())
}
