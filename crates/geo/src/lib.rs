//! Places: WGS84 locations, the city's districts (`stadsdelsområden`) with their date-versioned
//! boundaries, and which district a location lies in. Below every domain crate: apartments and
//! shelters are placed with `district_at`.

mod districts;

pub use districts::model::Location;
pub use districts::repo::StoredDistrict;
pub use districts::{district_at, districts_on};

use hemvist_platform::AppState;
use utoipa_axum::router::OpenApiRouter;

/// The districts endpoints.
pub fn router() -> OpenApiRouter<AppState> {
    districts::http::router()
}
