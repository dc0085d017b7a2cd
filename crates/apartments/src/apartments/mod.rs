//! The apartments the city holds first-hand: their description, location and district, status, and
//! the stock report.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;
pub(crate) mod reports;
