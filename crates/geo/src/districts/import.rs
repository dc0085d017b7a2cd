//! Districts from a GeoJSON file (an admin's upload in the web app): a FeatureCollection whose features
//! each carry a Polygon or MultiPolygon and the properties `code` and `name`, all valid from one date.
//! Every feature is checked before anything is written; then all are created in one unit of work
//! through [`create_district`], as the API creates one, or none is.

use std::collections::HashSet;

use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, FieldError};
use jiff::civil::Date;
use serde_json::Value;

use super::create_district;
use super::model::NewDistrict;
use super::repo::StoredDistrict;

/// At most this many districts in one file (a municipality has a handful).
pub const MAX_FEATURES: usize = 500;
/// At most this many problems are reported at once.
const MAX_PROBLEMS: usize = 20;

/// The field naming a member of the file's feature `index` (from 0), e.g. `features/2/properties/code`.
pub fn feature_field(index: usize, member: &str) -> String {
    format!("features/{index}/{member}")
}

/// The districts of a GeoJSON file, valid from `valid_from`; a 422 listing what is wrong (field `file`
/// for the file as a whole, `features/N/...` for one feature) when anything is.
pub fn parse_district_file(bytes: &[u8], valid_from: Date) -> Result<Vec<NewDistrict>, ApiError> {
    let file: Value = serde_json::from_slice(bytes).map_err(|_| ApiError::invalid("file", "is not JSON"))?;
    let features = match file.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match file.get("features").and_then(Value::as_array) {
            Some(features) => features.as_slice(),
            None => return Err(ApiError::invalid("file", "a FeatureCollection needs a features array")),
        },
        Some("Feature") => std::slice::from_ref(&file),
        _ => return Err(ApiError::invalid("file", "is not a GeoJSON FeatureCollection")),
    };
    if features.is_empty() {
        return Err(ApiError::invalid("file", "has no features"));
    }
    if features.len() > MAX_FEATURES {
        return Err(ApiError::invalid("file", format!("has more than {MAX_FEATURES} features")));
    }
    let mut problems = Vec::new();
    let mut districts = Vec::new();
    let mut codes = HashSet::new();
    for (index, feature) in features.iter().enumerate() {
        match parse_feature(index, feature, valid_from) {
            Ok(district) if !codes.insert(district.code.clone()) => problems
                .push(FieldError::new(feature_field(index, "properties/code"), "appears more than once in the file")),
            Ok(district) => districts.push(district),
            Err(ApiError::Unprocessable { errors, .. }) => problems.extend(errors),
            Err(other) => return Err(other),
        }
    }
    if problems.is_empty() {
        Ok(districts)
    } else {
        problems.truncate(MAX_PROBLEMS);
        Err(ApiError::invalid_fields(problems))
    }
}

/// One feature: its `code` and `name` properties and its geometry, checked as the API checks a district.
fn parse_feature(index: usize, feature: &Value, valid_from: Date) -> Result<NewDistrict, ApiError> {
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(ApiError::invalid(feature_field(index, "type"), "is not a GeoJSON Feature"));
    }
    let properties = feature.get("properties").and_then(Value::as_object);
    let mut missing = Vec::new();
    let mut text = |name: &'static str| match properties.and_then(|p| p.get(name)) {
        None | Some(Value::Null) => {
            missing.push(FieldError::new(feature_field(index, &format!("properties/{name}")), "is missing"));
            ""
        }
        Some(Value::String(text)) => text.as_str(),
        Some(_) => {
            missing.push(FieldError::new(feature_field(index, &format!("properties/{name}")), "must be text"));
            ""
        }
    };
    let (code, name) = (text("code"), text("name"));
    let geometry = feature.get("geometry").unwrap_or(&Value::Null);
    if geometry.is_null() {
        missing.push(FieldError::new(feature_field(index, "geometry"), "is missing"));
    }
    let parsed = NewDistrict::parse(code, name, valid_from, None, geometry);
    let errors = match parsed {
        Ok(district) if missing.is_empty() => return Ok(district),
        Ok(_) => Vec::new(),
        Err(ApiError::Unprocessable { errors, .. }) => errors,
        Err(other) => return Err(other),
    };
    // The API's fields named as members of the feature; a member already reported missing once only.
    let mut problems = missing;
    for error in errors {
        let member = match error.field.as_str() {
            "boundary" => "geometry".to_owned(),
            field => format!("properties/{field}"),
        };
        let field = feature_field(index, &member);
        if !problems.iter().any(|p| p.field == field) {
            problems.push(FieldError::new(field, error.message));
        }
    }
    Err(ApiError::invalid_fields(problems))
}

/// Creates every district of a file in the caller's unit of work: all of them or, on the first that
/// cannot be created (another version of its code valid during part of the period), none. That one is
/// named as the file's feature.
pub async fn import_districts(w: &mut Work<'_>, districts: &[NewDistrict]) -> Result<Vec<StoredDistrict>, ApiError> {
    let mut created = Vec::with_capacity(districts.len());
    for (index, district) in districts.iter().enumerate() {
        match create_district(w, district).await {
            Ok(stored) => created.push(stored),
            Err(ApiError::Conflict { .. }) => {
                return Err(ApiError::invalid(
                    feature_field(index, "properties/code"),
                    "another version of this district is valid during part of that period",
                ));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(created)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const FROM: Date = Date::constant(2023, 7, 1);

    fn square(x0: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[x0, 59.3], [x0 + 0.1, 59.3], [x0 + 0.1, 59.4], [x0, 59.4], [x0, 59.3]]]})
    }

    fn feature(code: Value, name: Value, geometry: Value) -> Value {
        json!({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry})
    }

    fn fields(result: Result<Vec<NewDistrict>, ApiError>) -> Vec<(String, String)> {
        match result {
            Err(ApiError::Unprocessable { errors, .. }) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    fn file(features: Vec<Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap()
    }

    #[test]
    fn a_collection_of_districts_with_code_and_name() {
        let bytes = file(vec![
            feature(json!("jarva"), json!("Järva"), square(17.9)),
            feature(json!("bromma"), json!("Bromma"), square(18.0)),
        ]);
        let districts = parse_district_file(&bytes, FROM).unwrap();
        let names: Vec<_> = districts.iter().map(|d| (d.code.as_str(), d.name.as_str(), d.valid_from)).collect();
        assert_eq!(names, vec![("jarva", "Järva", FROM), ("bromma", "Bromma", FROM)]);
    }

    #[test]
    fn a_file_that_is_not_geojson_is_refused_as_a_whole() {
        for bad in [&b"not json"[..], br#"{"type": "Polygon", "coordinates": []}"#, br#"[1, 2]"#] {
            assert_eq!(fields(parse_district_file(bad, FROM))[0].0, "file");
        }
        assert_eq!(fields(parse_district_file(&file(vec![]), FROM)), vec![("file".into(), "has no features".into())]);
    }

    #[test]
    fn every_bad_feature_is_named_by_its_place_in_the_file() {
        let bytes = file(vec![
            feature(json!("jarva"), json!("Järva"), square(17.9)),
            feature(Value::Null, json!("Utan kod"), square(18.0)),
            feature(json!("bromma"), Value::Null, square(18.1)),
            feature(
                json!("open"),
                json!("Öppen ring"),
                json!({"type": "Polygon", "coordinates": [[[18.0, 59.3], [18.1, 59.3], [18.1, 59.4], [18.0, 59.4]]]}),
            ),
            feature(json!("Versaler"), json!("Fel kod"), square(18.2)),
            feature(json!("jarva"), json!("Järva igen"), square(18.3)),
        ]);
        let problems = fields(parse_district_file(&bytes, FROM));
        let named: Vec<_> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(
            named,
            vec![
                "features/1/properties/code",
                "features/2/properties/name",
                "features/3/geometry",
                "features/4/properties/code",
                "features/5/properties/code"
            ]
        );
        assert_eq!(problems[0].1, "is missing", "a missing code is reported once, as missing");
        assert_eq!(problems[4].1, "appears more than once in the file");
    }
}
