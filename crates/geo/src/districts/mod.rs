//! Districts (`stadsdelsområden`): date-versioned reference data with GeoJSON boundaries; a location's
//! district is found by point-in-polygon.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

use hemvist_platform::db::GenericClient;
use hemvist_platform::{ApiError, MunicipalityCode};
use jiff::civil::Date;

use model::{Boundary, Location};
use repo::StoredDistrict;

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
