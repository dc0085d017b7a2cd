//! Districts (`stadsdelsområden`): date-versioned reference data with GeoJSON boundaries; a location's
//! district is found by point-in-polygon.

pub(crate) mod http;
pub mod import;
pub mod model;
pub(crate) mod repo;

use hemvist_platform::audit::{AuditAction, AuditEvent};
use hemvist_platform::db::GenericClient;
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, MunicipalityCode, OnConstraint};
use jiff::civil::Date;

use model::{Boundary, Location, NewDistrict};
use repo::StoredDistrict;

/// Creates a district version (audited): what the API's `create_district` and the admin's GeoJSON
/// import both do. 409 when another version of the code is valid during part of its period.
pub async fn create_district(w: &mut Work<'_>, new: &NewDistrict) -> Result<StoredDistrict, ApiError> {
    let district = repo::insert(w.tx(), &w.principal().municipality, new)
        .await
        .on_constraint(repo::ONE_VERSION_PER_DAY, || overlap(&new.code))?;
    w.audit(AuditEvent::new(AuditAction::Create, "district", Some(district.id)));
    Ok(district)
}

/// Every version of the municipality's districts, by code and start (a municipality has a handful).
pub async fn all_districts(w: &mut Work<'_>) -> Result<Vec<StoredDistrict>, ApiError> {
    Ok(repo::all(w.tx(), &w.principal().municipality).await?)
}

/// The 409 for a version overlapping another version of the same code.
pub(crate) fn overlap(code: &str) -> ApiError {
    ApiError::conflict(format!("another version of the district {code} is valid during part of that period"))
}

/// The district version valid on `on` that covers `location`; other crates use this to place
/// apartments and shelters.
pub async fn district_at(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    location: Location,
    on: Date,
) -> Result<Option<StoredDistrict>, ApiError> {
    for district in repo::valid_on(client, municipality, on).await? {
        // Stored boundaries were validated on the way in; one that no longer parses is skipped, not fatal.
        match Boundary::parse("boundary", &district.boundary) {
            Ok(boundary) if boundary.covers(location) => return Ok(Some(district)),
            Ok(_) => {}
            Err(error) => tracing::warn!(district = %district.id, %error, "stored boundary does not parse"),
        }
    }
    Ok(None)
}

/// The district versions valid on `on` (boundaries included), by code: what a map draws. Districts are
/// reference data every role may read.
pub async fn districts_on(
    client: &impl GenericClient,
    municipality: &MunicipalityCode,
    on: Date,
) -> Result<Vec<StoredDistrict>, ApiError> {
    Ok(repo::valid_on(client, municipality, on).await?)
}
