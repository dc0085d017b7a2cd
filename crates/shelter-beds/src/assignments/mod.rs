//! Beds given out for a night (reserved, checked in, no-show, not collected, checked out, cancelled)
//! and holds on them. A bed is held until the person can get there (`model::hold_until`); a
//! reservation whose hold expired without a check-in is released as not collected, so its bed can be
//! given again and it no longer counts as a bed night, a situation-1 night or a move. The server's job
//! calls `release_expired_holds` every minute; placements call it for their night first, so a bed is
//! free at hold expiry even between rounds of the job.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

use hemvist_platform::db::GenericClient;
use hemvist_platform::{ApiError, MunicipalityCode};
use jiff::civil::Date;

pub use http::{BedAssignment, Guest, change_assignment, shelter_guests};
pub use model::{AssignmentStatus, Change, check_in_deadline_on, hold_until};

/// Releases the municipality's reservations (of `night`, or of every night) whose hold expired without
/// a check-in, as not collected, each with an audit event by the system. Idempotent: it is a query over
/// the stored state, so a restart or a second caller finds nothing left to release. Returns None when
/// no hold had expired, else how many this call released (none, when another transaction was first).
pub async fn release_expired_holds(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    night: Option<Date>,
) -> Result<Option<u64>, ApiError> {
    let released = repo::release_expired_holds(client, municipality, night).await?;
    if let Some(released) = released.filter(|n| *n > 0) {
        tracing::info!(municipality = municipality.as_str(), released, "released beds not collected");
    }
    Ok(released)
}
