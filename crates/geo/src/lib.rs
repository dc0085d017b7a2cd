//! Places: WGS84 locations, the city's districts (`stadsdelsområden`) with their date-versioned
//! boundaries, and which district a location lies in. Below every domain crate: apartments and
//! shelters are placed with `district_at`.

mod districts;

pub use districts::import::{import_districts, parse_district_file};
pub use districts::model::{Location, NewDistrict, parse_code as parse_district_code};
pub use districts::repo::StoredDistrict;
pub use districts::{all_districts, create_district, district_at, districts_on};

use hemvist_platform::AppState;
use hemvist_platform::auth::Role;

/// May create, change and delete districts (every role reads them).
pub const MANAGE_DISTRICTS: &[Role] = &[Role::Admin];
use utoipa_axum::router::OpenApiRouter;

/// The districts endpoints.
pub fn router() -> OpenApiRouter<AppState> {
    districts::http::router()
}
