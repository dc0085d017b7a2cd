//! Optimistic concurrency: a resource's ETag is its row version; a write with If-Match must name
//! the current version or gets 412.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::ApiError;

pub fn etag(version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// A version no row has (versions start at 1).
pub const NO_VERSION: i32 = 0;

/// The version named by If-Match, if the header is present; `*` means any version (None).
///
/// As RFC 9110 reads If-Match: a list of entity tags, true when one of them is the current one. The
/// ETags this API gives out are quoted row versions (`"3"`, or weak `W/"3"`, from 1 up); a list
/// naming none of them, or naming two versions, is read as [`NO_VERSION`], which no row has: the write
/// answers 412 where it would compare versions, after the input is validated (a 422 comes first). A
/// value that is not text is a 400.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i32>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| ApiError::BadRequest("If-Match is not text".into()))?;
    let tags: Vec<&str> = text.split(',').map(str::trim).collect();
    if tags.contains(&"*") {
        return Ok(None);
    }
    let mut versions = tags.iter().filter_map(|tag| version_of(tag));
    match (versions.next(), versions.next()) {
        (Some(version), None) => Ok(Some(version)),
        (Some(first), Some(second)) if first == second && versions.all(|v| v == first) => Ok(Some(first)),
        _ => Ok(Some(NO_VERSION)),
    }
}

/// The row version an entity tag names, if it is one this API gives out.
fn version_of(tag: &str) -> Option<i32> {
    let digits = tag.strip_prefix("W/").unwrap_or(tag).strip_prefix('"')?.strip_suffix('"')?;
    if (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
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
        for (value, version) in
            [("\"3\"", Some(3)), ("W/\"12\"", Some(12)), ("*", None), ("\"x\", *", None), ("\"4\", W/\"4\"", Some(4))]
        {
            headers.insert(header::IF_MATCH, HeaderValue::from_static(value));
            assert_eq!(if_match(&headers).ok(), Some(version), "{value}");
        }
        // Nothing this API gave out, or two versions at once: the condition cannot hold.
        for value in ["abc", "null", "3", "\"3", "\"-3\"", "\"\"", "\"1234567890\"", "W/3", "\"1\", \"2\""] {
            headers.insert(header::IF_MATCH, HeaderValue::from_static(value));
            assert_eq!(if_match(&headers).ok(), Some(Some(NO_VERSION)), "{value}");
        }
    }
}
