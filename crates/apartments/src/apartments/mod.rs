//! The apartments the city holds first-hand: their description, location and district, status, and
//! the stock report.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;
pub(crate) mod reports;

use hemvist_platform::{ApiError, Work};
use uuid::Uuid;

use model::ApartmentStatus;

/// Who may read the stock and its map (as `GET /api/v1/apartments/map`).
pub const READ_STOCK: &[hemvist_platform::auth::Role] = crate::access::READ_STOCK;

/// An apartment of the stock as a map shows it: no tenant data.
#[derive(Debug, Clone)]
pub struct StockPoint {
    pub id: Uuid,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub district_code: String,
    pub rooms: f64,
    /// As shown to the caller: a protected home is `unavailable` (or `returned_to_landlord`) to roles
    /// that may not see protected addresses.
    pub status: ApartmentStatus,
    pub wheelchair_accessible: bool,
}

/// The apartments still in the stock that the caller may see, by address: the map of
/// `GET /api/v1/apartments/map` and of the web app, with the same scope and masking.
pub async fn stock_map(w: &mut Work<'_>) -> Result<Vec<StockPoint>, ApiError> {
    let apartments = repo::all_in_stock(w.tx(), &http::scope(w.principal())).await?;
    Ok(apartments
        .into_iter()
        .map(|a| StockPoint {
            id: a.id,
            address: a.address,
            lat: a.lat,
            lon: a.lon,
            district_code: a.district_code,
            rooms: a.rooms,
            status: a.status,
            wheelchair_accessible: a.wheelchair_accessible,
        })
        .collect())
}
