//! Optimistic concurrency: a resource's ETag is its row version; a write with If-Match must name
//! the current version or gets 412.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::ApiError;

pub fn etag(version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version named by If-Match, if the header is present. `*` means any version.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i32>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| ApiError::BadRequest("If-Match is not text".into()))?.trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| ApiError::BadRequest("If-Match must be an ETag this API gave out".into()))
}

/// Whether `If-None-Match` names `current` (an entity tag as given out, quoted) or is `*`: the client's
/// copy is current and the answer is 304 Not Modified. Weak comparison, as RFC 9110 asks for GET.
pub fn none_match(headers: &HeaderMap, current: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let current = bare(current);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|value| value.split(',').any(|tag| tag.trim() == "*" || bare(tag) == current))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_match_names_the_current_tag() {
        let mut headers = HeaderMap::new();
        assert!(!none_match(&headers, "\"7-a\""));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"6-a\", W/\"7-a\""));
        assert!(none_match(&headers, "\"7-a\""));
        assert!(!none_match(&headers, "\"8-a\""));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(none_match(&headers, "\"8-a\""));
    }

    #[test]
    fn parses_quoted_versions() {
        let mut headers = HeaderMap::new();
        assert_eq!(if_match(&headers).ok(), Some(None));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("\"3\""));
        assert_eq!(if_match(&headers).ok(), Some(Some(3)));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("abc"));
        assert!(if_match(&headers).is_err());
    }
}
