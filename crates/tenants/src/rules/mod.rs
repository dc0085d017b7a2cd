//! Pure rules of the domain, unit-tested without a database.

pub mod ivo;
pub mod situation;
