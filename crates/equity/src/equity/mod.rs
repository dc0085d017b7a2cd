//! The district equity report: per deciding district, the figures of the period beside the city's,
//! by sex and by households with children, each flagged when it differs from the rest of the city
//! beyond chance (see `model` for the tests, the minimum and the suppression of small cells).

pub mod http;
pub mod model;
pub mod repo;

pub use http::{EquityReport, equity_report};
pub use model::{Comparison, EquityCell, Group, MIN_TO_COMPARE, Metric, SUPPRESS_BELOW};
