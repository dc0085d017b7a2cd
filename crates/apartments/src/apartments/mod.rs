//! The apartment stock: apartments the city rents first-hand from housing companies to sublet.

pub mod http;
pub mod model;
pub mod repo;
