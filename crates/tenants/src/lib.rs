//! People, households, identity numbers, decisions (biståndsbeslut) and their reports.

pub mod access;
pub mod arrangements;
mod caseworkers;
pub mod decisions;
pub(crate) mod error;
pub mod households;
pub mod people;
pub mod situations;
mod support_workers;

/// What other crates may use about people and decisions; everything else in this crate is its own.
pub mod api;

pub use people::model;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Every route of the crate, in the order of the OpenAPI document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(people::http::router())
        .merge(caseworkers::http::router())
        .merge(households::http::router())
        .merge(arrangements::http::router())
        .merge(support_workers::http::router())
        .merge(decisions::http::router())
        .merge(decisions::reports::router())
        .merge(situations::reports::router())
        .merge(situations::http::router())
        .merge(people::walk_ins::router())
}
