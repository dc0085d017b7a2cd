//! Tak över huvudet-garantin: every request for a bed tonight is recorded with its outcome: placed
//! (which bed), declined by the person, no suitable bed (a breach, escalated, open until its
//! resolution is recorded), or not eligible (an emergency assessment instead); and the reports.

pub(crate) mod breaches;
pub(crate) mod http;
pub mod model;
mod placement;
pub(crate) mod repo;
pub(crate) mod reports;

pub use breaches::{open_breaches, resolve_breach};
pub use http::{GuaranteeRequest, GuaranteeRequestInput, PlacedBed, desk_request};
pub use placement::{Answer, request};
pub use reports::{
    GuaranteeCounts, GuaranteeNight, NightRange, OccupancyReport, ReportMonth, ShelterOccupancy, UNKNOWN_DISTRICT,
    guarantee_report, occupancy_report,
};
