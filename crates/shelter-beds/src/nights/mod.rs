//! Nights: each shelter's capacity for a night as staff report it, and the bed board built on it.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

pub use http::{CapacityReport, ShelterAvailability, ShelterNight, night_board, report_night, shelter_night};
pub use model::Capacity;
