//! Deviations (avvikelser) about a person or a unit, their lex Sarah assessment, investigation and
//! report to IVO, and what is overdue. Who sees a deviation follows the inner-secrecy rules of the
//! person it concerns (the tenants crate's scope).

pub mod http;
pub mod model;
pub mod repo;

pub use http::{DeviationView, list_deviations_for};
