//! Homelessness situations: what the housing facts of a person (arrangements recorded by staff, leases,
//! shelter nights) say about them on a date, by Socialstyrelsen's count and by Stockholm's.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;
pub(crate) mod reports;
