//! Shelters, their nightly bed capacity, bed assignments and the Tak över huvudet guarantee.
//!
//! One folder per sub-resource: `shelters/`, `nights/` (capacity and the bed board), `assignments/`
//! (beds given out and their holds) and `guarantee/` (requests, placement, breaches and the reports),
//! each with `model.rs` (validated types and pure rules), `repo.rs` (SQL) and `http.rs` (handlers).

mod access;
pub mod assignments;
pub mod guarantee;
pub mod nights;
pub mod shelters;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

/// May read the shelter and guarantee reports.
pub use access::READ_REPORTS as READ_SHELTER_REPORTS;
pub use access::{HANDLE_BEDS, HANDLE_GUARANTEE, MANAGE_SHELTERS, READ_SHELTERS, REPORT_CAPACITY, RESOLVE_BREACHES};
pub use assignments::release_expired_holds;

/// Every shelter route, in the order the spec lists them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(shelters::http::router())
        .merge(nights::http::router())
        .merge(assignments::http::router())
        .merge(guarantee::http::router())
        .merge(guarantee::breaches::router())
        .merge(guarantee::reports::router())
}

/// Holds on beds given out: what the server's job runs (see `assignments`).
pub mod holds {
    pub use crate::assignments::{check_in_deadline_on, hold_until, release_expired_holds};
}
