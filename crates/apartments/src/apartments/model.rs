use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, Validation};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::ToSchema;

use hemvist_geo::Location;

hemvist_platform::pg_enum! {
    pub enum ApartmentStatus {
        Available = "available",
        /// A sublet is offered.
        Offered = "offered",
        /// A sublet is active.
        Let = "let",
        /// Not lettable for a while (see `unavailable_reason`).
        Unavailable = "unavailable",
        /// The first-hand lease was given back to the housing company.
        ReturnedToLandlord = "returned_to_landlord",
        /// The tenant took over the first-hand lease: the apartment left the stock.
        Transferred = "transferred",
    }
}

impl ApartmentStatus {
    /// Whether a new sublet may be offered.
    pub fn accepts_leases(self) -> bool {
        matches!(self, Self::Available | Self::Offered | Self::Let)
    }

    /// Still held by the city: not returned to the landlord nor taken over by its tenant.
    pub fn in_stock(self) -> bool {
        !matches!(self, Self::ReturnedToLandlord | Self::Transferred)
    }
}

/// An apartment as a client describes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApartmentInput {
    #[schema(example = "Rinkebysvängen 12, 163 72 Spånga", min_length = 1, max_length = 500, pattern = "hemvist:line")]
    pub address: String,
    /// WGS84 latitude; the district is derived from the location.
    #[schema(example = 59.388)]
    pub lat: f64,
    #[schema(example = 17.925)]
    pub lon: f64,
    #[schema(example = 2.0)]
    pub rooms: f64,
    #[schema(example = 54.5)]
    pub area_sqm: f64,
    pub floor: i16,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    #[schema(example = 6200)]
    pub monthly_rent_sek: i32,
    /// The housing company holding the first-hand lease.
    #[schema(example = "Svenska Bostäder", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub landlord: String,
    #[schema(min_length = 1, max_length = 100, pattern = "hemvist:line")]
    pub first_hand_contract_ref: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub first_hand_start: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub first_hand_end: Option<Date>,
}

/// A validated apartment description.
#[derive(Debug, Clone)]
pub struct ApartmentRecord {
    pub address: String,
    pub location: Location,
    pub rooms: f64,
    pub area_sqm: f64,
    pub floor: i16,
    pub has_lift: bool,
    pub wheelchair_accessible: bool,
    pub monthly_rent_sek: i32,
    pub landlord: String,
    pub first_hand_contract_ref: Option<String>,
    pub first_hand_start: Date,
    pub first_hand_end: Option<Date>,
}

impl ApartmentInput {
    pub fn validate(self) -> Result<ApartmentRecord, ApiError> {
        let mut v = Validation::default();
        let address = v.keep(clean_text("address", &self.address, 500, false));
        let location = v.keep(Location::parse(self.lat, self.lon));
        let landlord = v.keep(clean_text("landlord", &self.landlord, 200, false));
        let reference = v.keep(
            self.first_hand_contract_ref
                .as_deref()
                .map(|r| clean_text("first_hand_contract_ref", r, 100, false))
                .transpose(),
        );
        if !(self.rooms.is_finite() && self.rooms > 0.0 && self.rooms <= 20.0) {
            v.push("rooms", "must be more than 0 and at most 20");
        }
        if !(self.area_sqm.is_finite() && self.area_sqm > 0.0 && self.area_sqm <= 1000.0) {
            v.push("area_sqm", "must be more than 0 and at most 1000");
        }
        if !(-5..=100).contains(&self.floor) {
            v.push("floor", "must be between -5 and 100");
        }
        if !(0..=100_000).contains(&self.monthly_rent_sek) {
            v.push("monthly_rent_sek", "must be between 0 and 100000");
        }
        if self.first_hand_end.is_some_and(|end| end <= self.first_hand_start) {
            v.push("first_hand_end", "must be after first_hand_start");
        }
        match (address, location, landlord, reference) {
            (Some(address), Some(location), Some(landlord), Some(first_hand_contract_ref)) if v.is_empty() => {
                Ok(ApartmentRecord {
                    address,
                    location,
                    rooms: self.rooms,
                    area_sqm: self.area_sqm,
                    floor: self.floor,
                    has_lift: self.has_lift,
                    wheelchair_accessible: self.wheelchair_accessible,
                    monthly_rent_sek: self.monthly_rent_sek,
                    landlord,
                    first_hand_contract_ref,
                    first_hand_start: self.first_hand_start,
                    first_hand_end: self.first_hand_end,
                })
            }
            _ => Err(v.finish().err().unwrap_or_else(|| ApiError::invalid("body", "invalid apartment"))),
        }
    }
}
