//! Caseworker continuity: a person keeps the same caseworker as long as possible (domain.md). Per
//! person the caseworker changes of the last twelve months; per district the share who kept one; the
//! people with protected identity who changed, for the district's own review.

pub mod http;
pub mod model;
pub mod repo;

pub use http::{ContinuityReport, continuity_report};
