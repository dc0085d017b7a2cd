use geo::{Coord, Intersects, LineString, MultiPolygon, Point, Polygon};
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, FieldError, Validation};
use jiff::civil::Date;

/// A WGS84 location, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
}

impl Location {
    pub fn parse(lat: f64, lon: f64) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            errors.push(FieldError::new("lat", "must be a latitude between -90 and 90"));
        }
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            errors.push(FieldError::new("lon", "must be a longitude between -180 and 180"));
        }
        if errors.is_empty() { Ok(Self { lat, lon }) } else { Err(ApiError::invalid_fields(errors)) }
    }

    pub fn point(self) -> Point<f64> {
        Point::new(self.lon, self.lat)
    }
}

/// A district boundary: a GeoJSON Polygon or MultiPolygon in WGS84 with closed rings of valid positions.
#[derive(Debug, Clone)]
pub struct Boundary {
    shape: MultiPolygon<f64>,
    geojson: serde_json::Value,
}

impl Boundary {
    pub fn parse(field: &str, value: &serde_json::Value) -> Result<Self, ApiError> {
        let geometry: geojson::Geometry = serde_json::from_value(value.clone())
            .map_err(|e| ApiError::invalid(field, format!("is not a GeoJSON geometry: {e}")))?;
        let polygons = match &geometry.value {
            geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
            geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
            other => {
                return Err(ApiError::invalid(
                    field,
                    format!("must be a Polygon or MultiPolygon, not {}", other.type_name()),
                ));
            }
        };
        if polygons.is_empty() {
            return Err(ApiError::invalid(field, "must contain at least one polygon"));
        }
        let shape = polygons.into_iter().map(|rings| polygon(field, rings)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { shape: MultiPolygon::new(shape), geojson: value.clone() })
    }

    /// Points on the boundary line count as inside, so no address falls between two districts.
    pub fn covers(&self, location: Location) -> bool {
        self.shape.intersects(&location.point())
    }

    pub fn geojson(&self) -> &serde_json::Value {
        &self.geojson
    }
}

fn polygon(field: &str, rings: &[Vec<geojson::Position>]) -> Result<Polygon<f64>, ApiError> {
    let mut rings = rings.iter().map(|ring| ring_of(field, ring));
    let exterior = rings.next().ok_or_else(|| ApiError::invalid(field, "a polygon needs an exterior ring"))??;
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn ring_of(field: &str, positions: &[geojson::Position]) -> Result<LineString<f64>, ApiError> {
    if positions.len() < 4 {
        return Err(ApiError::invalid(field, "a ring needs at least four positions"));
    }
    let coords = positions
        .iter()
        .map(|position| match position.as_slice() {
            [lon, lat, ..] => Location::parse(*lat, *lon)
                .map(|l| Coord { x: l.lon, y: l.lat })
                .map_err(|_| ApiError::invalid(field, "positions must be [longitude, latitude] in WGS84")),
            _ => Err(ApiError::invalid(field, "a position needs longitude and latitude")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if coords.first() != coords.last() {
        return Err(ApiError::invalid(field, "a ring must end where it starts"));
    }
    Ok(LineString::new(coords))
}

/// A district code: lower-case letters, digits and hyphens, e.g. `jarva`, `sodermalm`.
pub fn parse_code(raw: &str) -> Result<String, ApiError> {
    let valid = !raw.is_empty()
        && raw.len() <= 40
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !raw.starts_with('-');
    if valid { Ok(raw.to_owned()) } else { Err(ApiError::invalid("code", "must be 1-40 of a-z, 0-9 and '-'")) }
}

/// A district version, validated.
#[derive(Debug, Clone)]
pub struct NewDistrict {
    pub code: String,
    pub name: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub boundary: Boundary,
}

impl NewDistrict {
    pub fn parse(
        code: &str,
        name: &str,
        valid_from: Date,
        valid_to: Option<Date>,
        boundary: &serde_json::Value,
    ) -> Result<Self, ApiError> {
        let mut v = Validation::default();
        let code = v.keep(parse_code(code));
        let name = v.keep(clean_text("name", name, 200, false));
        let boundary = v.keep(Boundary::parse("boundary", boundary));
        if valid_to.is_some_and(|to| to <= valid_from) {
            v.push("valid_to", "must be after valid_from");
        }
        match (code, name, boundary) {
            (Some(code), Some(name), Some(boundary)) if v.is_empty() => {
                Ok(Self { code, name, valid_from, valid_to, boundary })
            }
            _ => Err(v.finish().err().unwrap_or_else(|| ApiError::invalid("body", "invalid district"))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square(x0: f64, y0: f64, size: f64) -> serde_json::Value {
        json!({"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]})
    }

    #[test]
    fn polygon_covers_inside_and_edge_not_outside() {
        let b = Boundary::parse("boundary", &square(18.0, 59.3, 0.1)).unwrap();
        assert!(b.covers(Location::parse(59.35, 18.05).unwrap()));
        assert!(b.covers(Location::parse(59.3, 18.05).unwrap()));
        assert!(!b.covers(Location::parse(59.45, 18.05).unwrap()));
    }

    #[test]
    fn hole_is_outside() {
        let with_hole = json!({"type": "Polygon", "coordinates": [
            [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]],
            [[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]]]});
        let b = Boundary::parse("boundary", &with_hole).unwrap();
        assert!(!b.covers(Location::parse(5.0, 5.0).unwrap()));
        assert!(b.covers(Location::parse(2.0, 2.0).unwrap()));
    }

    #[test]
    fn rejects_bad_geometry_without_panicking() {
        for bad in [
            json!({"type": "Point", "coordinates": [1.0, 2.0]}),
            json!({"type": "Polygon", "coordinates": [[[0.0], [1.0, 1.0], [1.0, 0.0], [0.0]]]}),
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.5, 0.5]]]}),
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]}),
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 100.0], [1.0, 0.0], [0.0, 0.0]]]}),
            json!({"type": "MultiPolygon", "coordinates": []}),
            json!("nonsense"),
        ] {
            assert!(Boundary::parse("boundary", &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn location_ranges() {
        assert!(Location::parse(91.0, 0.0).is_err());
        assert!(Location::parse(0.0, -181.0).is_err());
        assert!(Location::parse(f64::NAN, 0.0).is_err());
        assert!(Location::parse(59.33, 18.06).is_ok());
    }

    #[test]
    fn new_district_collects_all_errors() {
        let from = Date::constant(2023, 7, 1);
        let err = NewDistrict::parse("Bad Code", "", from, Some(from), &json!(null)).unwrap_err();
        match err {
            ApiError::Unprocessable { errors, .. } => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, vec!["code", "name", "boundary", "valid_to"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
