//! Equal treatment across the city (issue 14): the district equity report, caseworker continuity,
//! empty homes while people wait, and deviations (avvikelser) with lex Sarah. Reads what the other
//! domains record; about people only through the tenants crate's public API.

pub mod continuity;
pub mod deviations;
pub mod equity;
pub mod vacancy;

use hemvist_platform::AppState;
use hemvist_platform::auth::Role;
use utoipa_axum::router::OpenApiRouter;

/// May read the equity, continuity and vacancy reports: the roles of the other statistical reports.
pub const READ_EQUITY_REPORTS: &[Role] = &[Role::Admin, Role::HousingOfficer, Role::Auditor];

/// Every route of the crate, in the order of the OpenAPI document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(equity::http::router())
        .merge(continuity::http::router())
        .merge(vacancy::http::router())
        .merge(deviations::http::router())
}
