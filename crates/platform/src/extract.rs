//! Request extractors whose rejections are problem+json instead of axum's plain text.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use serde::de::DeserializeOwned;

use crate::ApiError;

/// JSON body in, JSON body out.
///
/// A body is read as JSON Schema reads it, as the OpenAPI document describes it: a number with a zero
/// fraction (`1.0`) is an integer, so it fills an integer field. A value that does not fit its field is
/// a 422 naming the field by its path (`eligibility.min_age`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(mut value) = axum::Json::<serde_json::Value>::from_request(request, state).await?;
        integral_numbers_as_integers(&mut value);
        serde_path_to_error::deserialize(value).map(Json).map_err(|error| {
            let path = error.path().to_string();
            let field = if path == "." { "body".to_owned() } else { path };
            ApiError::invalid(field, error.into_inner().to_string())
        })
    }
}

/// Replaces every float with a zero fraction that fits an `i64` (`2.0`, `-0.0`, `1e3`) by that integer.
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() < 9.0e18
            {
                // In range and without a fraction: the conversion is exact.
                #[allow(clippy::cast_possible_truncation)]
                let integer = float as i64;
                *number = integer.into();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(members) => members.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let detail = rejection.body_text();
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(detail),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(detail),
            StatusCode::UNPROCESSABLE_ENTITY => ApiError::invalid("body", detail),
            _ => ApiError::BadRequest(detail),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid("query", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_read_as_integers() {
        let mut value = serde_json::json!({"beds": 1.0, "nested": [{"n": -0.0}, 2.5, 1e3], "lat": 59.5, "big": 1e300});
        integral_numbers_as_integers(&mut value);
        assert_eq!(value, serde_json::json!({"beds": 1, "nested": [{"n": 0}, 2.5, 1000], "lat": 59.5, "big": 1e300}));
        #[derive(serde::Deserialize)]
        struct Input {
            beds: i32,
            lat: f64,
        }
        let input: Input = serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((input.beds, input.lat), (1, 59.5));
    }
}
