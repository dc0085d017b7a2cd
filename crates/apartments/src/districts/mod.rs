//! Districts (`stadsdelsområden`): date-versioned reference data with GeoJSON boundaries; a location's
//! district is found by point-in-polygon.

pub mod http;
pub mod model;
pub mod repo;
