//! Optimistic concurrency: a resource's ETag is its row version; a write with If-Match must name
//! the current version or gets 412.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::ApiError;

pub fn etag(version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// What an `If-Match` header may hold, as the OpenAPI document declares it (the server's contract
/// module puts it on every `if-match` parameter): `*`, or an ETag this API gives out (a quoted row
/// version, optionally weak). Anything else is a 400; a well-formed ETag of another version a 412.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[0-9]{1,9}")$"#;

/// The version named by If-Match, if the header is present. `*` means any version.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i32>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let malformed = || ApiError::BadRequest("If-Match must be * or an ETag this API gave out".into());
    let text = value.to_str().map_err(|_| malformed())?.trim();
    if text == "*" {
        return Ok(None);
    }
    let digits = text.strip_prefix("W/").unwrap_or(text).strip_prefix('"').and_then(|t| t.strip_suffix('"'));
    match digits {
        Some(d) if (1..=9).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) => {
            d.parse().map(Some).map_err(|_| malformed())
        }
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_versions() {
        let mut headers = HeaderMap::new();
        assert_eq!(if_match(&headers).ok(), Some(None));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("\"3\""));
        assert_eq!(if_match(&headers).ok(), Some(Some(3)));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("W/\"12\""));
        assert_eq!(if_match(&headers).ok(), Some(Some(12)));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("*"));
        assert_eq!(if_match(&headers).ok(), Some(None));
        let pattern = regex::Regex::new(IF_MATCH_PATTERN).unwrap();
        for bad in ["abc", "null", "3", "\"3", "\"-3\"", "\"\"", "\"1234567890\"", "W/3"] {
            headers.insert(header::IF_MATCH, HeaderValue::from_static(bad));
            assert!(if_match(&headers).is_err(), "{bad}");
            assert!(!pattern.is_match(bad), "{bad}");
        }
        for good in ["*", "\"0\"", "W/\"7\"", "\"123456789\""] {
            headers.insert(header::IF_MATCH, HeaderValue::from_static(good));
            assert!(if_match(&headers).is_ok(), "{good}");
            assert!(pattern.is_match(good), "{good}");
        }
    }
}
