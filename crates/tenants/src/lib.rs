//! People, households, identity numbers, decisions (biståndsbeslut) and their reports.

pub mod access;
pub mod arrangements;
pub mod birth;
pub mod decisions;
pub mod http;
pub mod identity;
pub mod model;
pub mod repo;
pub mod reports;
pub mod rules;
pub mod walk_ins;

/// What other crates may use about people and decisions; everything else in this crate is its own.
pub mod api;

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(http::router())
        .merge(decisions::http::router())
        .merge(reports::router())
        .merge(walk_ins::router())
}
